// A size-bucketed caching CPU allocator for libtorch (see caching_allocator.cc for why).
#pragma once

#include <ATen/ATen.h>

#include <cstddef>

namespace disco {

// Makes it libtorch's CPU allocator; call once, before the first tensor is allocated.
void installCachingAllocator();

// Whether `t`'s memory came from this allocator (libtorch owns it); false for memory libtorch
// merely borrows (an input wrapped with at::from_blob).
bool ownedByLibtorch(const at::Tensor& t);

// Bytes held in the cache, free for reuse.
size_t cachedAllocatorBytes();

}  // namespace disco
