// Options glue shared by the host and CUDA completion bindings
// (bind_completion.cpp, cuda/bind_cuda_completion.cpp).
#pragma once
#include <string>

#include "linalg/completion/altmin.hpp"
#include "linalg/core/errors.hpp"

namespace linalg::py {

inline completion::Solver solver_of(const std::string& s) {
  if (s == "sketch") return completion::Solver::Sketch;
  if (s == "cg") return completion::Solver::CG;
  if (s == "cholesky") return completion::Solver::Cholesky;
  throw invalid_argument("solver must be 'sketch', 'cg' or 'cholesky', got '" + s + "'");
}

// The options of linalg.complete, checked.
inline completion::AltMinOptions altmin_options(index_t rank, bool biases, double reg, const std::string& solver,
                                                int steps, double clip, std::uint64_t seed, int init_power_iters,
                                                double relaxation) {
  completion::AltMinOptions o;
  o.rank = rank;
  o.biases = biases;
  o.reg = reg;
  o.solver = solver_of(solver);
  require(steps >= 1, "inner_steps must be >= 1");
  o.steps = steps;
  o.clip = clip;
  o.seed = seed;
  require(init_power_iters >= 0, "init_power_iters must be >= 0");
  o.init_power_iters = init_power_iters;
  require(relaxation > 0.0 && relaxation < 2.0, "relaxation must be in (0, 2)");
  o.relaxation = relaxation;
  return o;
}

}  // namespace linalg::py
