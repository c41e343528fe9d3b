// Nyström and the interpolative decomposition on CuPy arrays (dense, or the
// CSR arrays of a cupyx.scipy.sparse matrix), on the caller's stream:
// eigenpairs and X come back as CuPy arrays, the ID's column indices as a
// NumPy int64 array (the pivoted QR that picks them runs on the host).
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <cstdint>
#include <vector>

#include "../convert.hpp"
#include "convert_cuda.hpp"
#include "linalg/cuda/select_api.hpp"

namespace nb = nanobind;
using namespace linalg;
using namespace linalg::py;

namespace {

sketch::TestMatrix test_matrix_of(const std::string& sketch, std::uint64_t seed, bool given_ok) {
  sketch::TestMatrix tm;
  if (sketch == "gaussian" || (given_ok && sketch == "given")) tm.kind = sketch::Kind::Gaussian;
  else if (sketch == "sparse_sign") tm.kind = sketch::Kind::SparseSign;
  else throw invalid_argument("sketch must be 'gaussian' or 'sparse_sign', got '" + sketch + "'");
  tm.seed = seed;
  return tm;
}

template <class T, class I>
lowrank::Operator<T> device_csr(const Dev1<T>& v, const Dev1<I>& i, const Dev1<I>& p, index_t r, index_t c, bool t) {
  require(static_cast<index_t>(p.shape(0)) == r + 1, "indptr length must be rows + 1");
  require(i.shape(0) == v.shape(0), "indices and data lengths differ");
  require(v.stride(0) == 1 && i.stride(0) == 1 && p.stride(0) == 1, "CSR arrays must be contiguous");
  CsrView<T, I> view{v.data(), i.data(), p.data(), r, c, t, static_cast<index_t>(v.shape(0))};
  return lowrank::Operator<T>(view, typename lowrank::Operator<T>::OnDevice{});
}

struct NyArgs {
  index_t rank, oversample;
  int power_iters;
  double tol;
  std::string sketch;
  std::uint64_t seed;
};

template <class T>
nb::tuple run_nystrom(std::uintptr_t stream, int device, const lowrank::Operator<T>& A, const NyArgs& a, double nnz,
                      nb::object omega) {
  lowrank::NystromOptions o;
  o.rank = a.rank;
  o.oversample = a.oversample;
  o.power_iters = a.power_iters;
  o.tol = a.tol;
  o.test_matrix = test_matrix_of(a.sketch, a.seed, true);
  DenseView<const T> om{};
  if (!omega.is_none()) om = dense_view<T>(nb::cast<Dev2<T>>(omega), "sketch");
  lowrank::NystromReport rep;
  cuda::DeviceEigh<T> f;
  {
    nb::gil_scoped_release release;
    f = cuda::nystrom<T>(stream, A, o, rep, nnz, om);
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
  return nb::make_tuple(to_cupy(std::move(f.w), device, true), to_cupy(std::move(f.V), device), d);
}

struct IdArgs {
  index_t rank;
  double tol;
  bool randomized;
  index_t oversample;
  int power_iters;
  std::string sketch;
  std::uint64_t seed;
};

template <class T>
nb::tuple run_id(std::uintptr_t stream, int device, const lowrank::Operator<T>& A, const IdArgs& a, double nnz,
                 DenseView<const T> dense) {
  lowrank::IdOptions o;
  o.rank = a.rank;
  o.tol = a.tol;
  o.randomized = a.randomized;
  o.oversample = a.oversample;
  o.power_iters = a.power_iters;
  o.test_matrix = test_matrix_of(a.sketch, a.seed, false);
  lowrank::IdReport rep;
  lowrank::IdFactors<T> f;
  {
    nb::gil_scoped_release release;
    f = cuda::interp_decomp<T>(stream, A, o, rep, nnz, dense);
  }
  nb::dict d;
  d["rank"] = rep.rank;
  d["sketch_rows"] = rep.sketch_rows;
  d["passes"] = rep.passes;
  d["max_coef"] = rep.max_coef;
  d["r_ratio"] = rep.r_ratio;
  std::vector<std::int64_t> idx(f.idx.begin(), f.idx.end());
  return nb::make_tuple(py::to_numpy(std::move(idx)), to_cupy(std::move(f.X), device), d);
}

#define NYSTROM_ARGS                                                                                        \
  nb::arg("rank"), nb::arg("oversample"), nb::arg("power_iters"), nb::arg("tol"), nb::arg("sketch"),      \
      nb::arg("seed"), nb::arg("omega").none() = nb::none()
#define ID_ARGS                                                                                             \
  nb::arg("rank"), nb::arg("tol"), nb::arg("randomized"), nb::arg("oversample"), nb::arg("power_iters"), \
      nb::arg("sketch"), nb::arg("seed")

template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("cuda_nystrom_csr",
        [](const Dev1<T>& v, const Dev1<I>& i, const Dev1<I>& p, index_t r, index_t c, bool t, std::uintptr_t stream,
           int device, index_t rank, index_t oversample, int power_iters, double tol, const std::string& sketch,
           std::uint64_t seed, nb::object omega) {
          NyArgs a{rank, oversample, power_iters, tol, sketch, seed};
          return run_nystrom<T>(stream, device, device_csr(v, i, p, r, c, t), a, static_cast<double>(v.shape(0)),
                                omega);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("stream"), nb::arg("device"), NYSTROM_ARGS);
  m.def("cuda_interp_decomp_csr",
        [](const Dev1<T>& v, const Dev1<I>& i, const Dev1<I>& p, index_t r, index_t c, bool t, std::uintptr_t stream,
           int device, index_t rank, double tol, bool randomized, index_t oversample, int power_iters,
           const std::string& sketch, std::uint64_t seed) {
          IdArgs a{rank, tol, randomized, oversample, power_iters, sketch, seed};
          return run_id<T>(stream, device, device_csr(v, i, p, r, c, t), a, static_cast<double>(v.shape(0)),
                           DenseView<const T>{});
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("stream"), nb::arg("device"), ID_ARGS);
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("cuda_nystrom_dense",
        [](const Dev2<T>& a, std::uintptr_t stream, int device, index_t rank, index_t oversample, int power_iters,
           double tol, const std::string& sketch, std::uint64_t seed, nb::object omega) {
          NyArgs args{rank, oversample, power_iters, tol, sketch, seed};
          return run_nystrom<T>(stream, device, lowrank::Operator<T>(dense_view<T>(a, "A")), args, 0.0, omega);
        },
        nb::arg("a"), nb::arg("stream"), nb::arg("device"), NYSTROM_ARGS);
  // transpose=True decomposes A^T (a row ID of A), free with the view's flag.
  m.def("cuda_interp_decomp_dense",
        [](const Dev2<T>& a, bool transpose, std::uintptr_t stream, int device, index_t rank, double tol,
           bool randomized, index_t oversample, int power_iters, const std::string& sketch, std::uint64_t seed) {
          IdArgs args{rank, tol, randomized, oversample, power_iters, sketch, seed};
          DenseView<const T> v = dense_view<T>(a, "A");
          if (transpose) v = v.t();
          return run_id<T>(stream, device, lowrank::Operator<T>(v), args, 0.0, v);
        },
        nb::arg("a"), nb::arg("transpose"), nb::arg("stream"), nb::arg("device"), ID_ARGS);
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);
}

}  // namespace

void bind_cuda_selection(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
