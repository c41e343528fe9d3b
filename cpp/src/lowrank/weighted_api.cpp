#include "linalg/lowrank/weighted_api.hpp"

namespace linalg {

template <class T>
lowrank::SvdFactors<T> weighted_closed_form_dense(DenseView<const T> A, const T* row_w, const T* col_w,
                                                  const lowrank::RsvdOptions& ro, bool exact,
                                                  lowrank::WeightedReport& rep, lowrank::RsvdReport& rr) {
  return lowrank::weighted_closed_form(host::Host{}, A, row_w, col_w, ro, exact, rep, rr);
}

template <class T, class I>
lowrank::SvdFactors<T> weighted_closed_form_csr(const CsrView<T, I>& A, const T* row_w, const T* col_w,
                                                const lowrank::RsvdOptions& ro, lowrank::WeightedReport& rep,
                                                lowrank::RsvdReport& rr) {
  return lowrank::weighted_closed_form(host::Host{}, A, row_w, col_w, ro, rep, rr);
}

template <class T>
lowrank::SvdFactors<T> weighted_em(DenseView<const T> A, DenseView<const T> W, const lowrank::WeightedOptions& o,
                                   lowrank::WeightedReport& rep) {
  return lowrank::weighted_em(host::Host{}, A, W, o, rep);
}

template <class T>
lowrank::SvdFactors<T> weighted_als(DenseView<const T> A, DenseView<const T> W, const lowrank::WeightedOptions& o,
                                    lowrank::WeightedReport& rep) {
  return lowrank::weighted_als(host::Host{}, A, W, o, rep);
}

#define LINALG_WEIGHTED_INSTANTIATE(T)                                                                      \
  template lowrank::SvdFactors<T> weighted_closed_form_dense<T>(DenseView<const T>, const T*, const T*,     \
                                                                const lowrank::RsvdOptions&, bool,          \
                                                                lowrank::WeightedReport&, lowrank::RsvdReport&); \
  template lowrank::SvdFactors<T> weighted_closed_form_csr<T, std::int32_t>(                                \
      const CsrView<T, std::int32_t>&, const T*, const T*, const lowrank::RsvdOptions&,                     \
      lowrank::WeightedReport&, lowrank::RsvdReport&);                                                      \
  template lowrank::SvdFactors<T> weighted_closed_form_csr<T, std::int64_t>(                                \
      const CsrView<T, std::int64_t>&, const T*, const T*, const lowrank::RsvdOptions&,                     \
      lowrank::WeightedReport&, lowrank::RsvdReport&);                                                      \
  template lowrank::SvdFactors<T> weighted_em<T>(DenseView<const T>, DenseView<const T>,                    \
                                                 const lowrank::WeightedOptions&, lowrank::WeightedReport&); \
  template lowrank::SvdFactors<T> weighted_als<T>(DenseView<const T>, DenseView<const T>,                   \
                                                  const lowrank::WeightedOptions&, lowrank::WeightedReport&);
LINALG_WEIGHTED_INSTANTIATE(float)
LINALG_WEIGHTED_INSTANTIATE(double)
#undef LINALG_WEIGHTED_INSTANTIATE

}  // namespace linalg
