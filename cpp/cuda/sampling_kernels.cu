// Kernels of the sampling area on the CUDA context: oblivious row sketches
// (sparse sign, CountSketch, Gaussian; dense and CSR A), the streaming
// row-norm pass of the leverage-score family, and the row samplers'
// uniforms. The random draws are the host's (sketch/sparse_embedding.hpp,
// rng/draws.hpp, compiled for both); sketch sums are added by atomics, so
// a sketch equals the host's up to the order of its sums.
#include <algorithm>
#include <cmath>
#include <vector>

#include "detail.cuh"
#include "linalg/rng/draws.hpp"
#include "linalg/sketch/sparse_embedding.hpp"

namespace linalg::cuda {

namespace {

constexpr unsigned kThreads = 256;

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }

int nonzeros_per_column(sketch::RowSketch kind, int zeta, index_t s) {
  require(s >= 1 && s < (index_t(1) << 31), "sketch: the number of sketch rows must be in [1, 2^31)");
  if (kind == sketch::RowSketch::CountSketch) return 1;
  require(zeta >= 1, "sketch: zeta must be >= 1");
  return static_cast<int>(std::min<index_t>(zeta, s));
}

// h[i z + t]: the t-th nonzero row of column i of S (sign in bit 31).
__global__ void column_draws_kernel(index_t n, std::uint32_t s, int z, std::uint64_t seed, std::uint32_t stream,
                                    std::uint32_t* h) {
  for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<index_t>(gridDim.x) * blockDim.x)
    sketch::sparse_sign_column(seed, stream, static_cast<std::uint64_t>(i), s, z, h + i * z);
}

// Y[r, j] += +-(scale_i a_ij) for the z targets r of row i (Y zeroed).
// Entries are visited in storage order (coalesced reads of A). Tall stored
// columns (sm >= blockDim.x): blockIdx.y strides over the sn stored
// columns, threads over the sm stored rows. Short ones (a C-ordered tall
// skinny A, sm = d): each block takes blockDim.x / sm whole columns at a
// time (a 1-D grid), so that no thread idles.
template <class T>
__global__ void scatter_dense_kernel(DenseView<const T> A, index_t sm, index_t sn, const T* w,
                                     const std::uint32_t* h, int z, T v, DenseView<T> Y) {
  index_t r0, rstep, c0, cstep;
  if (sm < static_cast<index_t>(blockDim.x)) {
    const int smi = static_cast<int>(sm), per = static_cast<int>(blockDim.x) / smi;
    const int lc = static_cast<int>(threadIdx.x) / smi;
    if (lc >= per) return;  // no barriers in this kernel
    r0 = static_cast<int>(threadIdx.x) % smi;
    rstep = sm;
    c0 = static_cast<index_t>(blockIdx.x) * per + lc;
    cstep = static_cast<index_t>(gridDim.x) * per;
  } else {
    r0 = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x;
    rstep = static_cast<index_t>(gridDim.x) * blockDim.x;
    c0 = blockIdx.y;
    cstep = gridDim.y;
  }
  for (index_t sc = c0; sc < sn; sc += cstep)
    for (index_t sr = r0; sr < sm; sr += rstep) {
    const index_t i = A.trans ? sc : sr, j = A.trans ? sr : sc;  // logical row and column
    const T a = A.data[sr + sc * A.ld];
    const T scale = w ? mul_rn(v, w[i]) : v;
    const T x = mul_rn(scale, a);
    const std::uint32_t* hi = h + i * z;
    for (int q = 0; q < z; ++q) {
      const std::uint32_t r = hi[q] & 0x7FFFFFFFu;
      atomicAdd(Y.data + r + j * Y.ld, (hi[q] >> 31) ? -x : x);
    }
  }
}

// Sparse sign / CountSketch of a CSR A: one thread per stored row.
template <class T, class I>
__global__ void scatter_csr_kernel(CsrView<T, I> A, const std::uint32_t* h, int z, T v, DenseView<T> Y) {
  for (index_t sr = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; sr < A.stored_rows;
       sr += static_cast<index_t>(gridDim.x) * blockDim.x) {
    for (I p = A.indptr[sr]; p < A.indptr[sr + 1]; ++p) {
      const index_t col = static_cast<index_t>(A.indices[p]);
      const index_t i = A.trans ? col : sr, j = A.trans ? sr : col;  // logical row and column
      const T x = mul_rn(v, A.values[p]);
      const std::uint32_t* hi = h + i * z;
      for (int q = 0; q < z; ++q) {
        const std::uint32_t r = hi[q] & 0x7FFFFFFFu;
        atomicAdd(Y.data + r + j * Y.ld, (hi[q] >> 31) ? -x : x);
      }
    }
  }
}

// Gaussian sketch of a CSR A: one block per stored row, threads over the
// s sketch rows; term (r, p) = T(v a_p N(seed, stream, r, i)) as on the host.
template <class T, class I>
__global__ void gaussian_csr_kernel(CsrView<T, I> A, double v, std::uint64_t seed, std::uint32_t stream,
                                    DenseView<T> Y) {
  for (index_t sr = blockIdx.x; sr < A.stored_rows; sr += gridDim.x) {
    for (I p = A.indptr[sr]; p < A.indptr[sr + 1]; ++p) {
      const index_t col = static_cast<index_t>(A.indices[p]);
      const index_t i = A.trans ? col : sr, j = A.trans ? sr : col;
      const double a = v * static_cast<double>(A.values[p]);
      for (index_t r = threadIdx.x; r < Y.rows; r += blockDim.x)
        atomicAdd(Y.data + r + j * Y.ld,
                  static_cast<T>(a * rng::normal_at(seed, stream, static_cast<std::uint64_t>(r),
                                                    static_cast<std::uint64_t>(i))));
    }
  }
}

// Per row i of Y (nb x k): q_i = sum_j Y(i, j)^2 in double, j ascending
// (the host's order); with `scale`, out(i, :) = c_i Y(i, :), c_i =
// q_i^{gamma/2} (0 where q_i = 0).
template <class T>
__global__ void row_norms_kernel(DenseView<const T> Y, double* q, bool scale, double gamma, DenseView<T> out) {
  for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < Y.rows;
       i += static_cast<index_t>(gridDim.x) * blockDim.x) {
    double s = 0.0;
    for (index_t j = 0; j < Y.cols; ++j) {
      const double v = static_cast<double>(at(Y, i, j));
      s = __dadd_rn(s, __dmul_rn(v, v));
    }
    if (q) q[i] = s;
    if (scale) {
      const T c = s > 0.0 ? static_cast<T>(pow(s, 0.5 * gamma)) : T(0);
      for (index_t j = 0; j < Y.cols; ++j) at(out, i, j) = mul_rn(c, at(Y, i, j));
    }
  }
}

// H (k x k double, upper) += G (upper), the block's Gram matrix.
template <class T>
__global__ void add_upper_kernel(const T* G, double* H, index_t k) {
  for (index_t e = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; e < k * k;
       e += static_cast<index_t>(gridDim.x) * blockDim.x) {
    const index_t i = e % k, j = e / k;
    if (i <= j) H[e] += static_cast<double>(G[e]);
  }
}

__global__ void uniforms_kernel(std::uint64_t seed, std::uint32_t salt, index_t n, double* out) {
  for (index_t i = blockIdx.x * static_cast<index_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<index_t>(gridDim.x) * blockDim.x)
    out[i] = rng::uniform_open(rng::draw(seed, static_cast<std::uint64_t>(i), salt, sketch::kRowSampling).v[0]);
}

template <class T>
void zero_output(const Handles& h, DenseView<T> Y) {
  require(!Y.trans, "row_sketch: Y must not be transposed");
  if (Y.rows == 0 || Y.cols == 0) return;
  LINALG_CUDA(cudaMemset2DAsync(Y.data, sizeof(T) * std::max<index_t>(Y.ld, 1), 0, sizeof(T) * Y.rows, Y.cols,
                                h.stream));
}

// The column draws of all n columns, in device scratch.
struct Draws {
  Scratch mem;
  Draws(const Handles& h, index_t n, index_t s, int z, std::uint64_t seed, std::uint32_t stream)
      : mem(h.stream, sizeof(std::uint32_t) * std::max<index_t>(n * z, 1)) {
    if (n == 0) return;
    column_draws_kernel<<<blocks_for(n, 128), 128, 0, h.stream>>>(n, static_cast<std::uint32_t>(s), z, seed, stream,
                                                                 mem.as<std::uint32_t>());
    LINALG_LAUNCHED();
  }
  const std::uint32_t* get() const { return mem.as<std::uint32_t>(); }
};

}  // namespace

template <class T>
void Cuda::row_sketch(DenseView<const T> A, const T* w, sketch::RowSketch kind, int zeta, std::uint64_t seed,
                      std::uint32_t stream, DenseView<T> Y) const {
  Profile prof_(stream_, "row_sketch");
  require(!Y.trans && Y.cols == A.cols, "row_sketch_dense: shape mismatch");
  require(kind != sketch::RowSketch::Gaussian, "row_sketch_dense: the Gaussian sketch of dense A is a GEMM");
  const index_t n = A.rows, d = A.cols, s = Y.rows;
  const int z = nonzeros_per_column(kind, zeta, s);
  const Handles& h = handles_of(*this);
  zero_output(h, Y);
  if (n == 0 || d == 0) return;
  Draws draws(h, n, s, z, seed, stream);
  const T v = static_cast<T>(1.0 / std::sqrt(static_cast<double>(z)));
  const index_t sm = A.stored_rows(), sn = A.stored_cols();
  dim3 grid;
  if (sm < static_cast<index_t>(kThreads)) {  // whole columns per block, see the kernel
    const index_t per = kThreads / sm;
    grid = dim3(static_cast<unsigned>(std::min<index_t>((sn + per - 1) / per, index_t(1) << 20)), 1);
  } else {
    grid = dim3(static_cast<unsigned>(std::min<index_t>((sm + kThreads - 1) / kThreads, 64)),
                static_cast<unsigned>(std::min<index_t>(sn, 4096)));
  }
  scatter_dense_kernel<T><<<grid, kThreads, 0, h.stream>>>(A, sm, sn, w, draws.get(), z, v, Y);
  LINALG_LAUNCHED();
}

template <class T, class I>
void Cuda::row_sketch_csr(const CsrView<T, I>& A, sketch::RowSketch kind, int zeta, std::uint64_t seed,
                          std::uint32_t stream, DenseView<T> Y) const {
  Profile prof_(stream_, "row_sketch_csr");
  require(!Y.trans && Y.cols == A.cols(), "row_sketch_csr: shape mismatch");
  require(A.stored_nnz >= 0, "row_sketch_csr: device CSR views carry their nonzero count");
  const index_t n = A.rows(), s = Y.rows;
  const Handles& h = handles_of(*this);
  if (kind == sketch::RowSketch::Gaussian) {
    require(s >= 1, "sketch: the number of sketch rows must be >= 1");
    zero_output(h, Y);
    if (A.stored_rows == 0 || A.stored_nnz == 0) return;
    const double v = 1.0 / std::sqrt(static_cast<double>(s));
    const unsigned grid = static_cast<unsigned>(std::min<index_t>(A.stored_rows, 65535 * 4));
    gaussian_csr_kernel<T, I><<<grid, 128, 0, h.stream>>>(A, v, seed, stream, Y);
    LINALG_LAUNCHED();
    return;
  }
  const int z = nonzeros_per_column(kind, zeta, s);
  zero_output(h, Y);
  if (A.stored_rows == 0 || A.stored_nnz == 0) return;
  Draws draws(h, n, s, z, seed, stream);
  const T v = static_cast<T>(1.0 / std::sqrt(static_cast<double>(z)));
  scatter_csr_kernel<T, I><<<blocks_for(A.stored_rows, kThreads), kThreads, 0, h.stream>>>(A, draws.get(), z, v, Y);
  LINALG_LAUNCHED();
}

template <class T>
void Cuda::row_norms_pass(DenseView<const T> A, DenseView<const T> P, double* q, double gamma, double* H) const {
  Profile prof_(stream_, "row_norms_pass");
  const bool identity = P.data == nullptr;
  const index_t n = A.rows, k = identity ? A.cols : P.cols;
  require(identity || P.rows == A.cols, "row_norms_pass: shape mismatch");
  const Handles& h = handles_of(*this);
  if (k == 0 || n == 0) {
    if (q && n > 0) LINALG_CUDA(cudaMemsetAsync(q, 0, sizeof(double) * n, h.stream));
    if (H) std::fill(H, H + k * k, 0.0);
    return;
  }
  const bool scaled = H && q && gamma != 0.0;  // H of the rows scaled by q_i^{gamma/2}
  const bool need_y = !identity || scaled;
  // Row blocks of about 4M entries of Y = A_b P.
  const index_t chunk = std::min(n, std::max<index_t>(1024, (index_t(1) << 22) / k));
  Scratch ybuf(h.stream, need_y ? sizeof(T) * chunk * k : 0);
  Scratch gbuf(h.stream, H ? sizeof(T) * k * k : 0), hacc(h.stream, H ? sizeof(double) * k * k : 0);
  if (H) LINALG_CUDA(cudaMemsetAsync(hacc.as<double>(), 0, sizeof(double) * k * k, h.stream));
  for (index_t i0 = 0; i0 < n; i0 += chunk) {
    const index_t nb = std::min(chunk, n - i0);
    const DenseView<const T> Ab = A.row_block(i0, nb);
    DenseView<T> Yb{ybuf.as<T>(), nb, k, chunk, false};
    DenseView<const T> Yc = Ab;  // the rows whose norms are taken
    if (!identity) {
      gemm(T(1), Ab, P, T(0), Yb);
      Yc = Yb;
    }
    if (q || scaled) {
      // In place when Yc is Yb: each thread reads its row before writing it.
      row_norms_kernel<T><<<blocks_for(nb, kThreads), kThreads, 0, h.stream>>>(Yc, q ? q + i0 : nullptr, scaled,
                                                                              gamma, Yb);
      LINALG_LAUNCHED();
    }
    if (!H) continue;
    DenseView<T> Gv{gbuf.as<T>(), k, k, k, false};
    gram(scaled ? DenseView<const T>(Yb) : Yc, Gv);
    add_upper_kernel<T><<<blocks_for(k * k, kThreads), kThreads, 0, h.stream>>>(gbuf.as<T>(), hacc.as<double>(), k);
    LINALG_LAUNCHED();
  }
  if (H) {
    LINALG_CUDA(cudaMemcpyAsync(H, hacc.as<double>(), sizeof(double) * k * k, cudaMemcpyDeviceToHost, h.stream));
    LINALG_CUDA(cudaStreamSynchronize(h.stream));
  }
}

void Cuda::sampling_uniforms(std::uint64_t seed, std::uint32_t salt, index_t n, double* out) const {
  Profile prof_(stream_, "sampling_uniforms");
  if (n <= 0) return;
  const Handles& h = handles_of(*this);
  uniforms_kernel<<<blocks_for(n, kThreads), kThreads, 0, h.stream>>>(seed, salt, n, out);
  LINALG_LAUNCHED();
}

#define LINALG_INSTANTIATE(T)                                                                                \
  template void Cuda::row_sketch<T>(DenseView<const T>, const T*, sketch::RowSketch, int, std::uint64_t,     \
                                    std::uint32_t, DenseView<T>) const;                                      \
  template void Cuda::row_sketch_csr<T, std::int32_t>(const CsrView<T, std::int32_t>&, sketch::RowSketch, int, \
                                                      std::uint64_t, std::uint32_t, DenseView<T>) const;     \
  template void Cuda::row_sketch_csr<T, std::int64_t>(const CsrView<T, std::int64_t>&, sketch::RowSketch, int, \
                                                      std::uint64_t, std::uint32_t, DenseView<T>) const;     \
  template void Cuda::row_norms_pass<T>(DenseView<const T>, DenseView<const T>, double*, double, double*) const;
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
