// The weighted low-rank solvers on the CUDA context: each entry point opens
// the device memory scope and runs the same template as the host build.
#include "linalg/cuda/weighted_api.hpp"

#include <algorithm>
#include <vector>

#include "linalg/cuda/context.hpp"
#include "device_svd.hpp"
#include "linalg/lowrank/weighted_als.hpp"
#include "linalg/lowrank/weighted_closed_form.hpp"
#include "linalg/lowrank/weighted_em.hpp"

namespace linalg::cuda {

namespace {

// The algorithms take the (short) weight vectors on the host.
template <class T>
std::vector<T> host_vector(const Cuda& ctx, const T* dev, index_t n) {
  std::vector<T> v;
  if (!dev) return v;
  v.resize(static_cast<std::size_t>(n));
  ctx.to_host(DenseView<const T>{dev, n, 1, std::max<index_t>(n, 1), false}, v.data());
  return v;
}

template <class T>
const T* ptr_or_null(const std::vector<T>& v) {
  return v.empty() ? nullptr : v.data();
}

}  // namespace

template <class T>
DeviceSvd<T> weighted_closed_form_dense(std::uintptr_t stream, DenseView<const T> A, const T* row_w, const T* col_w,
                                        const lowrank::RsvdOptions& ro, bool exact, lowrank::WeightedReport& rep,
                                        lowrank::RsvdReport& rr) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  const std::vector<T> rw = host_vector(ctx, row_w, A.rows), cw = host_vector(ctx, col_w, A.cols);
  return to_device(ctx, lowrank::weighted_closed_form(ctx, A, ptr_or_null(rw), ptr_or_null(cw), ro, exact, rep, rr));
}

template <class T, class I>
DeviceSvd<T> weighted_closed_form_csr(std::uintptr_t stream, const CsrView<T, I>& A, const T* row_w, const T* col_w,
                                      const lowrank::RsvdOptions& ro, lowrank::WeightedReport& rep,
                                      lowrank::RsvdReport& rr) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  const std::vector<T> rw = host_vector(ctx, row_w, A.rows()), cw = host_vector(ctx, col_w, A.cols());
  return to_device(ctx, lowrank::weighted_closed_form(ctx, A, ptr_or_null(rw), ptr_or_null(cw), ro, rep, rr));
}

template <class T>
DeviceSvd<T> weighted_iterative(std::uintptr_t stream, DenseView<const T> A, DenseView<const T> W, bool als,
                                const lowrank::WeightedOptions& o, lowrank::WeightedReport& rep) {
  Cuda ctx(stream);
  MemoryScope scope(ctx.memory_space());
  return to_device(ctx, als ? lowrank::weighted_als(ctx, A, W, o, rep) : lowrank::weighted_em(ctx, A, W, o, rep));
}

#define LINALG_INSTANTIATE(T)                                                                                 \
  template DeviceSvd<T> weighted_closed_form_dense<T>(std::uintptr_t, DenseView<const T>, const T*, const T*, \
                                                      const lowrank::RsvdOptions&, bool, lowrank::WeightedReport&, \
                                                      lowrank::RsvdReport&);                                  \
  template DeviceSvd<T> weighted_closed_form_csr<T, std::int32_t>(                                            \
      std::uintptr_t, const CsrView<T, std::int32_t>&, const T*, const T*, const lowrank::RsvdOptions&,       \
      lowrank::WeightedReport&, lowrank::RsvdReport&);                                                        \
  template DeviceSvd<T> weighted_closed_form_csr<T, std::int64_t>(                                            \
      std::uintptr_t, const CsrView<T, std::int64_t>&, const T*, const T*, const lowrank::RsvdOptions&,       \
      lowrank::WeightedReport&, lowrank::RsvdReport&);                                                        \
  template DeviceSvd<T> weighted_iterative<T>(std::uintptr_t, DenseView<const T>, DenseView<const T>, bool,   \
                                              const lowrank::WeightedOptions&, lowrank::WeightedReport&);
LINALG_INSTANTIATE(float)
LINALG_INSTANTIATE(double)
#undef LINALG_INSTANTIATE

}  // namespace linalg::cuda
