"""Tucker on CuPy arrays: the same results as the CPU engine for the same
seed (rounding level), CuPy arrays out in the input's memory order, and
clear errors for what cannot run."""
import numpy as np
import pytest

import linalg
from linalg import _core

pytestmark = pytest.mark.gpu

cp = pytest.importorskip("cupy")

TOL = {np.float32: 2e-3, np.float64: 1e-8}


def low_rank_tensor(shape, ranks, noise, dtype, seed=0, order="C"):
    """G x_1 U_1 ... with well-separated core energy, plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    G = rng.standard_normal(ranks)
    for n, r in enumerate(ranks):  # graded energy along every mode
        s = [1] * len(ranks)
        s[n] = r
        G = G * (0.7 ** np.arange(r)).reshape(s)
    U = [np.linalg.qr(rng.standard_normal((i, r)))[0] for i, r in zip(shape, ranks)]
    X = linalg.tucker_to_tensor(G, U)
    X = X + noise * np.linalg.norm(X) / np.sqrt(X.size) * rng.standard_normal(shape)
    return np.asarray(X, dtype=dtype, order=order)


def rel(a, b):
    return float(np.linalg.norm(np.ravel(a - b)) / np.linalg.norm(np.ravel(b)))


def same_span(Ug, Uc, tol):
    Ug = cp.asnumpy(Ug)
    assert rel(Ug @ (Ug.T @ Uc), Uc) < tol


# Shapes that take every path of mode_product.hpp on the device: mode 0 and
# the last mode (one GEMM), a middle mode with thin slices (the mode-first
# batched copy, L < 128) and one with tall slices (strided-batched GEMMs
# and their sum, L >= 128).
CASES = [((30, 40, 50), (5, 6, 7)), ((150, 20, 30), (10, 5, 6)), ((40, 30, 3, 3), (8, 6, 3, 3))]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("method", ["hooi", "sthosvd", "hosvd"])
@pytest.mark.parametrize("randomized", [True, False, "always"])
@pytest.mark.parametrize("case", CASES)
def test_tucker_matches_cpu(dtype, order, method, randomized, case):
    shape, ranks = case
    X = low_rank_tensor(shape, ranks, 1e-3, dtype, seed=1, order=order)
    cpu = linalg.tucker(X, ranks, method=method, randomized=randomized, seed=3)
    gpu = linalg.tucker(cp.asarray(X, order=order), ranks, method=method, randomized=randomized, seed=3)
    assert isinstance(gpu.core, cp.ndarray) and gpu.core.dtype == dtype and gpu.core.shape == cpu.core.shape
    assert gpu.core.flags.c_contiguous == cpu.core.flags.c_contiguous
    for fg, fc in zip(gpu.factors, cpu.factors):
        assert isinstance(fg, cp.ndarray) and fg.dtype == dtype and fg.shape == fc.shape
        same_span(fg, fc, TOL[dtype] * 10)
    assert gpu.info["ranks"] == cpu.info["ranks"]
    # Which basis route each mode took ("gram", "svd", "randomized") is a
    # threshold decision on computed quantities; in float32 rounding can tip
    # it either way (seen on the H100), and the factors above agree anyway.
    if dtype == np.float64:
        assert gpu.info["bases"] == cpu.info["bases"]
    assert gpu.info["order"] == cpu.info["order"]
    assert abs(gpu.info["core_sq"] - cpu.info["core_sq"]) <= TOL[dtype] * cpu.info["frob_sq"]
    assert abs(gpu.rel_error - cpu.rel_error) <= max(TOL[dtype], 1e-6)
    approx_gpu = gpu.to_tensor()
    assert isinstance(approx_gpu, cp.ndarray) and approx_gpu.shape == X.shape
    assert rel(cp.asnumpy(approx_gpu), cpu.to_tensor()) < TOL[dtype] * 10
    # The decomposition is good, not just equal to the CPU's.
    assert rel(cp.asnumpy(approx_gpu), X) < 0.01


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_tucker_tolerance_mode_matches_cpu(dtype):
    X = low_rank_tensor((60, 50, 40), (6, 5, 4), 1e-4, dtype, seed=2)
    cpu = linalg.tucker(X, tol=0.01, method="sthosvd")
    gpu = linalg.tucker(cp.asarray(X), tol=0.01, method="sthosvd")
    assert gpu.info["ranks"] == cpu.info["ranks"] == [6, 5, 4]
    assert gpu.rel_error < 0.01
    assert rel(cp.asnumpy(gpu.to_tensor()), cpu.to_tensor()) < TOL[dtype] * 10


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
def test_tucker_to_tensor_and_mode_product_match_cpu(dtype, order):
    rng = np.random.default_rng(4)
    G = np.asarray(rng.standard_normal((4, 5, 6, 2)), dtype=dtype, order=order)
    U = [np.asarray(rng.standard_normal((i, r)), dtype=dtype) for i, r in zip((20, 140, 30, 3), G.shape)]
    host = linalg.tucker_to_tensor(G, U)
    dev = linalg.tucker_to_tensor(cp.asarray(G, order=order), [cp.asarray(u) for u in U])
    assert isinstance(dev, cp.ndarray) and dev.dtype == dtype and dev.shape == host.shape
    assert dev.flags.c_contiguous == host.flags.c_contiguous
    assert rel(cp.asnumpy(dev), host) < TOL[dtype] / 10
    # Every mode of the internal mode product (one GEMM, batched GEMMs,
    # mode-first copy), against the host engine.
    X = np.asarray(rng.standard_normal((7, 130, 9, 5)), dtype=dtype, order=order)
    suffix_ok = (dtype == np.float64)
    for n in range(4):
        A = np.asarray(rng.standard_normal((3, X.shape[n])), dtype=dtype)
        h = _core.mode_product_dense(X, n, A)
        stream = cp.cuda.get_current_stream().ptr
        d = _core.cuda_mode_product_dense(cp.asarray(X, order=order), n, cp.asarray(A), stream, 0)
        assert d.shape == h.shape
        assert rel(cp.asnumpy(d), h) < (1e-12 if suffix_ok else 1e-5)


def test_tucker_dtype_conversions_on_device():
    X = low_rank_tensor((20, 20, 20), (3, 3, 3), 1e-3, np.float64)
    r16 = linalg.tucker(cp.asarray(X.astype(np.float16)), 3, seed=0)
    assert r16.core.dtype == np.float32
    ri = linalg.tucker(cp.asarray((X * 100).astype(np.int64)), 3, seed=0)
    assert ri.core.dtype == np.float64
    # A strided (non-contiguous) view is copied once, on the device.
    Xs = cp.asarray(np.concatenate([X, X], axis=1))[:, ::2, :]
    res = linalg.tucker(Xs, 3, seed=0)
    assert isinstance(res.core, cp.ndarray)


def test_tucker_bad_device_inputs():
    X = cp.asarray(low_rank_tensor((10, 12, 14), (2, 2, 2), 1e-3, np.float64))
    with pytest.raises(TypeError, match="complex"):
        linalg.tucker(X.astype(cp.complex128), 2)
    with pytest.raises(ValueError, match="at least 2 modes"):
        linalg.tucker(X[0, 0], 2)
    Y = X.copy()
    Y[1, 2, 3] = cp.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        linalg.tucker(Y, 2)
    with pytest.raises(ValueError, match="ranks"):
        linalg.tucker(X, (2, 2, 20))
    res = linalg.tucker(X, 2, seed=0)
    # Host and device arrays are not mixed.
    with pytest.raises(TypeError, match="host|CuPy"):
        linalg.tucker_to_tensor(res.core, [cp.asnumpy(res.factors[0])] + res.factors[1:])
    with pytest.raises(TypeError, match="host|CuPy"):
        linalg.tucker_to_tensor(cp.asnumpy(res.core), res.factors)
