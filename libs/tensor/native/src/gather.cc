// GatherV2 of float32 values along one axis (batchDims 0) on at::index_select: the Shuffle-BN
// substitute permutes each key batch with it, which in JavaScript took 20–60 ms a step.
#include <node_api.h>

#include "js_tensor.h"

namespace disco {

// gather(x, xShape, indices (Int32Array), axis, outShape) → x indexed along `axis`; the indices
// are checked against the axis' length (tfjs's cpu kernel checks too).
DISCO_NATIVE_FN(gather) {
  const Shape xs = args.ints(1);
  const at::Tensor x = args.floats(0, xs);
  const Shape idx = args.ints(2);
  const int64_t axis = args.integer(3);
  const Shape outShape = args.ints(4);
  const int64_t size = xs.at(axis);
  for (int64_t i : idx) {
    if (i < 0 || i >= size) throw NativeError("gather: index " + std::to_string(i) + " is not in [0, " + std::to_string(size - 1) + "]");
  }
  const at::Tensor index = at::tensor(idx, at::kLong);
  return toJs(args, at::index_select(x, axis, index).reshape(outShape), outShape);
}

}  // namespace disco
