"""Fill the core's BLAS/LAPACK dispatch table from SciPy's capsules.

SciPy exports every BLAS and LAPACK routine it links as a PyCapsule in
``scipy.linalg.cython_blas.__pyx_capi__`` / ``cython_lapack.__pyx_capi__``;
scikit-learn takes the same route. The core then shares SciPy's BLAS, its
thread pool, and ``threadpoolctl``'s control over it.
"""
from __future__ import annotations

from scipy.linalg import cython_blas, cython_lapack
from threadpoolctl import ThreadpoolController

from . import _core

_BLAS = {"gemm", "syrk", "trsm", "trmm"}


def fill_dispatch_table() -> None:
    """Hand each routine ``_core`` needs to it, for float32 and float64."""
    for base in _core.blas_routines():
        capi = cython_blas.__pyx_capi__ if base in _BLAS else cython_lapack.__pyx_capi__
        for prefix in ("s", "d"):
            _core.set_blas_routine(prefix + base, capi[prefix + base])
    missing = _core.missing_blas_routines()
    if missing:  # pragma: no cover - would mean a SciPy without these routines
        raise ImportError(f"linalg: SciPy does not export {missing}")


def blas_source() -> str:
    """Where the core's BLAS comes from (for ``linalg info``)."""
    import scipy

    return f"scipy {scipy.__version__} (scipy.linalg.cython_blas / cython_lapack capsules)"


# One controller, found once: threadpool_limits() rescans every loaded
# library on entry (~1 ms here, several with CuPy and torch loaded: more
# than a GPU rsvd call's whole host side). SciPy's BLAS, the one the core
# calls, is loaded before the first use (fill_dispatch_table).
_CONTROLLER = None


def one_blas_thread():
    """Context limiting SciPy's BLAS to one thread: the core's OpenMP kernels
    do the large products and the BLAS calls left are small (a many-threaded
    BLAS spends more waking its threads than computing them)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")
