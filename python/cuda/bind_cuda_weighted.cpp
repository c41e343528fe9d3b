// weighted_svd on CuPy arrays: the closed form (dense or CSR A, device
// row/column weight vectors) and EM/ALS (dense A and weights), on the
// caller's stream. Factors come back as CuPy arrays, the history as NumPy.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <optional>
#include <string>

#include "../convert.hpp"
#include "../weighted_glue.hpp"
#include "convert_cuda.hpp"
#include "linalg/cuda/weighted_api.hpp"

namespace nb = nanobind;
using namespace linalg;
using namespace linalg::py;

namespace {

template <class T>
const T* device_weights(const std::optional<Dev1<T>>& w, index_t n, const char* name) {
  if (!w) return nullptr;
  require(static_cast<index_t>(w->shape(0)) == n && w->stride(0) == 1,
          std::string(name) + " must be a contiguous vector of the matching length");
  return w->data();
}

template <class T>
nb::tuple pack(cuda::DeviceSvd<T>&& f, lowrank::WeightedReport& rep, int device) {
  nb::dict info = weighted_report(rep);
  return nb::make_tuple(to_cupy(std::move(f.U), device), to_cupy(std::move(f.S), device, true),
                        to_cupy(std::move(f.Vt), device), to_numpy(std::move(rep.history)), info);
}

template <class T, class I>
void bind_csr(nb::module_& m) {
  m.def("cuda_weighted_closed_form_csr",
        [](const Dev1<T>& v, const Dev1<I>& i, const Dev1<I>& p, index_t r, index_t c, bool t,
           std::optional<Dev1<T>> row_w, std::optional<Dev1<T>> col_w, std::uintptr_t stream, int device,
           index_t rank, index_t oversample, int power_iters, std::uint64_t seed) {
          require(static_cast<index_t>(p.shape(0)) == r + 1, "indptr length must be rows + 1");
          require(i.shape(0) == v.shape(0), "indices and data lengths differ");
          require(v.stride(0) == 1 && i.stride(0) == 1 && p.stride(0) == 1, "CSR arrays must be contiguous");
          CsrView<T, I> A{v.data(), i.data(), p.data(), r, c, t, static_cast<index_t>(v.shape(0))};
          const T* rw = device_weights<T>(row_w, A.rows(), "row_weights");
          const T* cw = device_weights<T>(col_w, A.cols(), "col_weights");
          lowrank::RsvdOptions ro = rsvd_options(rank, oversample, power_iters, seed);
          lowrank::WeightedReport rep;
          lowrank::RsvdReport rr;
          cuda::DeviceSvd<T> f;
          {
            nb::gil_scoped_release release;
            f = cuda::weighted_closed_form_csr<T, I>(stream, A, rw, cw, ro, rep, rr);
          }
          return pack<T>(std::move(f), rep, device);
        },
        nb::arg("data"), nb::arg("indices"), nb::arg("indptr"), nb::arg("stored_rows"), nb::arg("stored_cols"),
        nb::arg("transposed"), nb::arg("row_weights").none(), nb::arg("col_weights").none(), nb::arg("stream"),
        nb::arg("device"), nb::arg("rank"), nb::arg("oversample"), nb::arg("power_iters"), nb::arg("seed"));
}

template <class T>
void bind_dtype(nb::module_& m) {
  m.def("cuda_weighted_closed_form_dense",
        [](const Dev2<T>& a, std::optional<Dev1<T>> row_w, std::optional<Dev1<T>> col_w, std::uintptr_t stream,
           int device, index_t rank, index_t oversample, int power_iters, std::uint64_t seed, bool exact) {
          DenseView<const T> A = dense_view<T>(a, "A");
          const T* rw = device_weights<T>(row_w, A.rows, "row_weights");
          const T* cw = device_weights<T>(col_w, A.cols, "col_weights");
          lowrank::RsvdOptions ro = rsvd_options(rank, oversample, power_iters, seed);
          lowrank::WeightedReport rep;
          lowrank::RsvdReport rr;
          cuda::DeviceSvd<T> f;
          {
            nb::gil_scoped_release release;
            f = cuda::weighted_closed_form_dense<T>(stream, A, rw, cw, ro, exact, rep, rr);
          }
          return pack<T>(std::move(f), rep, device);
        },
        nb::arg("a"), nb::arg("row_weights").none(), nb::arg("col_weights").none(), nb::arg("stream"),
        nb::arg("device"), nb::arg("rank"), nb::arg("oversample"), nb::arg("power_iters"), nb::arg("seed"),
        nb::arg("exact"));
  m.def("cuda_weighted_iterative_dense",
        [](const Dev2<T>& a, const Dev2<T>& w, std::uintptr_t stream, int device, const std::string& method,
           index_t rank, index_t oversample, int power_iters, int max_iter, double tol, std::uint64_t seed) {
          DenseView<const T> A = dense_view<T>(a, "A"), W = dense_view<T>(w, "weights");
          require(method == "em" || method == "als", "method must be 'em' or 'als', got '" + method + "'");
          lowrank::WeightedOptions o;
          o.rank = rank;
          o.oversample = oversample;
          o.power_iters = power_iters;
          o.max_iter = max_iter;
          o.tol = tol;
          o.seed = seed;
          lowrank::WeightedReport rep;
          cuda::DeviceSvd<T> f;
          {
            nb::gil_scoped_release release;
            f = cuda::weighted_iterative<T>(stream, A, W, method == "als", o, rep);
          }
          return pack<T>(std::move(f), rep, device);
        },
        nb::arg("a"), nb::arg("weights"), nb::arg("stream"), nb::arg("device"), nb::arg("method"), nb::arg("rank"),
        nb::arg("oversample"), nb::arg("power_iters"), nb::arg("max_iter"), nb::arg("tol"), nb::arg("seed"));
  bind_csr<T, std::int32_t>(m);
  bind_csr<T, std::int64_t>(m);
}

}  // namespace

void bind_cuda_weighted(nb::module_& m) {
  bind_dtype<double>(m);
  bind_dtype<float>(m);
}
