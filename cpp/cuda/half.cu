// The float16 copy of a float32 matrix and its products
// (linalg/cuda/half_operator.hpp says why and how it is scaled).
#include <cuda_fp16.h>

#include <cmath>
#include <cstdint>
#include <new>

#include "detail.cuh"
#include "linalg/cuda/half_operator.hpp"

namespace linalg::cuda {

struct HalfStorage {
  cudaStream_t stream = nullptr;
  __half* data = nullptr;
  index_t stored_rows = 0, stored_cols = 0;  // contiguous, ld = stored_rows
  bool trans = false;                         // the logical matrix is the stored one transposed
  int exponent = 0;                           // entries are scaled by 2^exponent
  ~HalfStorage() {
    if (data) cudaFreeAsync(data, stream);
  }
};

namespace {

constexpr unsigned kThreads = 256;
// 2^e ||X||_F <= 2^14: no entry reaches float16's largest, 65504.
constexpr int kTopExponent = 14;

// x (contiguous, 16-byte aligned) -> y, scaled, four entries per load.
__global__ void to_half_flat(const float* __restrict__ x, __half* __restrict__ y, index_t n, float scale) {
  const index_t start = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  const index_t stride = static_cast<index_t>(gridDim.x) * blockDim.x;
  const index_t n4 = n / 4;
  const float4* x4 = reinterpret_cast<const float4*>(x);
  __half2* y2 = reinterpret_cast<__half2*>(y);
  for (index_t v = start; v < n4; v += stride) {
    const float4 f = x4[v];
    y2[2 * v] = __floats2half2_rn(f.x * scale, f.y * scale);
    y2[2 * v + 1] = __floats2half2_rn(f.z * scale, f.w * scale);
  }
  for (index_t i = 4 * n4 + start; i < n; i += stride) y[i] = __float2half_rn(x[i] * scale);
}

// Stored rows x cols with leading dimension ld -> contiguous (ld = rows).
__global__ void to_half_strided(const float* __restrict__ x, index_t ld, __half* __restrict__ y, index_t rows,
                                index_t cols, float scale) {
  for (index_t j = blockIdx.y; j < cols; j += gridDim.y)
    for (index_t i = static_cast<index_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < rows;
         i += static_cast<index_t>(gridDim.x) * blockDim.x)
      y[i + j * rows] = __float2half_rn(x[i + j * ld] * scale);
}

// The stored block of X as contiguous float16, scaled by 2^e.
void convert(cudaStream_t s, DenseView<const float> X, __half* y, int e) {
  const index_t r = X.stored_rows(), c = X.stored_cols();
  if (r == 0 || c == 0) return;
  const float scale = std::ldexp(1.0f, e);
  const bool flat = (X.ld == r || c == 1) && reinterpret_cast<std::uintptr_t>(X.data) % 16 == 0;
  if (flat) {
    const index_t n = r * c;
    const unsigned blocks = static_cast<unsigned>(std::min<index_t>(std::max<index_t>((n / 4 + kThreads - 1) / kThreads, 1), 8192));
    to_half_flat<<<blocks, kThreads, 0, s>>>(X.data, y, n, scale);
  } else {
    const dim3 grid(blocks_for(r) > 64 ? 64 : blocks_for(r), static_cast<unsigned>(std::min<index_t>(c, 65535)));
    to_half_strided<<<grid, kThreads, 0, s>>>(X.data, X.ld, y, r, c, scale);
  }
  LINALG_LAUNCHED();
}

// The exponent e with 2^e ||X||_F <= 2^14, or false where it would leave
// [-60, 60] (so that the products' 2^-(e_A + e_X) is a normal float).
bool scale_exponent(double frob_sq, int& e) {
  if (!(frob_sq > 0.0) || !std::isfinite(frob_sq)) {
    e = 0;
    return frob_sq == 0.0;
  }
  e = kTopExponent - static_cast<int>(std::ceil(0.5 * std::log2(frob_sq)));
  // log2 may round up to the next integer: make sure 2^e ||X|| <= 2^14.
  while (std::ldexp(std::sqrt(frob_sq), e) > std::ldexp(1.0, kTopExponent)) --e;
  return e >= -60 && e <= 60;
}

__half* allocate_half(cudaStream_t s, index_t count) {
  void* p = nullptr;
  if (cudaMallocAsync(&p, sizeof(__half) * static_cast<std::size_t>(std::max<index_t>(count, 1)), s) != cudaSuccess) {
    cudaGetLastError();
    throw std::bad_alloc();
  }
  return static_cast<__half*>(p);
}

}  // namespace

HalfOperator HalfOperator::copy_of(const Cuda& ctx, DenseView<const float> A, double frob_sq) {
  HalfOperator out;
  int e = 0;
  if (!scale_exponent(frob_sq, e)) return out;
  const Handles& h = handles_of(ctx);
  Profile prof_(ctx.stream(), "half_copy");
  auto s = std::make_shared<HalfStorage>();
  s->stream = h.stream;
  s->stored_rows = A.stored_rows();
  s->stored_cols = A.stored_cols();
  s->trans = A.trans;
  s->exponent = e;
  try {
    s->data = allocate_half(h.stream, s->stored_rows * s->stored_cols);
  } catch (const std::bad_alloc&) {
    return out;  // the caller runs TF32 products on A itself
  }
  convert(h.stream, A, s->data, e);
  out.s_ = std::move(s);
  out.frob_sq_ = frob_sq;
  return out;
}

index_t HalfOperator::rows() const { return (s_->trans != transposed_) ? s_->stored_cols : s_->stored_rows; }
index_t HalfOperator::cols() const { return (s_->trans != transposed_) ? s_->stored_rows : s_->stored_cols; }

void HalfOperator::apply_oriented(const Cuda& ctx, bool tr, DenseView<const float> X, DenseView<float> Y) const {
  require(!Y.trans, "HalfOperator: Y must not be transposed");
  const bool op_t = (s_->trans != tr);  // cuBLAS op on the stored block
  const index_t m = op_t ? s_->stored_cols : s_->stored_rows, inner = op_t ? s_->stored_rows : s_->stored_cols;
  require(Y.rows == m && X.rows == inner && Y.cols == X.cols, "HalfOperator: shape mismatch");
  if (Y.rows == 0 || Y.cols == 0) return;
  // Through the default-math handle of ctx's stream: float16 products do
  // not depend on the TF32 switch (measured the same either way).
  const Cuda plain(ctx.stream());
  const Handles& h = handles_of(plain);
  int ex = 0;
  const double xf = ctx.frobenius_sq<float>(X);
  Profile prof_(ctx.stream(), "half_gemm");
  if (!scale_exponent(xf, ex) || xf == 0.0) {
    require(xf == 0.0, "HalfOperator: X has no finite float16 scaling");
    LINALG_CUDA(cudaMemset2DAsync(Y.data, sizeof(float) * std::max<index_t>(Y.ld, 1), 0, sizeof(float) * Y.rows,
                                  Y.cols, h.stream));
    return;
  }
  const index_t xr = X.stored_rows(), xc = X.stored_cols();
  Scratch xh(h.stream, sizeof(__half) * static_cast<std::size_t>(std::max<index_t>(xr * xc, 1)));
  convert(h.stream, X, xh.as<__half>(), ex);
  const float alpha = std::ldexp(1.0f, -(s_->exponent + ex)), beta = 0.0f;
  LINALG_CUBLAS(cublasGemmEx(h.blas, op_t ? CUBLAS_OP_T : CUBLAS_OP_N, X.trans ? CUBLAS_OP_T : CUBLAS_OP_N,
                             as_int(m, "rows"), as_int(Y.cols, "cols"), as_int(inner, "inner dimension"), &alpha,
                             s_->data, CUDA_R_16F, as_int(std::max<index_t>(s_->stored_rows, 1), "leading dimension"),
                             xh.as<__half>(), CUDA_R_16F, as_int(std::max<index_t>(xr, 1), "leading dimension"), &beta,
                             Y.data, CUDA_R_32F, as_int(std::max<index_t>(Y.ld, 1), "leading dimension"),
                             CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

}  // namespace linalg::cuda
