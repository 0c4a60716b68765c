// Cross-entropy of a query against its positive and a queue of K keys, as one op each way:
// MoCo's InfoNCE (targets = the positive, column 0) and SEED's soft cross-entropy (targets = a
// distribution over the same 1+K columns). Without it the loss is built in JavaScript from a
// [N, 1+K] concat whose gradient (a split of that tensor) is a JavaScript kernel: 2.3 s per
// step at K = 65,536 (libtorch: milliseconds).
//
//   logits = [q·pos, q·queueᵀ] / T                                  [N, 1+K]
//   p      = softmax(logits)                                         [N, 1+K]
//   loss   = −(1/N) Σ_n Σ_j y_nj log p_nj   (y = one-hot(0) or the given targets)
//   ∂loss/∂q     = (1/(N·T)) · [(p₀ − y₀) ⊙ pos + (p_neg − y_neg) · queue]
//   ∂loss/∂pos   = (1/(N·T)) · (p₀ − y₀) ⊙ q
//   ∂loss/∂queue = (1/(N·T)) · (p_neg − y_neg)ᵀ · q
#include <node_api.h>

#include "gemm.h"
#include "js_tensor.h"

namespace disco {

namespace {

// (p − y) for the gradient: [N, 1+K].
at::Tensor residual(const at::Tensor& probs, const at::Tensor& targets) {
  if (targets.defined()) return probs - targets;
  at::Tensor r = probs.clone();
  r.select(1, 0).sub_(1.0);
  return r;
}

// (p₀ − y₀) ⊙ pos + (p_neg − y_neg) · queue, scaled already: [N, D].
at::Tensor dqOf(const at::Tensor& r0, const at::Tensor& rNeg, const at::Tensor& pos, const at::Tensor& queue) {
  at::Tensor dq = (r0 * pos).contiguous();
  gemm(rNeg, queue, dq, 1.f, 1.f);
  return dq;
}

}  // namespace

// queueCrossEntropy(q, pos, queue, N, D, K, T, targets) → [loss [1], probs [N·(1+K)]]; null targets = one-hot(0)
DISCO_NATIVE_FN(queueCrossEntropy) {
  const int64_t n = args.integer(3), d = args.integer(4), k = args.integer(5);
  const double t = args.number(6);
  const at::Tensor q = args.floats(0, {n, d}), pos = args.floats(1, {n, d}), queue = args.floats(2, {k, d});
  const at::Tensor targets = args.optionalFloats(7, {n, k + 1});
  at::Tensor logits = at::empty({n, k + 1}, at::kFloat);
  logits.select(1, 0).copy_((q * pos).sum(1));                // [N]
  at::Tensor lNeg = logits.narrow(1, 1, k);                    // [N, K] view, row stride 1+K
  gemm(q, queue.t(), lNeg);
  logits.div_(t);
  const at::Tensor logp = at::log_softmax(logits, 1);          // [N, 1+K]
  const at::Tensor loss = targets.defined() ? -(targets * logp).sum() / static_cast<double>(n)
                                            : -logp.select(1, 0).sum() / static_cast<double>(n);
  return toJsArray(args, {{loss.reshape({1}), {1}}, {logp.exp_(), {n, k + 1}}});
}

// queueCrossEntropyGrad(dy, q, pos, queue, probs, N, D, K, T, targets, which[3]) → [dq, dpos, dqueue]
// (an empty array for each input whose gradient `which` does not ask for)
DISCO_NATIVE_FN(queueCrossEntropyGrad) {
  const int64_t n = args.integer(5), d = args.integer(6), k = args.integer(7);
  const double t = args.number(8);
  const float dy = args.floats(0, {1}).item<float>();
  const at::Tensor q = args.floats(1, {n, d}), pos = args.floats(2, {n, d}), queue = args.floats(3, {k, d});
  const at::Tensor probs = args.floats(4, {n, k + 1});
  const at::Tensor targets = args.optionalFloats(9, {n, k + 1});
  const Shape which = args.ints(10);
  const at::Tensor r = residual(probs, targets).mul_(dy / (static_cast<double>(n) * t));  // [N, 1+K]
  const at::Tensor r0 = r.select(1, 0).unsqueeze(1);                                    // [N, 1]
  const at::Tensor rNeg = r.narrow(1, 1, k);                                            // [N, K]
  const at::Tensor none = at::empty({0}, at::kFloat);
  return toJsArray(args, {
      {which[0] ? dqOf(r0, rNeg, pos, queue) : none, which[0] ? Shape{n, d} : Shape{0}},       // [N, D]
      {which[1] ? r0 * q : none, which[1] ? Shape{n, d} : Shape{0}},                            // [N, D]
      {which[2] ? gemmNew(rNeg.t(), q) : none, which[2] ? Shape{k, d} : Shape{0}},                   // [K, D]
  });
}

}  // namespace disco
