// Shared by the host and CUDA bindings of the weighted solvers: the report
// dict and the rsvd options of the closed form.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <vector>

#include "convert.hpp"
#include "linalg/lowrank/rsvd.hpp"
#include "linalg/lowrank/weighted_common.hpp"

namespace linalg::py {

namespace nb = nanobind;

inline nb::dict weighted_report(const lowrank::WeightedReport& r) {
  nb::dict d;
  d["method"] = r.method;
  d["iterations"] = r.iterations;
  d["converged"] = r.converged;
  d["passes"] = r.passes;
  d["basis_size"] = r.basis_size;
  if (r.method == "em") d["fallbacks"] = r.fallbacks;
  if (r.method == "als") {
    d["ridged_solves"] = r.ridged;
    d["half_step_history"] = to_numpy(std::vector<double>(r.half_history));
  }
  return d;
}

inline lowrank::RsvdOptions rsvd_options(index_t rank, index_t oversample, int power_iters, std::uint64_t seed) {
  lowrank::RsvdOptions c;
  c.rank = rank;
  c.oversample = oversample;
  c.power_iters = power_iters;
  c.test_matrix.seed = seed;
  return c;
}

}  // namespace linalg::py
