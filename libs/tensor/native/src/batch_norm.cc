// FusedBatchNorm with per-channel statistics (mean, variance, offset, scale of length C, the
// last axis of x) and its gradient in one pass over x instead of tfjs's dozen ops.
#include <node_api.h>

#include <cmath>
#include <vector>

#include <ATen/Parallel.h>

#include "channel_params.h"
#include "channel_sums.h"
#include "js_tensor.h"

namespace disco {

// batchNorm(x, xShape, mean, variance, offset|null, scale|null, epsilon) → y = (x − mean)·scale/√(var+ε) + offset
DISCO_NATIVE_FN(batchNorm) {
  const Shape xs = args.ints(1);
  const at::Tensor x = args.floats(0, xs);
  const int64_t c = xs.back(), rows = rowsOf(xs);
  const std::vector<float> mean = channelParam(args, 2, c, 0), var = channelParam(args, 3, c, 1);
  const std::vector<float> offset = channelParam(args, 4, c, 0), scale = channelParam(args, 5, c, 1);
  const double eps = args.number(6);
  std::vector<float> a(c);
  for (int64_t k = 0; k < c; k++) a[k] = static_cast<float>(scale[k] / std::sqrt(static_cast<double>(var[k]) + eps));
  at::Tensor y = at::empty(xs, at::TensorOptions().dtype(at::kFloat));
  const float* in = x.data_ptr<float>();
  float* out = y.data_ptr<float>();
  at::parallel_for(0, rows, std::max<int64_t>(1, 8192 / c), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* xr = in + r * c;
      float* yr = out + r * c;
      for (int64_t k = 0; k < c; k++) yr[k] = (xr[k] - mean[k]) * a[k] + offset[k];
    }
  });
  return toJs(args, y, xs);
}

// batchNormGrad(dy, x, xShape, mean, variance, scale|null, epsilon) →
// [dx, dMean, dVariance, dScale, dOffset], exactly tfjs's FusedBatchNorm gradient:
//   r = 1/√(var+ε); dx = dy·scale·r; dMean = −Σ dy·scale·r; dVar = −½ r³ Σ dy·scale·(x−mean);
//   dScale = r Σ dy·(x−mean); dOffset = Σ dy   (sums over every axis but the last).
DISCO_NATIVE_FN(batchNormGrad) {
  const Shape xs = args.ints(2);
  const at::Tensor dy = args.floats(0, xs);
  const at::Tensor x = args.floats(1, xs);
  const int64_t c = xs.back(), rows = rowsOf(xs);
  const std::vector<float> mean = channelParam(args, 3, c, 0), var = channelParam(args, 4, c, 1);
  const std::vector<float> scale = channelParam(args, 5, c, 1);
  const double eps = args.number(6);
  std::vector<double> r(c);
  std::vector<float> dxScale(c);
  for (int64_t k = 0; k < c; k++) {
    r[k] = 1.0 / std::sqrt(static_cast<double>(var[k]) + eps);
    dxScale[k] = static_cast<float>(scale[k] * r[k]);
  }
  const float* __restrict g = dy.data_ptr<float>();
  const float* __restrict in = x.data_ptr<float>();
  at::Tensor dx = at::empty(xs, at::TensorOptions().dtype(at::kFloat));
  float* __restrict out = dx.data_ptr<float>();
  // One pass: dx, and the channel sums of dy and dy·(x − mean).
  std::vector<double> sumDy, sumDyXc;
  channelSums(rows, c, sumDy, sumDyXc, [&](int64_t row, float* aDy, float* aDyXc) {
    const float* gr = g + row * c;
    const float* xr = in + row * c;
    float* dr = out + row * c;
    for (int64_t k = 0; k < c; k++) {
      dr[k] = gr[k] * dxScale[k];
      aDy[k] += gr[k];
      aDyXc[k] += gr[k] * (xr[k] - mean[k]);
    }
  });
  at::Tensor dMean = at::empty({c}, at::kFloat), dVar = at::empty({c}, at::kFloat);
  at::Tensor dScale = at::empty({c}, at::kFloat), dOffset = at::empty({c}, at::kFloat);
  float *pm = dMean.data_ptr<float>(), *pv = dVar.data_ptr<float>(), *ps = dScale.data_ptr<float>(), *po = dOffset.data_ptr<float>();
  for (int64_t k = 0; k < c; k++) {
    pm[k] = static_cast<float>(-r[k] * scale[k] * sumDy[k]);
    pv[k] = static_cast<float>(-0.5 * r[k] * r[k] * r[k] * scale[k] * sumDyXc[k]);
    ps[k] = static_cast<float>(r[k] * sumDyXc[k]);
    po[k] = static_cast<float>(sumDy[k]);
  }
  const Shape cs{c};
  return toJsArray(args, {{dx, xs}, {dMean, cs}, {dVar, cs}, {dScale, cs}, {dOffset, cs}});
}

}  // namespace disco
