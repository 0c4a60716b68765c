// tfjs's fused activations (FusedConv2D, _FusedMatMul) applied to a result libtorch owns.
#pragma once

#include <ATen/ATen.h>
#include <string>

namespace disco {

// `y` (owned by libtorch, NHWC-or-row-major view) with `activation` applied, in place where
// possible. `prelu` (tfjs shape, broadcast against y) is used only by 'prelu'.
at::Tensor applyActivation(at::Tensor y, const std::string& activation, double leakyAlpha, const at::Tensor& prelu);

}  // namespace disco
