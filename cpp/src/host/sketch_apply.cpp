#include "linalg/host/sketch_apply.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "linalg/core/errors.hpp"
#include "linalg/host/csr_kernels.hpp"

namespace linalg::host {

namespace {

// The nonzero rows (sign in bit 31) of all n columns of S, n x z.
std::vector<std::uint32_t> column_draws(index_t n, std::uint32_t s, int z, std::uint64_t seed, std::uint32_t stream) {
  std::vector<std::uint32_t> h(static_cast<std::size_t>(n) * z);
#pragma omp parallel for schedule(static) if (n > 16384)
  for (index_t i = 0; i < n; ++i) sketch::sparse_sign_column(seed, stream, static_cast<std::uint64_t>(i), s, z, &h[i * z]);
  return h;
}

int nonzeros_per_column(sketch::RowSketch kind, int zeta, index_t s) {
  require(s >= 1 && s < (index_t(1) << 31), "sketch: the number of sketch rows must be in [1, 2^31)");
  if (kind == sketch::RowSketch::CountSketch) return 1;
  require(zeta >= 1, "sketch: zeta must be >= 1");
  return static_cast<int>(std::min<index_t>(zeta, s));
}

}  // namespace

// Scatter of columns [j0, j0 + W) of all rows of A into acc (s x W,
// row-major): acc[target] += sign * scale * a_i[j0 : j0 + W]. W is a
// compile-time width so the update is a fixed run of vector operations;
// the sign is a multiplier, not a branch (signs are coin flips, a branch
// on them mispredicts half the time).
template <class T, int W>
void scatter_block(DenseView<const T> A, const T* w, const std::uint32_t* h, int z, T v, index_t j0, index_t wb,
                   T* acc) {
  const index_t n = A.rows;
  const index_t step_i = A.trans ? A.ld : 1, step_c = A.trans ? 1 : A.ld;
  const T* base = A.trans ? A.data + j0 : A.data + j0 * A.ld;
  T a[W];
  for (index_t i = 0; i < n; ++i) {
    const T scale = w ? v * w[i] : v;
    const T* ai = base + i * step_i;
    for (int c = 0; c < W; ++c) a[c] = c < wb ? scale * ai[c * step_c] : T(0);
    const std::uint32_t* hi = h + i * z;
    for (int t = 0; t < z; ++t) {
      T* y = acc + static_cast<index_t>(hi[t] & 0x7FFFFFFFu) * W;
      const T sg = (hi[t] >> 31) ? T(-1) : T(1);
#pragma omp simd
      for (int c = 0; c < W; ++c) y[c] += sg * a[c];
    }
  }
}

// Rows of a C-ordered A added, signed, into the accumulator rows [r0, r1)
// (row-major, d wide). The build targets baseline x86-64; this loop is the
// sketch's hot spot, so GCC compiles it also for AVX2 and AVX-512 and picks
// the clone for the CPU at load time (target_clones). Same sums, same order.
template <class T>
inline __attribute__((always_inline)) void scatter_rows_impl(const T* a, index_t ld, index_t n, index_t d,
                                                              const std::uint32_t* h, int z, const T* w, T v,
                                                              std::uint32_t r0, std::uint32_t r1, T* acc) {
  for (index_t i = 0; i < n; ++i) {
    const std::uint32_t* hi = h + i * z;
    const T* ai = a + i * ld;
    const T scale = w ? v * w[i] : v;
    for (int t = 0; t < z; ++t) {
      const std::uint32_t r = hi[t] & 0x7FFFFFFFu;
      if (r < r0 || r >= r1) continue;
      const T sg = (hi[t] >> 31) ? -scale : scale;
      T* y = acc + static_cast<index_t>(r - r0) * d;
#pragma omp simd
      for (index_t c = 0; c < d; ++c) y[c] += sg * ai[c];
    }
  }
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
#define LINALG_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LINALG_CLONES
#endif

LINALG_CLONES void scatter_rows(const double* a, index_t ld, index_t n, index_t d, const std::uint32_t* h, int z,
                                const double* w, double v, std::uint32_t r0, std::uint32_t r1, double* acc) {
  scatter_rows_impl(a, ld, n, d, h, z, w, v, r0, r1, acc);
}
LINALG_CLONES void scatter_rows(const float* a, index_t ld, index_t n, index_t d, const std::uint32_t* h, int z,
                                const float* w, float v, std::uint32_t r0, std::uint32_t r1, float* acc) {
  scatter_rows_impl(a, ld, n, d, h, z, w, v, r0, r1, acc);
}

template <class T>
void row_sketch_dense(DenseView<const T> A, const T* w, sketch::RowSketch kind, int zeta, std::uint64_t seed,
                      std::uint32_t stream, DenseView<T> Y) {
  require(!Y.trans && Y.cols == A.cols, "row_sketch_dense: shape mismatch");
  require(kind != sketch::RowSketch::Gaussian, "row_sketch_dense: the Gaussian sketch of dense A is a GEMM");
  const index_t n = A.rows, d = A.cols, s = Y.rows;
  const int z = nonzeros_per_column(kind, zeta, s);
  const std::vector<std::uint32_t> h = column_draws(n, static_cast<std::uint32_t>(s), z, seed, stream);
  const T v = static_cast<T>(1.0 / std::sqrt(static_cast<double>(z)));
  if (A.trans) {
    // C-ordered A (rows contiguous): threads own ranges of Y's rows, keep
    // them row-major (s/threads x d) and stream every row of A, adding it to
    // the targets in their range. A is read once from memory (the threads
    // walk it in step and share the cache); reading column stripes per
    // thread instead streamed it once per stripe (measured 7x the traffic
    // on P6, and no gain from the second core).
#pragma omp parallel if (n * d > 65536)
    {
      const int nt = omp_get_num_threads(), tid = omp_get_thread_num();
      const std::uint32_t r0 = static_cast<std::uint32_t>(s * tid / nt), r1 = static_cast<std::uint32_t>(s * (tid + 1) / nt);
      std::vector<T> acc(static_cast<std::size_t>(r1 - r0) * d, T(0));
      scatter_rows(A.data, A.ld, n, d, h.data(), z, w, v, r0, r1, acc.data());
      for (index_t c = 0; c < d; ++c)
        for (std::uint32_t r = r0; r < r1; ++r) Y.data[r + c * Y.ld] = acc[static_cast<index_t>(r - r0) * d + c];
    }
    return;
  }
  // F-ordered A (columns contiguous): threads own blocks of 8 columns of Y,
  // each with an s x 8 row-major accumulator, streaming its 8 columns of A:
  // A is read once in all. The block split does not change any sum.
  constexpr index_t W = 8;
  const index_t nblocks = (d + W - 1) / W;
#pragma omp parallel if (n * d > 65536)
  {
    std::vector<T> acc;
#pragma omp for schedule(dynamic, 1)
    for (index_t b = 0; b < nblocks; ++b) {
      const index_t j0 = b * W, wb = std::min(W, d - j0);
      acc.assign(static_cast<std::size_t>(s * W), T(0));
      scatter_block<T, W>(A, w, h.data(), z, v, j0, wb, acc.data());
      for (index_t c = 0; c < wb; ++c)
        for (index_t r = 0; r < s; ++r) Y.data[r + (j0 + c) * Y.ld] = acc[r * W + c];
    }
  }
}

template <class T, class I>
void row_sketch_csr(const CsrView<T, I>& A, sketch::RowSketch kind, int zeta, std::uint64_t seed, std::uint32_t stream,
                    DenseView<T> Y) {
  require(!Y.trans && Y.cols == A.cols(), "row_sketch_csr: shape mismatch");
  const index_t n = A.rows(), d = A.cols(), s = Y.rows;
  // Column j of A as a sparse vector: a stored row of the CSC input, or of
  // the explicit transpose of a CSR input (rows stay in increasing order).
  CsrTranspose<T, I> owned;
  CsrView<T, I> cols = A;
  if (!A.trans) {
    owned = transpose_structure(A);
    cols = owned.view(A.stored_cols, A.stored_rows);
  }
  if (kind == sketch::RowSketch::Gaussian) {
    require(s >= 1, "sketch: the number of sketch rows must be >= 1");
    const double v = 1.0 / std::sqrt(static_cast<double>(s));
#pragma omp parallel for schedule(dynamic, 1)
    for (index_t j = 0; j < d; ++j) {
      T* y = Y.data + j * Y.ld;
      std::fill(y, y + s, T(0));
      for (I p = cols.indptr[j]; p < cols.indptr[j + 1]; ++p) {
        const auto i = static_cast<std::uint64_t>(cols.indices[p]);
        const double a = v * static_cast<double>(cols.values[p]);
        for (index_t r = 0; r < s; ++r)
          y[r] += static_cast<T>(a * rng::normal_at(seed, stream, static_cast<std::uint64_t>(r), i));
      }
    }
    return;
  }
  const int z = nonzeros_per_column(kind, zeta, s);
  const std::vector<std::uint32_t> h = column_draws(n, static_cast<std::uint32_t>(s), z, seed, stream);
  const T v = static_cast<T>(1.0 / std::sqrt(static_cast<double>(z)));
#pragma omp parallel for schedule(dynamic, 1)
  for (index_t j = 0; j < d; ++j) {
    T* y = Y.data + j * Y.ld;
    std::fill(y, y + s, T(0));
    for (I p = cols.indptr[j]; p < cols.indptr[j + 1]; ++p) {
      const std::uint32_t* hi = &h[static_cast<index_t>(cols.indices[p]) * z];
      const T a = v * cols.values[p];
      for (int t = 0; t < z; ++t) {
        T& dst = y[hi[t] & 0x7FFFFFFFu];
        dst = (hi[t] >> 31) ? dst - a : dst + a;
      }
    }
  }
}

template void row_sketch_dense<float>(DenseView<const float>, const float*, sketch::RowSketch, int, std::uint64_t,
                                      std::uint32_t, DenseView<float>);
template void row_sketch_dense<double>(DenseView<const double>, const double*, sketch::RowSketch, int, std::uint64_t,
                                       std::uint32_t, DenseView<double>);
#define LINALG_INSTANTIATE(T, I)                                                                           \
  template void row_sketch_csr<T, I>(const CsrView<T, I>&, sketch::RowSketch, int, std::uint64_t, std::uint32_t, \
                                     DenseView<T>);
LINALG_INSTANTIATE(float, std::int32_t)
LINALG_INSTANTIATE(float, std::int64_t)
LINALG_INSTANTIATE(double, std::int32_t)
LINALG_INSTANTIATE(double, std::int64_t)
#undef LINALG_INSTANTIATE

}  // namespace linalg::host
