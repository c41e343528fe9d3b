"""Input checks shared by the public functions: fail early, name the argument.

Nothing here copies an array unless its dtype or layout forces it:
float32/float64 arrays with a unit stride along one axis go to the core as
they are (read-only ones too); integers and booleans become float64 once,
float16 becomes float32; other strides are copied once.
"""
from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

_FLOATS = (np.float32, np.float64)


def as_matrix(A, name: str = "A", check_finite: bool = True, device: bool = False):
    """Return ``("dense", ndarray)`` or ``("csr", csr, transposed)`` for A;
    with ``device=True`` a CuPy input gives ``("cuda-dense", ...)`` or
    ``("cuda-csr", ...)`` (see ``_device.as_device_matrix``)."""
    if device:
        from . import _device

        if _device.is_device(A):
            return _device.as_device_matrix(A, name, check_finite)
    if sp.issparse(A):
        return _as_sparse(A, name, check_finite)
    if not isinstance(A, np.ndarray):
        if hasattr(A, "__cuda_array_interface__") or (type(A).__module__ or "").startswith("cupy"):
            from . import _device

            if not _device.cuda_built():
                raise TypeError(f"{name}: CuPy/GPU arrays need the CUDA build of linalg, which this is not")
            raise TypeError(f"{name} is a CuPy/GPU array; this function runs on host arrays only (yet): "
                            "pass a NumPy array")
        A = np.asarray(A)
    _check_dtype(A.dtype, name)
    if A.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array, got a {A.ndim}-D array of shape {A.shape}")
    if A.size == 0:
        raise ValueError(f"{name} is empty (shape {A.shape})")
    A = _float_dtype(A)
    if not (A.flags.f_contiguous or A.flags.c_contiguous or A.strides[0] == A.itemsize or A.strides[1] == A.itemsize):
        A = np.asfortranarray(A)  # neither axis has a unit stride: one copy
    if check_finite:
        check_all_finite(A, name)
    return ("dense", A)


def check_all_finite(A, name: str = "A") -> None:
    """ValueError naming ``name`` if the float32/float64 ndarray A holds NaN or Inf."""
    from . import _core  # one threaded pass, no temporary of A's size

    if not _core.all_finite(A):
        raise ValueError(f"{name} contains NaN or Inf (pass check_finite=False to skip this check)")


def _check_dtype(dtype, name):
    if np.issubdtype(dtype, np.complexfloating):
        raise TypeError(f"{name}: complex input is not supported (dtype {dtype}); pass real data")
    if not (np.issubdtype(dtype, np.number) or dtype == np.bool_):
        raise TypeError(f"{name}: expected a real numeric array, got dtype {dtype}")


def _float_dtype(A):
    if A.dtype in _FLOATS:
        return A
    if A.dtype == np.float16:
        return A.astype(np.float32)
    return A.astype(np.float64)  # integers, bool, longdouble: float64 once


def _as_sparse(A, name, check_finite):
    _check_dtype(A.dtype, name)
    if A.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got shape {A.shape}")
    if A.shape[0] == 0 or A.shape[1] == 0:
        raise ValueError(f"{name} is empty (shape {A.shape})")
    fmt = A.format
    if fmt == "csc":
        transposed = True  # the CSC arrays of A are the CSR arrays of A^T
    else:
        if fmt != "csr":
            A = A.tocsr()  # COO and the rest: converted once
        transposed = False
    data = A.data
    if data.dtype not in _FLOATS:
        data = _float_dtype(data)
    indices, indptr = A.indices, A.indptr
    if indices.dtype != indptr.dtype:
        idx = np.promote_types(indices.dtype, indptr.dtype)
        indices, indptr = indices.astype(idx), indptr.astype(idx)
    if indices.dtype not in (np.int32, np.int64):
        indices, indptr = indices.astype(np.int64), indptr.astype(np.int64)
    if check_finite and not np.isfinite(data).all():
        raise ValueError(f"{name} contains NaN or Inf (pass check_finite=False to skip this check)")
    stored = (A.shape[1], A.shape[0]) if transposed else A.shape
    return ("csr", (np.ascontiguousarray(data), np.ascontiguousarray(indices), np.ascontiguousarray(indptr), stored), transposed)


def shape_of(kind_and_data) -> tuple[int, int]:
    kind = kind_and_data[0]
    if kind in ("dense", "cuda-dense"):
        return kind_and_data[1].shape
    (_, _, _, stored), transposed = kind_and_data[1], kind_and_data[2]
    return (stored[1], stored[0]) if transposed else stored


def check_int(value, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if value < low or (high is not None and value > high):
        bound = f"[{low}, {high}]" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be in {bound}, got {value}")
    return value


def check_choice(value, name: str, choices) -> str:
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value


def as_seed(seed) -> int:
    """A 63-bit integer key for Philox from None, an int or a Generator."""
    if seed is None:
        return int(np.random.SeedSequence().generate_state(1, np.uint64)[0] >> np.uint64(1))
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2**63 - 1))
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(f"seed must be None, an int or a numpy.random.Generator, got {type(seed).__name__}")
    if not 0 <= int(seed) < 2**64:
        raise ValueError(f"seed must be in [0, 2**64), got {seed}")
    return int(seed)
