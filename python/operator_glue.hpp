// CSR arrays to a core Operator (shared by bind_nystrom.cpp and
// bind_selection.cpp). The CSR transpose structure is built without the GIL.
#pragma once
#include <nanobind/nanobind.h>

#include "convert.hpp"
#include "linalg/lowrank/operator.hpp"

namespace linalg::py {

template <class T, class I>
lowrank::Operator<T> csr_op(const In1<T>& values, const In1<I>& indices, const In1<I>& indptr, index_t stored_rows,
                            index_t stored_cols, bool trans) {
  require(static_cast<index_t>(indptr.shape(0)) == stored_rows + 1, "indptr length must be rows + 1");
  require(indices.shape(0) == values.shape(0), "indices and data lengths differ");
  require(values.stride(0) == 1 && indices.stride(0) == 1 && indptr.stride(0) == 1, "CSR arrays must be contiguous");
  CsrView<T, I> v{values.data(), indices.data(), indptr.data(), stored_rows, stored_cols, trans};
  nb::gil_scoped_release release;
  return lowrank::Operator<T>(v);
}

}  // namespace linalg::py
