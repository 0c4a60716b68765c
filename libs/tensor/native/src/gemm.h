// Single-precision GEMM for the addon's matrix products: oneDNN's dnnl_sgemm where libtorch
// brought oneDNN in as a shared library (Debian's does), else libtorch's at::mm.
//
// Why not at::mm: Debian's libtorch 1.13 hands float GEMMs to the system BLAS, which is the
// netlib reference implementation unless the user installs OpenBLAS — [64,128]×[128,65536]
// (MoCo's logits at the paper's K) takes 350 ms there, 18 ms in oneDNN's sgemm on the same two
// cores. Convolutions already run on oneDNN.
#pragma once

#include <ATen/ATen.h>

namespace disco {

// C = alpha · op(A) · op(B) + beta · C, all row-major float32 2-D tensors (C may be a row range
// of a wider matrix; A and B may be transposed views: their strides say so). Sizes must agree; checked.
void gemm(const at::Tensor& a, const at::Tensor& b, at::Tensor& c, float alpha = 1.f, float beta = 0.f);

// op(A)·op(B) as a new [M, N] tensor.
at::Tensor gemmNew(const at::Tensor& a, const at::Tensor& b);

// Which implementation `gemm` uses here: "onednn" or "libtorch".
const char* gemmImplementation();

}  // namespace disco
