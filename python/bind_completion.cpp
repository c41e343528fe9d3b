// Matrix completion: the alternating-minimisation state as a Python object
// (the Python layer drives the iterations, for history, early stopping and
// callbacks), plus a threaded predictor. Glue only.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <cstring>
#include <memory>

#include "convert.hpp"
#include "completion_glue.hpp"
#include "linalg/completion/api.hpp"

namespace nb = nanobind;
using namespace linalg;

namespace {

using I64 = nb::ndarray<const std::int64_t, nb::ndim<1>, nb::device::cpu, nb::c_contig>;
template <class T>
using Vec = nb::ndarray<const T, nb::ndim<1>, nb::device::cpu, nb::c_contig>;
template <class T>
using CMat = nb::ndarray<const T, nb::ndim<2>, nb::device::cpu, nb::c_contig>;

template <class T>
struct State {
  std::unique_ptr<completion::AltMin<host::Host, T>> alg;
};

// Row-major m x k copy of the first k entries of each padded row.
template <class T>
py::Out<T> rows_of(const Matrix<T>& F, index_t k, index_t offset) {
  const index_t count = F.cols(), ld = F.rows();
  Matrix<T> out(k, count);  // column-major k x count == row-major count x k
  for (index_t i = 0; i < count; ++i) std::memcpy(out.data() + i * k, F.data() + offset + i * ld, sizeof(T) * k);
  auto* owned = new Matrix<T>(std::move(out));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<Matrix<T>*>(p); });
  const std::size_t shape[2] = {static_cast<std::size_t>(count), static_cast<std::size_t>(k)};
  return py::Out<T>(owned->data(), 2, shape, owner);
}

template <class T>
void bind_state(nb::module_& m, const char* name) {
  using S = State<T>;
  nb::class_<S>(m, name)
      .def("__init__",
           [](S* self, const I64& rows, const I64& cols, const Vec<T>& vals, nb::object weights, index_t m_, index_t n_,
              index_t rank, bool biases, double reg, const std::string& solver, int steps, double clip,
              std::uint64_t seed, int subsets, int init_power_iters, double relaxation) {
             const index_t len = static_cast<index_t>(vals.shape(0));
             require(static_cast<index_t>(rows.shape(0)) == len && static_cast<index_t>(cols.shape(0)) == len,
                     "rows, cols and values must have the same length");
             const T* w = nullptr;
             Vec<T> wv;
             if (!weights.is_none()) {
               wv = nb::cast<Vec<T>>(weights);
               require(static_cast<index_t>(wv.shape(0)) == len, "weights must have one entry per observed value");
               w = wv.data();
             }
             const completion::AltMinOptions o =
                 py::altmin_options(rank, biases, reg, solver, steps, clip, seed, init_power_iters, relaxation);
             new (self) S();
             nb::gil_scoped_release release;
             auto obs = completion::build_observations<T>(m_, n_, rows.data(), cols.data(), vals.data(), w, len,
                                                          subsets, seed);
             self->alg = std::make_unique<completion::AltMin<host::Host, T>>(host::Host{}, std::move(obs), o);
           },
           nb::arg("rows"), nb::arg("cols"), nb::arg("values"), nb::arg("weights").none(), nb::arg("m"), nb::arg("n"),
           nb::arg("rank"), nb::arg("biases"), nb::arg("reg"), nb::arg("solver"), nb::arg("steps"), nb::arg("clip"),
           nb::arg("seed"), nb::arg("subsets"), nb::arg("init_power_iters"), nb::arg("relaxation"))
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
             const auto& f = s.alg->factors();
             nb::object bu = nb::none(), bv = nb::none();
             if (f.biases) {
               bu = nb::cast(rows_of(f.X, 1, f.k));
               bv = nb::cast(rows_of(f.Y, 1, f.k));
             }
             return nb::make_tuple(rows_of(f.X, f.k, 0), rows_of(f.Y, f.k, 0), bu, bv, static_cast<double>(f.mean));
           })
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
        d["method"] = s.alg->init_report.method;
        d["passes"] = s.alg->init_report.passes;
        d["power_iters"] = s.alg->init_report.power_iters;
        return d;
      });
}

template <class T>
void bind_predict(nb::module_& m) {
  m.def("completion_predict",
        [](const CMat<T>& U, const CMat<T>& V, nb::object bu, nb::object bv, double mean, const I64& r, const I64& c) {
          const index_t k = static_cast<index_t>(U.shape(1)), len = static_cast<index_t>(r.shape(0));
          require(static_cast<index_t>(V.shape(1)) == k, "U and V must have the same number of columns");
          require(static_cast<index_t>(c.shape(0)) == len, "rows and cols must have the same length");
          const T* pu = nullptr;
          const T* pv = nullptr;
          Vec<T> bu_v, bv_v;
          if (!bu.is_none()) {
            bu_v = nb::cast<Vec<T>>(bu);
            pu = bu_v.data();
          }
          if (!bv.is_none()) {
            bv_v = nb::cast<Vec<T>>(bv);
            pv = bv_v.data();
          }
          std::vector<T> out(static_cast<std::size_t>(len));
          {
            nb::gil_scoped_release release;
            host::predict_entries<T>(U.data(), k, V.data(), k, k, pu, 1, pv, 1, static_cast<T>(mean), r.data(),
                                     c.data(), len, out.data());
          }
          return py::to_numpy(std::move(out));
        },
        nb::arg("U"), nb::arg("V"), nb::arg("bu").none(), nb::arg("bv").none(), nb::arg("mean"), nb::arg("rows"),
        nb::arg("cols"));
}

// --------------------------------------------------------------------------
// Glue for linalg.dask.complete: one half-step on one partition of the rows
// (or, transposed, of the columns). completion::solve_side is the body of
// AltMin::half_step, so a partition's rows get exactly the single-machine
// update of those rows. Glue only: copies in and out of the padded storage.
// --------------------------------------------------------------------------

template <class T>
void bind_partition_step(nb::module_& m) {
  m.def("completion_half_step",
        [](const CMat<T>& own, const CMat<T>& other, const Vec<std::int32_t>& ptr, const Vec<std::int32_t>& idx,
           const Vec<T>& val, nb::object weights, index_t k, bool biases, double mean, double reg,
           const std::string& solver, int steps, std::uint64_t seed, int h, double relaxation) {
          const index_t kw = k + (biases ? 1 : 0), rows = static_cast<index_t>(own.shape(0));
          const index_t n_o = static_cast<index_t>(other.shape(0)), len = static_cast<index_t>(val.shape(0));
          require(k >= 1, "k must be >= 1");
          require(static_cast<index_t>(own.shape(1)) == kw && static_cast<index_t>(other.shape(1)) == kw,
                  "own and other must have k (+1 with biases) columns");
          require(static_cast<index_t>(ptr.shape(0)) == rows + 1, "ptr must have rows + 1 entries");
          require(static_cast<index_t>(idx.shape(0)) == len, "idx and val lengths differ");
          require(ptr.data()[0] == 0 && ptr.data()[rows] == len, "ptr must run from 0 to len(val)");
          for (index_t e = 0; e < len; ++e) require(idx.data()[e] >= 0 && idx.data()[e] < n_o, "idx out of range");
          const T* w = nullptr;
          Vec<T> wv;
          if (!weights.is_none()) {
            wv = nb::cast<Vec<T>>(weights);
            require(static_cast<index_t>(wv.shape(0)) == len, "weights must have one entry per observed value");
            w = wv.data();
          }
          // clip and init_power_iters only shape the initialisation: the defaults.
          const completion::AltMinOptions d;
          const completion::AltMinOptions o =
              py::altmin_options(k, biases, reg, solver, steps, d.clip, seed, d.init_power_iters, relaxation);
          const index_t vec = static_cast<index_t>(32 / sizeof(T));
          const index_t ld = (kw + vec - 1) / vec * vec;
          Matrix<T> X(ld, rows), Y(ld, n_o);
          X.zero();
          Y.zero();
          for (index_t i = 0; i < rows; ++i) std::memcpy(X.data() + i * ld, own.data() + i * kw, sizeof(T) * kw);
          for (index_t j = 0; j < n_o; ++j) std::memcpy(Y.data() + j * ld, other.data() + j * kw, sizeof(T) * kw);
          host::ObsRows<T> obs{rows, ptr.data(), idx.data(), val.data(), w, nullptr};
          host::RowTotals t;
          {
            nb::gil_scoped_release release;
            t = completion::solve_side(host::Host{}, o, k, kw, ld, static_cast<T>(mean), X, Y, obs, -1, h);
          }
          return nb::make_tuple(rows_of(X, kw, 0), t.loss, t.weight);
        },
        nb::arg("own"), nb::arg("other"), nb::arg("ptr"), nb::arg("idx"), nb::arg("val"), nb::arg("weights").none(),
        nb::arg("k"), nb::arg("biases"), nb::arg("mean"), nb::arg("reg"), nb::arg("solver"), nb::arg("steps"),
        nb::arg("seed"), nb::arg("h"), nb::arg("relaxation"));
}

}  // namespace

void bind_completion(nb::module_& m) {
  bind_state<double>(m, "CompletionState64");
  bind_state<float>(m, "CompletionState32");
  bind_predict<double>(m);
  bind_predict<float>(m);
  bind_partition_step<double>(m);
  bind_partition_step<float>(m);
}
