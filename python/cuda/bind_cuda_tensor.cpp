// Tucker on CuPy arrays: N-d device arrays in (C or F order, no copy), core
// and factors out as CuPy arrays, computed on the caller's stream. Same
// axis handling as bind_tensor.cpp: a C-ordered array goes to the core with
// its axes reversed, and modes, ranks and factors are mapped back here.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "../tensor_glue.hpp"
#include "convert_cuda.hpp"
#include "linalg/cuda/tensor_api.hpp"

namespace nb = nanobind;
using namespace linalg;
using namespace linalg::py;

namespace {

template <class T>
using DevN = nb::ndarray<const T, nb::device::cuda>;

// A device tensor as a CuPy array that owns it (py::layout_of).
template <class T>
DevOut<T> tensor_to_cupy(Tensor<T>&& X, bool reversed, int device_id) {
  const ArrayLayout l = layout_of(X.shape(), reversed);
  T* p = X.release();
  nb::capsule owner(p, [](void* q) noexcept { cuda::free_returned(q); });
  return DevOut<T>(p, l.shape.size(), l.shape.data(), owner, l.strides.data(), nb::dtype<T>(), nb::device::cuda::value,
                   device_id);
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("cuda_tucker_dense",
        [](const DevN<T>& a, std::uintptr_t stream, int device, std::vector<index_t> ranks, double tol,
           const std::string& method, const std::string& basis, index_t oversample, int power_iters, int max_iter,
           double rtol, std::uint64_t seed, bool check_finite) {
          bool rev = false;
          TensorView<const T> X = tensor_view<T>(a, rev);
          tensor::TuckerOptions o =
              tucker_options(ranks, X.ndim(), rev, tol, method, basis, oversample, power_iters, max_iter, rtol, seed, check_finite);
          tensor::TuckerReport rep;
          tensor::TuckerFactors<T> f;
          {
            nb::gil_scoped_release release;
            f = cuda::tucker<T>(stream, X, o, rep);
          }
          const int N = X.ndim();
          nb::list factors;
          for (int k = 0; k < N; ++k) factors.append(to_cupy(std::move(f.factors[rev ? N - 1 - k : k]), device));
          return nb::make_tuple(tensor_to_cupy(std::move(f.core), rev, device), factors, tucker_info(rep, N, rev));
        },
        nb::arg("x"), nb::arg("stream"), nb::arg("device"), LINALG_TUCKER_ARGS);

  m.def("cuda_tucker_to_tensor_dense",
        [](const DevN<T>& g, std::vector<Dev2<T>> factors, std::uintptr_t stream, int device) {
          bool rev = false;
          TensorView<const T> G = tensor_view<T>(g, rev);
          require(factors.size() == static_cast<std::size_t>(G.ndim()), "factors: need one per mode of the core");
          std::vector<DenseView<const T>> U;
          for (const auto& f : factors) U.push_back(dense_view<T>(f, "factor"));
          U = maybe_reversed(U, rev);
          Tensor<T> X;
          {
            nb::gil_scoped_release release;
            X = cuda::tucker_to_tensor<T>(stream, G, U);
          }
          return tensor_to_cupy(std::move(X), rev, device);
        },
        nb::arg("core"), nb::arg("factors"), nb::arg("stream"), nb::arg("device"));

  m.def("cuda_mode_product_dense",
        [](const DevN<T>& x, int n, const Dev2<T>& a, std::uintptr_t stream, int device) {
          bool rev = false;
          TensorView<const T> X = tensor_view<T>(x, rev);
          require(n >= 0 && n < X.ndim(), "mode out of range");
          DenseView<const T> A = dense_view<T>(a, "A");
          Tensor<T> Y;
          {
            nb::gil_scoped_release release;
            Y = cuda::mode_product<T>(stream, X, rev ? X.ndim() - 1 - n : n, A);
          }
          return tensor_to_cupy(std::move(Y), rev, device);
        },
        nb::arg("x"), nb::arg("mode"), nb::arg("a"), nb::arg("stream"), nb::arg("device"));
}

}  // namespace

void bind_cuda_tensor(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
