// Host entry points of the Nyström and column/row-selection algorithms
// (nystrom.hpp, interp_decomp.hpp), instantiated in src/lowrank/select_api.cpp.
#pragma once
#include "linalg/host/context.hpp"
#include "linalg/lowrank/interp_decomp.hpp"
#include "linalg/lowrank/nystrom.hpp"

namespace linalg {

template <class T>
lowrank::EighFactors<T> nystrom(const lowrank::Operator<T>& A, const lowrank::NystromOptions& opt,
                                lowrank::NystromReport& rep, double nnz, DenseView<const T> omega);

template <class T>
lowrank::IdFactors<T> interp_decomp(const lowrank::Operator<T>& A, const lowrank::IdOptions& opt,
                                    lowrank::IdReport& rep, double nnz, DenseView<const T> dense);

}  // namespace linalg
