// Tucker: N-d arrays in (C or F order, no copy), core + factors out.
// A C-ordered array is handed to the core with its axes reversed
// (tensor_view.hpp); modes, ranks and factors are mapped back here.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>

#include "convert.hpp"
#include "linalg/tensor/api.hpp"

namespace nb = nanobind;
using namespace linalg;

namespace {

template <class T>
using InN = nb::ndarray<const T, nb::device::cpu>;

template <class T>
TensorView<const T> tensor_view(const InN<T>& a, bool& reversed) {
  std::vector<index_t> shape(a.ndim()), strides(a.ndim());
  for (std::size_t k = 0; k < a.ndim(); ++k) {
    shape[k] = static_cast<index_t>(a.shape(k));
    strides[k] = static_cast<index_t>(a.stride(k));
  }
  return tensor_from_strides<const T>(a.data(), shape, strides, reversed);
}

// The core's tensor as a NumPy array that owns it: C order with the axes
// reversed back when `reversed`, else F order.
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(Tensor<T>&& X, bool reversed) {
  auto* owned = new Tensor<T>(std::move(X));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<Tensor<T>*>(p); });
  const std::size_t N = owned->shape().size();
  std::vector<std::size_t> shape(N);
  std::vector<std::int64_t> strides(N);
  std::int64_t s = 1;
  for (std::size_t k = 0; k < N; ++k) {  // first-fastest strides of the core's axes
    strides[k] = s;
    s *= owned->shape()[k];
  }
  std::vector<std::int64_t> st(N);
  for (std::size_t k = 0; k < N; ++k) {
    const std::size_t c = reversed ? N - 1 - k : k;
    shape[k] = static_cast<std::size_t>(owned->shape()[c]);
    st[k] = strides[c];
  }
  return nb::ndarray<nb::numpy, T>(owned->data(), N, shape.data(), owner, st.data());
}

template <class V>
V maybe_reversed(V v, bool reversed) {
  if (reversed) std::reverse(v.begin(), v.end());
  return v;
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("tucker_dense",
        [](const InN<T>& a, std::vector<index_t> ranks, double tol, const std::string& method, const std::string& basis,
           index_t oversample, int power_iters, int max_iter, double rtol, std::uint64_t seed) {
          bool rev = false;
          TensorView<const T> X = tensor_view<T>(a, rev);
          tensor::TuckerOptions o;
          require(ranks.size() == static_cast<std::size_t>(X.ndim()), "ranks: need one per mode");
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
          tensor::TuckerReport rep;
          tensor::TuckerFactors<T> f;
          {
            nb::gil_scoped_release release;
            f = tucker<T>(X, o, rep);
          }
          const int N = X.ndim();
          nb::list factors;
          for (int k = 0; k < N; ++k) factors.append(py::to_numpy(std::move(f.factors[rev ? N - 1 - k : k])));
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
          return nb::make_tuple(to_numpy(std::move(f.core), rev), factors, info);
        },
        nb::arg("x"), nb::arg("ranks"), nb::arg("tol"), nb::arg("method"), nb::arg("basis"), nb::arg("oversample"),
        nb::arg("power_iters"), nb::arg("max_iter"), nb::arg("rtol"), nb::arg("seed"));

  m.def("tucker_to_tensor_dense",
        [](const InN<T>& g, std::vector<py::In2<T>> factors) {
          bool rev = false;
          TensorView<const T> G = tensor_view<T>(g, rev);
          require(factors.size() == static_cast<std::size_t>(G.ndim()), "factors: need one per mode of the core");
          std::vector<DenseView<const T>> U;
          for (const auto& f : factors) U.push_back(py::dense_view<T>(f, "factor"));
          U = maybe_reversed(U, rev);
          Tensor<T> X;
          {
            nb::gil_scoped_release release;
            X = tucker_to_tensor<T>(G, U);
          }
          return to_numpy(std::move(X), rev);
        },
        nb::arg("core"), nb::arg("factors"));

  m.def("mode_product_dense",
        [](const InN<T>& x, int n, const py::In2<T>& a) {
          bool rev = false;
          TensorView<const T> X = tensor_view<T>(x, rev);
          require(n >= 0 && n < X.ndim(), "mode out of range");
          DenseView<const T> A = py::dense_view<T>(a, "A");
          Tensor<T> Y;
          {
            nb::gil_scoped_release release;
            Y = mode_product<T>(X, rev ? X.ndim() - 1 - n : n, A);
          }
          return to_numpy(std::move(Y), rev);
        },
        nb::arg("x"), nb::arg("mode"), nb::arg("a"));

  m.def("all_finite_tensor",
        [](const InN<T>& x) {
          bool rev = false;
          TensorView<const T> X = tensor_view<T>(x, rev);
          nb::gil_scoped_release release;
          return all_finite_tensor<T>(X);
        },
        nb::arg("x"));
}

}  // namespace

void bind_tensor(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
