// Host entry points of the weighted low-rank solvers (instantiated in
// src/lowrank/weighted_api.cpp for float and double).
#pragma once
#include "linalg/host/context.hpp"
#include "linalg/lowrank/weighted_als.hpp"
#include "linalg/lowrank/weighted_closed_form.hpp"
#include "linalg/lowrank/weighted_em.hpp"

namespace linalg {

template <class T>
lowrank::SvdFactors<T> weighted_closed_form_dense(DenseView<const T> A, const T* row_w, const T* col_w,
                                                  const lowrank::RsvdOptions& ro, bool exact,
                                                  lowrank::WeightedReport& rep, lowrank::RsvdReport& rr);

template <class T, class I>
lowrank::SvdFactors<T> weighted_closed_form_csr(const CsrView<T, I>& A, const T* row_w, const T* col_w,
                                                const lowrank::RsvdOptions& ro, lowrank::WeightedReport& rep,
                                                lowrank::RsvdReport& rr);

template <class T>
lowrank::SvdFactors<T> weighted_em(DenseView<const T> A, DenseView<const T> W, const lowrank::WeightedOptions& o,
                                   lowrank::WeightedReport& rep);

template <class T>
lowrank::SvdFactors<T> weighted_als(DenseView<const T> A, DenseView<const T> W, const lowrank::WeightedOptions& o,
                                    lowrank::WeightedReport& rep);

}  // namespace linalg
