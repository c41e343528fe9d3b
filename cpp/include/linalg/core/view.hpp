// Non-owning views of the inputs. Dense matrices are column-major with a
// transpose flag, so a C-ordered NumPy array (the column-major transpose)
// goes in without a copy; CSR views carry the same flag, so CSC is a
// transposed CSR.
#pragma once
#include <cstdint>

namespace linalg {

using index_t = std::int64_t;

// Logical rows x cols matrix. Element (i, j) is data[i + j*ld] when
// !trans, and data[j + i*ld] when trans (storage is cols x rows).
template <class T>
struct DenseView {
  T* data = nullptr;
  index_t rows = 0, cols = 0, ld = 0;
  bool trans = false;

  index_t stored_rows() const { return trans ? cols : rows; }
  index_t stored_cols() const { return trans ? rows : cols; }
  T& operator()(index_t i, index_t j) const {
    return trans ? data[j + i * ld] : data[i + j * ld];
  }
  DenseView<T> t() const { return {data, cols, rows, ld, !trans}; }
  // Columns [j0, j0+nc) of a non-transposed view.
  DenseView<T> col_block(index_t j0, index_t nc) const {
    return trans ? DenseView<T>{data + j0, rows, nc, ld, true}
                 : DenseView<T>{data + j0 * ld, rows, nc, ld, false};
  }
  DenseView<T> row_block(index_t i0, index_t nr) const {
    return trans ? DenseView<T>{data + i0 * ld, nr, cols, ld, true}
                 : DenseView<T>{data + i0, nr, cols, ld, false};
  }
  operator DenseView<const T>() const { return {data, rows, cols, ld, trans}; }
};

// Compressed sparse rows of a stored_rows x stored_cols matrix; the logical
// matrix is its transpose when trans (a CSC matrix seen as CSR of A^T).
template <class T, class I = std::int64_t>
struct CsrView {
  const T* values = nullptr;
  const I* indices = nullptr;  // column index of each nonzero
  const I* indptr = nullptr;   // stored_rows + 1 offsets
  index_t stored_rows = 0, stored_cols = 0;
  bool trans = false;
  // The number of nonzeros when the arrays live where the host cannot read
  // them (device memory); -1: read it from indptr.
  index_t stored_nnz = -1;

  index_t rows() const { return trans ? stored_cols : stored_rows; }
  index_t cols() const { return trans ? stored_rows : stored_cols; }
  index_t nnz() const { return stored_nnz >= 0 ? stored_nnz : static_cast<index_t>(indptr[stored_rows]); }
  CsrView t() const { return {values, indices, indptr, stored_rows, stored_cols, !trans, stored_nnz}; }
};

}  // namespace linalg
