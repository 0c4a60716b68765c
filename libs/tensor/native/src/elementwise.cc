// Elementwise kernels: broadcasting binary ops and unary ops, float32 only (JavaScript routes
// every other dtype to the cpu kernels).
#include <node_api.h>

#include <cmath>

#include <ATen/Parallel.h>

#include "js_tensor.h"

namespace disco {

// binary(op, a, aShape, b, bShape, outShape): numpy broadcasting, as tfjs.
DISCO_NATIVE_FN(binary) {
  const std::string op = args.string(0);
  const at::Tensor a = args.floats(1, args.ints(2));
  const at::Tensor b = args.floats(3, args.ints(4));
  const Shape outShape = args.ints(5);
  at::Tensor y;
  if (op == "Add") y = at::add(a, b);
  else if (op == "Sub") y = at::sub(a, b);
  else if (op == "Multiply") y = at::mul(a, b);
  else if (op == "RealDiv") y = at::div(a, b);
  else if (op == "SquaredDifference") y = at::sub(a, b).square_();
  else if (op == "Maximum") y = at::maximum(a, b);
  else if (op == "Minimum") y = at::minimum(a, b);
  else throw NativeError("binary: op '" + op + "' is not supported");
  return toJs(args, y, outShape);
}

namespace {

// tfjs Step: NaN stays NaN, x > 0 → 1, else alpha.
at::Tensor step(const at::Tensor& x, float alpha) {
  at::Tensor y = at::empty_like(x, at::MemoryFormat::Contiguous);
  const at::Tensor xc = x.contiguous();
  const float* __restrict in = xc.data_ptr<float>();
  float* __restrict out = y.data_ptr<float>();
  at::parallel_for(0, x.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
    // Branch-free (random signs would mispredict every other element).
    for (int64_t i = begin; i < end; i++) {
      const float v = in[i];
      const float s = v > 0.f ? 1.0f : alpha;
      out[i] = v != v ? v : s;
    }
  });
  return y;
}

}  // namespace

// unary(op, x, xShape, alpha): elementwise, output shape = input shape.
DISCO_NATIVE_FN(unary) {
  const std::string op = args.string(0);
  const Shape shape = args.ints(2);
  const at::Tensor x = args.floats(1, shape);
  const double alpha = args.size() > 3 && !args.isNull(3) ? args.number(3) : 0;
  at::Tensor y;
  if (op == "Relu") y = at::relu(x);
  else if (op == "Relu6") y = at::clamp(x, 0, 6);
  else if (op == "Square") y = at::square(x);
  else if (op == "Sqrt") y = at::sqrt(x);
  else if (op == "Rsqrt") y = at::rsqrt(x);
  else if (op == "Neg") y = at::neg(x);
  else if (op == "Exp") y = at::exp(x);
  else if (op == "Log") y = at::log(x);
  else if (op == "Abs") y = at::abs(x);
  else if (op == "Sigmoid") y = at::sigmoid(x);
  else if (op == "Tanh") y = at::tanh(x);
  else if (op == "Elu") y = at::elu(x);
  else if (op == "LeakyRelu") y = at::leaky_relu(x, alpha);
  else if (op == "Step") y = step(x, static_cast<float>(alpha));
  else throw NativeError("unary: op '" + op + "' is not supported");
  return toJs(args, y, shape);
}

// elementwiseGrad(op, dy, x, shape): Relu → dy where x > 0, else 0 (threshold_backward);
// Relu6 → dy where 0 < x ≤ 6, else 0 (tfjs's mask: lessEqual(x, 6) · step(x));
// Square → dy · (x · 2), in tfjs's order of operations.
DISCO_NATIVE_FN(elementwiseGrad) {
  const std::string op = args.string(0);
  const Shape shape = args.ints(3);
  const at::Tensor dy = args.floats(1, shape), x = args.floats(2, shape);
  if (op == "Relu") return toJs(args, at::threshold_backward(dy, x, 0), shape);
  if (op != "Square" && op != "Relu6") throw NativeError("elementwiseGrad: op '" + op + "' is not supported");
  at::Tensor dx = at::empty(shape, at::kFloat);
  const float* __restrict g = dy.data_ptr<float>();
  const float* __restrict in = x.data_ptr<float>();
  float* __restrict out = dx.data_ptr<float>();
  if (op == "Relu6") {
    at::parallel_for(0, dx.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) out[i] = (in[i] > 0.0f && in[i] <= 6.0f) ? g[i] : 0.0f;
    });
    return toJs(args, dx, shape);
  }
  at::parallel_for(0, dx.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) out[i] = g[i] * (in[i] * 2.0f);
  });
  return toJs(args, dx, shape);
}

}  // namespace disco
