// Philox and the test matrices, exposed for tests and for users who want
// the exact sketch the core draws.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/array.h>
#include <nanobind/stl/string.h>

#include <array>

#include "convert.hpp"
#include "linalg/host/context.hpp"
#include "linalg/rng/draws.hpp"
#include "linalg/rng/philox.hpp"
#include "linalg/sketch/test_matrix.hpp"

namespace nb = nanobind;
using namespace linalg;

template <class T>
py::Out<T> test_matrix(index_t rows, index_t cols, const std::string& kind, std::uint64_t seed, int zeta,
                       std::uint32_t stream, std::uint32_t block) {
  require(rows >= 0 && cols >= 0, "test_matrix: negative shape");
  sketch::TestMatrix tm;
  tm.kind = kind == "gaussian" ? sketch::Kind::Gaussian : sketch::Kind::SparseSign;
  require(kind == "gaussian" || kind == "sparse_sign", "sketch must be 'gaussian' or 'sparse_sign', got '" + kind + "'");
  require(zeta >= 1, "zeta must be >= 1");
  tm.zeta = zeta;
  tm.seed = seed;
  Matrix<T> M(rows, cols);
  {
    nb::gil_scoped_release release;
    sketch::draw(host::Host{}, tm, stream, block, M.view());
  }
  return py::to_numpy(std::move(M));
}

void bind_rng(nb::module_& m) {
  m.def(
      "philox4x32_10",
      [](std::array<std::uint32_t, 4> ctr, std::array<std::uint32_t, 2> key) {
        rng::Philox4x32 r = rng::philox4x32_10({{ctr[0], ctr[1], ctr[2], ctr[3]}}, key[0], key[1]);
        return std::array<std::uint32_t, 4>{r.v[0], r.v[1], r.v[2], r.v[3]};
      },
      nb::arg("counter"), nb::arg("key"), "One Philox4x32-10 block: four 32-bit words.");
  m.def("test_matrix_f64", &test_matrix<double>, nb::arg("rows"), nb::arg("cols"), nb::arg("kind"), nb::arg("seed"),
        nb::arg("zeta") = 8, nb::arg("stream") = static_cast<std::uint32_t>(rng::kRangeSketch), nb::arg("block") = 0);
  m.def("test_matrix_f32", &test_matrix<float>, nb::arg("rows"), nb::arg("cols"), nb::arg("kind"), nb::arg("seed"),
        nb::arg("zeta") = 8, nb::arg("stream") = static_cast<std::uint32_t>(rng::kRangeSketch), nb::arg("block") = 0);
}
