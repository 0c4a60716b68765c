#include "js_tensor.h"

#include "caching_allocator.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <mutex>
#include <unordered_map>

namespace disco {

#define NAPI_OK(call)                                                       \
  do {                                                                      \
    if ((call) != napi_ok) throw NativeError(std::string(fn_) + ": " #call " failed"); \
  } while (0)

std::string describe(const Shape& shape) {
  std::ostringstream s;
  s << '[';
  for (size_t i = 0; i < shape.size(); i++) s << (i ? ", " : "") << shape[i];
  s << ']';
  return s.str();
}

Args::Args(napi_env env, napi_callback_info info, const char* fn) : env_(env), fn_(fn) {
  NAPI_OK(napi_get_cb_info(env, info, &argc_, argv_, nullptr, nullptr));
  if (argc_ > 16) throw NativeError(std::string(fn) + ": more than 16 arguments");
}

napi_value Args::at(size_t i) const {
  if (i >= argc_) throw NativeError(std::string(fn_) + ": argument " + std::to_string(i) + " is missing");
  return argv_[i];
}

bool Args::isNull(size_t i) const {
  if (i >= argc_) return true;
  napi_valuetype type;
  NAPI_OK(napi_typeof(env_, argv_[i], &type));
  return type == napi_null || type == napi_undefined;
}

at::Tensor Args::floats(size_t i, const Shape& shape) const {
  bool isTyped = false;
  NAPI_OK(napi_is_typedarray(env_, at(i), &isTyped));
  if (!isTyped) throw NativeError(std::string(fn_) + ": argument " + std::to_string(i) + " is not a Float32Array");
  napi_typedarray_type type;
  size_t length;
  void* data;
  NAPI_OK(napi_get_typedarray_info(env_, at(i), &type, &length, &data, nullptr, nullptr));
  if (type != napi_float32_array) throw NativeError(std::string(fn_) + ": argument " + std::to_string(i) + " is not a Float32Array");
  int64_t numel = 1;
  for (int64_t d : shape) numel *= d;
  if (static_cast<int64_t>(length) != numel) {
    throw NativeError(std::string(fn_) + ": argument " + std::to_string(i) + " has " + std::to_string(length) +
                      " values, shape " + describe(shape) + " needs " + std::to_string(numel));
  }
  // No deleter: the memory stays JavaScript's (toJs copies anything that still points here).
  return at::from_blob(data, shape, at::TensorOptions().dtype(at::kFloat));
}

at::Tensor Args::optionalFloats(size_t i, const Shape& shape) const {
  return isNull(i) ? at::Tensor() : floats(i, shape);
}

Shape Args::ints(size_t i) const {
  bool isArray = false;
  NAPI_OK(napi_is_array(env_, at(i), &isArray));
  Shape out;
  if (isArray) {
    uint32_t n;
    NAPI_OK(napi_get_array_length(env_, at(i), &n));
    out.reserve(n);
    for (uint32_t k = 0; k < n; k++) {
      napi_value v;
      double d;
      NAPI_OK(napi_get_element(env_, at(i), k, &v));
      NAPI_OK(napi_get_value_double(env_, v, &d));
      out.push_back(static_cast<int64_t>(d));
    }
    return out;
  }
  napi_typedarray_type type;
  size_t length;
  void* data;
  NAPI_OK(napi_get_typedarray_info(env_, at(i), &type, &length, &data, nullptr, nullptr));
  if (type != napi_int32_array) throw NativeError(std::string(fn_) + ": argument " + std::to_string(i) + " is not an integer array");
  const int32_t* p = static_cast<const int32_t*>(data);
  out.assign(p, p + length);
  return out;
}

double Args::number(size_t i) const {
  double d;
  NAPI_OK(napi_get_value_double(env_, at(i), &d));
  return d;
}

bool Args::boolean(size_t i) const {
  bool b;
  NAPI_OK(napi_get_value_bool(env_, at(i), &b));
  return b;
}

std::string Args::string(size_t i) const {
  size_t len = 0;
  NAPI_OK(napi_get_value_string_utf8(env_, at(i), nullptr, 0, &len));  // the length first: any size
  std::string out(len + 1, '\0');
  NAPI_OK(napi_get_value_string_utf8(env_, at(i), out.data(), out.size(), &len));
  out.resize(len);
  return out;
}

#undef NAPI_OK

namespace {

// Results lent to JavaScript, by data address. A result's memory goes back to libtorch either
// when JavaScript says its tensor is disposed (`releaseLent`: freed at once, as PyTorch frees)
// or, failing that, when the garbage collector drops its ArrayBuffer. Nothing small is left
// allocated beside a released block (the finalizer's hint is a number, not a pointer), so the
// allocator can hand the same block to the next result of that size.
struct Lent {
  at::Tensor tensor;
  uintptr_t id;
};

// V8 counts every ArrayBuffer's bytes as external memory and collects garbage whenever that
// count has grown by some tens of megabytes: with a training step's gigabytes of results, all
// freed at once by `releaseLent` rather than by the collector, that meant a full collection
// every few dozen milliseconds. So each lent buffer's bytes are taken off V8's count when it is
// made. (Adding them back when the collector drops the buffer set off the same storm: the
// finalizers run in batches.) The count then drifts low by what was lent; collections still
// run on the JavaScript heap's own growth, which every kernel call feeds.
void hideFromCollector(napi_env env, size_t bytes) {
  int64_t adjusted = 0;
  napi_adjust_external_memory(env, -static_cast<int64_t>(bytes), &adjusted);
}

std::unordered_map<const void*, Lent>& lentByAddress() {
  static std::unordered_map<const void*, Lent> lent;
  return lent;
}

// The addon may be loaded by several worker threads (one table for the process).
std::mutex& lentMutex() {
  static std::mutex m;
  return m;
}

uintptr_t nextLentId = 1;

void finalizeLent(napi_env, void* data, void* hint) {
  Lent ended;  // freed after the lock is released
  std::lock_guard<std::mutex> lock(lentMutex());
  auto& byAddress = lentByAddress();
  auto it = byAddress.find(data);
  // The address may meanwhile belong to a newer result: only the same loan is ended here.
  if (it != byAddress.end() && it->second.id == reinterpret_cast<uintptr_t>(hint)) {
    ended = std::move(it->second);
    byAddress.erase(it);
  }
}

bool isLent(const void* data) {
  std::lock_guard<std::mutex> lock(lentMutex());
  return lentByAddress().count(data) > 0;
}

}  // namespace

bool releaseLent(const void* data) {
  Lent ended;  // freed after the lock is released
  std::lock_guard<std::mutex> lock(lentMutex());
  auto& byAddress = lentByAddress();
  auto it = byAddress.find(data);
  if (it == byAddress.end()) return false;
  ended = std::move(it->second);
  byAddress.erase(it);
  return true;
}

size_t lentCount() {
  std::lock_guard<std::mutex> lock(lentMutex());
  return lentByAddress().size();
}

napi_value toJs(const Args& args, at::Tensor t, const Shape& want) {
  if (t.sizes() != c10::IntArrayRef(want)) {
    throw NativeError(std::string(args.fn()) + ": result has shape " + describe(t.sizes().vec()) + ", tfjs expects " + describe(want));
  }
  if (t.scalar_type() != at::kFloat) t = t.to(at::kFloat);
  t = t.contiguous();
  // A result that still points into JavaScript memory (an input passed through) is copied, and
  // so is one whose memory is already lent (two results of one call sharing storage): each loan
  // must own its block, or releasing one would free the other's memory under JavaScript.
  if (t.numel() > 0 && (!ownedByLibtorch(t) || isLent(t.data_ptr()))) t = t.clone();
  napi_env env = args.env();
  napi_value buffer;
  const size_t bytes = static_cast<size_t>(t.numel()) * sizeof(float);
  if (bytes == 0) {
    if (napi_create_arraybuffer(env, 0, nullptr, &buffer) != napi_ok) throw NativeError("toJs: napi_create_arraybuffer failed");
  } else {
    void* data = t.data_ptr();
    uintptr_t id;
    {
      std::lock_guard<std::mutex> lock(lentMutex());
      id = nextLentId++;
      lentByAddress()[data] = Lent{t, id};
    }
    if (napi_create_external_arraybuffer(env, data, bytes, finalizeLent, reinterpret_cast<void*>(id), &buffer) != napi_ok) {
      releaseLent(data);
      throw NativeError("toJs: napi_create_external_arraybuffer failed");
    }
    hideFromCollector(env, bytes);
  }
  napi_value array;
  if (napi_create_typedarray(env, napi_float32_array, t.numel(), buffer, 0, &array) != napi_ok) {
    throw NativeError("toJs: napi_create_typedarray failed");
  }
  return array;
}

napi_value toJsArray(const Args& args, const std::vector<std::pair<at::Tensor, Shape>>& outs) {
  napi_value array;
  if (napi_create_array_with_length(args.env(), outs.size(), &array) != napi_ok) throw NativeError("toJsArray: napi_create_array failed");
  for (size_t i = 0; i < outs.size(); i++) {
    if (napi_set_element(args.env(), array, i, toJs(args, outs[i].first, outs[i].second)) != napi_ok) {
      throw NativeError("toJsArray: napi_set_element failed");
    }
  }
  return array;
}

std::vector<ExportedFn>& exportedFns() {
  static std::vector<ExportedFn> fns;  // built before first use, whatever the files' load order
  return fns;
}

napi_value guarded(napi_env env, const char* fn, napi_value (*body)(const Args&), napi_callback_info info) {
  try {
    Args args(env, info, fn);
    return body(args);
  } catch (const c10::Error& e) {
    napi_throw_error(env, "DISCO_NATIVE", (std::string(fn) + ": libtorch: " + e.what_without_backtrace()).c_str());
  } catch (const std::exception& e) {
    napi_throw_error(env, "DISCO_NATIVE", e.what());
  }
  return nullptr;
}

}  // namespace disco
