"""CuPy inputs: recognise them, check them, and hand them to the CUDA core.

A CuPy array goes to the CUDA context and its results come back as CuPy
arrays, computed on the caller's current CuPy stream
(``cupy.cuda.get_current_stream()``) of the array's device; a NumPy array
never goes to the GPU. Nothing here copies between host and device: a CuPy
input to a build without CUDA, or host and device arrays mixed in one call,
is a ``TypeError``.

Conversions mirror the host path (``_validate``): float32 and float64 stay
as they are (C or F order, no copy); integers and booleans become float64
and float16 becomes float32, once, on the device; other strides are copied
once (F order). ``cupyx.scipy.sparse`` CSR and CSC go in as they are (CSC
is the CSR of the transpose); other sparse formats become CSR once.
"""
from __future__ import annotations

import numpy as np

from . import _core
from ._validate import _FLOATS, _check_dtype, _float_dtype  # the host rules, shared



def cuda_built() -> bool:
    return bool(getattr(_core, "cuda_built", False))


def is_device(x) -> bool:
    """True for CuPy arrays and cupyx.scipy.sparse matrices."""
    mod = type(x).__module__ or ""
    return mod.startswith("cupy") or mod.startswith("cupyx") or hasattr(x, "__cuda_array_interface__")


def _cupy():
    import cupy

    return cupy


def _require_build(name):
    if not cuda_built():
        raise TypeError(f"{name} is a CuPy/GPU array, but this linalg was built without CUDA "
                        "(rebuild with a CUDA toolkit and cuBLAS/cuSOLVER/cuSPARSE; `linalg info` says what was built)")


def stream_and_device(x):
    """(stream pointer, device id) the work on ``x`` runs on: the current
    CuPy stream of x's device. The call switches to x's device."""
    cp = _cupy()
    dev = x.device if hasattr(x, "device") else cp.cuda.Device()
    dev.use()
    return cp.cuda.get_current_stream().ptr, dev.id


def check_same_kind(device_input: bool, other, name: str):
    """Host and device arrays are not mixed in one call."""
    if other is None:
        return
    if is_device(other) != device_input:
        where = "a CuPy (GPU) array" if is_device(other) else "a host (NumPy) array"
        expected = "CuPy arrays" if device_input else "host arrays"
        raise TypeError(f"{name} is {where}, but the other inputs are {expected}; "
                        "linalg does not move data between host and device: convert it first")


def as_device_matrix(A, name: str = "A", check_finite: bool = True):
    """``("cuda-dense", cupy array)`` or ``("cuda-csr", (data, indices,
    indptr, stored_shape), transposed)`` for a CuPy input."""
    _require_build(name)
    cp = _cupy()
    import cupyx.scipy.sparse as csp

    if csp.issparse(A):
        _check_dtype(A.dtype, name)
        if A.shape[0] == 0 or A.shape[1] == 0:
            raise ValueError(f"{name} is empty (shape {A.shape})")
        transposed = A.format == "csc"
        if not transposed and A.format != "csr":
            A = A.tocsr()
        data = A.data if A.data.dtype in _FLOATS else _float_dtype(A.data)
        indices, indptr = A.indices, A.indptr
        if indices.dtype != indptr.dtype:
            indices, indptr = indices.astype(np.int64), indptr.astype(np.int64)
        if indices.dtype not in (np.int32, np.int64):
            indices, indptr = indices.astype(np.int64), indptr.astype(np.int64)
        if check_finite and not bool(cp.isfinite(data).all()):
            raise ValueError(f"{name} contains NaN or Inf (pass check_finite=False to skip this check)")
        stored = (A.shape[1], A.shape[0]) if transposed else A.shape
        return ("cuda-csr", (cp.ascontiguousarray(data), cp.ascontiguousarray(indices),
                             cp.ascontiguousarray(indptr), stored), transposed)
    if not isinstance(A, cp.ndarray):
        A = cp.asarray(A)
    _check_dtype(A.dtype, name)
    if A.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got a {A.ndim}-D array of shape {A.shape}")
    if A.size == 0:
        raise ValueError(f"{name} is empty (shape {A.shape})")
    A = _float_dtype(A)
    if not (A.flags.f_contiguous or A.flags.c_contiguous or A.strides[0] == A.itemsize
            or A.strides[1] == A.itemsize):
        A = cp.asfortranarray(A)
    if check_finite:
        stream, _ = stream_and_device(A)
        if not _core.cuda_all_finite(A, stream):
            raise ValueError(f"{name} contains NaN or Inf (pass check_finite=False to skip this check)")
    return ("cuda-dense", A)


def device_info() -> str:
    """What `linalg info` prints about the GPU side."""
    if not cuda_built():
        return "not built (CPU-only core)"
    n = _core.cuda_device_count()
    return f"built; {n} device(s) visible" + (f", current: {_core.cuda_device()}" if n else "")
