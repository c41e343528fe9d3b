// Matrix completion on CuPy arrays: the CUDA alternating-minimisation state
// (cuda/completion_api.hpp) and the device predictor. The observed entries
// arrive as host (NumPy) copies made by linalg.completion after sorting
// them on the device both ways (by (row, col) and by (col, row)): the
// observation layouts are filled on the host once (O(nnz) copies) and
// copied to the device by the state; factors come back as CuPy arrays.
// Glue only.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <memory>
#include <vector>

#include "linalg/cuda/context.hpp"

#include "../convert.hpp"
#include "../completion_glue.hpp"
#include "linalg/cuda/api.hpp"
#include "linalg/cuda/completion_api.hpp"

namespace nb = nanobind;
using namespace linalg;

namespace linalg_cuda_completion {

using I32 = nb::ndarray<const std::int32_t, nb::ndim<1>, nb::device::cpu, nb::c_contig>;
template <class T>
using Vec = nb::ndarray<const T, nb::ndim<1>, nb::device::cpu, nb::c_contig>;
using DevI64 = nb::ndarray<const std::int64_t, nb::ndim<1>, nb::device::cuda, nb::c_contig>;
template <class T>
using DevVec = nb::ndarray<const T, nb::ndim<1>, nb::device::cuda, nb::c_contig>;
template <class T>
using DevRows = nb::ndarray<const T, nb::ndim<2>, nb::device::cuda, nb::c_contig>;
template <class T>
using DevOut = nb::ndarray<nb::cupy, T>;

// A device matrix (count x cols, column-major) as the C-ordered CuPy array
// (cols, count), or as a vector of cols entries when count == 1 and vector.
template <class T>
DevOut<T> rows_to_cupy(Matrix<T>&& M, int device, bool vector) {
  const std::size_t count = static_cast<std::size_t>(M.rows()), cols = static_cast<std::size_t>(M.cols());
  T* p = M.release();
  nb::capsule owner(p, [](void* q) noexcept { cuda::free_returned(q); });
  if (vector) {
    const std::size_t shape[1] = {cols};
    return DevOut<T>(p, 1, shape, owner, nullptr, nb::dtype<T>(), nb::device::cuda::value, device);
  }
  const std::size_t shape[2] = {cols, count};
  const std::int64_t strides[2] = {static_cast<std::int64_t>(count), 1};
  return DevOut<T>(p, 2, shape, owner, strides, nb::dtype<T>(), nb::device::cuda::value, device);
}

// A new device vector of len >= 1 entries (stream-ordered on `stream`).
template <class T>
DevOut<T> new_device_vector(std::uintptr_t stream, index_t len, int device, T** data) {
  require(len >= 1, "predict: no entries");
  Matrix<T> out;
  {
    cuda::Cuda ctx(stream);
    MemoryScope scope(ctx.memory_space());
    out = Matrix<T>(1, len);
  }
  *data = out.data();
  return rows_to_cupy(std::move(out), device, true);
}

// Named (not anonymous): nanobind registers types by their type_info name,
// and the host binding has an anonymous `State` too.
template <class T>
struct CudaCompletionBinding {
  std::unique_ptr<cuda::CompletionState<T>> alg;
  std::uintptr_t stream = 0;
  int device = 0;
};

template <class T>
void bind_state(nb::module_& m, const char* name) {
  using S = CudaCompletionBinding<T>;
  nb::class_<S>(m, name)
      .def("__init__",
           [](S* self, const I32& rows, const I32& cols, const Vec<T>& vals, nb::object weights, const I32& rows_c,
              const I32& cols_c, const Vec<T>& vals_c, nb::object weights_c, index_t m_, index_t n_, index_t rank,
              bool biases, double reg, const std::string& solver, int steps, double clip, std::uint64_t seed,
              int subsets, int init_power_iters, double relaxation, std::uintptr_t stream, int device) {
             const index_t len = static_cast<index_t>(vals.shape(0));
             for (const I32* a : {&rows, &cols, &rows_c, &cols_c})
               require(static_cast<index_t>(a->shape(0)) == len, "observed arrays must have the same length");
             require(static_cast<index_t>(vals_c.shape(0)) == len, "observed arrays must have the same length");
             require(weights.is_none() == weights_c.is_none(), "weights: give both orders or neither");
             const T* w = nullptr;
             const T* wc = nullptr;
             Vec<T> wv, wcv;
             if (!weights.is_none()) {
               wv = nb::cast<Vec<T>>(weights);
               wcv = nb::cast<Vec<T>>(weights_c);
               require(static_cast<index_t>(wv.shape(0)) == len && static_cast<index_t>(wcv.shape(0)) == len,
                       "weights must have one entry per observed value");
               w = wv.data();
               wc = wcv.data();
             }
             const completion::AltMinOptions o =
                 py::altmin_options(rank, biases, reg, solver, steps, clip, seed, init_power_iters, relaxation);
             new (self) S();
             self->stream = stream;
             self->device = device;
             nb::gil_scoped_release release;
             auto obs = completion::build_observations_sorted<T>(m_, n_, rows.data(), cols.data(), vals.data(), w,
                                                                 rows_c.data(), cols_c.data(), vals_c.data(), wc, len,
                                                                 subsets, seed);
             self->alg = std::make_unique<cuda::CompletionState<T>>(stream, std::move(obs), o);
           },
           nb::arg("rows"), nb::arg("cols"), nb::arg("values"), nb::arg("weights").none(), nb::arg("rows_by_col"),
           nb::arg("cols_by_col"), nb::arg("values_by_col"), nb::arg("weights_by_col").none(), nb::arg("m"),
           nb::arg("n"), nb::arg("rank"), nb::arg("biases"), nb::arg("reg"), nb::arg("solver"), nb::arg("steps"),
           nb::arg("clip"), nb::arg("seed"), nb::arg("subsets"), nb::arg("init_power_iters"), nb::arg("relaxation"),
           nb::arg("stream"), nb::arg("device"))
      .def("initialize", [](S& s) { s.alg->initialize(); }, nb::call_guard<nb::gil_scoped_release>())
      .def("iterate",
           [](S& s, int it) {
             completion::StepStats st;
             {
               nb::gil_scoped_release release;
               st = s.alg->iterate(it);
             }
             return nb::make_tuple(st.loss, st.weight, st.objective);
           },
           nb::arg("iteration"))
      .def("factors",
           [](S& s) {
             const index_t k = s.alg->rank();
             Matrix<T> U, V, bu, bv;
             {
               nb::gil_scoped_release release;
               U = s.alg->rows_of(true, k, 0);
               V = s.alg->rows_of(false, k, 0);
               if (s.alg->biases()) {
                 bu = s.alg->rows_of(true, 1, k);
                 bv = s.alg->rows_of(false, 1, k);
               }
             }
             nb::object ou = nb::none(), ov = nb::none();
             if (s.alg->biases()) {
               ou = nb::cast(rows_to_cupy(std::move(bu), s.device, true));
               ov = nb::cast(rows_to_cupy(std::move(bv), s.device, true));
             }
             return nb::make_tuple(rows_to_cupy(std::move(U), s.device, false),
                                   rows_to_cupy(std::move(V), s.device, false), ou, ov,
                                   static_cast<double>(s.alg->mean()));
           })
      .def("predict",
           [](S& s, const DevI64& r, const DevI64& c) {
             const index_t len = static_cast<index_t>(r.shape(0));
             require(static_cast<index_t>(c.shape(0)) == len, "rows and cols must have the same length");
             T* out = nullptr;
             DevOut<T> res = new_device_vector<T>(s.stream, len, s.device, &out);
             {
               nb::gil_scoped_release release;
               s.alg->predict(r.data(), c.data(), len, out);
             }
             return res;
           },
           nb::arg("rows"), nb::arg("cols"))
      .def("counts",
           [](S& s) {
             const auto& o = s.alg->observations();
             std::vector<std::int64_t> r(o.m), c(o.n);
             for (index_t i = 0; i < o.m; ++i) r[i] = o.by_row.ptr[i + 1] - o.by_row.ptr[i];
             for (index_t j = 0; j < o.n; ++j) c[j] = o.by_col.ptr[j + 1] - o.by_col.ptr[j];
             return nb::make_tuple(py::to_numpy(std::move(r)), py::to_numpy(std::move(c)));
           })
      .def("init_info", [](S& s) {
        nb::dict d;
        const auto& rep = s.alg->init_report();
        d["method"] = rep.method;
        d["passes"] = rep.passes;
        d["power_iters"] = rep.power_iters;
        return d;
      });
}

template <class T>
void bind_predict(nb::module_& m) {
  m.def("cuda_completion_predict",
        [](const DevRows<T>& U, const DevRows<T>& V, nb::object bu, nb::object bv, double mean, const DevI64& r,
           const DevI64& c, std::uintptr_t stream, int device) {
          const index_t k = static_cast<index_t>(U.shape(1)), len = static_cast<index_t>(r.shape(0));
          require(static_cast<index_t>(V.shape(1)) == k, "U and V must have the same number of columns");
          require(static_cast<index_t>(c.shape(0)) == len, "rows and cols must have the same length");
          const T* pu = nullptr;
          const T* pv = nullptr;
          DevVec<T> bu_v, bv_v;
          if (!bu.is_none()) {
            bu_v = nb::cast<DevVec<T>>(bu);
            pu = bu_v.data();
          }
          if (!bv.is_none()) {
            bv_v = nb::cast<DevVec<T>>(bv);
            pv = bv_v.data();
          }
          T* out = nullptr;
          DevOut<T> res = new_device_vector<T>(stream, len, device, &out);
          {
            nb::gil_scoped_release release;
            cuda::completion_predict<T>(stream, U.data(), V.data(), k, pu, pv, static_cast<T>(mean), r.data(),
                                        c.data(), len, out);
          }
          return res;
        },
        nb::arg("U"), nb::arg("V"), nb::arg("bu").none(), nb::arg("bv").none(), nb::arg("mean"), nb::arg("rows"),
        nb::arg("cols"), nb::arg("stream"), nb::arg("device"));
}

}  // namespace linalg_cuda_completion

using namespace linalg_cuda_completion;

void bind_cuda_completion(nb::module_& m) {
  bind_state<double>(m, "CudaCompletionState64");
  bind_state<float>(m, "CudaCompletionState32");
  bind_predict<double>(m);
  bind_predict<float>(m);
}
