// The observed entries Omega of an m x n matrix, in both layouts: by rows
// (CSR) for the row half-step and by columns (CSC, i.e. CSR of the
// transpose) for the column half-step. Built once from (row, col, value)
// triples; within a row (column) entries are sorted by column (row), so all
// sums run in a fixed order whatever the input order.
#pragma once
#include <cstdint>
#include <vector>

#include "linalg/core/view.hpp"
#include "linalg/host/als_kernels.hpp"

namespace linalg::completion {

template <class T>
struct Layout {
  index_t rows = 0, cols = 0;
  std::vector<std::int32_t> ptr, idx;
  std::vector<T> val, wt;             // wt empty: all weights 1
  std::vector<std::uint16_t> subset;  // empty: no sample splitting

  host::ObsRows<T> view() const {
    return {rows, ptr.data(), idx.data(), val.data(), wt.empty() ? nullptr : wt.data(),
            subset.empty() ? nullptr : subset.data()};
  }
  index_t nnz() const { return static_cast<index_t>(idx.size()); }
};

template <class T>
struct Observations {
  index_t m = 0, n = 0;
  Layout<T> by_row, by_col;
  int subsets = 0;  // 0: no splitting; else subset ids in [0, subsets)
};

// Builds both layouts. Throws invalid_argument for an index out of range,
// a duplicate (row, col) pair, more than 2^31 - 1 entries or a side longer
// than 2^31 - 1. With subsets > 0, entry (i, j) goes to the subset drawn
// from (seed, i, j) alone (uniform over [0, subsets)).
template <class T>
Observations<T> build_observations(index_t m, index_t n, const std::int64_t* rows, const std::int64_t* cols,
                                   const T* vals, const T* weights, index_t len, int subsets, std::uint64_t seed);

// The same layouts from the entries sorted both ways, without duplicates
// (linalg.completion sorts them on the device for CuPy input): (rows,
// cols, vals, weights) by (row, col) and (rows_c, cols_c, vals_c,
// weights_c) by (col, row). Sequential copies and one parallel pass per
// layout (pointers, sample-split draws, and a check of the order and the
// ranges: invalid_argument when wrong).
template <class T>
Observations<T> build_observations_sorted(index_t m, index_t n, const std::int32_t* rows, const std::int32_t* cols,
                                          const T* vals, const T* weights, const std::int32_t* rows_c,
                                          const std::int32_t* cols_c, const T* vals_c, const T* weights_c,
                                          index_t len, int subsets, std::uint64_t seed);

}  // namespace linalg::completion
