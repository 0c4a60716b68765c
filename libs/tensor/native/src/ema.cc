// The momentum (EMA) update of one key-encoder parameter in one pass: θ_k' = m·θ_k + (1−m)·θ_q
// (MoCo's `_momentum_update_key_encoder`), instead of three tfjs ops each reading and writing
// the whole tensor. Rounded as the composed ops round: m·θ_k and (1−m)·θ_q each to float, then
// their sum (no fused multiply-add: ISO C++ mode, where GCC does not contract).
#include <node_api.h>
#include <ATen/Parallel.h>

#include "js_tensor.h"

namespace disco {

// emaUpdate(key, query, length, m, oneMinusM) → key'
DISCO_NATIVE_FN(emaUpdate) {
  const Shape shape{static_cast<int64_t>(args.number(2))};
  const at::Tensor key = args.floats(0, shape), query = args.floats(1, shape);
  const float m = static_cast<float>(args.number(3)), rest = static_cast<float>(args.number(4));
  const float* __restrict k = key.data_ptr<float>();
  const float* __restrict q = query.data_ptr<float>();
  at::Tensor out = at::empty(shape, at::kFloat);
  float* __restrict o = out.data_ptr<float>();
  at::parallel_for(0, shape[0], 32768, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; i++) {
      const float kept = k[i] * m;
      const float taken = q[i] * rest;
      o[i] = kept + taken;
    }
  });
  return toJs(args, out, shape);
}

}  // namespace disco
