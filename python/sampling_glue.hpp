// Shared by the host and CUDA bindings of the sampling area: sketch kinds,
// the leverage options and the report dict.
#pragma once
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>

#include <string>

#include "linalg/core/errors.hpp"
#include "linalg/sampling/leverage.hpp"
#include "linalg/sketch/sparse_embedding.hpp"

namespace linalg::py {

namespace nb = nanobind;

inline sketch::RowSketch row_sketch_kind(const std::string& kind) {
  if (kind == "gaussian") return sketch::RowSketch::Gaussian;
  if (kind == "sparse_sign") return sketch::RowSketch::SparseSign;
  if (kind == "countsketch") return sketch::RowSketch::CountSketch;
  throw invalid_argument("kind must be 'gaussian', 'sparse_sign' or 'countsketch', got '" + kind + "'");
}

inline nb::dict report(const sampling::LeverageReport& r) {
  nb::dict d;
  d["path"] = r.path;
  d["rank"] = r.rank;
  d["passes"] = r.passes;
  if (r.sketch_rows) d["sketch_rows"] = r.sketch_rows;
  if (r.jl_cols) d["jl_cols"] = r.jl_cols;
  if (r.cond > 0) d["cond"] = r.cond;
  if (r.iterations) {
    d["iterations"] = r.iterations;
    d["change"] = r.change;
  }
  return d;
}

inline sampling::LeverageOptions options(bool sketch, double eps, double ridge, double delta, index_t sketch_rows,
                                  index_t jl_cols, int zeta, std::uint64_t seed) {
  sampling::LeverageOptions o;
  o.sketch = sketch;
  o.eps = eps;
  o.ridge = ridge;
  o.delta = delta;
  o.sketch_rows = sketch_rows;
  o.jl_cols = jl_cols;
  require(zeta >= 1, "zeta must be >= 1");
  o.zeta = zeta;
  o.seed = seed;
  return o;
}

}  // namespace linalg::py
