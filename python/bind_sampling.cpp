// Leverage scores, Lewis weights, oblivious row sketches and the samplers'
// uniforms: arrays in, arrays and a report out (GIL released).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <algorithm>
#include <vector>

#include "convert.hpp"
#include "sampling_glue.hpp"
#include "linalg/sampling/api.hpp"
#include "linalg/host/context.hpp"

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

// --------------------------------------------------------------------------
// Glue for linalg.dask (row-chunked leverage scores): the pieces of the
// single-machine leverage_scores that run per row block. No algorithm here:
// each entry calls one existing core function.
// --------------------------------------------------------------------------

template <class T>
void bind_dask_dtype(nb::module_& m) {
  // One host::row_norms_pass over a row block: q_i = ||a_i^T P||^2 and/or
  // H = (A P)^T (A P) (upper triangle, double, column-major r x r, flat).
  // P = None means the identity (H = A^T A).
  m.def("row_norms_pass",
        [](const py::In2<T>& a, nb::object p, bool want_q, bool want_h) {
          DenseView<const T> A = py::dense_view<T>(a, "A");
          DenseView<const T> P{};
          py::In2<T> pv;
          if (!p.is_none()) {
            pv = nb::cast<py::In2<T>>(p);
            P = py::dense_view<T>(pv, "P");
            require(P.rows == A.cols, "row_norms_pass: P must have A.shape[1] rows");
          }
          const index_t r = p.is_none() ? A.cols : P.cols;
          std::vector<double> q(want_q ? static_cast<std::size_t>(A.rows) : 0);
          std::vector<double> h(want_h ? static_cast<std::size_t>(r * r) : 0);
          {
            nb::gil_scoped_release release;
            host::Host{}.row_norms_pass(A, P, want_q ? q.data() : nullptr, 0.0, want_h ? h.data() : nullptr);
          }
          return nb::make_tuple(py::to_numpy(std::move(q)), py::to_numpy(std::move(h)));
        },
        nb::arg("a"), nb::arg("p").none(), nb::arg("want_q"), nb::arg("want_h"));
}

void bind_dask_glue(nb::module_& m) {
  bind_dask_dtype<double>(m);
  bind_dask_dtype<float>(m);
  // The nonzeros of columns first .. first + count - 1 of an s-row sparse
  // sign embedding (sketch::sparse_sign_column): count x z row indices with
  // the sign in bit 31, z = min(zeta, s). Column i is drawn from (seed,
  // stream, i) alone, so a row block of A gets the columns of its global
  // rows. stream 17 is the leverage sketch's.
  m.def("sparse_sign_columns",
        [](std::uint64_t seed, std::uint32_t stream, std::uint64_t first, index_t count, index_t s, int zeta) {
          require(count >= 0, "count must be >= 0");
          require(s >= 1 && s < (index_t(1) << 31), "s must be in [1, 2^31)");
          require(zeta >= 1, "zeta must be >= 1");
          const int z = static_cast<int>(std::min<index_t>(zeta, s));
          std::vector<std::uint32_t> h(static_cast<std::size_t>(count) * z);
          {
            nb::gil_scoped_release release;
            for (index_t i = 0; i < count; ++i)
              sketch::sparse_sign_column(seed, stream, first + static_cast<std::uint64_t>(i),
                                         static_cast<std::uint32_t>(s), z, &h[static_cast<std::size_t>(i) * z]);
          }
          return py::to_numpy(std::move(h));
        },
        nb::arg("seed"), nb::arg("stream"), nb::arg("first"), nb::arg("count"), nb::arg("s"), nb::arg("zeta"));
}

}  // namespace

void bind_sampling(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
  m.def("sampling_uniforms",
        [](std::uint64_t seed, std::uint32_t salt, index_t n, std::uint64_t first) {
          require(n >= 0, "n must be >= 0");
          std::vector<double> u(static_cast<std::size_t>(n));
          {
            nb::gil_scoped_release release;
            sampling_uniforms(seed, salt, n, u.data(), first);
          }
          return py::to_numpy(std::move(u));
        },
        nb::arg("seed"), nb::arg("salt"), nb::arg("n"), nb::arg("first") = 0,
        "n Philox uniforms in (0, 1) for the row samplers: those of rows first .. first + n - 1.");
  bind_dask_glue(m);
}
