// linalg._core: the nanobind module. Only glue lives in python/; each area
// binds itself in its own bind_<area>.cpp.
#include <nanobind/nanobind.h>

#include "linalg/core/errors.hpp"

namespace nb = nanobind;

void bind_blas(nb::module_& m);
void bind_rng(nb::module_& m);
void bind_lowrank(nb::module_& m);
void bind_sampling(nb::module_& m);
void bind_weighted(nb::module_& m);
void bind_completion(nb::module_& m);
void bind_tensor(nb::module_& m);
void bind_nystrom(nb::module_& m);
void bind_selection(nb::module_& m);
#if LINALG_CUDA_BUILT
void bind_cuda_lowrank(nb::module_& m);
void bind_cuda_tensor(nb::module_& m);
void bind_cuda_selection(nb::module_& m);
void bind_cuda_completion(nb::module_& m);
void bind_cuda_weighted(nb::module_& m);
void bind_cuda_sampling(nb::module_& m);
#endif

NB_MODULE(_core, m) {
  m.doc() = "linalg's C++ core (host and, when built, CUDA contexts). Use the linalg package, not this module.";
#ifdef LINALG_VERSION
  m.attr("__version__") = LINALG_VERSION;
#endif
  m.attr("cuda_built") = bool(LINALG_CUDA_BUILT);
  // Non-convergence becomes numpy.linalg.LinAlgError; invalid_argument
  // derives from std::invalid_argument, which nanobind maps to ValueError.
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const linalg::not_converged& e) {
      nb::object err = nb::module_::import_("numpy.linalg").attr("LinAlgError");
      PyErr_SetString(err.ptr(), e.what());
    }
  });
  bind_blas(m);
  bind_rng(m);
  bind_lowrank(m);
  bind_sampling(m);
  bind_weighted(m);
  bind_completion(m);
  bind_tensor(m);
  bind_nystrom(m);
  bind_selection(m);
#if LINALG_CUDA_BUILT
  bind_cuda_lowrank(m);
  bind_cuda_tensor(m);
  bind_cuda_selection(m);
  bind_cuda_completion(m);
  bind_cuda_weighted(m);
  bind_cuda_sampling(m);
#endif
}
