"""weighted_svd and fwsvd on CuPy arrays: the CPU result for the same seed
(to rounding), CuPy factors of the input's dtype, and clear errors for
host/device mixes and bad input."""
import numpy as np
import pytest
import scipy.sparse as sp

import linalg
from linalg.testing import geometric_spectrum, matrix_from_spectrum

pytestmark = pytest.mark.gpu

cp = pytest.importorskip("cupy")

TOL = {np.float32: 2e-4, np.float64: 1e-9}


def recon(res):
    U, S, Vh = (cp.asnumpy(x).astype(np.float64) if isinstance(x, cp.ndarray) else np.asarray(x, np.float64)
                for x in (res.U, res.S, res.Vh))
    return (U * S) @ Vh


def rel(X, Y):
    return float(np.linalg.norm(X - Y) / np.linalg.norm(Y))


def check_device_result(res, dtype, m, n, k):
    for x in (res.U, res.S, res.Vh):
        assert isinstance(x, cp.ndarray) and x.dtype == dtype
    assert res.U.shape == (m, k) and res.S.shape == (k,) and res.Vh.shape == (k, n)
    assert isinstance(res.history, np.ndarray)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    sm = matrix_from_spectrum(geometric_spectrum(200, 0.9), 300, 200, rng=1)
    return sm.A, rng.uniform(0.2, 3.0, 300), rng.uniform(0.5, 2.0, 200)


@pytest.fixture(scope="module")
def missing():
    rng = np.random.default_rng(10)
    A = rng.standard_normal((220, 6)) @ rng.standard_normal((6, 150)) + 0.05 * rng.standard_normal((220, 150))
    W = rng.uniform(0.5, 2.0, A.shape) * (rng.random(A.shape) > 0.3)
    return A, W


# --- closed form -----------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("exact", [True, False])
def test_closed_form_dense_matches_cpu(problem, dtype, order, exact):
    A, u, v = problem
    A = np.asarray(A, dtype=dtype, order=order)
    kw = dict(exact=exact, power_iters=2, seed=4)
    cpu = linalg.weighted_svd(A, 8, row_weights=u, col_weights=v, **kw)
    gpu = linalg.weighted_svd(cp.asarray(A, order=order), 8, row_weights=cp.asarray(u), col_weights=cp.asarray(v), **kw)
    check_device_result(gpu, dtype, 300, 200, 8)
    assert gpu.info["method"] == cpu.info["method"]
    assert rel(cp.asnumpy(gpu.S), cpu.S) < TOL[dtype]
    assert rel(recon(gpu), recon(cpu)) < TOL[dtype] * 10
    assert gpu.objective == pytest.approx(cpu.objective, rel=TOL[dtype] * 100)


def test_closed_form_one_side_and_adaptive_depth(problem):
    A, u, _ = problem
    cpu = linalg.weighted_svd(A, 10, row_weights=u, exact=False, seed=1)
    gpu = linalg.weighted_svd(cp.asarray(A), 10, row_weights=cp.asarray(u), exact=False, seed=1)
    assert gpu.info["passes"] == cpu.info["passes"]
    assert rel(recon(gpu), recon(cpu)) < 1e-8


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_closed_form_sparse_matches_cpu(dtype, fmt, index):
    import cupyx.scipy.sparse as csp

    rng = np.random.default_rng(3)
    S = sp.random(500, 300, density=0.03, format=fmt, dtype=dtype, random_state=rng)
    S.indices = S.indices.astype(index)
    S.indptr = S.indptr.astype(index)
    u, v = rng.uniform(0.5, 2, 500).astype(dtype), rng.uniform(0.5, 2, 300).astype(dtype)
    cpu = linalg.weighted_svd(S, 6, row_weights=u, col_weights=v, power_iters=3, seed=2)
    G = (csp.csr_matrix if fmt == "csr" else csp.csc_matrix)(S)
    gpu = linalg.weighted_svd(G, 6, row_weights=cp.asarray(u), col_weights=cp.asarray(v), power_iters=3, seed=2)
    check_device_result(gpu, dtype, 500, 300, 6)
    tol = 5e-3 if dtype == np.float32 else 1e-8
    assert rel(cp.asnumpy(gpu.S), cpu.S) < tol
    assert rel(recon(gpu), recon(cpu)) < 10 * tol
    # Exact on sparse input densifies, on the device too.
    ex = linalg.weighted_svd(G, 6, row_weights=cp.asarray(u), exact=True)
    assert ex.info["method"] == "closed_form_exact" and isinstance(ex.U, cp.ndarray)


# --- EM and ALS ------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("method", ["em", "als"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_iterative_matches_cpu(missing, dtype, method, order):
    A, W = missing
    A = np.asarray(A, dtype=dtype, order=order)
    W = np.asarray(W, order=order)
    kw = dict(method=method, max_iter=8, tol=0, seed=3)
    cpu = linalg.weighted_svd(A, 6, weights=W, **kw)
    gpu = linalg.weighted_svd(cp.asarray(A, order=order), 6, weights=cp.asarray(W, order=order), **kw)
    check_device_result(gpu, dtype, *A.shape, 6)
    hist_tol = 1e-3 if dtype == np.float32 else 1e-8
    if dtype == np.float64:
        assert gpu.info["iterations"] == cpu.info["iterations"] == 8
    else:
        # tol = 0 still stops once the objective stagnates at float32
        # rounding, which may happen a step earlier or later on either device.
        assert abs(gpu.info["iterations"] - cpu.info["iterations"]) <= 2
    common = min(len(gpu.history), len(cpu.history))
    np.testing.assert_allclose(gpu.history[:common], cpu.history[:common], rtol=hist_tol)
    assert gpu.objective == pytest.approx(cpu.objective, rel=hist_tol)
    assert rel(recon(gpu), recon(cpu)) < (2e-3 if dtype == np.float32 else 1e-7)
    if dtype == np.float32:
        return
    if method == "em":
        assert gpu.info["passes"] == cpu.info["passes"]
    else:
        np.testing.assert_allclose(gpu.info["half_step_history"], cpu.info["half_step_history"], rtol=hist_tol)
        assert gpu.info["ridged_solves"] == cpu.info["ridged_solves"]


def test_em_converges_like_cpu(missing):
    A, W = missing
    cpu = linalg.weighted_svd(A, 6, weights=W, max_iter=300, tol=1e-10, seed=0)
    gpu = linalg.weighted_svd(cp.asarray(A), 6, weights=cp.asarray(W), max_iter=300, tol=1e-10, seed=0)
    assert gpu.info["converged"] and cpu.info["converged"]
    assert gpu.objective == pytest.approx(cpu.objective, rel=1e-6)
    # Monotone on the device too.
    assert np.all(np.diff(gpu.history) <= 1e-12 * gpu.history[0])


def test_als_ridged_columns_match_cpu():
    # Two columns with fewer observed entries than the rank: singular Grams.
    rng = np.random.default_rng(5)
    A = rng.standard_normal((160, 5)) @ rng.standard_normal((5, 90))
    W = (rng.random(A.shape) > 0.2).astype(float)
    W[:, 7] = 0
    W[:3, 7] = 1
    W[:, 40] = 0
    kw = dict(method="als", max_iter=4, tol=0, seed=1)
    cpu = linalg.weighted_svd(A, 5, weights=W, **kw)
    gpu = linalg.weighted_svd(cp.asarray(A), 5, weights=cp.asarray(W), **kw)
    assert cpu.info["ridged_solves"] > 0
    assert gpu.info["ridged_solves"] == cpu.info["ridged_solves"]
    # A ridged solve fixes the null-space part of its solution only to
    # ~u / 1e-10: looser than rounding, but still far below any real change.
    np.testing.assert_allclose(gpu.history, cpu.history, rtol=1e-5)


@pytest.mark.parametrize("rank", [90, 170])
def test_als_large_rank_solver_paths(rank):
    # k = 90: the k x k Cholesky in opt-in shared memory (> 48 KiB);
    # k = 170: too large for shared memory, per-block global scratch.
    rng = np.random.default_rng(6)
    A = rng.standard_normal((320, 230))
    W = rng.uniform(0.5, 1.5, A.shape)
    kw = dict(method="als", max_iter=1, tol=0, seed=2)
    cpu = linalg.weighted_svd(A, rank, weights=W, **kw)
    gpu = linalg.weighted_svd(cp.asarray(A), rank, weights=cp.asarray(W), **kw)
    np.testing.assert_allclose(gpu.history, cpu.history, rtol=1e-7)
    np.testing.assert_allclose(gpu.info["half_step_history"], cpu.info["half_step_history"], rtol=1e-7)


def test_separable_weights_iterative_and_sparse_a(problem):
    A, u, v = problem
    kw = dict(method="em", max_iter=5, tol=0, seed=0)
    cpu = linalg.weighted_svd(A, 5, row_weights=u, col_weights=v, **kw)
    gpu = linalg.weighted_svd(cp.asarray(A), 5, row_weights=cp.asarray(u), col_weights=cp.asarray(v), **kw)
    np.testing.assert_allclose(gpu.history, cpu.history, rtol=1e-8)
    import cupyx.scipy.sparse as csp

    S = sp.random(200, 120, density=0.2, format="csr", random_state=np.random.default_rng(1))
    W = np.random.default_rng(2).uniform(0, 1, S.shape)
    cs = linalg.weighted_svd(S, 4, weights=W, max_iter=5, tol=0, seed=1)
    gs = linalg.weighted_svd(csp.csr_matrix(S), 4, weights=cp.asarray(W), max_iter=5, tol=0, seed=1)
    assert isinstance(gs.U, cp.ndarray)
    np.testing.assert_allclose(gs.history, cs.history, rtol=1e-8)


def test_fwsvd_matches_cpu():
    rng = np.random.default_rng(0)
    Wt = rng.standard_normal((96, 64))
    F = rng.random((96, 64)) ** 2
    for axis in (0, 1):
        Ac, Bc = linalg.fwsvd(Wt, F, 8, axis=axis, seed=1)
        Ag, Bg = linalg.fwsvd(cp.asarray(Wt), cp.asarray(F), 8, axis=axis, seed=1)
        assert isinstance(Ag, cp.ndarray) and isinstance(Bg, cp.ndarray)
        assert rel(cp.asnumpy(Ag @ Bg), Ac @ Bc) < 1e-9


# --- bad input ---------------------------------------------------------------

def test_bad_device_inputs(missing):
    A, W = missing
    Ad = cp.asarray(A)
    with pytest.raises(TypeError, match="host"):
        linalg.weighted_svd(Ad, 3, weights=W)
    with pytest.raises(TypeError, match="CuPy"):
        linalg.weighted_svd(A, 3, weights=cp.asarray(W))
    with pytest.raises(TypeError, match="host"):
        linalg.weighted_svd(Ad, 3, row_weights=np.ones(A.shape[0]))
    with pytest.raises(TypeError, match="complex"):
        linalg.weighted_svd(Ad.astype(cp.complex128), 3, weights=cp.asarray(W))
    bad = Ad.copy()
    bad[1, 2] = cp.nan
    with pytest.raises(ValueError, match="NaN or Inf"):
        linalg.weighted_svd(bad, 3, weights=cp.asarray(W))
    Wn = cp.asarray(W)
    Wn[0, 0] = cp.inf
    with pytest.raises(ValueError, match="NaN or Inf"):
        linalg.weighted_svd(Ad, 3, weights=Wn)
    with pytest.raises(ValueError, match="non-negative"):
        linalg.weighted_svd(Ad, 3, weights=-cp.asarray(W))
    with pytest.raises(ValueError, match="positive"):
        linalg.weighted_svd(Ad, 3, row_weights=cp.zeros(A.shape[0]))
    with pytest.raises(ValueError, match="rank"):
        linalg.weighted_svd(Ad, 500, weights=cp.asarray(W))
    with pytest.raises(TypeError, match="host"):
        linalg.fwsvd(Ad, np.ones(A.shape), 3)
