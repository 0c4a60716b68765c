// BatchMatMul and _FusedMatMul (bias + activation) on at::matmul.
#include <node_api.h>

#include "activation.h"
#include "js_tensor.h"

namespace disco {

// matmul(a, aShape, b, bShape, transposeA, transposeB, outShape, bias|null, biasShape, activation, leakyAlpha, prelu|null, preluShape)
DISCO_NATIVE_FN(matmul) {
  at::Tensor a = args.floats(0, args.ints(1));
  at::Tensor b = args.floats(2, args.ints(3));
  if (args.boolean(4)) a = a.transpose(-1, -2);
  if (args.boolean(5)) b = b.transpose(-1, -2);
  const Shape outShape = args.ints(6);
  at::Tensor y = at::matmul(a, b);
  if (args.size() > 7 && !args.isNull(7)) y.add_(args.floats(7, args.ints(8)));
  if (args.size() > 9) {
    const at::Tensor prelu = args.size() > 11 ? args.optionalFloats(11, args.isNull(11) ? Shape{} : args.ints(12)) : at::Tensor();
    y = applyActivation(y, args.string(9), args.number(10), prelu);
  }
  return toJs(args, y, outShape);
}

}  // namespace disco
