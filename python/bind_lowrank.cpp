// rsvd, range_finder and estimate_error: arrays in, arrays and a report out.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include "convert.hpp"
#include "rsvd_glue.hpp"
#include "linalg/api.hpp"
#include "linalg/host/bf16_operator.hpp"
#include "linalg/host/split_host.hpp"

namespace nb = nanobind;
using namespace linalg;

using namespace linalg::py;

namespace {

template <class T>
nb::tuple run_rsvd(const lowrank::Operator<T>& A, const Options& o, double nnz, nb::object progress) {
  lowrank::RsvdOptions c = to_core(o);
  lowrank::RsvdReport rep;
  lowrank::Progress cb = wrap_progress(progress);
  lowrank::SvdFactors<T> f;
  bool transposed = false;
  {
    nb::gil_scoped_release release;
    f = rsvd_as_computed<T>(A, c, rep, nnz, transposed, cb);
  }
  nb::object U = nb::cast(py::to_numpy(std::move(f.U))), Vt = nb::cast(py::to_numpy(std::move(f.Vt)));
  if (transposed) {  // m < n: the core factorised A^T; U and Vh are C-ordered views of its Vh and U
    nb::object u = Vt.attr("T"), vt = U.attr("T");
    U = u;
    Vt = vt;
  }
  return nb::make_tuple(U, py::to_numpy(std::move(f.S)), Vt, report(rep));
}

template <class T, class I>
lowrank::Operator<T> csr_operator(const py::In1<T>& values, const py::In1<I>& indices, const py::In1<I>& indptr,
                                  index_t stored_rows, index_t stored_cols, bool trans) {
  require(static_cast<index_t>(indptr.shape(0)) == stored_rows + 1, "indptr length must be rows + 1");
  require(indices.shape(0) == values.shape(0), "indices and data lengths differ");
  require(values.stride(0) == 1 && indices.stride(0) == 1 && indptr.stride(0) == 1, "CSR arrays must be contiguous");
  CsrView<T, I> v{values.data(), indices.data(), indptr.data(), stored_rows, stored_cols, trans};
  nb::gil_scoped_release release;
  return lowrank::Operator<T>(v);
}

// rsvd and range_finder of a CSR matrix with index type I (overloads).
template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("rsvd_csr",
        [](const py::In1<T>& v, const py::In1<I>& i, const py::In1<I>& p, index_t r, index_t c, bool t, index_t rank,
           double tol, index_t oversample, int power_iters, const std::string& method, const std::string& sketch,
           int zeta, std::uint64_t seed, index_t block, nb::object progress) {
          Options o{rank, tol, oversample, power_iters, method, sketch, zeta, seed, block};
          return run_rsvd<T>(csr_operator(v, i, p, r, c, t), o, static_cast<double>(v.shape(0)), progress);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), LINALG_OPTION_ARGS);
  m.def("range_finder_csr",
        [](const py::In1<T>& v, const py::In1<I>& i, const py::In1<I>& p, index_t r, index_t c, bool t, index_t size,
           int power_iters, const std::string& sketch, int zeta, std::uint64_t seed) {
          Options o{1, 0.0, 0, power_iters, "auto", sketch, zeta, seed, 0};
          lowrank::RsvdOptions opt = to_core(o);
          auto A = csr_operator(v, i, p, r, c, t);
          lowrank::PassCount count;
          Matrix<T> Q;
          {
            nb::gil_scoped_release release;
            Q = range_finder<T>(A, size, power_iters, opt.test_matrix, static_cast<double>(v.shape(0)), count);
          }
          return nb::make_tuple(py::to_numpy(std::move(Q)), count.passes);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("size"), nb::arg("power_iters"), nb::arg("sketch"), nb::arg("zeta"),
        nb::arg("seed"));
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("all_finite", [](const py::In2<T>& a) {
    DenseView<const T> v = py::dense_view<T>(a, "A");
    nb::gil_scoped_release release;
    return all_finite<T>(v);
  }, nb::arg("a"), "True when no entry of the 2-D array is NaN or Inf.");
  m.def("dense_product",
        [](const py::In2<T>& a, const py::In2<T>& x, bool transpose, bool split) {
          DenseView<const T> A = py::dense_view<T>(a, "A");
          DenseView<const T> X = py::dense_view<T>(x, "X");
          require(X.rows == (transpose ? A.rows : A.cols), "dense_product: X has the wrong number of rows");
          Matrix<T> Y;
          {
            nb::gil_scoped_release release;
            Y = dense_product<T>(A, X, transpose, split);
          }
          return py::to_numpy(std::move(Y));
        },
        nb::arg("a"), nb::arg("x"), nb::arg("transpose") = false, nb::arg("split") = false,
        "op(A) @ X (op: A.T when transpose), column-major (Fortran-order) result: one core GEMM; split: on\n"
        "the context of rsvd's dense path (narrow products on the core's kernels; hold SciPy's BLAS to one thread).");
  m.def("rsvd_dense",
        [](const py::In2<T>& a, index_t rank, double tol, index_t oversample, int power_iters, const std::string& method,
           const std::string& sketch, int zeta, std::uint64_t seed, index_t block, nb::object progress,
           double energy_rtol) {
          Options o{rank, tol, oversample, power_iters, method, sketch, zeta, seed, block, energy_rtol};
          return run_rsvd<T>(lowrank::Operator<T>(py::dense_view<T>(a, "A")), o, 0.0, progress);
        },
        nb::arg("a"), LINALG_OPTION_ARGS, nb::arg("energy_rtol") = 0.1);
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);

  m.def("range_finder_dense",
        [](const py::In2<T>& a, index_t size, int power_iters, const std::string& sketch, int zeta, std::uint64_t seed) {
          Options o{1, 0.0, 0, power_iters, "auto", sketch, zeta, seed, 0};
          lowrank::RsvdOptions c = to_core(o);
          lowrank::Operator<T> A(py::dense_view<T>(a, "A"));
          lowrank::PassCount count;
          Matrix<T> Q;
          {
            nb::gil_scoped_release release;
            Q = range_finder<T>(A, size, power_iters, c.test_matrix, 0.0, count);
          }
          return nb::make_tuple(py::to_numpy(std::move(Q)), count.passes);
        },
        nb::arg("a"), nb::arg("size"), nb::arg("power_iters"), nb::arg("sketch"), nb::arg("zeta"), nb::arg("seed"));

  m.def("estimate_error_dense",
        [](const py::In2<T>& a, const py::In2<T>& u, const py::In1<T>& s, const py::In2<T>& vt, int probes,
           std::uint64_t seed) {
          require(s.stride(0) == 1, "S must be contiguous");
          lowrank::Operator<T> A(py::dense_view<T>(a, "A"));
          lowrank::ErrorEstimate e;
          require(static_cast<index_t>(s.shape(0)) == static_cast<index_t>(u.shape(1)), "S length must equal U columns");
          {
            nb::gil_scoped_release release;
            e = estimate_error<T>(A, py::dense_view<T>(u, "U"), s.data(), py::dense_view<T>(vt, "Vh"), probes, seed);
          }
          return nb::make_tuple(e.frobenius, e.spectral_bound, e.frob_norm_a);
        },
        nb::arg("a"), nb::arg("u"), nb::arg("s"), nb::arg("vt"), nb::arg("probes"), nb::arg("seed"));
}

// The rsvd variants whose basis comes from lower-precision products
// (rsvd_mixed: float32 for float64 A; rsvd_fast: bfloat16 on the AMX units
// for float32 and float64 A): None when AMX is missing or their guard asks
// for a full-precision rerun. check_finite: they check A for NaN/Inf
// themselves (the bfloat16 copy reads A anyway).
template <class T, lowrank::SvdFactors<T> (*Solver)(DenseView<const T>, const lowrank::RsvdOptions&,
                                                   lowrank::RsvdReport&, double, bool&, const lowrank::Progress&,
                                                   bool)>
nb::object rsvd_refined(const py::In2<T>& a, index_t rank, double tol, index_t oversample, int power_iters,
                        const std::string& method, const std::string& sketch, int zeta, std::uint64_t seed,
                        index_t block, nb::object progress, double min_rel_error, bool check_finite) {
  Options o{rank, tol, oversample, power_iters, method, sketch, zeta, seed, block};
  lowrank::RsvdOptions c = to_core(o);
  lowrank::RsvdReport rep;
  lowrank::Progress cb = wrap_progress(progress);
  DenseView<const T> A = py::dense_view<T>(a, "A");
  bool used = false;
  lowrank::SvdFactors<T> f;
  {
    nb::gil_scoped_release release;
    f = Solver(A, c, rep, min_rel_error, used, cb, check_finite);
  }
  if (!used) return nb::none();
  return nb::make_tuple(py::to_numpy(std::move(f.U)), py::to_numpy(std::move(f.S)), py::to_numpy(std::move(f.Vt)),
                        report(rep));
}

}  // namespace

void bind_lowrank(nb::module_& m) {
  m.def("rsvd_dense_mixed", &rsvd_refined<double, &rsvd_mixed>, nb::arg("a"), LINALG_OPTION_ARGS,
        nb::arg("min_rel_error"), nb::arg("check_finite") = false);
  m.def("rsvd_dense_fast", &rsvd_refined<float, &rsvd_fast>, nb::arg("a"), LINALG_OPTION_ARGS,
        nb::arg("min_rel_error"), nb::arg("check_finite") = false);
  m.def("rsvd_dense_fast", &rsvd_refined<double, &rsvd_fast>, nb::arg("a"), LINALG_OPTION_ARGS,
        nb::arg("min_rel_error"), nb::arg("check_finite") = false);
  m.def("bf16_product",
        [](const py::In2<float>& a, const py::In2<float>& x, bool transpose, int repeats) -> nb::object {
          DenseView<const float> A = py::dense_view<float>(a, "A");
          DenseView<const float> X = py::dense_view<float>(x, "X");
          require(X.rows == (transpose ? A.rows : A.cols), "bf16_product: X has the wrong number of rows");
          Matrix<float> Y;
          bool available = false;
          {
            nb::gil_scoped_release release;
            Y = bf16_product(A, X, transpose, repeats, available);
          }
          if (!available) return nb::none();
          return nb::cast(py::to_numpy(std::move(Y)));
        },
        nb::arg("a"), nb::arg("x"), nb::arg("transpose") = false, nb::arg("repeats") = 1,
        "op(A) @ X with A and X rounded to bfloat16 on the AMX units, float32 accumulation (made `repeats` times "
        "on one bfloat16 copy of A: for timing); None without AMX.");
  m.def("fast_narrow_products", &host::SplitHost::fast_narrow_products, nb::arg("rows"), nb::arg("cols"),
        "Whether a dense rows x cols A's narrow products run on the core's AVX-512 kernels (rsvd's method='auto'\n"
        "may then take block Krylov in float32).");
  m.def("amx_bf16_available", &host::amx_bf16_available,
        "Whether the CPU's AMX-BF16 tile units are usable (and LINALG_NO_AMX is unset).");
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
