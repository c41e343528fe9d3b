// Options, report and progress glue shared by the host and CUDA rsvd
// bindings (bind_lowrank.cpp, cuda/bind_cuda_lowrank.cpp).
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/stl/function.h>
#include <nanobind/stl/string.h>

#include <string>

#include "linalg/core/errors.hpp"
#include "linalg/lowrank/rsvd.hpp"

namespace linalg::py {

namespace nb = nanobind;

struct Options {
  index_t rank;
  double tol;
  index_t oversample;
  int power_iters;
  std::string method;
  std::string sketch;
  int zeta;
  std::uint64_t seed;
  index_t block;
  double energy_rtol = 0.1;
};

inline lowrank::RsvdOptions to_core(const Options& o) {
  lowrank::RsvdOptions c;
  c.rank = o.rank;
  c.tol = o.tol;
  c.oversample = o.oversample;
  c.power_iters = o.power_iters;
  if (o.method == "auto") c.method = lowrank::Method::Auto;
  else if (o.method == "subspace") c.method = lowrank::Method::Subspace;
  else if (o.method == "krylov") c.method = lowrank::Method::Krylov;
  else throw invalid_argument("method must be 'auto', 'subspace' or 'krylov', got '" + o.method + "'");
  if (o.sketch == "gaussian") c.test_matrix.kind = sketch::Kind::Gaussian;
  else if (o.sketch == "sparse_sign") c.test_matrix.kind = sketch::Kind::SparseSign;
  else throw invalid_argument("sketch must be 'gaussian' or 'sparse_sign', got '" + o.sketch + "'");
  require(o.zeta >= 1, "zeta must be >= 1");
  c.test_matrix.zeta = o.zeta;
  c.test_matrix.seed = o.seed;
  c.block = o.block;
  require(o.energy_rtol > 0 && o.energy_rtol < 1, "energy_rtol must be in (0, 1)");
  c.energy_rtol = o.energy_rtol;
  return c;
}

inline nb::dict report(const lowrank::RsvdReport& r) {
  nb::dict d;
  d["method"] = r.method;
  d["power_iters"] = r.power_iters;
  d["basis_size"] = r.basis_size;
  d["rank"] = r.rank;
  d["passes"] = r.passes;
  d["gemm_flops"] = r.gemm_flops;
  d["fused"] = r.fused;
  d["mixed_precision"] = r.mixed;
  if (r.mixed) {
    d["fast_passes"] = r.fast_passes;
    d["fast_products"] = r.fast_products;
  }
  if (r.frob_sq >= 0) d["frob_sq"] = r.frob_sq;
  if (r.residual_sq >= 0) d["residual_sq"] = r.residual_sq;
  return d;
}

// Calls back into Python (progress bars) with the GIL held.
inline lowrank::Progress wrap_progress(nb::object cb) {
  if (cb.is_none()) return nullptr;
  return [cb](int step, int total, const char* what) {
    nb::gil_scoped_acquire acquire;
    cb(step, total, what);
  };
}

}  // namespace linalg::py

#define LINALG_OPTION_ARGS                                                                              \
  nb::arg("rank"), nb::arg("tol"), nb::arg("oversample"), nb::arg("power_iters"), nb::arg("method"),    \
      nb::arg("sketch"), nb::arg("zeta"), nb::arg("seed"), nb::arg("block"), nb::arg("progress").none()
