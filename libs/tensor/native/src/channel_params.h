// The [rows, C] view of a channels-last tensor (every axis but the last is a row) and its
// per-channel parameters, shared by the BatchNorm ops.
#pragma once

#include <vector>

#include "js_tensor.h"

namespace disco {

// Rows of x when C is its last axis: the product of every other dimension.
inline int64_t rowsOf(const Shape& xs) {
  int64_t rows = 1;
  for (size_t i = 0; i + 1 < xs.size(); i++) rows *= xs[i];
  return rows;
}

// Argument `i` as a per-channel parameter of length C, or `fallback` everywhere when it is null.
inline std::vector<float> channelParam(const Args& args, size_t i, int64_t c, float fallback) {
  if (args.isNull(i)) return std::vector<float>(c, fallback);
  const at::Tensor t = args.floats(i, {c});
  const float* p = t.data_ptr<float>();
  return std::vector<float>(p, p + c);
}

}  // namespace disco
