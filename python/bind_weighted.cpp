// Weighted low-rank approximation: closed form (row/column weights), EM and
// ALS (elementwise weights). Glue only; the GIL is released around the core.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <optional>

#include "convert.hpp"
#include "weighted_glue.hpp"
#include "linalg/lowrank/weighted_api.hpp"

namespace nb = nanobind;
using namespace linalg;
using linalg::py::rsvd_options;
using linalg::py::weighted_report;

namespace {

template <class T>
const T* weights_ptr(const std::optional<py::In1<T>>& w, index_t n, const char* name) {
  if (!w) return nullptr;
  require(static_cast<index_t>(w->shape(0)) == n && w->stride(0) == 1,
          std::string(name) + " must be a contiguous vector of the matching length");
  return w->data();
}

template <class T>
nb::tuple pack(lowrank::SvdFactors<T>&& f, lowrank::WeightedReport& rep) {
  nb::dict info = weighted_report(rep);
  return nb::make_tuple(py::to_numpy(std::move(f.U)), py::to_numpy(std::move(f.S)), py::to_numpy(std::move(f.Vt)),
                        py::to_numpy(std::move(rep.history)), info);
}

template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("weighted_closed_form_csr",
        [](const py::In1<T>& v, const py::In1<I>& i, const py::In1<I>& p, index_t r, index_t c, bool t,
           std::optional<py::In1<T>> row_w, std::optional<py::In1<T>> col_w, index_t rank, index_t oversample,
           int power_iters, std::uint64_t seed) {
          require(static_cast<index_t>(p.shape(0)) == r + 1, "indptr length must be rows + 1");
          require(i.shape(0) == v.shape(0), "indices and data lengths differ");
          CsrView<T, I> A{v.data(), i.data(), p.data(), r, c, t};
          const T* rw = weights_ptr<T>(row_w, A.rows(), "row_weights");
          const T* cw = weights_ptr<T>(col_w, A.cols(), "col_weights");
          lowrank::RsvdOptions ro = rsvd_options(rank, oversample, power_iters, seed);
          lowrank::WeightedReport rep;
          lowrank::RsvdReport rr;
          lowrank::SvdFactors<T> f;
          {
            nb::gil_scoped_release release;
            f = weighted_closed_form_csr<T, I>(A, rw, cw, ro, rep, rr);
          }
          return pack<T>(std::move(f), rep);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("row_weights").none(), nb::arg("col_weights").none(), nb::arg("rank"),
        nb::arg("oversample"), nb::arg("power_iters"), nb::arg("seed"));
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("weighted_closed_form_dense",
        [](const py::In2<T>& a, std::optional<py::In1<T>> row_w, std::optional<py::In1<T>> col_w, index_t rank,
           index_t oversample, int power_iters, std::uint64_t seed, bool exact) {
          DenseView<const T> A = py::dense_view<T>(a, "A");
          const T* rw = weights_ptr<T>(row_w, A.rows, "row_weights");
          const T* cw = weights_ptr<T>(col_w, A.cols, "col_weights");
          lowrank::RsvdOptions ro = rsvd_options(rank, oversample, power_iters, seed);
          lowrank::WeightedReport rep;
          lowrank::RsvdReport rr;
          lowrank::SvdFactors<T> f;
          {
            nb::gil_scoped_release release;
            f = weighted_closed_form_dense<T>(A, rw, cw, ro, exact, rep, rr);
          }
          return pack<T>(std::move(f), rep);
        },
        nb::arg("a"), nb::arg("row_weights").none(), nb::arg("col_weights").none(), nb::arg("rank"),
        nb::arg("oversample"), nb::arg("power_iters"), nb::arg("seed"), nb::arg("exact"));
  m.def("weighted_iterative_dense",
        [](const py::In2<T>& a, const py::In2<T>& w, const std::string& method, index_t rank, index_t oversample,
           int power_iters, int max_iter, double tol, std::uint64_t seed) {
          DenseView<const T> A = py::dense_view<T>(a, "A"), W = py::dense_view<T>(w, "weights");
          lowrank::WeightedOptions o;
          o.rank = rank;
          o.oversample = oversample;
          o.power_iters = power_iters;
          o.max_iter = max_iter;
          o.tol = tol;
          o.seed = seed;
          require(method == "em" || method == "als", "method must be 'em' or 'als', got '" + method + "'");
          lowrank::WeightedReport rep;
          lowrank::SvdFactors<T> f;
          {
            nb::gil_scoped_release release;
            f = method == "em" ? weighted_em<T>(A, W, o, rep) : weighted_als<T>(A, W, o, rep);
          }
          return pack<T>(std::move(f), rep);
        },
        nb::arg("a"), nb::arg("weights"), nb::arg("method"), nb::arg("rank"), nb::arg("oversample"),
        nb::arg("power_iters"), nb::arg("max_iter"), nb::arg("tol"), nb::arg("seed"));
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);
}

}  // namespace

void bind_weighted(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
