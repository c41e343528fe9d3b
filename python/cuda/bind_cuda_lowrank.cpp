// rsvd, range_finder, estimate_error and the test matrices on CuPy arrays.
// The caller passes its CuPy stream (cupy.cuda.get_current_stream().ptr).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include "../rsvd_glue.hpp"
#include "convert_cuda.hpp"
#include "linalg/cuda/api.hpp"
#include "linalg/cuda/context.hpp"

namespace nb = nanobind;
using namespace linalg;
using namespace linalg::py;

namespace {

template <class T>
nb::tuple run(std::uintptr_t stream, int device, const lowrank::Operator<T>& A, const Options& o, double nnz,
              nb::object progress) {
  lowrank::RsvdOptions c = to_core(o);
  lowrank::RsvdReport rep;
  lowrank::Progress cb = wrap_progress(progress);
  cuda::DeviceSvd<T> f;
  {
    nb::gil_scoped_release release;
    f = cuda::rsvd<T>(stream, A, c, rep, nnz, cb);
  }
  return nb::make_tuple(to_cupy(std::move(f.U), device), to_cupy(std::move(f.S), device, true),
                        to_cupy(std::move(f.Vt), device), report(rep));
}

template <class T, class I>
lowrank::Operator<T> device_csr(const Dev1<T>& v, const Dev1<I>& i, const Dev1<I>& p, index_t r, index_t c, bool t) {
  require(static_cast<index_t>(p.shape(0)) == r + 1, "indptr length must be rows + 1");
  require(i.shape(0) == v.shape(0), "indices and data lengths differ");
  require(v.stride(0) == 1 && i.stride(0) == 1 && p.stride(0) == 1, "CSR arrays must be contiguous");
  CsrView<T, I> view{v.data(), i.data(), p.data(), r, c, t, static_cast<index_t>(v.shape(0))};
  return lowrank::Operator<T>(view, typename lowrank::Operator<T>::OnDevice{});
}

template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("cuda_rsvd_csr",
        [](const Dev1<T>& v, const Dev1<I>& i, const Dev1<I>& p, index_t r, index_t c, bool t, std::uintptr_t stream,
           int device, index_t rank, double tol, index_t oversample, int power_iters, const std::string& method,
           const std::string& sketch, int zeta, std::uint64_t seed, index_t block, nb::object progress) {
          Options o{rank, tol, oversample, power_iters, method, sketch, zeta, seed, block};
          return run<T>(stream, device, device_csr(v, i, p, r, c, t), o, static_cast<double>(v.shape(0)), progress);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("stream"), nb::arg("device"), LINALG_OPTION_ARGS);
  m.def("cuda_range_finder_csr",
        [](const Dev1<T>& v, const Dev1<I>& i, const Dev1<I>& p, index_t r, index_t c, bool t, std::uintptr_t stream,
           int device, index_t size, int power_iters, const std::string& sketch, int zeta, std::uint64_t seed) {
          Options o{1, 0.0, 0, power_iters, "auto", sketch, zeta, seed, 0};
          lowrank::RsvdOptions opt = to_core(o);
          auto A = device_csr(v, i, p, r, c, t);
          lowrank::PassCount count;
          Matrix<T> Q;
          {
            nb::gil_scoped_release release;
            Q = cuda::range_finder<T>(stream, A, size, power_iters, opt.test_matrix, static_cast<double>(v.shape(0)),
                                      count);
          }
          return nb::make_tuple(to_cupy(std::move(Q), device), count.passes);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("stream"), nb::arg("device"), nb::arg("size"), nb::arg("power_iters"),
        nb::arg("sketch"), nb::arg("zeta"), nb::arg("seed"));
}

template <class T>
void bind_dtype(nb::module_& m, const char* suffix) {
  m.def("cuda_all_finite", [](const Dev2<T>& a, std::uintptr_t stream) {
    DenseView<const T> v = dense_view<T>(a, "A");
    nb::gil_scoped_release release;
    return cuda::all_finite<T>(stream, v);
  }, nb::arg("a"), nb::arg("stream"));
  m.def("cuda_rsvd_dense",
        [](const Dev2<T>& a, std::uintptr_t stream, int device, index_t rank, double tol, index_t oversample,
           int power_iters, const std::string& method, const std::string& sketch, int zeta, std::uint64_t seed,
           index_t block, nb::object progress, double energy_rtol) {
          Options o{rank, tol, oversample, power_iters, method, sketch, zeta, seed, block, energy_rtol};
          return run<T>(stream, device, lowrank::Operator<T>(dense_view<T>(a, "A")), o, 0.0, progress);
        },
        nb::arg("a"), nb::arg("stream"), nb::arg("device"), LINALG_OPTION_ARGS, nb::arg("energy_rtol") = 0.1);
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);
  m.def("cuda_range_finder_dense",
        [](const Dev2<T>& a, std::uintptr_t stream, int device, index_t size, int power_iters, const std::string& sketch,
           int zeta, std::uint64_t seed) {
          Options o{1, 0.0, 0, power_iters, "auto", sketch, zeta, seed, 0};
          lowrank::RsvdOptions c = to_core(o);
          lowrank::Operator<T> A(dense_view<T>(a, "A"));
          lowrank::PassCount count;
          Matrix<T> Q;
          {
            nb::gil_scoped_release release;
            Q = cuda::range_finder<T>(stream, A, size, power_iters, c.test_matrix, 0.0, count);
          }
          return nb::make_tuple(to_cupy(std::move(Q), device), count.passes);
        },
        nb::arg("a"), nb::arg("stream"), nb::arg("device"), nb::arg("size"), nb::arg("power_iters"), nb::arg("sketch"),
        nb::arg("zeta"), nb::arg("seed"));
  m.def("cuda_estimate_error_dense",
        [](const Dev2<T>& a, const Dev2<T>& u, const Dev1<T>& s, const Dev2<T>& vt, std::uintptr_t stream, int probes,
           std::uint64_t seed) {
          require(s.stride(0) == 1, "S must be contiguous");
          require(static_cast<index_t>(s.shape(0)) == static_cast<index_t>(u.shape(1)), "S length must equal U columns");
          lowrank::Operator<T> A(dense_view<T>(a, "A"));
          lowrank::ErrorEstimate e;
          {
            nb::gil_scoped_release release;
            e = cuda::estimate_error<T>(stream, A, dense_view<T>(u, "U"), s.data(), dense_view<T>(vt, "Vh"), probes,
                                        seed);
          }
          return nb::make_tuple(e.frobenius, e.spectral_bound, e.frob_norm_a);
        },
        nb::arg("a"), nb::arg("u"), nb::arg("s"), nb::arg("vt"), nb::arg("stream"), nb::arg("probes"), nb::arg("seed"));
  m.def((std::string("cuda_test_matrix_") + suffix).c_str(),
        [](index_t rows, index_t cols, const std::string& kind, std::uint64_t seed, int zeta, std::uint32_t rng_stream,
           std::uint32_t block, std::uintptr_t stream, int device) {
          require(rows >= 0 && cols >= 0, "test_matrix: negative shape");
          require(kind == "gaussian" || kind == "sparse_sign", "sketch must be 'gaussian' or 'sparse_sign', got '" + kind + "'");
          require(zeta >= 1, "zeta must be >= 1");
          sketch::TestMatrix tm;
          tm.kind = kind == "gaussian" ? sketch::Kind::Gaussian : sketch::Kind::SparseSign;
          tm.zeta = zeta;
          tm.seed = seed;
          Matrix<T> M;
          {
            nb::gil_scoped_release release;
            M = cuda::test_matrix<T>(stream, rows, cols, tm, rng_stream, block);
          }
          return to_cupy(std::move(M), device);
        },
        nb::arg("rows"), nb::arg("cols"), nb::arg("kind"), nb::arg("seed"), nb::arg("zeta"), nb::arg("rng_stream"),
        nb::arg("block"), nb::arg("stream"), nb::arg("device"));
}

// The rsvd variants whose basis comes from lower-precision products
// (cuda::rsvd_mixed for float64, cuda::rsvd_fast for float32): None when
// their guard asks for a full-precision rerun.
template <class T, cuda::DeviceSvd<T> (*Solver)(std::uintptr_t, DenseView<const T>, const lowrank::RsvdOptions&,
                                               lowrank::RsvdReport&, double, bool&, const lowrank::Progress&)>
nb::object rsvd_refined(const Dev2<T>& a, std::uintptr_t stream, int device, index_t rank, double tol,
                        index_t oversample, int power_iters, const std::string& method, const std::string& sketch,
                        int zeta, std::uint64_t seed, index_t block, nb::object progress, double min_rel_error) {
  Options o{rank, tol, oversample, power_iters, method, sketch, zeta, seed, block};
  lowrank::RsvdOptions c = to_core(o);
  lowrank::RsvdReport rep;
  lowrank::Progress cb = wrap_progress(progress);
  DenseView<const T> A = dense_view<T>(a, "A");
  bool used = false;
  cuda::DeviceSvd<T> f;
  {
    nb::gil_scoped_release release;
    f = Solver(stream, A, c, rep, min_rel_error, used, cb);
  }
  if (!used) return nb::none();
  return nb::make_tuple(to_cupy(std::move(f.U), device), to_cupy(std::move(f.S), device, true),
                        to_cupy(std::move(f.Vt), device), report(rep));
}

}  // namespace

void bind_cuda_lowrank(nb::module_& m) {
  m.def("cuda_device_count", &cuda::device_count, "Number of CUDA devices visible (0: none or no driver).");
  m.def("cuda_device", &cuda::device_description, "Name of the current CUDA device.");
  m.def("cuda_rsvd_dense_mixed", &rsvd_refined<double, &cuda::rsvd_mixed>, nb::arg("a"), nb::arg("stream"),
        nb::arg("device"), LINALG_OPTION_ARGS, nb::arg("min_rel_error"));
  m.def("cuda_rsvd_dense_fast", &rsvd_refined<float, &cuda::rsvd_fast>, nb::arg("a"), nb::arg("stream"),
        nb::arg("device"), LINALG_OPTION_ARGS, nb::arg("min_rel_error"));
  bind_dtype<double>(m, "f64");
  bind_dtype<float>(m, "f32");
}
