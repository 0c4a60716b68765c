// Crossing between JavaScript and libtorch: borrowing a tfjs cpu-backend Float32Array as an
// at::Tensor without copying, and handing a result tensor's memory to JavaScript as a
// Float32Array that keeps the tensor alive (freed when JavaScript collects it).
#pragma once

#include <node_api.h>
#include <ATen/ATen.h>

#include <stdexcept>
#include <string>
#include <vector>

namespace disco {

// An error whose message reaches JavaScript as a thrown Error.
struct NativeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

using Shape = std::vector<int64_t>;

std::string describe(const Shape& shape);

// The arguments of one call from JavaScript, read by position.
class Args {
 public:
  Args(napi_env env, napi_callback_info info, const char* fn);
  size_t size() const { return argc_; }
  bool isNull(size_t i) const;
  // A Float32Array argument viewed as a row-major tensor of `shape` (its length must match).
  at::Tensor floats(size_t i, const Shape& shape) const;
  // A Float32Array argument, or an undefined tensor when the argument is null/undefined.
  at::Tensor optionalFloats(size_t i, const Shape& shape) const;
  // An array of integers (JS array or Int32Array).
  Shape ints(size_t i) const;
  double number(size_t i) const;
  int64_t integer(size_t i) const { return static_cast<int64_t>(number(i)); }
  bool boolean(size_t i) const;
  std::string string(size_t i) const;
  napi_env env() const { return env_; }
  napi_value raw(size_t i) const { return at(i); }
  const char* fn() const { return fn_; }

 private:
  napi_value at(size_t i) const;
  napi_env env_;
  const char* fn_;
  napi_value argv_[16];
  size_t argc_ = 16;
};

// NHWC memory viewed as an NCHW tensor with channels-last strides (what oneDNN prefers).
inline at::Tensor nhwcAsNchw(const at::Tensor& nhwc) { return nhwc.permute({0, 3, 1, 2}); }
// An NCHW tensor viewed back as NHWC (contiguous when the tensor is channels-last).
inline at::Tensor nchwAsNhwc(const at::Tensor& nchw) { return nchw.permute({0, 2, 3, 1}); }

// Hands `t` (float32; copied to row-major if it is not) to JavaScript as a Float32Array.
// Fails unless its sizes equal `want`, so a shape disagreement with tfjs never goes unseen.
napi_value toJs(const Args& args, at::Tensor t, const Shape& want);

// Frees the lent result whose data starts at `data` (JavaScript disposed its tensor and holds
// no other view of it); false if nothing is lent there.
bool releaseLent(const void* data);
// How many results JavaScript holds (for leak checks).
size_t lentCount();

// Several results at once, as a JavaScript array of Float32Arrays.
napi_value toJsArray(const Args& args, const std::vector<std::pair<at::Tensor, Shape>>& outs);

// Wraps a native function body: C++ and libtorch errors become JavaScript exceptions.
napi_value guarded(napi_env env, const char* fn, napi_value (*body)(const Args&), napi_callback_info info);

// The module's exports. Every DISCO_NATIVE_FN adds itself when the library is loaded, so a new
// function needs no edit outside its own file (and binding.gyp's source list).
struct ExportedFn {
  const char* name;
  napi_callback fn;
};
std::vector<ExportedFn>& exportedFns();
struct RegisterExport {
  RegisterExport(const char* name, napi_callback fn) { exportedFns().push_back({name, fn}); }
};

}  // namespace disco

// Defines the exported `napi_value name(napi_env, napi_callback_info)` calling `name##Body(const Args&)`.
#define DISCO_NATIVE_FN(name)                                          \
  static napi_value name##Body(const disco::Args& args);               \
  napi_value name(napi_env env, napi_callback_info info) {             \
    return disco::guarded(env, #name, &name##Body, info);              \
  }                                                                    \
  static const disco::RegisterExport name##Export(#name, &name);       \
  static napi_value name##Body(const disco::Args& args)
