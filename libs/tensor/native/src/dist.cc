// Data-parallel training's collectives, on PyTorch's own distributed engine: c10d's
// ProcessGroupGloo over a TCPStore rendezvous (Debian's libtorch-dev ships c10d; its gloo
// headers come with libgloo-dev). One process group per process; every call blocks the calling
// thread (the trainer's engine thread) until all ranks have joined it or `timeoutMs` passes —
// then it throws, so a dead replica never leaves the others waiting forever.
#include <node_api.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "js_tensor.h"

#ifdef DISCO_WITH_C10D
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#endif

namespace disco {
namespace {

#ifdef DISCO_WITH_C10D
struct Group {
  int rank = 0;
  int worldSize = 1;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> pg;
};

std::unique_ptr<Group>& group() {
  static std::unique_ptr<Group> g;
  return g;
}

Group& joined(const char* fn) {
  if (!group()) throw NativeError(std::string(fn) + ": no process group: call distInit first");
  return *group();
}

napi_value undefinedValue(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

// Runs a collective; gloo's own errors (a peer gone, a timeout) become one readable line.
template <typename F>
void collective(const std::string& what, F run) {
  try {
    run();
  } catch (const c10::Error& e) {
    throw NativeError(what + " failed (a replica is gone or too slow): " + e.what_without_backtrace());
  } catch (const std::exception& e) {
    throw NativeError(what + " failed (a replica is gone or too slow): " + e.what());
  }
}
#endif

}  // namespace

// distInfo() → { available, reason, rank, worldSize }
DISCO_NATIVE_FN(distInfo) {
  napi_env env = args.env();
  napi_value out, available, reason, rank, world;
  napi_create_object(env, &out);
#ifdef DISCO_WITH_C10D
  napi_get_boolean(env, true, &available);
  napi_create_string_utf8(env, "", 0, &reason);
  napi_create_int32(env, group() ? group()->rank : 0, &rank);
  napi_create_int32(env, group() ? group()->worldSize : 1, &world);
#else
  napi_get_boolean(env, false, &available);
  const char* why = "the native addon was built without c10d's gloo backend (apt-get install libgloo-dev, then npm run build -w libs/tensor/native)";
  napi_create_string_utf8(env, why, NAPI_AUTO_LENGTH, &reason);
  napi_create_int32(env, 0, &rank);
  napi_create_int32(env, 1, &world);
#endif
  napi_set_named_property(env, out, "available", available);
  napi_set_named_property(env, out, "reason", reason);
  napi_set_named_property(env, out, "rank", rank);
  napi_set_named_property(env, out, "worldSize", world);
  return out;
}

#ifdef DISCO_WITH_C10D

// distInit(rank, worldSize, host, port, timeoutMs, prefix): rank 0 serves the TCPStore at
// host:port and waits for the others; every rank then builds the gloo group (its own address
// picked for `host`). `prefix` namespaces the store's keys (one per restart of the group).
DISCO_NATIVE_FN(distInit) {
  const int rank = static_cast<int>(args.integer(0)), world = static_cast<int>(args.integer(1));
  const std::string host = args.string(2);
  const int port = static_cast<int>(args.integer(3));
  const auto timeout = std::chrono::milliseconds(args.integer(4));
  const std::string prefix = args.string(5);
  if (world < 1 || rank < 0 || rank >= world) throw NativeError("distInit: rank " + std::to_string(rank) + " is not in 0…" + std::to_string(world - 1));
  if (group()) throw NativeError("distInit: this process already joined a group");
  auto g = std::make_unique<Group>();
  g->rank = rank;
  g->worldSize = world;
  try {
    c10d::TCPStoreOptions opts;
    opts.port = static_cast<uint16_t>(port);
    opts.isServer = rank == 0;
    opts.numWorkers = world;
    opts.waitWorkers = true;
    opts.timeout = timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(host, opts);
    g->store = c10::make_intrusive<c10d::PrefixStore>(prefix, tcp);
    auto options = c10d::ProcessGroupGloo::Options::create();
    options->timeout = timeout;
    options->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname(host));
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(g->store, rank, world, options);
  } catch (const std::exception& e) {
    const char* what = e.what();
    if (const auto* ce = dynamic_cast<const c10::Error*>(&e)) what = ce->what_without_backtrace();
    throw NativeError("rendezvous of " + std::to_string(world) + " trainer replicas at " + host + ":" + std::to_string(port) + " (rank " +
                      std::to_string(rank) + ") failed within " + std::to_string(timeout.count()) + " ms: " + what);
  }
  group() = std::move(g);
  return undefinedValue(args.env());
}

// distStoreSet(key, value)
DISCO_NATIVE_FN(distStoreSet) {
  Group& g = joined("distStoreSet");
  const std::string key = args.string(0), value = args.string(1);
  g.store->set(key, std::vector<uint8_t>(value.begin(), value.end()));
  return undefinedValue(args.env());
}

// distStoreGet(key) → string (waits up to the group's timeout for another rank to set it)
DISCO_NATIVE_FN(distStoreGet) {
  Group& g = joined("distStoreGet");
  const std::string key = args.string(0);
  std::vector<uint8_t> v;
  collective("reading store key " + key, [&] { v = g.store->get(key); });
  napi_value out;
  napi_create_string_utf8(args.env(), reinterpret_cast<const char*>(v.data()), v.size(), &out);
  return out;
}

// distAllreduce(values, length, average) → the sum (or mean) over ranks, a new array
DISCO_NATIVE_FN(distAllreduce) {
  Group& g = joined("distAllreduce");
  const int64_t n = args.integer(1);
  at::Tensor t = args.floats(0, {n}).clone();
  std::vector<at::Tensor> ts{t};
  collective("all-reduce", [&] { g.pg->allreduce(ts)->wait(); });
  if (args.boolean(2)) t.div_(g.worldSize);
  return toJs(args, t, {n});
}

// distAllreduceMany(arrays, average) → one flat array: the arrays concatenated (one copy, as
// DDP fills a bucket), summed (or averaged) over ranks in place. The caller views it in pieces.
DISCO_NATIVE_FN(distAllreduceMany) {
  Group& g = joined("distAllreduceMany");
  napi_env env = args.env();
  napi_value list = args.raw(0);
  uint32_t count = 0;
  if (napi_get_array_length(env, list, &count) != napi_ok) throw NativeError("distAllreduceMany: argument 0 is not an array");
  std::vector<std::pair<const float*, size_t>> parts;
  int64_t total = 0;
  for (uint32_t i = 0; i < count; i++) {
    napi_value item;
    napi_get_element(env, list, i, &item);
    napi_typedarray_type type;
    size_t length = 0;
    void* data = nullptr;
    if (napi_get_typedarray_info(env, item, &type, &length, &data, nullptr, nullptr) != napi_ok || type != napi_float32_array) {
      throw NativeError("distAllreduceMany: element " + std::to_string(i) + " is not a Float32Array");
    }
    parts.emplace_back(static_cast<const float*>(data), length);
    total += static_cast<int64_t>(length);
  }
  at::Tensor flat = at::empty({total}, at::kFloat);
  float* out = flat.data_ptr<float>();
  for (const auto& [data, length] : parts) {
    std::memcpy(out, data, length * sizeof(float));
    out += length;
  }
  std::vector<at::Tensor> ts{flat};
  collective("all-reduce", [&] { g.pg->allreduce(ts)->wait(); });
  if (args.boolean(1)) flat.div_(g.worldSize);
  return toJs(args, flat, {total});
}

// distAllgather(values, length) → [worldSize · length], rank 0's first
DISCO_NATIVE_FN(distAllgather) {
  Group& g = joined("distAllgather");
  const int64_t n = args.integer(1);
  std::vector<at::Tensor> in{args.floats(0, {n}).clone()};
  std::vector<std::vector<at::Tensor>> out(1);
  for (int r = 0; r < g.worldSize; r++) out[0].push_back(at::empty({n}, at::kFloat));
  collective("all-gather", [&] { g.pg->allgather(out, in)->wait(); });
  return toJs(args, at::cat(out[0]), {g.worldSize * n});
}

// distBroadcast(values, length, root) → root's values on every rank, a new array
DISCO_NATIVE_FN(distBroadcast) {
  Group& g = joined("distBroadcast");
  const int64_t n = args.integer(1);
  const int root = static_cast<int>(args.integer(2));
  std::vector<at::Tensor> ts{args.floats(0, {n}).clone()};
  c10d::BroadcastOptions opts;
  opts.rootRank = root;
  collective("broadcast", [&] { g.pg->broadcast(ts, opts)->wait(); });
  return toJs(args, ts[0], {n});
}

// distBarrier()
DISCO_NATIVE_FN(distBarrier) {
  Group& g = joined("distBarrier");
  collective("barrier", [&] { g.pg->barrier()->wait(); });
  return undefinedValue(args.env());
}

// distDestroy(): leaves the group (the store's server closes with rank 0's).
DISCO_NATIVE_FN(distDestroy) {
  group().reset();
  return undefinedValue(args.env());
}

#else

#define DISCO_NO_C10D(name)                                                                                   \
  DISCO_NATIVE_FN(name) {                                                                                     \
    throw NativeError(std::string(#name) + ": the native addon was built without c10d's gloo backend (apt-get install libgloo-dev, then npm run build -w libs/tensor/native)"); \
  }
DISCO_NO_C10D(distInit)
DISCO_NO_C10D(distStoreSet)
DISCO_NO_C10D(distStoreGet)
DISCO_NO_C10D(distAllreduce)
DISCO_NO_C10D(distAllreduceMany)
DISCO_NO_C10D(distAllgather)
DISCO_NO_C10D(distBroadcast)
DISCO_NO_C10D(distBarrier)
DISCO_NO_C10D(distDestroy)

#endif

}  // namespace disco
