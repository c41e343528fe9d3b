// Tucker on CuPy arrays: N-d device arrays in (C or F order, no copy), core
// and factors out as CuPy arrays, computed on the caller's stream. Same
// axis handling as bind_tensor.cpp: a C-ordered array goes to the core with
// its axes reversed, and modes, ranks and factors are mapped back here.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <algorithm>

#include "convert_cuda.hpp"
#include "linalg/cuda/tensor_api.hpp"

namespace nb = nanobind;
using namespace linalg;
using namespace linalg::py;

namespace {

template <class T>
using DevN = nb::ndarray<const T, nb::device::cuda>;

template <class T>
TensorView<const T> device_tensor_view(const DevN<T>& a, bool& reversed) {
  std::vector<index_t> shape(a.ndim()), strides(a.ndim());
  for (std::size_t k = 0; k < a.ndim(); ++k) {
    shape[k] = static_cast<index_t>(a.shape(k));
    strides[k] = static_cast<index_t>(a.stride(k));
  }
  return tensor_from_strides<const T>(a.data(), shape, strides, reversed);
}

// A device tensor as a CuPy array that owns it: C order with the axes
// reversed back when `reversed`, else F order.
template <class T>
DevOut<T> tensor_to_cupy(Tensor<T>&& X, bool reversed, int device_id) {
  const std::vector<index_t> core_shape = X.shape();
  T* p = X.release();
  nb::capsule owner(p, [](void* q) noexcept { cuda::free_returned(q); });
  const std::size_t N = core_shape.size();
  std::vector<std::size_t> shape(N);
  std::vector<std::int64_t> strides(N), st(N);
  std::int64_t s = 1;
  for (std::size_t k = 0; k < N; ++k) {
    strides[k] = s;
    s *= core_shape[k];
  }
  for (std::size_t k = 0; k < N; ++k) {
    const std::size_t c = reversed ? N - 1 - k : k;
    shape[k] = static_cast<std::size_t>(core_shape[c]);
    st[k] = strides[c];
  }
  return DevOut<T>(p, N, shape.data(), owner, st.data(), nb::dtype<T>(), nb::device::cuda::value, device_id);
}

template <class V>
V maybe_reversed(V v, bool reversed) {
  if (reversed) std::reverse(v.begin(), v.end());
  return v;
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("cuda_tucker_dense",
        [](const DevN<T>& a, std::uintptr_t stream, int device, std::vector<index_t> ranks, double tol,
           const std::string& method, const std::string& basis, index_t oversample, int power_iters, int max_iter,
           double rtol, std::uint64_t seed) {
          bool rev = false;
          TensorView<const T> X = device_tensor_view<T>(a, rev);
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
            f = cuda::tucker<T>(stream, X, o, rep);
          }
          const int N = X.ndim();
          nb::list factors;
          for (int k = 0; k < N; ++k) factors.append(to_cupy(std::move(f.factors[rev ? N - 1 - k : k]), device));
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
          return nb::make_tuple(tensor_to_cupy(std::move(f.core), rev, device), factors, info);
        },
        nb::arg("x"), nb::arg("stream"), nb::arg("device"), nb::arg("ranks"), nb::arg("tol"), nb::arg("method"),
        nb::arg("basis"), nb::arg("oversample"), nb::arg("power_iters"), nb::arg("max_iter"), nb::arg("rtol"),
        nb::arg("seed"));

  m.def("cuda_tucker_to_tensor_dense",
        [](const DevN<T>& g, std::vector<Dev2<T>> factors, std::uintptr_t stream, int device) {
          bool rev = false;
          TensorView<const T> G = device_tensor_view<T>(g, rev);
          require(factors.size() == static_cast<std::size_t>(G.ndim()), "factors: need one per mode of the core");
          std::vector<DenseView<const T>> U;
          for (const auto& f : factors) U.push_back(device_view<T>(f, "factor"));
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
          TensorView<const T> X = device_tensor_view<T>(x, rev);
          require(n >= 0 && n < X.ndim(), "mode out of range");
          DenseView<const T> A = device_view<T>(a, "A");
          Tensor<T> Y;
          {
            nb::gil_scoped_release release;
            Y = cuda::mode_product<T>(stream, X, rev ? X.ndim() - 1 - n : n, A);
          }
          return tensor_to_cupy(std::move(Y), rev, device);
        },
        nb::arg("x"), nb::arg("mode"), nb::arg("a"), nb::arg("stream"), nb::arg("device"));

  m.def("cuda_all_finite_tensor",
        [](const DevN<T>& x, std::uintptr_t stream) {
          bool rev = false;
          TensorView<const T> X = device_tensor_view<T>(x, rev);
          nb::gil_scoped_release release;
          return cuda::all_finite_tensor<T>(stream, X);
        },
        nb::arg("x"), nb::arg("stream"));
}

}  // namespace

void bind_cuda_tensor(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
