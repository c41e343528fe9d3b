// nystrom: dense or CSR symmetric PSD matrix in, (eigenvalues, eigenvectors, report) out.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include "convert.hpp"
#include "linalg/select_api.hpp"
#include "operator_glue.hpp"

namespace nb = nanobind;
using namespace linalg;

namespace {

lowrank::NystromOptions nystrom_options(index_t rank, index_t oversample, int power_iters, double tol,
                                        const std::string& sketch, std::uint64_t seed) {
  lowrank::NystromOptions o;
  o.rank = rank;
  o.oversample = oversample;
  o.power_iters = power_iters;
  o.tol = tol;
  if (sketch == "gaussian" || sketch == "given") o.test_matrix.kind = sketch::Kind::Gaussian;
  else if (sketch == "sparse_sign") o.test_matrix.kind = sketch::Kind::SparseSign;
  else throw invalid_argument("sketch must be 'gaussian' or 'sparse_sign', got '" + sketch + "'");
  o.test_matrix.seed = seed;
  return o;
}

template <class T>
nb::tuple run_nystrom(const lowrank::Operator<T>& A, const lowrank::NystromOptions& o, double nnz,
                      nb::object omega) {
  DenseView<const T> om{};
  if (!omega.is_none()) om = py::dense_view<T>(nb::cast<py::In2<T>>(omega), "sketch");
  lowrank::NystromReport rep;
  lowrank::EighFactors<T> f;
  {
    nb::gil_scoped_release release;
    f = nystrom<T>(A, o, rep, nnz, om);
  }
  nb::dict d;
  d["sketch_size"] = rep.sketch_size;
  d["rank"] = rep.rank;
  d["passes"] = rep.passes;
  d["shift"] = rep.shift;
  d["asymmetry"] = rep.asymmetry;
  if (rep.error_estimate >= 0) {
    d["error_estimate"] = rep.error_estimate;
    d["converged"] = rep.converged;
  }
  return nb::make_tuple(py::to_numpy(std::move(f.w)), py::to_numpy(std::move(f.V)), d);
}

#define NYSTROM_ARGS \
  nb::arg("rank"), nb::arg("oversample"), nb::arg("power_iters"), nb::arg("tol"), nb::arg("sketch"), nb::arg("seed"), nb::arg("omega").none() = nb::none()

template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("nystrom_csr",
        [](const py::In1<T>& v, const py::In1<I>& i, const py::In1<I>& p, index_t r, index_t c, bool t, index_t rank,
           index_t oversample, int power_iters, double tol, const std::string& sketch, std::uint64_t seed, nb::object omega) {
          auto o = nystrom_options(rank, oversample, power_iters, tol, sketch, seed);
          return run_nystrom<T>(py::csr_op<T, I>(v, i, p, r, c, t), o, static_cast<double>(v.shape(0)), omega);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), NYSTROM_ARGS);
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("nystrom_dense",
        [](const py::In2<T>& a, index_t rank, index_t oversample, int power_iters, double tol, const std::string& sketch,
           std::uint64_t seed, nb::object omega) {
          auto o = nystrom_options(rank, oversample, power_iters, tol, sketch, seed);
          return run_nystrom<T>(lowrank::Operator<T>(py::dense_view<T>(a, "A")), o, 0.0, omega);
        },
        nb::arg("a"), NYSTROM_ARGS);
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);
}

}  // namespace

void bind_nystrom(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
