// Conv2D / DepthwiseConv2dNative and their two backprops (tfjs NHWC + HWIO/HWCM layouts)
// on libtorch's at::convolution / at::convolution_backward (oneDNN for channels-last input).
//
// Every function takes a `spec` of 9 integers: [strideH, strideW, padTop, padBottom, padLeft,
// padRight, dilationH, dilationW, depthwise] — tfjs's convInfo, already resolved in JavaScript.
//
// A 1×1 convolution with a stride above 1 (ResNet's downsampling shortcut) never reaches
// libtorch strided: its input is subsampled here (every stride-th row and column, after any
// padding) and convolved with stride 1, and the input gradient is scattered back. Why: oneDNN
// 2.6 (Debian's libtorch 1.13) runs strided 1×1 convolutions through a "reduce to unit stride"
// workspace, and its jit_1x1 backward-weights kernel sizes that workspace for channel blocks
// while indexing it by channels for channels-last input: with fewer input channels than a block
// (8 on AVX2, 16 on AVX-512) it writes past the workspace — wrong weight gradients with several
// threads, heap corruption with one (uxlfoundation/oneDNN#6035; PyTorch itself shows it on
// channels-last tensors). Subsampling first is the same arithmetic that workspace performs, on
// every CPU, with no workspace at all.
#include <node_api.h>

#include "activation.h"
#include "js_tensor.h"

namespace disco {
namespace {

struct ConvSpec {
  int64_t sh, sw, pt, pb, pl, pr, dh, dw;
  bool depthwise;
  bool symmetric() const { return pt == pb && pl == pr; }
};

ConvSpec readSpec(const Args& args, size_t i) {
  Shape v = args.ints(i);
  if (v.size() != 9) throw NativeError(std::string(args.fn()) + ": conv spec needs 9 integers, got " + std::to_string(v.size()));
  return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8] != 0};
}

// tfjs HWIO (dense) or HWCM (depthwise) filter as libtorch's OIHW view.
at::Tensor filterOihw(const at::Tensor& filter, bool depthwise) {
  if (!depthwise) return filter.permute({3, 2, 0, 1});
  auto s = filter.sizes();  // [fh, fw, Ci, M]: output channel c·M + m belongs to group c
  return filter.reshape({s[0], s[1], 1, s[2] * s[3]}).permute({3, 2, 0, 1});
}

// libtorch's OIHW filter gradient back in tfjs's layout.
at::Tensor filterTfjs(const at::Tensor& oihw, const Shape& tfjsShape, bool depthwise) {
  at::Tensor hwio = oihw.permute({2, 3, 1, 0});
  return depthwise ? hwio.contiguous().reshape(tfjsShape) : hwio;
}

// libtorch pads symmetrically; tfjs's asymmetric 'same' padding is applied to the input instead.
at::Tensor padInput(const at::Tensor& nchw, const ConvSpec& s, double value = 0) {
  return at::constant_pad_nd(nchw, {s.pl, s.pr, s.pt, s.pb}, value).contiguous(at::MemoryFormat::ChannelsLast);
}

// Whether this geometry is a strided 1×1 convolution (see the file's header).
bool strided1x1(const ConvSpec& s, int64_t fh, int64_t fw) { return fh == 1 && fw == 1 && (s.sh > 1 || s.sw > 1); }

// The input a strided 1×1 convolution reads: padded, then every stride-th row and column,
// channels-last. [N, C, H', W'] with H', W' the convolution's output extent.
at::Tensor subsampled(const at::Tensor& nchw, const ConvSpec& s) {
  const at::Tensor padded = (s.pt || s.pb || s.pl || s.pr) ? at::constant_pad_nd(nchw, {s.pl, s.pr, s.pt, s.pb}, 0) : nchw;
  using at::indexing::None;
  using at::indexing::Slice;
  return padded.index({Slice(), Slice(), Slice(None, None, s.sh), Slice(None, None, s.sw)}).contiguous(at::MemoryFormat::ChannelsLast);
}

at::IntArrayRef unitStride() {
  static const int64_t ones[2] = {1, 1};
  return at::IntArrayRef(ones, 2);
}

at::IntArrayRef noOutputPadding() {
  static const int64_t zeros[2] = {0, 0};
  return at::IntArrayRef(zeros, 2);
}

}  // namespace

// conv2d(x, xShape, filter, filterShape, spec, outShape, bias|null, activation, leakyAlpha, prelu|null, preluShape)
DISCO_NATIVE_FN(conv2d) {
  const Shape xs = args.ints(1), fs = args.ints(3), outShape = args.ints(5);
  const ConvSpec s = readSpec(args, 4);
  at::Tensor x = nhwcAsNchw(args.floats(0, xs));
  const at::Tensor w = filterOihw(args.floats(2, fs), s.depthwise).contiguous();
  const int64_t groups = s.depthwise ? xs[3] : 1;
  at::Tensor y;
  if (strided1x1(s, fs[0], fs[1])) {
    y = at::convolution(subsampled(x, s), w, c10::nullopt, unitStride(), {0, 0}, unitStride(), false, noOutputPadding(), groups);
  } else {
    int64_t ph = s.pt, pw = s.pl;
    if (!s.symmetric()) {
      x = padInput(x, s);
      ph = pw = 0;
    }
    y = at::convolution(x, w, c10::nullopt, {s.sh, s.sw}, {ph, pw}, {s.dh, s.dw}, false, noOutputPadding(), groups);
  }
  at::Tensor out = nchwAsNhwc(y);  // [N, H', W', Co]
  if (args.size() > 6 && !args.isNull(6)) out.add_(args.floats(6, args.ints(7)));
  if (args.size() > 8) {
    const std::string act = args.string(8);
    const at::Tensor prelu = args.size() > 10 ? args.optionalFloats(10, args.isNull(10) ? Shape{} : args.ints(11)) : at::Tensor();
    out = applyActivation(out, act, args.number(9), prelu);
  }
  return toJs(args, out, outShape);
}

// conv2dBackpropInput(dy, dyShape, filter, filterShape, spec, inShape) → dx [N, H, W, Ci]
DISCO_NATIVE_FN(conv2dBackpropInput) {
  const Shape dys = args.ints(1), fs = args.ints(3), inShape = args.ints(5);
  const ConvSpec s = readSpec(args, 4);
  const at::Tensor dy = nhwcAsNchw(args.floats(0, dys));
  const at::Tensor w = filterOihw(args.floats(2, fs), s.depthwise).contiguous();
  const int64_t groups = s.depthwise ? inShape[3] : 1;
  const auto channelsLast = at::TensorOptions().dtype(at::kFloat).memory_format(at::MemoryFormat::ChannelsLast);
  if (strided1x1(s, fs[0], fs[1])) {
    // The gradient of the subsampled input, scattered to every stride-th cell of the padded input.
    const at::Tensor sub = at::empty({inShape[0], inShape[3], dys[1], dys[2]}, channelsLast);  // only its sizes are read
    const at::Tensor dsub = std::get<0>(at::convolution_backward(dy, sub, w, c10::nullopt, unitStride(), {0, 0}, unitStride(), false,
                                                                 noOutputPadding(), groups, {true, false, false}));
    const at::Tensor dpadded = at::zeros({inShape[0], inShape[3], inShape[1] + s.pt + s.pb, inShape[2] + s.pl + s.pr}, channelsLast);
    using at::indexing::None;
    using at::indexing::Slice;
    dpadded.index({Slice(), Slice(), Slice(None, None, s.sh), Slice(None, None, s.sw)}).copy_(dsub);
    const at::Tensor dx = dpadded.narrow(2, s.pt, inShape[1]).narrow(3, s.pl, inShape[2]);
    return toJs(args, nchwAsNhwc(dx), inShape);
  }
  const bool sym = s.symmetric();
  const int64_t hp = inShape[1] + (sym ? 0 : s.pt + s.pb), wp = inShape[2] + (sym ? 0 : s.pl + s.pr);
  // Only its sizes and memory format are read.
  const at::Tensor input = at::empty({inShape[0], inShape[3], hp, wp}, channelsLast);
  at::Tensor dx = std::get<0>(at::convolution_backward(dy, input, w, c10::nullopt, {s.sh, s.sw}, {sym ? s.pt : 0, sym ? s.pl : 0},
                                                       {s.dh, s.dw}, false, noOutputPadding(), groups, {true, false, false}));
  if (!sym) dx = dx.narrow(2, s.pt, inShape[1]).narrow(3, s.pl, inShape[2]);
  return toJs(args, nchwAsNhwc(dx), inShape);
}

// conv2dBackpropFilter(x, xShape, dy, dyShape, spec, filterShape) → dW in tfjs's filter layout
DISCO_NATIVE_FN(conv2dBackpropFilter) {
  const Shape xs = args.ints(1), dys = args.ints(3), fs = args.ints(5);
  const ConvSpec s = readSpec(args, 4);
  at::Tensor x = nhwcAsNchw(args.floats(0, xs));
  const at::Tensor dy = nhwcAsNchw(args.floats(2, dys));
  const int64_t groups = s.depthwise ? xs[3] : 1;
  int64_t sh = s.sh, sw = s.sw, ph = s.pt, pw = s.pl;
  if (strided1x1(s, fs[0], fs[1])) {
    x = subsampled(x, s);
    sh = sw = 1;
    ph = pw = 0;
  } else if (!s.symmetric()) {
    x = padInput(x, s);
    ph = pw = 0;
  }
  const int64_t co = s.depthwise ? fs[2] * fs[3] : fs[3], ci = s.depthwise ? 1 : fs[2];
  // Only its sizes are read.
  const at::Tensor weight = at::empty({co, ci, fs[0], fs[1]}, at::TensorOptions().dtype(at::kFloat));
  const at::Tensor dw = std::get<1>(at::convolution_backward(dy, x, weight, c10::nullopt, {sh, sw}, {ph, pw}, {s.dh, s.dw}, false,
                                                             noOutputPadding(), groups, {false, true, false}));
  return toJs(args, filterTfjs(dw, fs, s.depthwise), fs);
}

}  // namespace disco
