// interp_decomp: dense or CSR matrix in, (idx, X, report) out.
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

lowrank::IdOptions id_options(index_t rank, double tol, bool randomized, index_t oversample, int power_iters,
                              const std::string& sketch, std::uint64_t seed) {
  lowrank::IdOptions o;
  o.rank = rank;
  o.tol = tol;
  o.randomized = randomized;
  o.oversample = oversample;
  o.power_iters = power_iters;
  if (sketch == "gaussian") o.test_matrix.kind = sketch::Kind::Gaussian;
  else if (sketch == "sparse_sign") o.test_matrix.kind = sketch::Kind::SparseSign;
  else throw invalid_argument("sketch must be 'gaussian' or 'sparse_sign', got '" + sketch + "'");
  o.test_matrix.seed = seed;
  return o;
}

template <class T>
nb::tuple run_id(const lowrank::Operator<T>& A, const lowrank::IdOptions& o, double nnz, DenseView<const T> dense) {
  lowrank::IdReport rep;
  lowrank::IdFactors<T> f;
  {
    nb::gil_scoped_release release;
    f = interp_decomp<T>(A, o, rep, nnz, dense);
  }
  nb::dict d;
  d["rank"] = rep.rank;
  d["sketch_rows"] = rep.sketch_rows;
  d["passes"] = rep.passes;
  d["max_coef"] = rep.max_coef;
  d["r_ratio"] = rep.r_ratio;
  std::vector<std::int64_t> idx(f.idx.begin(), f.idx.end());
  return nb::make_tuple(py::to_numpy(std::move(idx)), py::to_numpy(std::move(f.X)), d);
}

#define ID_ARGS                                                                                             \
  nb::arg("rank"), nb::arg("tol"), nb::arg("randomized"), nb::arg("oversample"), nb::arg("power_iters"), \
      nb::arg("sketch"), nb::arg("seed")

template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("interp_decomp_csr",
        [](const py::In1<T>& v, const py::In1<I>& i, const py::In1<I>& p, index_t r, index_t c, bool t, index_t rank,
           double tol, bool randomized, index_t oversample, int power_iters, const std::string& sketch,
           std::uint64_t seed) {
          auto o = id_options(rank, tol, randomized, oversample, power_iters, sketch, seed);
          return run_id<T>(py::csr_op<T, I>(v, i, p, r, c, t), o, static_cast<double>(v.shape(0)),
                           DenseView<const T>{});
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), ID_ARGS);
}

template <class T>
void bind_dtype(nb::module_& m) {
  // transpose=True decomposes A^T (a row ID of A), free with the view's flag.
  m.def("interp_decomp_dense",
        [](const py::In2<T>& a, bool transpose, index_t rank, double tol, bool randomized, index_t oversample,
           int power_iters, const std::string& sketch, std::uint64_t seed) {
          auto o = id_options(rank, tol, randomized, oversample, power_iters, sketch, seed);
          DenseView<const T> v = py::dense_view<T>(a, "A");
          if (transpose) v = v.t();
          return run_id<T>(lowrank::Operator<T>(v), o, 0.0, v);
        },
        nb::arg("a"), nb::arg("transpose"), ID_ARGS);
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);
}

}  // namespace

void bind_selection(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
