// CUDA entry points of the weighted low-rank solvers (cpp/cuda/weighted_api.cpp):
// the templates of lowrank/weighted_*.hpp on the CUDA context. Matrices and
// the row/column weight vectors are device memory; the factors come back as
// device matrices (S as a k x 1 matrix), the report on the host.
#pragma once
#include <cstdint>

#include "linalg/cuda/api.hpp"
#include "linalg/lowrank/weighted_common.hpp"

namespace linalg::cuda {

template <class T>
DeviceSvd<T> weighted_closed_form_dense(std::uintptr_t stream, DenseView<const T> A, const T* row_w, const T* col_w,
                                        const lowrank::RsvdOptions& ro, bool exact, lowrank::WeightedReport& rep,
                                        lowrank::RsvdReport& rr);

template <class T, class I>
DeviceSvd<T> weighted_closed_form_csr(std::uintptr_t stream, const CsrView<T, I>& A, const T* row_w, const T* col_w,
                                      const lowrank::RsvdOptions& ro, lowrank::WeightedReport& rep,
                                      lowrank::RsvdReport& rr);

// EM (als false) or ALS (als true) with elementwise weights W (A's shape and layout).
template <class T>
DeviceSvd<T> weighted_iterative(std::uintptr_t stream, DenseView<const T> A, DenseView<const T> W, bool als,
                                const lowrank::WeightedOptions& o, lowrank::WeightedReport& rep);

}  // namespace linalg::cuda
