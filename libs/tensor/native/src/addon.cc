// disco's native tfjs kernels over libtorch: the module's function table and thread setup.
// Threads: DISCO_NATIVE_THREADS (default 2) intra-op threads, one inter-op thread.
#include <node_api.h>
#include <ATen/Parallel.h>
#include <torch/version.h>

#include <algorithm>
#include <cstdlib>
#include <string>

#include "caching_allocator.h"
#include "gemm.h"
#include "js_tensor.h"

namespace disco {
namespace {

int threadsFromEnv() {
  const char* v = std::getenv("DISCO_NATIVE_THREADS");
  const int n = v ? std::atoi(v) : 0;
  return n > 0 ? n : 2;
}

// info() → { threads, mkldnn, torchVersion, cachedBytes, gemm }
DISCO_NATIVE_FN(info) {
  napi_env env = args.env();
  napi_value out, threads, mkldnn, version, cached;
  napi_create_object(env, &out);
  napi_create_int32(env, at::get_num_threads(), &threads);
  napi_get_boolean(env, at::hasMKLDNN(), &mkldnn);
  napi_create_string_utf8(env, TORCH_VERSION, NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, out, "threads", threads);
  napi_set_named_property(env, out, "mkldnn", mkldnn);
  napi_set_named_property(env, out, "torchVersion", version);
  napi_create_double(env, static_cast<double>(cachedAllocatorBytes()), &cached);
  napi_set_named_property(env, out, "cachedBytes", cached);
  napi_value gemm;
  napi_create_string_utf8(env, gemmImplementation(), NAPI_AUTO_LENGTH, &gemm);
  napi_set_named_property(env, out, "gemm", gemm);
  return out;
}

// setThreads(n): libtorch's intra-op thread count.
DISCO_NATIVE_FN(setThreads) {
  const int64_t n = args.integer(0);
  if (n < 1) throw NativeError("setThreads: " + std::to_string(n) + " is not a positive thread count");
  at::set_num_threads(static_cast<int>(n));
  return nullptr;
}

// release(float32Array) → whether its memory was lent by the addon and is now freed. JavaScript
// must not read the array afterwards (the 'native' backend copies on every read for this).
DISCO_NATIVE_FN(release) {
  void* data = nullptr;
  size_t length = 0;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(args.env(), args.raw(0), &type, &length, &data, nullptr, nullptr) != napi_ok) {
    throw NativeError("release: argument 0 is not a typed array");
  }
  napi_value out;
  napi_get_boolean(args.env(), length > 0 && releaseLent(data), &out);
  return out;
}

// lentCount() → how many results JavaScript still holds.
DISCO_NATIVE_FN(lentCount) {
  napi_value out;
  napi_create_double(args.env(), static_cast<double>(disco::lentCount()), &out);
  return out;
}

napi_value init(napi_env env, napi_value exports) {
  static bool threadsSet = false;
  if (!threadsSet) {
    installCachingAllocator();
    at::set_num_interop_threads(1);
    at::set_num_threads(threadsFromEnv());
    threadsSet = true;
  }
  // Every DISCO_NATIVE_FN of every file (they register themselves), in name order.
  std::vector<ExportedFn> exported = exportedFns();
  std::sort(exported.begin(), exported.end(), [](const ExportedFn& a, const ExportedFn& b) { return std::string(a.name) < b.name; });
  std::vector<napi_property_descriptor> fns;
  for (const ExportedFn& e : exported) {
    fns.push_back({e.name, nullptr, e.fn, nullptr, nullptr, nullptr, napi_default_jsproperty, nullptr});  // like a CommonJS export: writable, enumerable
  }
  napi_define_properties(env, exports, fns.size(), fns.data());
  return exports;
}

}  // namespace
}  // namespace disco

NAPI_MODULE(NODE_GYP_MODULE_NAME, disco::init)
