// CUDA entry points of the Nyström and column/row-selection algorithms
// (lowrank/nystrom.hpp, lowrank/interp_decomp.hpp) instantiated with the
// CUDA context (cpp/cuda/select_api.cpp). Matrices in and out are device
// memory; the ID's column indices come back on the host (they are decided
// there, by the pivoted QR of the sketch).
#pragma once
#include <cstdint>

#include "linalg/core/buffer.hpp"
#include "linalg/lowrank/interp_decomp.hpp"
#include "linalg/lowrank/nystrom.hpp"

namespace linalg::cuda {

// The Nyström eigenpairs with the eigenvalues on the device (k x 1).
template <class T>
struct DeviceEigh {
  Matrix<T> w, V;
};

template <class T>
DeviceEigh<T> nystrom(std::uintptr_t stream, const lowrank::Operator<T>& A, const lowrank::NystromOptions& opt,
                      lowrank::NystromReport& rep, double nnz, DenseView<const T> omega);

template <class T>
lowrank::IdFactors<T> interp_decomp(std::uintptr_t stream, const lowrank::Operator<T>& A, const lowrank::IdOptions& opt,
                                    lowrank::IdReport& rep, double nnz, DenseView<const T> dense);

}  // namespace linalg::cuda
