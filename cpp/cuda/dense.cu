// cuBLAS / cuSOLVER / cuSPARSE primitives of the CUDA context.
#include <algorithm>
#include <type_traits>

#include "detail.cuh"

namespace linalg::cuda {

namespace {

template <class T>
constexpr cudaDataType_t data_type() {
  return std::is_same_v<T, float> ? CUDA_R_32F : CUDA_R_64F;
}

cublasOperation_t op_of(bool trans) { return trans ? CUBLAS_OP_T : CUBLAS_OP_N; }

int ld_of(index_t ld) { return as_int(std::max<index_t>(ld, 1), "leading dimension"); }

cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t a, cublasOperation_t b, int m, int n, int k,
                         const float* al, const float* A, int lda, const float* B, int ldb, const float* be,
                         float* C, int ldc) {
  return cublasSgemm(h, a, b, m, n, k, al, A, lda, B, ldb, be, C, ldc);
}
cublasStatus_t gemm_call(cublasHandle_t h, cublasOperation_t a, cublasOperation_t b, int m, int n, int k,
                         const double* al, const double* A, int lda, const double* B, int ldb, const double* be,
                         double* C, int ldc) {
  return cublasDgemm(h, a, b, m, n, k, al, A, lda, B, ldb, be, C, ldc);
}
cublasStatus_t trsm_call(cublasHandle_t h, cublasSideMode_t side, int m, int n, const float* al, const float* R,
                         int ldr, float* B, int ldb) {
  return cublasStrsm(h, side, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT, m, n, al, R, ldr, B, ldb);
}
cublasStatus_t trsm_call(cublasHandle_t h, cublasSideMode_t side, int m, int n, const double* al, const double* R,
                         int ldr, double* B, int ldb) {
  return cublasDtrsm(h, side, CUBLAS_FILL_MODE_UPPER, CUBLAS_OP_N, CUBLAS_DIAG_NON_UNIT, m, n, al, R, ldr, B, ldb);
}

cusolverStatus_t potrf_size(cusolverDnHandle_t h, int n, float* A, int lda, int* lw) {
  return cusolverDnSpotrf_bufferSize(h, CUBLAS_FILL_MODE_UPPER, n, A, lda, lw);
}
cusolverStatus_t potrf_size(cusolverDnHandle_t h, int n, double* A, int lda, int* lw) {
  return cusolverDnDpotrf_bufferSize(h, CUBLAS_FILL_MODE_UPPER, n, A, lda, lw);
}
cusolverStatus_t potrf_call(cusolverDnHandle_t h, int n, float* A, int lda, float* w, int lw, int* info) {
  return cusolverDnSpotrf(h, CUBLAS_FILL_MODE_UPPER, n, A, lda, w, lw, info);
}
cusolverStatus_t potrf_call(cusolverDnHandle_t h, int n, double* A, int lda, double* w, int lw, int* info) {
  return cusolverDnDpotrf(h, CUBLAS_FILL_MODE_UPPER, n, A, lda, w, lw, info);
}

// R^{-1} of a small upper-triangular device R: Rinv = I, then R Rinv = I
// by cuBLAS's trsm (k x k; on the device, no round trip to the host).
template <class T>
void upper_inverse(const Cuda& ctx, DenseView<const T> R, DenseView<T> Rinv) {
  Handles& h = handles_of(ctx);
  const index_t k = R.rows;
  LINALG_CUDA(cudaMemset2DAsync(Rinv.data, sizeof(T) * std::max<index_t>(Rinv.ld, 1), 0, sizeof(T) * k, k, h.stream));
  ctx.add_to_diagonal(Rinv, T(1));
  const T one = T(1);
  LINALG_CUBLAS(trsm_call(h.blas, CUBLAS_SIDE_LEFT, as_int(k, "rows"), as_int(k, "cols"), &one, R.data, ld_of(R.ld),
                          Rinv.data, ld_of(Rinv.ld)));
}

}  // namespace

// Cholesky on the device (cuSOLVER potrf): the k x k Gram matrices of
// CholeskyQR are latency-bound either way, but on the host each cost two
// copies, a synchronisation and LAPACK's potrf; here only the 4-byte info
// comes back. Measured on the H200 (benchmarks/gpu_half_trace.py): rsvd
// precision="mixed", P1, 22.1 ms with the host's Cholesky and R^{-1}, 16.7
// ms with both on the device.
template <class T>
int Cuda::cholesky_upper(DenseView<T> C) const {
  require(!C.trans && C.rows == C.cols, "cholesky_upper: needs a square, untransposed matrix");
  if (C.rows == 0) return 0;
  Handles& h = handles_of(*this);
  Profile prof_(stream_, "cholesky_upper");
  const int n = as_int(C.rows, "rows"), lda = ld_of(C.ld);
  int lw = 0;
  LINALG_CUSOLVER(potrf_size(h.solver, n, C.data, lda, &lw));
  Scratch work(h.stream, sizeof(T) * static_cast<std::size_t>(std::max(lw, 1))), info(h.stream, sizeof(int));
  LINALG_CUSOLVER(potrf_call(h.solver, n, C.data, lda, work.as<T>(), lw, info.as<int>()));
  int out = 0;
  LINALG_CUDA(cudaMemcpyAsync(&out, info.as<int>(), sizeof(int), cudaMemcpyDeviceToHost, h.stream));
  LINALG_CUDA(cudaStreamSynchronize(h.stream));
  return out;
}

template <class T>
void Cuda::gemm(T alpha, DenseView<const T> A, DenseView<const T> B, T beta, DenseView<T> C) const {
  require(!C.trans, "gemm: C must not be transposed");
  require(A.rows == C.rows && B.cols == C.cols && A.cols == B.rows, "gemm: shape mismatch");
  if (C.rows == 0 || C.cols == 0) return;
  Handles& h = handles_of(*this);
  Profile prof_(stream_, "gemm");
  LINALG_CUBLAS(gemm_call(h.blas, op_of(A.trans), op_of(B.trans), as_int(C.rows, "rows"), as_int(C.cols, "cols"),
                          as_int(A.cols, "inner dimension"), &alpha, A.data, ld_of(A.ld), B.data, ld_of(B.ld), &beta,
                          C.data, ld_of(C.ld)));
}

namespace {

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

// C = sum over p < parts of the k x k blocks P[p] (fixed order).
template <class T>
__global__ void sum_blocks_kernel(const T* P, int parts, index_t k, T* C, index_t ldc) {
  for (index_t t = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; t < k * k;
       t += static_cast<index_t>(gridDim.x) * blockDim.x) {
    T acc = T(0);
    for (int p = 0; p < parts; ++p) acc += P[p * k * k + t];
    C[(t % k) + (t / k) * ldc] = acc;
  }
}

}  // namespace

template <class T>
void Cuda::gram(DenseView<const T> A, DenseView<T> C) const {
  require(!C.trans && C.rows == A.cols && C.cols == A.cols, "gram: shape mismatch");
  if (A.cols == 0) return;
  Handles& h = handles_of(*this);
  Profile prof_(stream_, "gram");
  const T one = T(1), zero = T(0);
  const index_t m = A.rows, k = A.cols;
  if (m >= 16384 && k <= 512) {
    // Tall-skinny: a k x k output gives cuBLAS too few tiles to fill the
    // GPU, so split the long dimension into chunks (one batched GEMM) and
    // sum the partial Gram matrices.
    // Chunks of >= 512 rows, up to 128 of them (a 50000 x 160 block gives
    // 97 chunks, ~400 output tiles; 12 chunks of 4096 rows gave ~50 tiles
    // for 132 SMs), the partial products capped at 2^25 entries.
    const index_t chunks = std::max<index_t>(
        1, std::min<index_t>({m / 512, 128, std::max<index_t>(1, (index_t(1) << 25) / (k * k))}));
    const index_t c = m / chunks, rem = m - chunks * c;
    const int parts = static_cast<int>(chunks + (rem > 0 ? 1 : 0));
    Scratch P(h.stream, sizeof(T) * parts * k * k);
    const int ki = as_int(k, "cols"), ci = as_int(c, "rows"), ld = ld_of(A.ld);
    // Chunk b: rows [b c, (b+1) c) of the logical A; stored as columns of A^T when transposed.
    const long long step = A.trans ? static_cast<long long>(c) * A.ld : static_cast<long long>(c);
    const cublasOperation_t oa = A.trans ? CUBLAS_OP_N : CUBLAS_OP_T, ob = A.trans ? CUBLAS_OP_T : CUBLAS_OP_N;
    LINALG_CUBLAS(batched_call(h.blas, oa, ob, ki, ki, ci, &one, A.data, ld, step, A.data, ld, step, &zero,
                               P.as<T>(), ki, static_cast<long long>(k) * k, static_cast<int>(chunks)));
    if (rem > 0) {
      const T* tail = A.data + chunks * step;
      LINALG_CUBLAS(gemm_call(h.blas, oa, ob, ki, ki, as_int(rem, "rows"), &one, tail, ld, tail, ld, &zero,
                              P.as<T>() + chunks * k * k, ki));
    }
    sum_blocks_kernel<T><<<blocks_for(k * k), 256, 0, h.stream>>>(P.as<T>(), parts, k, C.data, std::max<index_t>(C.ld, 1));
    LINALG_LAUNCHED();
    return;
  }
  // A^T A by GEMM, both triangles: cuBLAS's syrk runs tall-skinny blocks
  // (m x 110, float32) about 50x slower than gemm does (measured on the H100,
  // benchmarks/gpu_profile.py), which outweighs gemm's doubled flops.
  LINALG_CUBLAS(gemm_call(h.blas, A.trans ? CUBLAS_OP_N : CUBLAS_OP_T, A.trans ? CUBLAS_OP_T : CUBLAS_OP_N,
                          as_int(A.cols, "cols"), as_int(A.cols, "cols"), as_int(A.rows, "rows"), &one, A.data,
                          ld_of(A.ld), A.data, ld_of(A.ld), &zero, C.data, ld_of(C.ld)));
}

template <class T>
void Cuda::solve_upper_right(DenseView<const T> R, DenseView<T> B) const {
  require(!B.trans && !R.trans && R.rows == B.cols && R.cols == B.cols, "solve_upper_right: shape mismatch");
  if (B.rows == 0 || B.cols == 0) return;
  Profile prof_(stream_, "solve_upper_right");
  const index_t m = B.rows, k = B.cols;
  if (m >= 4 * k && k <= 4096) {
    // cuBLAS's trsm takes tall right-hand sides (50000 x 110, the
    // orthonormalisation of every range finder step) at a fraction of the
    // GEMM rate; B R^{-1} as one GEMM with the k x k inverse costs ~k/m of
    // the solve. CholeskyQR only reaches here with kappa(R) < u^{-1/2}
    // (orthonormalize.hpp), where the inverse's extra error, ~kappa(R) u,
    // is what its second round removes anyway.
    Handles& h = handles_of(*this);
    Scratch inv(h.stream, sizeof(T) * static_cast<std::size_t>(k * k));
    Scratch out(h.stream, sizeof(T) * static_cast<std::size_t>(m * k));
    DenseView<T> Ri{inv.as<T>(), k, k, k, false}, C{out.as<T>(), m, k, m, false};
    upper_inverse(*this, R, Ri);
    gemm(T(1), DenseView<const T>(B), DenseView<const T>(Ri), T(0), C);
    copy(DenseView<const T>(C), B);
    return;
  }
  const T one = T(1);
  LINALG_CUBLAS(trsm_call(handles_of(*this).blas, CUBLAS_SIDE_RIGHT, as_int(B.rows, "rows"), as_int(B.cols, "cols"),
                          &one, R.data, ld_of(R.ld), B.data, ld_of(B.ld)));
}

template <class T>
void Cuda::solve_upper_left(DenseView<const T> R, DenseView<T> B) const {
  require(!B.trans && !R.trans && R.rows == B.rows && R.cols == B.rows, "solve_upper_left: shape mismatch");
  if (B.rows == 0 || B.cols == 0) return;
  Profile prof_(stream_, "solve_upper_left");
  const T one = T(1);
  LINALG_CUBLAS(trsm_call(handles_of(*this).blas, CUBLAS_SIDE_LEFT, as_int(B.rows, "rows"), as_int(B.cols, "cols"),
                          &one, R.data, ld_of(R.ld), B.data, ld_of(B.ld)));
}

// Householder QR (geqrf + orgqr): the rare fallback of orthonormalize.
template <class T>
void Cuda::qr_thin(DenseView<T> A) const {
  require(!A.trans && A.rows >= A.cols, "qr_thin: needs a tall, untransposed block");
  if (A.cols == 0) return;
  Handles& h = handles_of(*this);
  Profile prof_(stream_, "qr_thin");
  const int m = as_int(A.rows, "rows"), n = as_int(A.cols, "cols"), lda = ld_of(A.ld);
  int lw1 = 0, lw2 = 0;
  Scratch tau(h.stream, sizeof(T) * n), info(h.stream, sizeof(int));
  if constexpr (std::is_same_v<T, float>) {
    LINALG_CUSOLVER(cusolverDnSgeqrf_bufferSize(h.solver, m, n, A.data, lda, &lw1));
    LINALG_CUSOLVER(cusolverDnSorgqr_bufferSize(h.solver, m, n, n, A.data, lda, tau.as<T>(), &lw2));
    Scratch work(h.stream, sizeof(T) * std::max(lw1, lw2));
    LINALG_CUSOLVER(cusolverDnSgeqrf(h.solver, m, n, A.data, lda, tau.as<T>(), work.as<T>(), std::max(lw1, lw2),
                                     info.as<int>()));
    LINALG_CUSOLVER(cusolverDnSorgqr(h.solver, m, n, n, A.data, lda, tau.as<T>(), work.as<T>(), std::max(lw1, lw2),
                                     info.as<int>()));
  } else {
    LINALG_CUSOLVER(cusolverDnDgeqrf_bufferSize(h.solver, m, n, A.data, lda, &lw1));
    LINALG_CUSOLVER(cusolverDnDorgqr_bufferSize(h.solver, m, n, n, A.data, lda, tau.as<T>(), &lw2));
    Scratch work(h.stream, sizeof(T) * std::max(lw1, lw2));
    LINALG_CUSOLVER(cusolverDnDgeqrf(h.solver, m, n, A.data, lda, tau.as<T>(), work.as<T>(), std::max(lw1, lw2),
                                     info.as<int>()));
    LINALG_CUSOLVER(cusolverDnDorgqr(h.solver, m, n, n, A.data, lda, tau.as<T>(), work.as<T>(), std::max(lw1, lw2),
                                     info.as<int>()));
  }
}

namespace {

// Y = op(S) X with cuSPARSE's generic SpMM on column-major dense blocks.
template <class T, class I>
void spmm(const Cuda& ctx, const CsrView<T, I>& S, bool transpose, DenseView<const T> X, DenseView<T> Y) {
  require(!Y.trans, "csr_mm: Y must not be transposed");
  require(S.stored_nnz >= 0, "csr_mm: device CSR views carry their nonzero count");
  const index_t out_rows = transpose ? S.stored_cols : S.stored_rows;
  const index_t in_rows = transpose ? S.stored_rows : S.stored_cols;
  require(X.rows == in_rows && Y.rows == out_rows && X.cols == Y.cols, "csr_mm: shape mismatch");
  if (Y.rows == 0 || Y.cols == 0) return;
  Handles& h = handles_of(ctx);
  Profile prof_(ctx.stream(), transpose ? "csr_mm_transposed" : "csr_mm");
  // cuSPARSE wants an untransposed column-major X: copy a transposed one.
  Scratch xcopy(h.stream, X.trans ? sizeof(T) * X.rows * X.cols : 0);
  if (X.trans) {
    DenseView<T> xv{xcopy.as<T>(), X.rows, X.cols, std::max<index_t>(X.rows, 1), false};
    ctx.copy(X, xv);
    X = DenseView<const T>(xv);
  }
  if (S.stored_nnz == 0) {
    LINALG_CUDA(cudaMemset2DAsync(Y.data, sizeof(T) * std::max<index_t>(Y.ld, 1), 0, sizeof(T) * Y.rows, Y.cols,
                                  h.stream));
    return;
  }
  constexpr cusparseIndexType_t it = sizeof(I) == 4 ? CUSPARSE_INDEX_32I : CUSPARSE_INDEX_64I;
  cusparseSpMatDescr_t a;
  cusparseDnMatDescr_t x, y;
  LINALG_CUSPARSE(cusparseCreateCsr(&a, S.stored_rows, S.stored_cols, S.stored_nnz, const_cast<I*>(S.indptr),
                                    const_cast<I*>(S.indices), const_cast<T*>(S.values), it, it,
                                    CUSPARSE_INDEX_BASE_ZERO, data_type<T>()));
  LINALG_CUSPARSE(cusparseCreateDnMat(&x, X.rows, X.cols, std::max<index_t>(X.ld, 1), const_cast<T*>(X.data),
                                      data_type<T>(), CUSPARSE_ORDER_COL));
  LINALG_CUSPARSE(cusparseCreateDnMat(&y, Y.rows, Y.cols, std::max<index_t>(Y.ld, 1), Y.data, data_type<T>(),
                                      CUSPARSE_ORDER_COL));
  const T one = T(1), zero = T(0);
  const auto opa = transpose ? CUSPARSE_OPERATION_TRANSPOSE : CUSPARSE_OPERATION_NON_TRANSPOSE;
  std::size_t bytes = 0;
  LINALG_CUSPARSE(cusparseSpMM_bufferSize(h.sparse, opa, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, x, &zero, y,
                                          data_type<T>(), CUSPARSE_SPMM_ALG_DEFAULT, &bytes));
  Scratch work(h.stream, bytes);
  LINALG_CUSPARSE(cusparseSpMM(h.sparse, opa, CUSPARSE_OPERATION_NON_TRANSPOSE, &one, a, x, &zero, y, data_type<T>(),
                               CUSPARSE_SPMM_ALG_DEFAULT, work.as<void>()));
  cusparseDestroySpMat(a);
  cusparseDestroyDnMat(x);
  cusparseDestroyDnMat(y);
}

}  // namespace

template <class T, class I>
void Cuda::csr_mm(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y) const {
  spmm(*this, S, false, X, Y);
}
template <class T, class I>
void Cuda::csr_mm_transposed(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y) const {
  spmm(*this, S, true, X, Y);
}

#define LINALG_INSTANTIATE(T)                                                                      \
  template void Cuda::gemm<T>(T, DenseView<const T>, DenseView<const T>, T, DenseView<T>) const;   \
  template void Cuda::gram<T>(DenseView<const T>, DenseView<T>) const;                             \
  template void Cuda::solve_upper_right<T>(DenseView<const T>, DenseView<T>) const;                \
  template int Cuda::cholesky_upper<T>(DenseView<T>) const;                                          \
  template void Cuda::solve_upper_left<T>(DenseView<const T>, DenseView<T>) const;                 \
  template void Cuda::qr_thin<T>(DenseView<T>) const;                                              \
  template void Cuda::csr_mm<T, std::int32_t>(const CsrView<T, std::int32_t>&, DenseView<const T>, DenseView<T>) const; \
  template void Cuda::csr_mm<T, std::int64_t>(const CsrView<T, std::int64_t>&, DenseView<const T>, DenseView<T>) const; \
  template void Cuda::csr_mm_transposed<T, std::int32_t>(const CsrView<T, std::int32_t>&, DenseView<const T>,      \
                                                         DenseView<T>) const;                                       \
  template void Cuda::csr_mm_transposed<T, std::int64_t>(const CsrView<T, std::int64_t>&, DenseView<const T>,      \
                                                         DenseView<T>) const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
