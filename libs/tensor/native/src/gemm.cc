#include "gemm.h"

#include <dlfcn.h>

#include <cstdint>
#include <string>

#include "js_tensor.h"

namespace disco {
namespace {

// oneDNN's C API (dnnl.h; its headers are not installed with libdnnl2, so declared here).
using SgemmFn = int (*)(char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha, const float* a, int64_t lda,
                        const float* b, int64_t ldb, float beta, float* c, int64_t ldc);

SgemmFn findSgemm() {
  // libtorch_cpu links libdnnl.so.2 where it uses the system oneDNN: the symbol is already loaded.
  if (std::getenv("DISCO_NATIVE_GEMM") && std::string(std::getenv("DISCO_NATIVE_GEMM")) == "libtorch") return nullptr;
  void* sym = dlsym(RTLD_DEFAULT, "dnnl_sgemm");
  return reinterpret_cast<SgemmFn>(sym);
}

SgemmFn sgemm() {
  static const SgemmFn fn = findSgemm();
  return fn;
}

// A row-major matrix as BLAS sees it: transposed or not, and its leading dimension.
struct Operand {
  char trans;
  int64_t ld;
  const float* data;
};

bool operand(const at::Tensor& t, Operand& out) {
  if (t.dim() != 2 || t.scalar_type() != at::kFloat) return false;
  const int64_t r = t.size(0), c = t.size(1);
  if (t.stride(1) == 1 && (t.stride(0) >= c || r == 1)) {
    out = {'N', std::max<int64_t>(t.stride(0), std::max<int64_t>(c, 1)), t.data_ptr<float>()};
    return true;
  }
  if (t.stride(0) == 1 && (t.stride(1) >= r || c == 1)) {
    out = {'T', std::max<int64_t>(t.stride(1), std::max<int64_t>(r, 1)), t.data_ptr<float>()};
    return true;
  }
  return false;
}

}  // namespace

const char* gemmImplementation() { return sgemm() ? "onednn" : "libtorch"; }

void gemm(const at::Tensor& a, const at::Tensor& b, at::Tensor& c, float alpha, float beta) {
  const int64_t m = a.size(0), k = a.size(1), n = b.size(1);
  if (b.size(0) != k || c.size(0) != m || c.size(1) != n) {
    throw NativeError("gemm: [" + std::to_string(m) + "," + std::to_string(k) + "] x [" + std::to_string(b.size(0)) + "," +
                      std::to_string(n) + "] into [" + std::to_string(c.size(0)) + "," + std::to_string(c.size(1)) + "]");
  }
  Operand oa, ob;
  const bool cRowMajor = c.scalar_type() == at::kFloat && (c.stride(1) == 1 || n == 1) && c.stride(0) >= n;
  if (sgemm() && m > 0 && n > 0 && cRowMajor && operand(a, oa) && operand(b, ob)) {
    if (k == 0) {
      c.mul_(beta);
      return;
    }
    const int status = sgemm()(oa.trans, ob.trans, m, n, k, alpha, oa.data, oa.ld, ob.data, ob.ld, beta, c.data_ptr<float>(), c.stride(0));
    if (status != 0) throw NativeError("gemm: dnnl_sgemm failed with status " + std::to_string(status));
    return;
  }
  at::Tensor prod = at::mm(a, b);
  if (alpha != 1.f) prod.mul_(alpha);
  if (beta == 0.f) c.copy_(prod);
  else c.mul_(beta).add_(prod);
}

at::Tensor gemmNew(const at::Tensor& a, const at::Tensor& b) {
  at::Tensor c = at::empty({a.size(0), b.size(1)}, at::kFloat);
  gemm(a, b, c);
  return c;
}

}  // namespace disco
