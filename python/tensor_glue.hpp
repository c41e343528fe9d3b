// Glue shared by the host and CUDA Tucker bindings (bind_tensor.cpp,
// cuda/bind_cuda_tensor.cpp): N-d arrays to tensor views (a C-ordered array
// goes to the core with its axes reversed, tensor_view.hpp), the options,
// the report, and the shape/strides of a returned tensor.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <string>
#include <vector>

#include "linalg/core/errors.hpp"
#include "linalg/core/tensor_view.hpp"
#include "linalg/tensor/tucker.hpp"

namespace linalg::py {

namespace nb = nanobind;

// Any N-d nanobind array of const T (host or device) as a tensor view.
template <class T, class Array>
TensorView<const T> tensor_view(const Array& a, bool& reversed) {
  std::vector<index_t> shape(a.ndim()), strides(a.ndim());
  for (std::size_t k = 0; k < a.ndim(); ++k) {
    shape[k] = static_cast<index_t>(a.shape(k));
    strides[k] = static_cast<index_t>(a.stride(k));
  }
  return tensor_from_strides<const T>(a.data(), shape, strides, reversed);
}

template <class V>
V maybe_reversed(V v, bool reversed) {
  if (reversed) std::reverse(v.begin(), v.end());
  return v;
}

// Shape and strides (elements) of the core's first-fastest tensor as the
// caller sees it: C order with the axes reversed back when `reversed`.
struct ArrayLayout {
  std::vector<std::size_t> shape;
  std::vector<std::int64_t> strides;
};
inline ArrayLayout layout_of(const std::vector<index_t>& core_shape, bool reversed) {
  const std::size_t N = core_shape.size();
  std::vector<std::int64_t> first_fastest(N);
  std::int64_t s = 1;
  for (std::size_t k = 0; k < N; ++k) {
    first_fastest[k] = s;
    s *= core_shape[k];
  }
  ArrayLayout out{std::vector<std::size_t>(N), std::vector<std::int64_t>(N)};
  for (std::size_t k = 0; k < N; ++k) {
    const std::size_t c = reversed ? N - 1 - k : k;
    out.shape[k] = static_cast<std::size_t>(core_shape[c]);
    out.strides[k] = first_fastest[c];
  }
  return out;
}

inline tensor::TuckerOptions tucker_options(const std::vector<index_t>& ranks, int ndim, bool rev, double tol,
                                            const std::string& method, const std::string& basis, index_t oversample,
                                            int power_iters, int max_iter, double rtol, std::uint64_t seed,
                                            bool check_finite) {
  tensor::TuckerOptions o;
  require(ranks.size() == static_cast<std::size_t>(ndim), "ranks: need one per mode");
  o.ranks = maybe_reversed(ranks, rev);
  o.tol = tol;
  if (method == "hooi") o.method = tensor::Method::Hooi;
  else if (method == "sthosvd") o.method = tensor::Method::Sthosvd;
  else if (method == "hosvd") o.method = tensor::Method::Hosvd;
  else throw invalid_argument("method must be 'hooi', 'sthosvd' or 'hosvd', got '" + method + "'");
  if (basis == "auto") o.basis = tensor::BasisRule::Auto;
  else if (basis == "exact") o.basis = tensor::BasisRule::Exact;
  else if (basis == "randomized") o.basis = tensor::BasisRule::Randomized;
  else throw invalid_argument("basis must be 'auto', 'exact' or 'randomized', got '" + basis + "'");
  o.oversample = oversample;
  o.power_iters = power_iters;
  o.max_iter = max_iter;
  o.rtol = rtol;
  o.seed = seed;
  o.check_finite = check_finite;
  return o;
}

// The report with modes in the caller's axis order.
inline nb::dict tucker_info(const tensor::TuckerReport& rep, int N, bool rev) {
  nb::dict info;
  info["ranks"] = maybe_reversed(rep.ranks, rev);
  info["bases"] = maybe_reversed(rep.bases, rev);
  std::vector<int> order = rep.order;
  if (rev)
    for (int& k : order) k = N - 1 - k;
  info["order"] = order;
  info["sweeps"] = rep.sweeps;
  info["converged"] = rep.converged;
  info["frob_sq"] = rep.frob_sq;
  info["core_sq"] = rep.core_sq;
  info["core_sq_history"] = rep.core_sq_history;
  return info;
}

#define LINALG_TUCKER_ARGS                                                                                   \
  nb::arg("ranks"), nb::arg("tol"), nb::arg("method"), nb::arg("basis"), nb::arg("oversample"),               \
      nb::arg("power_iters"), nb::arg("max_iter"), nb::arg("rtol"), nb::arg("seed"), nb::arg("check_finite")

}  // namespace linalg::py
