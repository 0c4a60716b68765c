// Data-movement and reduction kernels: Sum/Mean/Max/Min over axes, Tile, Transpose.
#include <node_api.h>

#include "js_tensor.h"

namespace disco {

// reduce(op, x, xShape, axes, outShape): outShape drops the reduced axes (JavaScript reshapes
// for keepDims).
DISCO_NATIVE_FN(reduce) {
  const std::string op = args.string(0);
  const at::Tensor x = args.floats(1, args.ints(2));
  const Shape axes = args.ints(3);
  const Shape outShape = args.ints(4);
  at::Tensor y;
  if (op == "Sum") y = at::sum(x, axes);
  else if (op == "Mean") y = at::mean(x, axes);
  else if (op == "Max") y = at::amax(x, axes);
  else if (op == "Min") y = at::amin(x, axes);
  else throw NativeError("reduce: op '" + op + "' is not supported");
  return toJs(args, y, outShape);
}

// tile(x, xShape, reps, outShape): numpy tile with one repetition count per axis.
DISCO_NATIVE_FN(tile) {
  const at::Tensor x = args.floats(0, args.ints(1));
  return toJs(args, x.repeat(args.ints(2)), args.ints(3));
}

// transpose(x, xShape, perm, outShape)
DISCO_NATIVE_FN(transpose) {
  const at::Tensor x = args.floats(0, args.ints(1));
  return toJs(args, x.permute(args.ints(2)), args.ints(3));
}

}  // namespace disco
