// Threaded sparse x dense products on the host. SciPy's own product is
// single-threaded (ARCHITECTURE decision 4). Each output row is summed in
// a fixed order by one thread, so results do not depend on thread count.
#pragma once
#include <cstdint>
#include <vector>

#include "linalg/core/view.hpp"
#include "linalg/host/huge_pages.hpp"

namespace linalg::host {

// Y = S X for the stored (untransposed) CSR S: Y is S.stored_rows x k,
// X is S.stored_cols x k. Any transpose flags of X are honoured; Y must not
// be transposed.
template <class T, class I>
void csr_times_dense(const CsrView<T, I>& S, DenseView<const T> X, DenseView<T> Y);

// The explicit transpose of a CSR structure (CSR of S^T), built once so that
// S^T X is also a race-free gather.
template <class T, class I>
struct CsrTranspose {
  std::vector<T, HugePageAllocator<T>> values;
  std::vector<I, HugePageAllocator<I>> indices, indptr;
  CsrView<T, I> view(index_t rows, index_t cols) const {
    return {values.data(), indices.data(), indptr.data(), rows, cols, false};
  }
};

template <class T, class I>
CsrTranspose<T, I> transpose_structure(const CsrView<T, I>& S);

}  // namespace linalg::host
