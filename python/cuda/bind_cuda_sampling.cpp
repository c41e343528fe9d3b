// Leverage scores, Lewis weights, oblivious row sketches and the samplers'
// uniforms on CuPy arrays, on the caller's stream; CuPy arrays out.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <string>

#include "../sampling_glue.hpp"
#include "convert_cuda.hpp"
#include "linalg/cuda/sampling_api.hpp"

namespace nb = nanobind;
using namespace linalg;
using namespace linalg::py;

namespace {

template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("cuda_row_sketch_csr",
        [](const Dev1<T>& v, const Dev1<I>& i, const Dev1<I>& p, index_t r, index_t c, bool t, std::uintptr_t stream,
           int device, const std::string& kind, index_t s, int zeta, std::uint64_t seed) {
          require(static_cast<index_t>(p.shape(0)) == r + 1, "indptr length must be rows + 1");
          require(i.shape(0) == v.shape(0), "indices and data lengths differ");
          require(v.stride(0) == 1 && i.stride(0) == 1 && p.stride(0) == 1, "CSR arrays must be contiguous");
          require(s >= 1, "the sketch size must be >= 1");
          CsrView<T, I> A{v.data(), i.data(), p.data(), r, c, t, static_cast<index_t>(v.shape(0))};
          const auto k = row_sketch_kind(kind);
          Matrix<T> Y;
          {
            nb::gil_scoped_release release;
            Y = cuda::row_sketch<T, I>(stream, A, k, s, zeta, seed);
          }
          return to_cupy(std::move(Y), device);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("stream"), nb::arg("device"), nb::arg("kind"), nb::arg("size"),
        nb::arg("zeta"), nb::arg("seed"));
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("cuda_leverage_scores",
        [](const Dev2<T>& a, std::uintptr_t stream, int device, bool sketch, double eps, double ridge, double delta,
           index_t sketch_rows, index_t jl_cols, int zeta, std::uint64_t seed) {
          DenseView<const T> A = dense_view<T>(a, "A");
          auto o = options(sketch, eps, ridge, delta, sketch_rows, jl_cols, zeta, seed);
          sampling::LeverageReport rep;
          Matrix<double> q;
          {
            nb::gil_scoped_release release;
            q = cuda::leverage_scores<T>(stream, A, o, rep);
          }
          return nb::make_tuple(to_cupy(std::move(q), device, true), report(rep));
        },
        nb::arg("a"), nb::arg("stream"), nb::arg("device"), nb::arg("sketch"), nb::arg("eps"), nb::arg("ridge"),
        nb::arg("delta") = 0.01, nb::arg("sketch_rows") = 0, nb::arg("jl_cols") = -1, nb::arg("zeta") = 4,
        nb::arg("seed") = 0);
  m.def("cuda_lewis_weights",
        [](const Dev2<T>& a, std::uintptr_t stream, int device, double p, int max_iter, double tol, bool sketch,
           double eps, double delta, index_t sketch_rows, int zeta, std::uint64_t seed) {
          DenseView<const T> A = dense_view<T>(a, "A");
          auto o = options(sketch, eps, 0.0, delta, sketch_rows, 0, zeta, seed);
          sampling::LeverageReport rep;
          Matrix<double> w;
          {
            nb::gil_scoped_release release;
            w = cuda::lewis_weights<T>(stream, A, p, max_iter, tol, o, rep);
          }
          return nb::make_tuple(to_cupy(std::move(w), device, true), report(rep));
        },
        nb::arg("a"), nb::arg("stream"), nb::arg("device"), nb::arg("p"), nb::arg("max_iter"), nb::arg("tol"),
        nb::arg("sketch"), nb::arg("eps"), nb::arg("delta") = 0.01, nb::arg("sketch_rows") = 0, nb::arg("zeta") = 4,
        nb::arg("seed") = 0);
  m.def("cuda_row_sketch_dense",
        [](const Dev2<T>& a, std::uintptr_t stream, int device, const std::string& kind, index_t s, int zeta,
           std::uint64_t seed) {
          DenseView<const T> A = dense_view<T>(a, "A");
          const auto k = row_sketch_kind(kind);
          require(s >= 1, "the sketch size must be >= 1");
          Matrix<T> Y;
          {
            nb::gil_scoped_release release;
            Y = cuda::row_sketch<T>(stream, A, k, s, zeta, seed);
          }
          return to_cupy(std::move(Y), device);
        },
        nb::arg("a"), nb::arg("stream"), nb::arg("device"), nb::arg("kind"), nb::arg("size"), nb::arg("zeta"),
        nb::arg("seed"));
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);
}

}  // namespace

void bind_cuda_sampling(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
  m.def("cuda_sampling_uniforms",
        [](std::uint64_t seed, std::uint32_t salt, index_t n, std::uintptr_t stream, int device) {
          require(n >= 1, "n must be >= 1");
          Matrix<double> u;
          {
            nb::gil_scoped_release release;
            u = cuda::sampling_uniforms(stream, seed, salt, n);
          }
          return to_cupy(std::move(u), device, true);
        },
        nb::arg("seed"), nb::arg("salt"), nb::arg("n"), nb::arg("stream"), nb::arg("device"),
        "n Philox uniforms in (0, 1) for the row samplers, on the device (the host's values).");
}
