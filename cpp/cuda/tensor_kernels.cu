// Primitives of the CUDA context for the Tucker code (and max_abs for the
// selection code): strided batched GEMMs (mode products on the slices of a
// middle mode), their sum (products with a middle-mode unfolding), batched
// (transposing) copies (the mode-first permutation), and a max-abs
// reduction.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "detail.cuh"

namespace linalg::cuda {

namespace {

constexpr unsigned kThreads = 256;
constexpr int kTile = 32, kTileRows = 8;

cublasOperation_t op_of(bool trans) { return trans ? CUBLAS_OP_T : CUBLAS_OP_N; }
int ld_of(index_t ld) { return as_int(std::max<index_t>(ld, 1), "leading dimension"); }

cublasStatus_t batched_call(cublasHandle_t h, cublasOperation_t a, cublasOperation_t b, int m, int n, int k,
                            const float* al, const float* A, int lda, long long sa, const float* B, int ldb,
                            long long sb, const float* be, float* C, int ldc, long long sc, int count) {
  return cublasSgemmStridedBatched(h, a, b, m, n, k, al, A, lda, sa, B, ldb, sb, be, C, ldc, sc, count);
}
cublasStatus_t batched_call(cublasHandle_t h, cublasOperation_t a, cublasOperation_t b, int m, int n, int k,
                            const double* al, const double* A, int lda, long long sa, const double* B, int ldb,
                            long long sb, const double* be, double* C, int ldc, long long sc, int count) {
  return cublasDgemmStridedBatched(h, a, b, m, n, k, al, A, lda, sa, B, ldb, sb, be, C, ldc, sc, count);
}

// C_b = alpha op(A_b) op(B_b) + beta C_b with C_b = C + b * sc (C.ld honoured).
template <class T>
void batched(const Handles& h, T alpha, DenseView<const T> A, index_t sa, DenseView<const T> B, index_t sb, T beta,
             T* C, index_t ldc, index_t sc, index_t rows, index_t cols, index_t count) {
  LINALG_CUBLAS(batched_call(h.blas, op_of(A.trans), op_of(B.trans), as_int(rows, "rows"), as_int(cols, "cols"),
                             as_int(A.cols, "inner dimension"), &alpha, A.data, ld_of(A.ld), static_cast<long long>(sa),
                             B.data, ld_of(B.ld), static_cast<long long>(sb), &beta, C, ld_of(ldc),
                             static_cast<long long>(sc), as_int(count, "batch count")));
}

// C = (first ? beta C : C) + alpha sum_b S_b for nb contiguous rows x cols
// blocks S_b; each entry summed in the order b = 0, 1, ... (deterministic).
template <class T>
__global__ void sum_batches_kernel(T alpha, const T* S, index_t rows, index_t cols, index_t nb, T beta, bool first,
                                   DenseView<T> C) {
  const index_t per = rows * cols;
  for (index_t t = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; t < per;
       t += static_cast<index_t>(gridDim.x) * blockDim.x) {
    const index_t i = t % rows, j = t / rows;
    T acc = T(0);
    for (index_t b = 0; b < nb; ++b) acc += S[t + b * per];
    T& c = C.data[i + j * C.ld];
    if (!first) c += alpha * acc;
    else if (beta == T(0)) c = alpha * acc;  // C is not read (BLAS semantics)
    else c = beta * c + alpha * acc;
  }
}

// dst_b(i, j) = src_b(i, j) through a shared tile, so that reads and writes
// both run along the stored (fast) axis of their view.
template <class T>
__global__ void copy_batched_kernel(DenseView<const T> src, index_t ss, DenseView<T> dst, index_t sd, index_t count) {
  __shared__ T tile[kTile][kTile + 1];
  const index_t m = dst.rows, n = dst.cols;
  const int tx = threadIdx.x, ty = threadIdx.y;
  for (index_t b = blockIdx.z; b < count; b += gridDim.z) {
    DenseView<const T> s = src;
    s.data += b * ss;
    DenseView<T> d = dst;
    d.data += b * sd;
    for (index_t j0 = static_cast<index_t>(blockIdx.y) * kTile; j0 < n; j0 += static_cast<index_t>(gridDim.y) * kTile)
      for (index_t i0 = static_cast<index_t>(blockIdx.x) * kTile; i0 < m;
           i0 += static_cast<index_t>(gridDim.x) * kTile) {
        for (int k = ty; k < kTile; k += kTileRows) {
          const int a = s.trans ? k : tx, c = s.trans ? tx : k;  // tile[a][c] holds (i0 + a, j0 + c)
          if (i0 + a < m && j0 + c < n) tile[a][c] = at(s, i0 + a, j0 + c);
        }
        __syncthreads();
        for (int k = ty; k < kTile; k += kTileRows) {
          const int a = d.trans ? k : tx, c = d.trans ? tx : k;
          if (i0 + a < m && j0 + c < n) at(d, i0 + a, j0 + c) = tile[a][c];
        }
        __syncthreads();
      }
  }
}

// max |X_ij| as the bits of a non-negative double (ordered like the values).
template <class T>
__global__ void max_abs_kernel(DenseView<const T> X, unsigned long long* out) {
  double v = 0.0;
  const index_t m = X.rows, total = X.rows * X.cols;
  for (index_t t = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; t < total;
       t += static_cast<index_t>(gridDim.x) * blockDim.x)
    v = fmax(v, fabs(static_cast<double>(at(X, t % m, t / m))));
  __shared__ double part[kThreads / 32];
  for (int o = 16; o > 0; o >>= 1) v = fmax(v, __shfl_down_sync(0xffffffffu, v, o));
  if ((threadIdx.x & 31) == 0) part[threadIdx.x >> 5] = v;
  __syncthreads();
  if (threadIdx.x < 32) {
    v = threadIdx.x < blockDim.x / 32 ? part[threadIdx.x] : 0.0;
    for (int o = 16; o > 0; o >>= 1) v = fmax(v, __shfl_down_sync(0xffffffffu, v, o));
    if (threadIdx.x == 0) atomicMax(out, static_cast<unsigned long long>(__double_as_longlong(v)));
  }
}

template <class T>
void check_product(DenseView<const T> A, DenseView<const T> B, DenseView<T> C, const char* what) {
  require(!C.trans, std::string(what) + ": C must not be transposed");
  require(A.rows == C.rows && B.cols == C.cols && A.cols == B.rows, std::string(what) + ": shape mismatch");
}

}  // namespace

template <class T>
void Cuda::gemm_batched(T alpha, DenseView<const T> A, index_t sa, DenseView<const T> B, index_t sb, T beta,
                        DenseView<T> C, index_t sc, index_t count) const {
  check_product(A, B, C, "gemm_batched");
  if (count <= 0 || C.rows == 0 || C.cols == 0) return;
  if (A.cols == 0) {  // empty inner dimension: C_b = beta C_b
    for (index_t b = 0; b < count; ++b) {
      DenseView<T> Cb = C;
      Cb.data += b * sc;
      gemm(alpha, A, B, beta, Cb);
    }
    return;
  }
  const Handles& h = handles_of(*this);
  // cuBLAS takes at most 2^31 - 1 batches per call and int strides fit in long long.
  const index_t chunk = 65535 * 16;
  for (index_t b0 = 0; b0 < count; b0 += chunk) {
    const index_t nb = std::min(chunk, count - b0);
    DenseView<const T> Ab = A, Bb = B;
    Ab.data += b0 * sa;
    Bb.data += b0 * sb;
    batched(h, alpha, Ab, sa, Bb, sb, beta, C.data + b0 * sc, C.ld, sc, C.rows, C.cols, nb);
  }
}

template <class T>
void Cuda::gemm_batched_sum(T alpha, DenseView<const T> A, index_t sa, DenseView<const T> B, index_t sb, T beta,
                            DenseView<T> C, index_t count) const {
  check_product(A, B, C, "gemm_batched_sum");
  if (C.rows == 0 || C.cols == 0) return;
  if (count <= 1 || A.cols == 0) {
    gemm(count == 1 ? alpha : T(0), A, B, beta, C);  // count 0: C = beta C (gemm with alpha 0)
    return;
  }
  const Handles& h = handles_of(*this);
  const index_t per = C.rows * C.cols;
  // Scratch for the partial products: at most 64 Mi entries (or one batch).
  const index_t budget = index_t(64) << 20;
  const index_t chunk = std::max<index_t>(1, std::min<index_t>(count, budget / per));
  Scratch part(h.stream, sizeof(T) * static_cast<std::size_t>(chunk * per));
  for (index_t b0 = 0; b0 < count; b0 += chunk) {
    const index_t nb = std::min(chunk, count - b0);
    DenseView<const T> Ab = A, Bb = B;
    Ab.data += b0 * sa;
    Bb.data += b0 * sb;
    batched(h, T(1), Ab, sa, Bb, sb, T(0), part.as<T>(), C.rows, per, C.rows, C.cols, nb);
    sum_batches_kernel<T><<<blocks_for(per), kThreads, 0, h.stream>>>(alpha, part.as<T>(), C.rows, C.cols, nb, beta,
                                                                      b0 == 0, C);
    LINALG_LAUNCHED();
  }
}

template <class T>
void Cuda::copy_batched(DenseView<const T> src, index_t ss, DenseView<T> dst, index_t sd, index_t count) const {
  require(src.rows == dst.rows && src.cols == dst.cols, "copy_batched: shape mismatch");
  if (count <= 0 || dst.rows == 0 || dst.cols == 0) return;
  const Handles& h = handles_of(*this);
  const index_t tm = (dst.rows + kTile - 1) / kTile, tn = (dst.cols + kTile - 1) / kTile;
  dim3 grid(static_cast<unsigned>(std::min<index_t>(tm, 1 << 20)), static_cast<unsigned>(std::min<index_t>(tn, 65535)),
            static_cast<unsigned>(std::min<index_t>(count, 65535)));
  copy_batched_kernel<T><<<grid, dim3(kTile, kTileRows), 0, h.stream>>>(src, ss, dst, sd, count);
  LINALG_LAUNCHED();
}

template <class T>
double Cuda::max_abs(DenseView<const T> X) const {
  if (X.rows == 0 || X.cols == 0) return 0.0;
  const Handles& h = handles_of(*this);
  Scratch out(h.stream, sizeof(unsigned long long));
  LINALG_CUDA(cudaMemsetAsync(out.as<unsigned long long>(), 0, sizeof(unsigned long long), h.stream));
  max_abs_kernel<T><<<blocks_for(X.rows * X.cols), kThreads, 0, h.stream>>>(X, out.as<unsigned long long>());
  LINALG_LAUNCHED();
  unsigned long long bits = 0;
  LINALG_CUDA(cudaMemcpyAsync(&bits, out.as<unsigned long long>(), sizeof(bits), cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  double v = 0.0;
  static_assert(sizeof(v) == sizeof(bits), "double is 64 bits");
  std::memcpy(&v, &bits, sizeof(v));
  return v;
}

#define LINALG_INSTANTIATE(T)                                                                                   \
  template void Cuda::gemm_batched<T>(T, DenseView<const T>, index_t, DenseView<const T>, index_t, T, DenseView<T>, \
                                      index_t, index_t) const;                                                  \
  template void Cuda::gemm_batched_sum<T>(T, DenseView<const T>, index_t, DenseView<const T>, index_t, T,       \
                                          DenseView<T>, index_t) const;                                         \
  template void Cuda::copy_batched<T>(DenseView<const T>, index_t, DenseView<T>, index_t, index_t) const;       \
  template double Cuda::max_abs<T>(DenseView<const T>) const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
