// MaxPool / AvgPool and their gradients (tfjs NHWC semantics: padded cells never win a max
// and never count in an average's forward). `spec` is the 9-integer conv spec of conv.cc (depthwise 0).
#include <node_api.h>

#include <array>
#include <limits>

#include "js_tensor.h"

namespace disco {
namespace {

struct PoolSpec {
  int64_t fh, fw, sh, sw, pt, pb, pl, pr, dh, dw;
  bool anyPad() const { return pt || pb || pl || pr; }
  // Padding libtorch's max-pool applies itself (−inf, at most half the window, on both sides
  // alike): no padded copy of the input, no unpadding copy of the gradient.
  // Also only where libtorch's output extent is tfjs's (`out`: [N, H', W', C]).
  bool libtorchPads(const Shape& in, const Shape& out) const {
    const auto extent = [](int64_t size, int64_t pad, int64_t f, int64_t s, int64_t d) { return (size + 2 * pad - d * (f - 1) - 1) / s + 1; };
    return pt == pb && pl == pr && 2 * pt <= fh && 2 * pl <= fw && extent(in[1], pt, fh, sh, dh) == out[1] && extent(in[2], pl, fw, sw, dw) == out[2];
  }
};

PoolSpec readPool(const Args& args, size_t filterArg, size_t specArg) {
  const Shape f = args.ints(filterArg), v = args.ints(specArg);
  if (f.size() != 2 || v.size() != 9) throw NativeError(std::string(args.fn()) + ": pool needs 2 filter sizes and a 9-integer spec");
  return {f[0], f[1], v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]};
}

at::Tensor padNchw(const at::Tensor& x, const PoolSpec& p, double value) {
  if (!p.anyPad()) return x;
  return at::constant_pad_nd(x, {p.pl, p.pr, p.pt, p.pb}, value).contiguous(at::MemoryFormat::ChannelsLast);
}

at::Tensor unpad(const at::Tensor& x, const PoolSpec& p, int64_t h, int64_t w) {
  return p.anyPad() ? x.narrow(2, p.pt, h).narrow(3, p.pl, w) : x;
}

// How many real (unpadded) cells each output window covers: [1, 1, H', W'].
at::Tensor windowCounts(const PoolSpec& p, int64_t h, int64_t w) {
  const at::Tensor ones = padNchw(at::ones({1, 1, h, w}, at::kFloat), p, 0);
  return at::avg_pool2d(ones, {p.fh, p.fw}, {p.sh, p.sw}, 0, false, true, 1);
}

const double kMinusInf = -std::numeric_limits<double>::infinity();

}  // namespace

// maxPool(x, xShape, filter[2], spec, outShape)
DISCO_NATIVE_FN(maxPool) {
  const Shape xs = args.ints(1);
  const PoolSpec p = readPool(args, 2, 3);
  if (p.libtorchPads(xs, args.ints(4))) {
    const at::Tensor y = at::max_pool2d(nhwcAsNchw(args.floats(0, xs)), {p.fh, p.fw}, {p.sh, p.sw}, {p.pt, p.pl}, {p.dh, p.dw}, false);
    return toJs(args, nchwAsNhwc(y), args.ints(4));
  }
  const at::Tensor x = padNchw(nhwcAsNchw(args.floats(0, xs)), p, kMinusInf);
  const at::Tensor y = at::max_pool2d(x, {p.fh, p.fw}, {p.sh, p.sw}, 0, {p.dh, p.dw}, false);
  return toJs(args, nchwAsNhwc(y), args.ints(4));
}

// maxPoolGrad(dy, dyShape, x, xShape, filter[2], spec) → dx
DISCO_NATIVE_FN(maxPoolGrad) {
  const Shape dys = args.ints(1), xs = args.ints(3);
  const PoolSpec p = readPool(args, 4, 5);
  const at::Tensor dy = nhwcAsNchw(args.floats(0, dys));
  if (p.libtorchPads(xs, dys)) {
    const at::Tensor x = nhwcAsNchw(args.floats(2, xs));
    const std::array<int64_t, 2> pad{p.pt, p.pl};  // owned: an IntArrayRef of a braced list would dangle
    const auto [y, indices] = at::max_pool2d_with_indices(x, {p.fh, p.fw}, {p.sh, p.sw}, pad, {p.dh, p.dw}, false);
    const at::Tensor dx = at::max_pool2d_with_indices_backward(dy, x, {p.fh, p.fw}, {p.sh, p.sw}, pad, {p.dh, p.dw}, false, indices);
    return toJs(args, nchwAsNhwc(dx), xs);
  }
  const at::Tensor x = padNchw(nhwcAsNchw(args.floats(2, xs)), p, kMinusInf);
  const auto [y, indices] = at::max_pool2d_with_indices(x, {p.fh, p.fw}, {p.sh, p.sw}, 0, {p.dh, p.dw}, false);
  const at::Tensor dx = at::max_pool2d_with_indices_backward(dy, x, {p.fh, p.fw}, {p.sh, p.sw}, 0, {p.dh, p.dw}, false, indices);
  return toJs(args, nchwAsNhwc(unpad(dx, p, xs[1], xs[2])), xs);
}

// avgPool(x, xShape, filter[2], spec, outShape)
DISCO_NATIVE_FN(avgPool) {
  const Shape xs = args.ints(1);
  const PoolSpec p = readPool(args, 2, 3);
  const at::Tensor x = padNchw(nhwcAsNchw(args.floats(0, xs)), p, 0);
  at::Tensor y = at::avg_pool2d(x, {p.fh, p.fw}, {p.sh, p.sw}, 0, false, true, 1);
  if (p.anyPad()) y.div_(windowCounts(p, xs[1], xs[2]));
  else y.div_(static_cast<double>(p.fh * p.fw));
  return toJs(args, nchwAsNhwc(y), args.ints(4));
}

// avgPoolGrad(dy, dyShape, xShape, filter[2], spec) → dx. As tfjs's AvgPoolGrad (every backend),
// each window passes dy / (filter height · width) to each of its cells, also where the forward
// divided by fewer (a window reaching into 'same' padding): the kernel's semantics, kept.
DISCO_NATIVE_FN(avgPoolGrad) {
  const Shape dys = args.ints(1), xs = args.ints(2);
  const PoolSpec p = readPool(args, 3, 4);
  const at::Tensor dy = at::div(nhwcAsNchw(args.floats(0, dys)), static_cast<double>(p.fh * p.fw));
  const at::Tensor input = at::empty({xs[0], xs[3], xs[1] + p.pt + p.pb, xs[2] + p.pl + p.pr},
                                     at::TensorOptions().dtype(at::kFloat).memory_format(at::MemoryFormat::ChannelsLast));
  const at::Tensor dx = at::avg_pool2d_backward(dy, input, {p.fh, p.fw}, {p.sh, p.sw}, 0, false, true, 1);
  return toJs(args, nchwAsNhwc(unpad(dx, p, xs[1], xs[2])), xs);
}

}  // namespace disco
