#include "activation.h"

#include "js_tensor.h"

namespace disco {

at::Tensor applyActivation(at::Tensor y, const std::string& activation, double leakyAlpha, const at::Tensor& prelu) {
  if (activation == "linear" || activation.empty()) return y;
  if (activation == "relu") return y.relu_();
  if (activation == "relu6") return y.clamp_(0, 6);
  if (activation == "elu") return at::elu_(y);
  if (activation == "sigmoid") return y.sigmoid_();
  if (activation == "leakyrelu") return at::leaky_relu_(y, leakyAlpha);
  if (activation == "prelu") {
    if (!prelu.defined()) throw NativeError("prelu activation without its weights");
    return at::where(y < 0, y * prelu, y);
  }
  throw NativeError("activation '" + activation + "' is not supported");
}

}  // namespace disco
