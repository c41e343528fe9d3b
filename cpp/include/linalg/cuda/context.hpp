// The CUDA execution context: the same primitives as host::Host
// (host/context.hpp), implemented with cuBLAS, cuSOLVER, cuSPARSE and our
// kernels (cpp/cuda/*.cu), on the caller's stream. Algorithm templates
// instantiated with it run unchanged on the GPU.
//
// Memory: the entry points (cpp/cuda/*_api.cpp) open a MemoryScope with
// memory_space(), so every Matrix an algorithm allocates lives in device
// memory, taken from and given back to CUDA's stream-ordered pool
// (cudaMallocAsync / cudaFreeAsync on the context's stream; the pool keeps
// freed blocks for reuse). Conventions shared with the host context:
// matrices (DenseView, Matrix, CSR arrays) are context memory; scalars and
// short vectors passed as plain pointers (the k singular values, diagonal
// scalings, norms out) are host memory. Small dense factorizations (the
// k x k SVD and symmetric eigenproblems, pivoted QR of sketches) are copied
// to the host and done by LAPACK: at k of a few hundred they are
// latency-bound on the GPU (cuSOLVER's syevd of 160 x 160 ran slower than
// the round trip, H200), and pivoting decisions then match the CPU engine's.
// The Cholesky factor and triangular inverse of every CholeskyQR round stay
// on the device (cuSOLVER potrf, cuBLAS trsm): a round trip each cost more
// than the factorization (dense.cu).
//
// This header has no CUDA includes, so g++ compiles the algorithm
// instantiations (cpp/cuda/*_api.cpp); only the .cu files need nvcc.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "linalg/core/buffer.hpp"
#include "linalg/core/memory.hpp"
#include "linalg/core/view.hpp"
#include "linalg/host/als_kernels.hpp"
#include "linalg/host/weighted_kernels.hpp"
#include "linalg/sketch/sparse_embedding.hpp"

namespace linalg::cuda {

struct Handles;  // cuBLAS / cuSOLVER / cuSPARSE handles bound to one stream

// Is a CUDA device usable? (count of devices; 0 when none or no driver)
int device_count();
// Name and compute capability of the current device, for `linalg info`.
std::string device_description();

class Cuda;
Handles& handles_of(const Cuda& ctx);

class Cuda {
 public:
  // stream: a cudaStream_t as an integer (cupy.cuda.get_current_stream().ptr);
  // 0 is the legacy default stream. Work is issued on the current device.
  // fast_float32: float32 products on the TF32 tensor cores (inputs rounded
  // to 10 mantissa bits, float32 accumulation) - several times the float32
  // rate, for range finders whose answer an exact pass then fixes
  // (lowrank/mixed_precision.hpp, rsvd_refined). Off by default.
  explicit Cuda(std::uintptr_t stream, bool fast_float32 = false);

  template <class T>
  using matrix = Matrix<T>;

  const MemorySpace* memory_space() const;
  // Relative precision of the products: float32's epsilon, or TF32's 2^-10
  // in fast_float32 mode (which touches float32 products only).
  template <class T>
  double product_epsilon() const {
    return (fast_ && sizeof(T) == 4) ? 0x1p-10 : static_cast<double>(std::numeric_limits<T>::epsilon());
  }
  void synchronize() const;  // wait for the stream
  std::uintptr_t stream() const { return stream_; }

  // ---- the primitives of host::Host, same meaning ----
  template <class T>
  void gemm(T alpha, DenseView<const T> A, DenseView<const T> B, T beta, DenseView<T> C) const;
  template <class T>
  void gram(DenseView<const T> A, DenseView<T> C) const;
  template <class T>
  int cholesky_upper(DenseView<T> C) const;
  template <class T>
  void solve_upper_right(DenseView<const T> R, DenseView<T> B) const;
  template <class T>
  void qr_thin(DenseView<T> A) const;
  template <class T>
  void qr_pivoted(DenseView<T> A, std::vector<int>& perm, std::vector<T>& tau) const;
  template <class T>
  void svd(DenseView<T> A, T* s, DenseView<T> U, DenseView<T> Vt) const;
  template <class T>
  void eigh(DenseView<T> A, T* w) const;
  template <class T>
  void eigvalsh(DenseView<T> A, T* w) const;
  template <class T>
  void eigh_top(DenseView<T> A, index_t r, T* w, DenseView<T> V) const;
  template <class T>
  void fill_gaussian(DenseView<T> X, std::uint64_t seed, std::uint32_t stream, index_t row0 = 0,
                     index_t col0 = 0) const;
  // Y = S X for a stored CSR S (device arrays).
  template <class T, class I>
  void csr_mm(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y) const;
  // Y = S^T X for a stored CSR S, without forming S^T.
  template <class T, class I>
  void csr_mm_transposed(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y) const;
  template <class T>
  void fill_sparse_sign(DenseView<T> X, int zeta, std::uint64_t seed, std::uint32_t stream,
                        std::uint32_t block = 0) const;
  template <class S, class D>
  double convert(DenseView<const S> src, DenseView<D> dst) const;
  template <class T>
  bool all_finite(DenseView<const T> X) const;
  template <class T>
  void copy(DenseView<const T> src, DenseView<T> dst) const;
  template <class T>
  void scale_columns(DenseView<T> X, const T* d) const;  // d: host, X.cols entries
  template <class T>
  void scale_rows(DenseView<T> X, const T* d) const;     // d: host, X.rows entries
  template <class T>
  double frobenius_sq(DenseView<const T> X) const;
  template <class T>
  void column_norms_sq(DenseView<const T> X, double* out) const;  // out: host
  template <class T>
  void diagonal(DenseView<const T> X, double* out) const;         // out: host
  template <class T>
  void add_to_diagonal(DenseView<T> X, T value) const;

  // --- nystrom / selection ---
  template <class T>
  void add_scaled(T alpha, DenseView<const T> X, DenseView<T> Y) const;
  template <class T>
  void solve_upper_left(DenseView<const T> R, DenseView<T> B) const;
  template <class T>
  void scatter_columns(DenseView<const T> src, const index_t* cols, DenseView<T> dst) const;  // cols: host
  template <class T>
  index_t qr_pivoted_partial(DenseView<T> A, index_t kmax, double tol, std::vector<int>& perm) const;
  // Copy a device matrix into host memory (column-major, ld = rows).
  template <class T>
  void to_host(DenseView<const T> X, T* out) const;
  // Copy host memory (column-major, ld = rows) into a device matrix.
  template <class T>
  void from_host(const T* in, DenseView<T> X) const;

  // --- sampling --- (cpp/cuda/sampling_kernels.cu)
  // Y (s x d) = S diag(w) A for a sparse sign / CountSketch S whose column
  // i is sketch::sparse_sign_column(seed, stream, i, ...), the draws of the
  // host kernel; w (A.rows entries, may be null) is device memory. Sums by
  // atomics: the same sketch as the host up to summation order.
  template <class T>
  void row_sketch(DenseView<const T> A, const T* w, sketch::RowSketch kind, int zeta, std::uint64_t seed,
                  std::uint32_t stream, DenseView<T> Y) const;
  // Y (s x d) = S A for a device CSR A (trans: CSC input), any kind
  // (Gaussian: entries rng::normal_at(seed, stream, r, i) / sqrt(s)).
  template <class T, class I>
  void row_sketch_csr(const CsrView<T, I>& A, sketch::RowSketch kind, int zeta, std::uint64_t seed,
                      std::uint32_t stream, DenseView<T> Y) const;
  // host::row_norms_pass on the device: q (A.rows doubles, may be null) is
  // device memory, H (k x k doubles, upper triangle, may be null) host memory.
  template <class T>
  void row_norms_pass(DenseView<const T> A, DenseView<const T> P, double* q, double gamma, double* H) const;
  // out[i] (device, n doubles) = the row samplers' uniform i of (seed, salt),
  // the values of the host's sampling_uniforms.
  void sampling_uniforms(std::uint64_t seed, std::uint32_t salt, index_t n, double* out) const;

  // --- weighted --- (cpp/cuda/weighted_kernels.cu)
  // host/weighted_kernels.hpp on the device, same meaning. Matrices and vout
  // are device memory; r and c (scalings) are host vectors. Sums are in
  // double, added across blocks by atomics (rounding-level differences).
  template <class T>
  host::WeightStats weight_stats(DenseView<const T> W) const;
  template <class T>
  host::WeightedSums em_fill(DenseView<const T> A, DenseView<const T> W, T winv, DenseView<T> B, bool write) const;
  template <class T>
  void scale_dense(DenseView<const T> A, const T* r, const T* c, DenseView<T> out) const;
  template <class T, class I>
  void scale_csr(const CsrView<T, I>& S, const T* r, const T* c, T* vout) const;
  template <class T>
  void hadamard(DenseView<const T> W, DenseView<const T> A, DenseView<T> out) const;
  template <class T>
  void sym_outer_rows(DenseView<const T> F, DenseView<T> K) const;
  // One thread block per column: the k x k Cholesky in shared memory (global
  // scratch when k is too large for it), in double, with the host's ridge rule.
  template <class T>
  std::int64_t batched_spd_solve(DenseView<const T> G, DenseView<const T> R, DenseView<T> X, index_t k) const;

  // --- completion --- (cpp/cuda/als_kernels.cu)
  // Same meaning as host::Host's (host/als_kernels.hpp). The observation
  // arrays, design, offset and Z of RowSolveArgs are device memory; reg is
  // host memory (kw scalars). CG: one warp per row; Cholesky: one warp
  // per row with the kw x kw normal equations in shared memory.
  template <class T>
  host::RowTotals als_solve_rows(const host::RowSolveArgs<T>& a) const;
  template <class T>
  void als_sketch_rows(const T* D, index_t n, index_t kw, index_t ld, index_t s, int zeta, std::uint64_t seed,
                       T* out) const;
  template <class T>
  void als_design(const T* other, index_t n, index_t k, index_t ld, bool biases, T* D, T* offset) const;
  // Host bytes into device memory (returns once the source may be freed).
  void als_upload(const void* src, void* dst, std::size_t bytes) const;
  // out[t] = mean + x_{r_t} . y_{c_t} (+ xb[r_t * xbs] + yb[c_t * ybs]); all device memory.
  template <class T>
  void als_predict(const T* X, index_t ldx, const T* Y, index_t ldy, index_t k, const T* xb, index_t xbs,
                   const T* yb, index_t ybs, T mean, const std::int64_t* r, const std::int64_t* c, index_t len,
                   T* out) const;

  // --- tucker --- (cpp/cuda/tensor_kernels.cu; max_abs also serves the selection code)
  // Strided batches, as in host::Host: batch b of a view has its data
  // pointer moved by b * stride entries. cublas<t>gemmStridedBatched.
  template <class T>
  void gemm_batched(T alpha, DenseView<const T> A, index_t sa, DenseView<const T> B, index_t sb, T beta,
                    DenseView<T> C, index_t sc, index_t count) const;
  // C = alpha sum_b op(A_b) op(B_b) + beta C: batched products into device
  // scratch, then a fixed-order sum per entry.
  template <class T>
  void gemm_batched_sum(T alpha, DenseView<const T> A, index_t sa, DenseView<const T> B, index_t sb, T beta,
                        DenseView<T> C, index_t count) const;
  // dst_b = src_b (tiled: transposes read and write coalesced).
  template <class T>
  void copy_batched(DenseView<const T> src, index_t ss, DenseView<T> dst, index_t sd, index_t count) const;
  template <class T>
  double max_abs(DenseView<const T> X) const;

 private:
  friend Handles& handles_of(const Cuda& ctx);
  std::uintptr_t stream_ = 0;
  bool fast_ = false;
  Handles* h_ = nullptr;  // cached per (device, stream), lives for the process
};

}  // namespace linalg::cuda
