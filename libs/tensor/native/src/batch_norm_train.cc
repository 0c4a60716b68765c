// Training-mode BatchNorm as one op (what PyTorch's native_batch_norm does): batch statistics
// over every axis but the last, normalisation, and the full gradient, in two passes over x each
// way, instead of tfjs's moments + batchNorm composition (about six passes forward and a dozen
// ops backward).
#include <node_api.h>

#include <cmath>
#include <vector>

#include "channel_params.h"
#include "channel_sums.h"
#include "js_tensor.h"

namespace disco {

// batchNormTrain(x, xShape, scale|null, offset|null, epsilon) → [y, mean, variance]
// mean and the biased variance over every axis but the last; y = (x − mean)·scale/√(var+ε) + offset.
DISCO_NATIVE_FN(batchNormTrain) {
  const Shape xs = args.ints(1);
  const at::Tensor x = args.floats(0, xs);
  const int64_t c = xs.back(), rows = rowsOf(xs);
  const std::vector<float> scale = channelParam(args, 2, c, 1), offset = channelParam(args, 3, c, 0);
  const double eps = args.number(4);
  const float* __restrict in = x.data_ptr<float>();
  // Pass 1: Σd and Σd² of d = x − shift, shift = the first row (close to the mean, so
  // E[d²] − E[d]² does not cancel even when |mean| ≫ std; float within 64 rows, double across).
  const std::vector<float> shift(in, in + c);
  std::vector<double> sum, sumSq;
  channelSums(rows, c, sum, sumSq, [&](int64_t r, float* a, float* b) {
    const float* xr = in + r * c;
    for (int64_t k = 0; k < c; k++) {
      const float d = xr[k] - shift[k];
      a[k] += d;
      b[k] += d * d;
    }
  });
  at::Tensor mean = at::empty({c}, at::kFloat), variance = at::empty({c}, at::kFloat);
  float* pm = mean.data_ptr<float>();
  float* pv = variance.data_ptr<float>();
  std::vector<float> a(c);
  for (int64_t k = 0; k < c; k++) {
    const double md = sum[k] / rows, m = shift[k] + md, v = std::max(0.0, sumSq[k] / rows - md * md);
    pm[k] = static_cast<float>(m);
    pv[k] = static_cast<float>(v);
    const double scaleR = scale[k] / std::sqrt(v + eps);
    a[k] = static_cast<float>(scaleR);
  }
  // Pass 2: y = (x − mean)·a + offset (a = scale·r).
  at::Tensor y = at::empty(xs, at::kFloat);
  float* __restrict out = y.data_ptr<float>();
  at::parallel_for(0, rows, std::max<int64_t>(1, 16384 / c), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* xr = in + r * c;
      float* yr = out + r * c;
      for (int64_t k = 0; k < c; k++) yr[k] = (xr[k] - pm[k]) * a[k] + offset[k];
    }
  });
  const Shape cs{c};
  return toJsArray(args, {{y, xs}, {mean, cs}, {variance, cs}});
}

// batchNormTrainGrad(dy, x, xShape, scale|null, mean, variance, dMean|null, dVariance|null, epsilon)
// → [dx, dScale, dOffset], the gradient through the batch statistics too (M rows, r = 1/√(var+ε)):
//   dx = scale·r·dy − scale·r·Σdy/M − scale·r³·Σ(dy·(x−mean))·(x−mean)/M + 2·dVar·(x−mean)/M + dMean/M
//   dScale = r·Σ(dy·(x−mean)),  dOffset = Σdy.
DISCO_NATIVE_FN(batchNormTrainGrad) {
  const Shape xs = args.ints(2);
  const at::Tensor dy = args.floats(0, xs), x = args.floats(1, xs);
  const int64_t c = xs.back(), rows = rowsOf(xs);
  const std::vector<float> scale = channelParam(args, 3, c, 1), mean = channelParam(args, 4, c, 0), var = channelParam(args, 5, c, 1);
  const std::vector<float> dMeanIn = channelParam(args, 6, c, 0), dVarIn = channelParam(args, 7, c, 0);
  const double eps = args.number(8);
  const float* __restrict g = dy.data_ptr<float>();
  const float* __restrict in = x.data_ptr<float>();
  // Pass 1: Σdy and Σdy·(x − mean).
  std::vector<double> sumDy, sumDyXc;
  channelSums(rows, c, sumDy, sumDyXc, [&](int64_t r, float* a, float* b) {
    const float* gr = g + r * c;
    const float* xr = in + r * c;
    for (int64_t k = 0; k < c; k++) {
      a[k] += gr[k];
      b[k] += gr[k] * (xr[k] - mean[k]);
    }
  });
  at::Tensor dScale = at::empty({c}, at::kFloat), dOffset = at::empty({c}, at::kFloat);
  float* ps = dScale.data_ptr<float>();
  float* po = dOffset.data_ptr<float>();
  std::vector<float> kDy(c), kXc(c), k0(c);  // dx = kDy·dy + kXc·(x − mean) + k0
  for (int64_t k = 0; k < c; k++) {
    const double r = 1.0 / std::sqrt(static_cast<double>(var[k]) + eps), sr = scale[k] * r;
    kDy[k] = static_cast<float>(sr);
    kXc[k] = static_cast<float>((-sr * r * r * sumDyXc[k] + 2.0 * dVarIn[k]) / rows);
    k0[k] = static_cast<float>((dMeanIn[k] - sr * sumDy[k]) / rows);
    ps[k] = static_cast<float>(r * sumDyXc[k]);
    po[k] = static_cast<float>(sumDy[k]);
  }
  // Pass 2: dx.
  at::Tensor dx = at::empty(xs, at::kFloat);
  float* __restrict out = dx.data_ptr<float>();
  at::parallel_for(0, rows, std::max<int64_t>(1, 16384 / c), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; r++) {
      const float* gr = g + r * c;
      const float* xr = in + r * c;
      float* dr = out + r * c;
      for (int64_t k = 0; k < c; k++) dr[k] = kDy[k] * gr[k] + kXc[k] * (xr[k] - mean[k]) + k0[k];
    }
  });
  const Shape cs{c};
  return toJsArray(args, {{dx, xs}, {dScale, cs}, {dOffset, cs}});
}

}  // namespace disco
