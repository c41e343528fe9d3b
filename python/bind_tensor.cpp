// Tucker: N-d arrays in (C or F order, no copy), core + factors out.
// A C-ordered array is handed to the core with its axes reversed
// (tensor_view.hpp); modes, ranks and factors are mapped back here.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "convert.hpp"
#include "tensor_glue.hpp"
#include "linalg/tensor/api.hpp"

namespace nb = nanobind;
using namespace linalg;

namespace {

template <class T>
using InN = nb::ndarray<const T, nb::device::cpu>;

// The core's tensor as a NumPy array that owns it (py::layout_of).
template <class T>
nb::ndarray<nb::numpy, T> to_numpy(Tensor<T>&& X, bool reversed) {
  auto* owned = new Tensor<T>(std::move(X));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<Tensor<T>*>(p); });
  const py::ArrayLayout l = py::layout_of(owned->shape(), reversed);
  return nb::ndarray<nb::numpy, T>(owned->data(), l.shape.size(), l.shape.data(), owner, l.strides.data());
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("tucker_dense",
        [](const InN<T>& a, std::vector<index_t> ranks, double tol, const std::string& method, const std::string& basis,
           index_t oversample, int power_iters, int max_iter, double rtol, std::uint64_t seed, bool check_finite) {
          bool rev = false;
          TensorView<const T> X = py::tensor_view<T>(a, rev);
          tensor::TuckerOptions o = py::tucker_options(ranks, X.ndim(), rev, tol, method, basis, oversample,
                                                       power_iters, max_iter, rtol, seed, check_finite);
          tensor::TuckerReport rep;
          tensor::TuckerFactors<T> f;
          {
            nb::gil_scoped_release release;
            f = tucker<T>(X, o, rep);
          }
          const int N = X.ndim();
          nb::list factors;
          for (int k = 0; k < N; ++k) factors.append(py::to_numpy(std::move(f.factors[rev ? N - 1 - k : k])));
          return nb::make_tuple(to_numpy(std::move(f.core), rev), factors, py::tucker_info(rep, N, rev));
        },
        nb::arg("x"), LINALG_TUCKER_ARGS);

  m.def("tucker_to_tensor_dense",
        [](const InN<T>& g, std::vector<py::In2<T>> factors) {
          bool rev = false;
          TensorView<const T> G = py::tensor_view<T>(g, rev);
          require(factors.size() == static_cast<std::size_t>(G.ndim()), "factors: need one per mode of the core");
          std::vector<DenseView<const T>> U;
          for (const auto& f : factors) U.push_back(py::dense_view<T>(f, "factor"));
          U = py::maybe_reversed(U, rev);
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
          TensorView<const T> X = py::tensor_view<T>(x, rev);
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
}

}  // namespace

void bind_tensor(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
