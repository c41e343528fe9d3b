// Fills the core's BLAS/LAPACK dispatch table from SciPy's capsules.
#include <nanobind/nanobind.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "linalg/host/blas.hpp"

namespace nb = nanobind;

void bind_blas(nb::module_& m) {
  m.def(
      "set_blas_routine",
      [](const std::string& name, nb::capsule cap) {
        // cython_blas/cython_lapack name each capsule by its C signature.
        linalg::host::set_blas_routine(name, cap.data());
      },
      nb::arg("name"), nb::arg("capsule"),
      "Store one routine ('dgemm', 'sgeqrf', ...) from a scipy.linalg.cython_blas/lapack capsule.");
  m.def("blas_routines", &linalg::host::blas_routines, "Routine names (without s/d prefix) the core needs.");
  m.def("missing_blas_routines", &linalg::host::missing_blas_routines, "Routines not yet provided.");
}
