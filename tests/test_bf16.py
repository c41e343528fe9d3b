"""The bfloat16 range finder on the CPU's AMX units (host/bf16_operator.hpp)
behind rsvd(precision="mixed") for float32: products, accuracy, the guard,
the fallback where AMX is missing or switched off."""
import numpy as np
import pytest
from threadpoolctl import threadpool_limits

import linalg
from linalg import _core

AMX = _core.amx_bf16_available()


def bf16(x):
    """float32 -> bfloat16 -> float32, round to nearest even (no NaN here)."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) & 0xFFFF0000
    return u.astype(np.uint32).view(np.float32).reshape(np.shape(x))


def spectrum_matrix(m, n, s, seed=0):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((m, len(s))))[0]
    V = np.linalg.qr(rng.standard_normal((n, len(s))))[0]
    return ((U * s) @ V.T).astype(np.float32)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("transpose", [False, True])
def test_bf16_product_is_the_product_of_rounded_inputs(order, transpose):
    # Odd sizes: every dimension is padded to the tiles (16 x 32).
    rng = np.random.default_rng(1)
    A = np.asarray(rng.standard_normal((77, 45)), dtype=np.float32, order=order)
    X = np.asfortranarray(rng.standard_normal((77 if transpose else 45, 19)).astype(np.float32))
    Y = _core.bf16_product(A, X, transpose)
    if not AMX:  # no AMX: the product says so instead of computing anything else
        assert Y is None
        return
    ref = (bf16(A).astype(np.float64).T if transpose else bf16(A).astype(np.float64)) @ bf16(X).astype(np.float64)
    assert Y.shape == ref.shape and Y.dtype == np.float32
    # float32 accumulation of exact bfloat16 products
    np.testing.assert_allclose(Y, ref, rtol=0, atol=1e-5 * np.abs(ref).max())
    # and the rounding is really bfloat16's: far from the float32 product
    exact = (A.astype(np.float64).T if transpose else A.astype(np.float64)) @ X.astype(np.float64)
    assert np.abs(Y - exact).max() > 1e-4 * np.abs(exact).max()


def test_amx_switch_off_falls_back_to_float32(monkeypatch):
    A = spectrum_matrix(4000, 1000, 1.0 / np.arange(1, 301))
    full = linalg.rsvd(A, 20, seed=3)
    monkeypatch.setenv("LINALG_NO_AMX", "1")
    assert not _core.amx_bf16_available()
    assert _core.bf16_product(A, np.ones((1000, 2), np.float32), False) is None
    res = linalg.rsvd(A, 20, seed=3, precision="mixed")
    assert not res.info["mixed_precision"]
    np.testing.assert_array_equal(res.S, full.S)  # the float32 run itself


def test_mixed_float32_cpu_accuracy_and_layout():
    m, n, k = 4000, 1000, 50
    s = 1.0 / np.arange(1, n + 1)
    A = spectrum_matrix(m, n, s)
    res = linalg.rsvd(A, k, seed=1, precision="mixed", method="subspace", power_iters=1)
    tail = np.sqrt(np.sum(s[k:] ** 2))
    ratio = np.linalg.norm(A.astype(np.float64) - (res.U * res.S).astype(np.float64) @ res.Vh) / tail
    assert res.U.dtype == np.float32 and res.U.shape == (m, k) and res.Vh.shape == (k, n)
    assert ratio < 1.01
    np.testing.assert_allclose(res.U.T.astype(np.float64) @ res.U, np.eye(k), atol=2e-5)
    np.testing.assert_allclose(res.Vh.astype(np.float64) @ res.Vh.T, np.eye(k), atol=2e-5)
    assert np.all(np.diff(res.S) <= 0)
    if AMX:
        assert res.info["mixed_precision"] and res.info["fast_products"] == "bfloat16"
        assert res.info["passes"] == 5  # four bfloat16 passes (q = 1) and the exact one
        # power_iters=None: the core's fast path takes one step by default
        assert linalg.rsvd(A, k, seed=1, precision="mixed").info["power_iters"] == 1
    # wide input: the transpose's factors
    rt = linalg.rsvd(np.ascontiguousarray(A.T), k, seed=1, precision="mixed", method="subspace", power_iters=1)
    np.testing.assert_allclose(rt.S, res.S, rtol=1e-5)


def test_mixed_float32_cpu_guard_reruns_when_too_accurate():
    # Relative error ~1e-5 at rank 40: bfloat16's ~1e-4 ||A|| would show,
    # so the guard reruns in float32 and the answer keeps float32 accuracy.
    m, n, k = 4000, 1000, 40
    s = np.exp(-np.arange(1, n + 1) / 4.0)
    A = spectrum_matrix(m, n, s)
    res = linalg.rsvd(A, k, seed=1, precision="mixed")
    tail = np.sqrt(np.sum(s[k:] ** 2))
    assert not res.info["mixed_precision"]
    err = np.linalg.norm(A.astype(np.float64) - (res.U * res.S).astype(np.float64) @ res.Vh)
    assert err < 1.01 * tail + 1e-5 * np.linalg.norm(s)


def test_mixed_float32_cpu_deterministic_across_threads():
    A = spectrum_matrix(4000, 1000, 1.0 / np.arange(1, 301), seed=2)
    runs = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            runs.append(linalg.rsvd(A, 30, seed=5, precision="mixed", method="subspace", power_iters=1))
    np.testing.assert_array_equal(runs[0].S, runs[1].S)
    np.testing.assert_array_equal(runs[0].U, runs[1].U)



def test_mixed_float64_keeps_the_float32_range_finder():
    # float64 "mixed" stays on float32 products with or without AMX, as the
    # CUDA context's: one seed, one answer on both (tests/test_gpu_rsvd.py).
    A = spectrum_matrix(4000, 1000, 1.0 / np.arange(1, 301)).astype(np.float64)
    res = linalg.rsvd(A, 20, seed=1, precision="mixed", method="subspace", power_iters=1)
    assert res.info["mixed_precision"] and res.info["fast_products"] == "float32"
    assert res.U.dtype == np.float64


def test_mixed_float32_cpu_row_blocked_blas():
    # Tall enough that the BLAS calls of the bfloat16 path are cut into row
    # blocks on the OpenMP threads (host/split_host.hpp: >= 2 x 2048 rows):
    # the answer is as accurate as float32's and the same on 1 and 2 threads.
    m, n, k = 9000, 1200, 100
    s = 1.0 / np.arange(1, n + 1)
    A = spectrum_matrix(m, n, s, seed=4)
    runs = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            runs.append(linalg.rsvd(A, k, seed=1, precision="mixed"))
    res = runs[1]
    assert res.info["mixed_precision"] == AMX  # without AMX: the float32 run
    np.testing.assert_array_equal(runs[0].S, runs[1].S)
    np.testing.assert_array_equal(runs[0].U, runs[1].U)
    np.testing.assert_array_equal(runs[0].Vh, runs[1].Vh)
    best = np.sqrt(np.sum(s[k:] ** 2))
    err = np.linalg.norm(A.astype(np.float64) - (res.U * res.S) @ res.Vh)
    assert err / best < 1.01
    np.testing.assert_allclose(res.U.T @ res.U, np.eye(k), atol=1e-5)
    np.testing.assert_allclose(res.Vh @ res.Vh.T, np.eye(k), atol=1e-5)


def test_low_float64_cpu_bfloat16_range_finder_and_float64_pass():
    # precision="low" for float64: the bfloat16 range finder (on AMX) and one
    # float64 pass - float64 factors, float64 orthonormality, the accuracy of
    # the float64 run; the same on 1 and 2 threads. Without AMX: "mixed".
    m, n, k = 9000, 1200, 100
    s = 1.0 / np.arange(1, n + 1)
    A = spectrum_matrix(m, n, s, seed=5).astype(np.float64)
    runs = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            runs.append(linalg.rsvd(A, k, seed=2, precision="low"))
    res = runs[1]
    assert res.info["mixed_precision"]
    assert res.info["fast_products"] == ("bfloat16" if AMX else "float32")
    assert res.U.dtype == np.float64 and res.S.dtype == np.float64 and res.Vh.dtype == np.float64
    np.testing.assert_array_equal(runs[0].S, runs[1].S)
    np.testing.assert_array_equal(runs[0].U, runs[1].U)
    best = np.sqrt(np.sum(s[k:] ** 2))
    err = np.linalg.norm(A - (res.U * res.S) @ res.Vh)
    full = linalg.rsvd(A, k, seed=2, method="subspace", power_iters=1)
    assert err / best < 1.01
    assert err <= np.linalg.norm(A - (full.U * full.S) @ full.Vh)  # one power step in float64 does worse
    np.testing.assert_allclose(res.U.T @ res.U, np.eye(k), atol=1e-13)
    np.testing.assert_allclose(res.Vh @ res.Vh.T, np.eye(k), atol=1e-13)
    # the norm the guard uses is the float64 A's, not its rounded copy's
    assert res.info["frob_sq"] == pytest.approx(np.sum(A * A), rel=1e-12)


def test_low_float64_guard_falls_back_to_mixed_then_full():
    # Relative error ~1e-5 is below both guards (bfloat16 5e-3, float32
    # 1e-3): "full". At ~2e-3 only the bfloat16 guard refuses: "mixed".
    m, n = 4000, 1000
    s = np.exp(-np.arange(1, n + 1) / 4.0)
    A = spectrum_matrix(m, n, s).astype(np.float64)
    res = linalg.rsvd(A, 40, seed=1, precision="low")
    assert not res.info["mixed_precision"]
    s2 = 1.0 / np.arange(1, n + 1) ** 2.0
    A2 = spectrum_matrix(m, n, s2).astype(np.float64)
    k2 = 40
    rel = np.sqrt(np.sum(s2[k2:] ** 2) / np.sum(s2 ** 2))
    assert 1e-3 < rel < 5e-3
    res2 = linalg.rsvd(A2, k2, seed=1, precision="low")
    assert res2.info["mixed_precision"] and res2.info["fast_products"] == "float32"



@pytest.mark.parametrize("dtype,precision", [(np.float32, "mixed"), (np.float64, "low"), (np.float64, "mixed")])
@pytest.mark.parametrize("shape", [(3000, 1400), (60, 40)])
def test_nan_is_rejected_on_every_precision_path(dtype, precision, shape):
    # Large dense input on an AMX CPU is checked while the core copies it
    # (one read of A fewer); small input, and the other paths, in Python
    # first. Either way: the same ValueError before any work.
    rng = np.random.default_rng(0)
    A = rng.standard_normal(shape).astype(dtype)
    A[shape[0] - 1, shape[1] // 2] = np.nan
    with pytest.raises(ValueError, match=r"A contains NaN or Inf \(pass check_finite=False"):
        linalg.rsvd(A, 5, seed=0, precision=precision)
    A[shape[0] - 1, shape[1] // 2] = -np.inf
    with pytest.raises(ValueError, match=r"A contains NaN or Inf"):
        linalg.rsvd(A, 5, seed=0, precision=precision)


def test_low_float64_beyond_float32_range_falls_back_to_float64():
    # Entries of ~1e40 overflow any float32 or bfloat16 copy: "low" (and the
    # "mixed" it falls back to) must notice and answer in float64.
    m, n, k = 3000, 1400, 20
    s = 1.0 / np.arange(1, n + 1)
    A = spectrum_matrix(m, n, s, seed=3).astype(np.float64) * 1e40
    res = linalg.rsvd(A, k, seed=1, precision="low")
    assert not res.info["mixed_precision"]
    assert np.all(np.isfinite(res.S))
    best = np.sqrt(np.sum(s[k:] ** 2)) * 1e40
    assert np.linalg.norm(A - (res.U * res.S) @ res.Vh) / best < 1.05
