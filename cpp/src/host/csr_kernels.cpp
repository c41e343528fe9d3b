#include "linalg/host/csr_kernels.hpp"

#include <algorithm>

#include "linalg/core/buffer.hpp"
#include "linalg/core/errors.hpp"

namespace linalg::host {

template <class T, class I>
void csr_times_dense(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y) {
  require(!Y.trans && X.rows == S.stored_cols && Y.rows == S.stored_rows && X.cols == Y.cols,
          "csr_times_dense: shape mismatch");
  const index_t rows = S.stored_rows, k = X.cols;
  if (rows == 0 || k == 0) return;
  // Gather rows of X: keep X row-major (k contiguous values per row) so each
  // nonzero touches one contiguous run; the copy costs O(n k), far less
  // than the O(nnz k) product.
  Matrix<T> Xr(k, X.rows);
  const index_t ldx = k;
  {
    DenseView<T> xr = Xr.view();
#pragma omp parallel for schedule(static)
    for (index_t i = 0; i < X.rows; ++i)
      for (index_t c = 0; c < k; ++c) xr.data[c + i * ldx] = X(i, c);
  }
  const T* xr = Xr.data();
  constexpr index_t kRowBlock = 64;
  const index_t nblocks = (rows + kRowBlock - 1) / kRowBlock;
#pragma omp parallel
  {
    std::vector<T> acc(static_cast<std::size_t>(kRowBlock * k));
#pragma omp for schedule(dynamic, 16)
    for (index_t b = 0; b < nblocks; ++b) {
      const index_t r0 = b * kRowBlock, r1 = std::min(rows, r0 + kRowBlock);
      for (index_t r = r0; r < r1; ++r) {
        T* a = acc.data() + (r - r0) * k;
        std::fill(a, a + k, T(0));
        for (I p = S.indptr[r]; p < S.indptr[r + 1]; ++p) {
          const T v = S.values[p];
          const T* x = xr + static_cast<index_t>(S.indices[p]) * ldx;
#pragma omp simd
          for (index_t c = 0; c < k; ++c) a[c] += v * x[c];
        }
      }
      for (index_t c = 0; c < k; ++c)  // write the block back column-major
        for (index_t r = r0; r < r1; ++r) Y.data[r + c * Y.ld] = acc[(r - r0) * k + c];
    }
  }
}

template <class T, class I>
CsrTranspose<T, I> transpose_structure(const CsrView<T, I>& S) {
  const index_t rows = S.stored_rows, cols = S.stored_cols, nnz = S.nnz();
  CsrTranspose<T, I> out;
  out.values.resize(nnz);
  out.indices.resize(nnz);
  out.indptr.assign(cols + 1, I(0));
  for (index_t p = 0; p < nnz; ++p) ++out.indptr[S.indices[p] + 1];
  for (index_t c = 0; c < cols; ++c) out.indptr[c + 1] += out.indptr[c];
  std::vector<I> next(out.indptr.begin(), out.indptr.end() - 1);
  // Row order is preserved within each column, so sums stay in a fixed order.
  for (index_t r = 0; r < rows; ++r)
    for (I p = S.indptr[r]; p < S.indptr[r + 1]; ++p) {
      const I dst = next[S.indices[p]]++;
      out.indices[dst] = static_cast<I>(r);
      out.values[dst] = S.values[p];
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
