// libtorch's CPU allocator replaced by one that keeps freed large blocks for reuse, by size.
//
// Why: a training step allocates and frees the same few hundred block sizes every step. With
// plain malloc those blocks come back as fresh pages (page faults, zeroing) or not at all: Node
// keeps a small allocation of its own beside each block it wraps for JavaScript, so a freed
// block cannot merge with its neighbours and the heap grows by a block per result. Reusing a
// block of the very same size avoids both; PyTorch's GPU allocator works the same way.
//
// Blocks of at least kMinCached bytes are cached, up to DISCO_NATIVE_CACHE_MB megabytes in all
// (default 4096); smaller ones go straight to malloc/free.
//
// Every block is fenced: a guard word before its data and a guard line after its (rounded)
// size, checked whenever the block comes back. A kernel that wrote past its memory (oneDNN 2.6's
// strided 1×1 backward-weights did, see conv.cc) would otherwise corrupt the next block silently
// — with a cache of reused blocks, malloc's own checks never see it. A broken fence stops the
// process with a message naming the block, instead of training on memory someone overwrote.
#include "caching_allocator.h"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>

#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace disco {
namespace {

constexpr size_t kAlignment = 64;          // what oneDNN and libtorch's own allocator use
constexpr size_t kHeader = kAlignment;     // the block's size and a guard word, just before the data
constexpr size_t kTrailer = kAlignment;    // guard words just after the block's rounded size
constexpr size_t kMinCached = 64 * 1024;
constexpr uint64_t kGuard = 0xD15C0F3ACE5AFE11ull;

struct Header {
  size_t size;
  uint64_t guard;
};

void fence(char* base, size_t size) {
  Header* h = reinterpret_cast<Header*>(base);
  h->size = size;
  h->guard = kGuard;
  uint64_t* tail = reinterpret_cast<uint64_t*>(base + kHeader + size);
  for (size_t i = 0; i < kTrailer / sizeof(uint64_t); i++) tail[i] = kGuard;
}

// Stops the process if anything wrote over the block's fences.
void checkFence(const char* base) {
  const Header* h = reinterpret_cast<const Header*>(base);
  bool intact = h->guard == kGuard;
  const uint64_t* tail = reinterpret_cast<const uint64_t*>(base + kHeader + (intact ? h->size : 0));
  for (size_t i = 0; intact && i < kTrailer / sizeof(uint64_t); i++) intact = tail[i] == kGuard;
  if (intact) return;
  std::fprintf(stderr,
               "disco native: heap corruption: a kernel wrote outside the %zu-byte libtorch block at %p "
               "(its %s guard is overwritten). Stopping rather than training on corrupted memory; "
               "run `disco info` and report the CPU and DNNL_MAX_CPU_ISA.\n",
               h->guard == kGuard ? h->size : size_t(0), static_cast<const void*>(base + kHeader), h->guard == kGuard ? "trailing" : "leading");
  std::abort();
}

size_t cacheLimitBytes() {
  const char* v = std::getenv("DISCO_NATIVE_CACHE_MB");
  const long mb = v ? std::atol(v) : -1;
  return static_cast<size_t>(mb >= 0 ? mb : 4096) << 20;
}

class CachingCpuAllocator final : public c10::Allocator {
 public:
  c10::DataPtr allocate(size_t n) const override {
    void* data = take(n);
    return {data, data, &release, c10::Device(c10::DeviceType::CPU)};
  }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }

  static void* take(size_t n) {
    const size_t size = roundUp(n);
    if (size >= kMinCached) {
      std::lock_guard<std::mutex> lock(mutex());
      auto it = free().find(size);
      if (it != free().end() && !it->second.empty()) {
        char* base = it->second.back();
        it->second.pop_back();
        checkFence(base);  // nothing wrote into it while it was cached
        cached() -= size;
        return base + kHeader;
      }
    }
    void* base = nullptr;
    if (posix_memalign(&base, kAlignment, kHeader + size + kTrailer) != 0) throw std::bad_alloc();
    fence(static_cast<char*>(base), size);
    return static_cast<char*>(base) + kHeader;
  }

  static void release(void* data) {
    if (!data) return;
    char* base = static_cast<char*>(data) - kHeader;
    checkFence(base);
    const size_t size = reinterpret_cast<const Header*>(base)->size;
    if (size >= kMinCached) {
      std::lock_guard<std::mutex> lock(mutex());
      if (cached() + size <= limit()) {
        free()[size].push_back(base);
        cached() += size;
        return;
      }
    }
    std::free(base);
  }

  static size_t cachedBytes() {
    std::lock_guard<std::mutex> lock(mutex());
    return cached();
  }

 private:
  // Sizes rounded to 4 KiB pages (above kMinCached) so near-equal requests share a bucket.
  static size_t roundUp(size_t n) { return n < kMinCached ? (n + 63) & ~size_t(63) : (n + 4095) & ~size_t(4095); }
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }
  static std::unordered_map<size_t, std::vector<char*>>& free() {
    static std::unordered_map<size_t, std::vector<char*>> f;
    return f;
  }
  static size_t& cached() {
    static size_t c = 0;
    return c;
  }
  static size_t limit() {
    static const size_t l = cacheLimitBytes();
    return l;
  }
};

}  // namespace

void installCachingAllocator() {
  static CachingCpuAllocator allocator;
  c10::SetCPUAllocator(&allocator, /*priority=*/1);
}

bool ownedByLibtorch(const at::Tensor& t) {
  return t.storage().data_ptr().get_deleter() == &CachingCpuAllocator::release;
}

size_t cachedAllocatorBytes() { return CachingCpuAllocator::cachedBytes(); }

}  // namespace disco
