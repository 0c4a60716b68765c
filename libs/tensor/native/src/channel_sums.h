// Per-channel sums over the rows of a [rows, C] layout (every axis but the last), split into
// chunks across libtorch's threads: float partial sums per 64 rows, doubles across them.
#pragma once

#include <ATen/Parallel.h>

#include <algorithm>
#include <vector>

namespace disco {

// For each row r, `visit(r, accA, accB)` adds that row's terms into two float[C] accumulators;
// returns the two per-channel totals (double). `visit` may also write its own outputs.
template <typename Visit>
void channelSums(int64_t rows, int64_t c, std::vector<double>& totalA, std::vector<double>& totalB, Visit visit) {
  const int64_t chunks = std::max<int64_t>(1, std::min<int64_t>(rows, at::get_num_threads() * 4));
  std::vector<double> partA(chunks * c, 0.0), partB(chunks * c, 0.0);
  at::parallel_for(0, chunks, 1, [&](int64_t cb, int64_t ce) {
    std::vector<float> accA(c), accB(c);
    for (int64_t chunk = cb; chunk < ce; chunk++) {
      double* sA = partA.data() + chunk * c;
      double* sB = partB.data() + chunk * c;
      const int64_t begin = rows * chunk / chunks, end = rows * (chunk + 1) / chunks;
      for (int64_t block = begin; block < end; block += 64) {
        std::fill(accA.begin(), accA.end(), 0.f);
        std::fill(accB.begin(), accB.end(), 0.f);
        const int64_t blockEnd = std::min(end, block + 64);
        for (int64_t r = block; r < blockEnd; r++) visit(r, accA.data(), accB.data());
        for (int64_t k = 0; k < c; k++) {
          sA[k] += accA[k];
          sB[k] += accB[k];
        }
      }
    }
  });
  totalA.assign(c, 0.0);
  totalB.assign(c, 0.0);
  for (int64_t chunk = 0; chunk < chunks; chunk++) {
    for (int64_t k = 0; k < c; k++) {
      totalA[k] += partA[chunk * c + k];
      totalB[k] += partB[chunk * c + k];
    }
  }
}

}  // namespace disco
