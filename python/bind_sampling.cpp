// Leverage scores, Lewis weights, oblivious row sketches and the samplers'
// uniforms: arrays in, arrays and a report out (GIL released).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <vector>

#include "convert.hpp"
#include "sampling_glue.hpp"
#include "linalg/sampling/api.hpp"

namespace nb = nanobind;
using namespace linalg;
using linalg::py::options;
using linalg::py::report;
using linalg::py::row_sketch_kind;

namespace {

template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("row_sketch_csr",
        [](const py::In1<T>& v, const py::In1<I>& i, const py::In1<I>& p, index_t r, index_t c, bool t,
           const std::string& kind, index_t s, int zeta, std::uint64_t seed) {
          require(static_cast<index_t>(p.shape(0)) == r + 1, "indptr length must be rows + 1");
          require(i.shape(0) == v.shape(0), "indices and data lengths differ");
          require(s >= 1, "the sketch size must be >= 1");
          CsrView<T, I> A{v.data(), i.data(), p.data(), r, c, t};
          const auto k = row_sketch_kind(kind);
          Matrix<T> Y(s, A.cols());
          {
            nb::gil_scoped_release release;
            row_sketch<T, I>(A, k, zeta, seed, Y.view());
          }
          return py::to_numpy(std::move(Y));
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("kind"), nb::arg("size"), nb::arg("zeta"), nb::arg("seed"));
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("leverage_scores",
        [](const py::In2<T>& a, bool sketch, double eps, double ridge, double delta, index_t sketch_rows,
           index_t jl_cols, int zeta, std::uint64_t seed) {
          DenseView<const T> A = py::dense_view<T>(a, "A");
          auto o = options(sketch, eps, ridge, delta, sketch_rows, jl_cols, zeta, seed);
          std::vector<double> q(static_cast<std::size_t>(A.rows));
          sampling::LeverageReport rep;
          {
            nb::gil_scoped_release release;
            leverage_scores<T>(A, o, q.data(), rep);
          }
          return nb::make_tuple(py::to_numpy(std::move(q)), report(rep));
        },
        nb::arg("a"), nb::arg("sketch"), nb::arg("eps"), nb::arg("ridge"), nb::arg("delta") = 0.01,
        nb::arg("sketch_rows") = 0, nb::arg("jl_cols") = -1, nb::arg("zeta") = 4, nb::arg("seed") = 0);
  m.def("lewis_weights",
        [](const py::In2<T>& a, double p, int max_iter, double tol, bool sketch, double eps, double delta,
           index_t sketch_rows, int zeta, std::uint64_t seed) {
          DenseView<const T> A = py::dense_view<T>(a, "A");
          auto o = options(sketch, eps, 0.0, delta, sketch_rows, 0, zeta, seed);
          std::vector<double> w(static_cast<std::size_t>(A.rows));
          sampling::LeverageReport rep;
          {
            nb::gil_scoped_release release;
            lewis_weights<T>(A, p, max_iter, tol, o, w.data(), rep);
          }
          return nb::make_tuple(py::to_numpy(std::move(w)), report(rep));
        },
        nb::arg("a"), nb::arg("p"), nb::arg("max_iter"), nb::arg("tol"), nb::arg("sketch"), nb::arg("eps"),
        nb::arg("delta") = 0.01, nb::arg("sketch_rows") = 0, nb::arg("zeta") = 4, nb::arg("seed") = 0);
  m.def("row_sketch_dense",
        [](const py::In2<T>& a, const std::string& kind, index_t s, int zeta, std::uint64_t seed) {
          DenseView<const T> A = py::dense_view<T>(a, "A");
          const auto k = row_sketch_kind(kind);
          require(s >= 1, "the sketch size must be >= 1");
          Matrix<T> Y(s, A.cols);
          {
            nb::gil_scoped_release release;
            row_sketch<T>(A, k, zeta, seed, Y.view());
          }
          return py::to_numpy(std::move(Y));
        },
        nb::arg("a"), nb::arg("kind"), nb::arg("size"), nb::arg("zeta"), nb::arg("seed"));
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);
}

}  // namespace

void bind_sampling(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
  m.def("sampling_uniforms",
        [](std::uint64_t seed, std::uint32_t salt, index_t n) {
          require(n >= 0, "n must be >= 0");
          std::vector<double> u(static_cast<std::size_t>(n));
          {
            nb::gil_scoped_release release;
            sampling_uniforms(seed, salt, n, u.data());
          }
          return py::to_numpy(std::move(u));
        },
        nb::arg("seed"), nb::arg("salt"), nb::arg("n"), "n Philox uniforms in (0, 1) for the row samplers.");
}
