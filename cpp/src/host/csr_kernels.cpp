#include "linalg/host/csr_kernels.hpp"

#include <algorithm>
#include <cstdint>
#include <vector>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"

// The row kernel is short vector FMAs: built for AVX2+FMA and for the
// baseline ISA and chosen by a CPU check, as in als_kernels.cpp.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define LINALG_CSR_DISPATCH 1
#endif

namespace linalg::host {

#ifdef LINALG_CSR_DISPATCH
namespace csr_avx2 {
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include "csr_kernels_impl.inc"
#pragma GCC pop_options
}  // namespace csr_avx2
#endif

namespace csr_base {
#include "csr_kernels_impl.inc"
}  // namespace csr_base

namespace {
template <class T, class I>
void csr_rows(const T* values, const I* indices, const I* indptr, index_t r0, index_t r1, const T* xr, index_t ldx,
              T* acc) {
#ifdef LINALG_CSR_DISPATCH
  static const bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  if (avx2) return csr_avx2::csr_rows_impl(values, indices, indptr, r0, r1, xr, ldx, acc);
#endif
  csr_base::csr_rows_impl(values, indices, indptr, r0, r1, xr, ldx, acc);
}
}  // namespace

template <class T, class I>
void csr_times_dense(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y) {
  require(!Y.trans && X.rows == S.stored_cols && Y.rows == S.stored_rows && X.cols == Y.cols,
          "csr_times_dense: shape mismatch");
  const index_t rows = S.stored_rows, k = X.cols;
  if (rows == 0 || k == 0) return;
  // Gather rows of X: keep X row-major (k contiguous values per row, padded
  // with zeros to whole 32-byte vectors) so each nonzero touches one
  // contiguous run; the copy costs O(n k), far less than the O(nnz k)
  // product.
  constexpr index_t W = static_cast<index_t>(32 / sizeof(T));
  const index_t ldx = (k + W - 1) / W * W;
  Matrix<T> Xr(ldx, X.rows);
  {
    DenseView<T> xr = Xr.view();
#pragma omp parallel for schedule(static)
    for (index_t i = 0; i < X.rows; ++i)
      for (index_t c = 0; c < ldx; ++c) xr.data[c + i * ldx] = c < k ? X(i, c) : T(0);
  }
  const T* xr = Xr.data();
  constexpr index_t kRowBlock = 64;
  const index_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel
  {
    std::vector<T> acc(static_cast<std::size_t>(kRowBlock * ldx));
#pragma omp for schedule(dynamic, 16)
    for (index_t b = 0; b < nblocks; ++b) {
      const index_t r0 = b * kRowBlock, r1 = std::min(rows, r0 + kRowBlock);
      csr_rows(S.values, S.indices, S.indptr, r0, r1, xr, ldx, acc.data());
      for (index_t c = 0; c < k; ++c)  // write the block back column-major
        for (index_t r = r0; r < r1; ++r) Y.data[r + c * Y.ld] = acc[(r - r0) * ldx + c];
    }
  }
}

// Rows are cut into one range per thread with about equal nonzeros; each
// thread counts its range's columns, the counts give every (thread,
// column) its first slot, and each thread scatters its range in row order.
// Slots of a column run thread 0's rows, then thread 1's: the same layout
// as one pass in row order, whatever the thread count. P3 (5e6 nonzeros,
// two threads): the serial scatter took 115-150 ms of a 0.9 s rsvd, this
// one with huge pages (huge_pages.hpp) 69-77 ms.
template <class T, class I>
CsrTranspose<T, I> transpose_structure(const CsrView<T, I>& S) {
  const index_t rows = S.stored_rows, cols = S.stored_cols, nnz = S.nnz();
  CsrTranspose<T, I> out;
  out.values.resize(nnz);
  out.indices.resize(nnz);
  out.indptr.assign(cols + 1, I(0));
#ifdef _OPENMP
  const int parts = static_cast<int>(std::max<index_t>(1, std::min<index_t>(omp_get_max_threads(), nnz / 65536)));
#else
  const int parts = 1;
#endif
  std::vector<index_t> first_row(static_cast<std::size_t>(parts) + 1, rows);
  for (int t = 0; t < parts; ++t) {
    const I target = static_cast<I>(static_cast<double>(nnz) * t / parts);
    first_row[t] = std::upper_bound(S.indptr, S.indptr + rows + 1, target) - S.indptr - 1;
  }
  first_row[0] = 0;
  std::vector<std::vector<I>> slot(static_cast<std::size_t>(parts));
#pragma omp parallel for schedule(static, 1) num_threads(parts)
  for (int t = 0; t < parts; ++t) {
    slot[t].assign(static_cast<std::size_t>(cols), I(0));
    for (I p = S.indptr[first_row[t]]; p < S.indptr[first_row[t + 1]]; ++p) ++slot[t][S.indices[p]];
  }
  I start = 0;
  for (index_t c = 0; c < cols; ++c) {
    out.indptr[c] = start;
    for (int t = 0; t < parts; ++t) {
      const I count = slot[t][c];
      slot[t][c] = start;
      start += count;
    }
  }
  out.indptr[cols] = start;
#pragma omp parallel for schedule(static, 1) num_threads(parts)
  for (int t = 0; t < parts; ++t) {
    I* next = slot[t].data();
    for (index_t r = first_row[t]; r < first_row[t + 1]; ++r)
      for (I p = S.indptr[r]; p < S.indptr[r + 1]; ++p) {
        const I dst = next[S.indices[p]]++;
        out.indices[dst] = static_cast<I>(r);
        out.values[dst] = S.values[p];
      }
  }
  return out;
}

#define LINALG_INSTANTIATE(T, I)                                                                   \
  template void csr_times_dense<T, I>(const CsrView<T, I>&, DenseView<const T>, DenseView<T>);     \
  template CsrTranspose<T, I> transpose_structure<T, I>(const CsrView<T, I>&);
LINALG_INSTANTIATE(float, std::int32_t)
LINALG_INSTANTIATE(float, std::int64_t)
LINALG_INSTANTIATE(double, std::int32_t)
LINALG_INSTANTIATE(double, std::int64_t)
#undef LINALG_INSTANTIATE

}  // namespace linalg::host
