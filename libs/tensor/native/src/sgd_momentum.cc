// One momentum-SGD update of one parameter in one pass (torch.optim.SGD, dampening 0, no
// Nesterov), instead of five tfjs ops each reading and writing the whole tensor:
//   d = g + wd·θ;   buf' = momentum·buf + d;   θ' = θ − lr·buf'.
// Each line rounds to float as the composed ops do (no fused multiply-add: the build is ISO
// C++, where GCC does not contract), so the result equals the composition's.
#include <node_api.h>
#include <ATen/Parallel.h>

#include "js_tensor.h"

namespace disco {

// sgdMomentum(param, grad, buf, length, lr, momentum, weightDecay) → [param', buf']
DISCO_NATIVE_FN(sgdMomentum) {
  const Shape shape{static_cast<int64_t>(args.number(3))};
  const at::Tensor param = args.floats(0, shape), grad = args.floats(1, shape), buf = args.floats(2, shape);
  const float lr = static_cast<float>(args.number(4)), momentum = static_cast<float>(args.number(5));
  const float wd = static_cast<float>(args.number(6));
  const float* __restrict p = param.data_ptr<float>();
  const float* __restrict g = grad.data_ptr<float>();
  const float* __restrict b = buf.data_ptr<float>();
  at::Tensor paramOut = at::empty(shape, at::kFloat), bufOut = at::empty(shape, at::kFloat);
  float* __restrict po = paramOut.data_ptr<float>();
  float* __restrict bo = bufOut.data_ptr<float>();
  at::parallel_for(0, shape[0], 32768, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float decay = wd * p[i];
      const float d = wd != 0.f ? g[i] + decay : g[i];
      const float scaled = b[i] * momentum;
      const float next = scaled + d;
      bo[i] = next;
      const float step = next * lr;
      po[i] = p[i] - step;
    }
  });
  return toJsArray(args, {{paramOut, shape}, {bufOut, shape}});
}

}  // namespace disco
