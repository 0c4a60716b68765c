// BatchMatMul and _FusedMatMul (bias + activation): each matrix product by gemm.h (oneDNN's
// sgemm), broadcast batch dimensions by at::matmul.
#include <node_api.h>

#include "activation.h"
#include "gemm.h"
#include "js_tensor.h"

namespace disco {

// matmul(a, aShape, b, bShape, transposeA, transposeB, outShape, bias|null, biasShape, activation, leakyAlpha, prelu|null, preluShape)
DISCO_NATIVE_FN(matmul) {
  at::Tensor a = args.floats(0, args.ints(1));
  at::Tensor b = args.floats(2, args.ints(3));
  if (args.boolean(4)) a = a.transpose(-1, -2);
  if (args.boolean(5)) b = b.transpose(-1, -2);
  const Shape outShape = args.ints(6);
  at::Tensor y;
  if (a.dim() == 2 && b.dim() == 2) {
    y = gemmNew(a, b);  // [M, N]
  } else if (a.dim() == b.dim() && a.sizes().slice(0, a.dim() - 2) == b.sizes().slice(0, b.dim() - 2)) {
    // Same batch dimensions: one GEMM per matrix.
    const int64_t batch = a.numel() / (a.size(-2) * a.size(-1));
    const at::Tensor a3 = a.reshape({batch, a.size(-2), a.size(-1)}), b3 = b.reshape({batch, b.size(-2), b.size(-1)});
    y = at::empty({batch, a.size(-2), b.size(-1)}, at::kFloat);
    for (int64_t i = 0; i < batch; i++) {
      at::Tensor yi = y.select(0, i);
      gemm(a3.select(0, i), b3.select(0, i), yi);
    }
    y = y.reshape(outShape);
  } else {
    y = at::matmul(a, b);  // broadcast batch dimensions
  }
  if (args.size() > 7 && !args.isNull(7)) y.add_(args.floats(7, args.ints(8)));
  if (args.size() > 9) {
    const at::Tensor prelu = args.size() > 11 ? args.optionalFloats(11, args.isNull(11) ? Shape{} : args.ints(12)) : at::Tensor();
    y = applyActivation(y, args.string(9), args.number(10), prelu);
  }
  return toJs(args, y, outShape);
}

}  // namespace disco
