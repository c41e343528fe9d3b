"""leverage_scores, lewis_weights, lp_sensitivities, sample_rows and sketch on
CuPy arrays: the CPU result for the same seed (to rounding; sketches equal up
to the order of their sums), CuPy arrays out, clear errors on bad input."""
import numpy as np
import pytest
import scipy.sparse as sp

import linalg
from linalg import _core

pytestmark = pytest.mark.gpu

cp = pytest.importorskip("cupy")


def heavy_rows(n, d, seed=0, nu=2.0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * rng.standard_t(nu, size=n)[:, None]


def ill_conditioned(cond, n=2000, d=8, seed=9):
    rng = np.random.default_rng(seed)
    U = np.linalg.qr(rng.standard_normal((n, d)))[0] * rng.standard_t(3, size=n)[:, None]
    V = np.linalg.qr(rng.standard_normal((d, d)))[0]
    return (U * np.geomspace(1, 1 / cond, d)) @ V.T


def host(x):
    assert isinstance(x, cp.ndarray)
    return cp.asnumpy(x)


# --- leverage scores ---------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("method", ["exact", "sketch"])
def test_leverage_matches_cpu(dtype, order, method):
    A = np.asarray(heavy_rows(20000, 12, seed=1), dtype=dtype, order=order)
    qc, ic = linalg.leverage_scores(A, method=method, eps=0.3, seed=5, return_info=True)
    qg, ig = linalg.leverage_scores(cp.asarray(A, order=order), method=method, eps=0.3, seed=5, return_info=True)
    assert isinstance(qg, cp.ndarray) and qg.dtype == dtype and qg.shape == (20000,)
    assert ig["path"] == ic["path"] and ig["rank"] == ic["rank"] and ig["passes"] == ic["passes"]
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(host(qg), qc, rtol=tol, atol=tol * 1e-3)


@pytest.mark.parametrize("cond, path", [(1e6, "cholqr2"), (1e9, "householder")])
def test_leverage_conditioning_paths_match_cpu(cond, path):
    A = ill_conditioned(cond)
    qc, ic = linalg.leverage_scores(A, return_info=True)
    qg, ig = linalg.leverage_scores(cp.asarray(A), return_info=True)
    assert ic["path"] == ig["path"] == path
    # Both are backward stable: they agree to ~kappa u.
    np.testing.assert_allclose(host(qg), qc, rtol=cond * 1e-13, atol=1e-12)


def test_leverage_rank_deficient_ridge_and_sparse_input():
    import cupyx.scipy.sparse as csp

    B = heavy_rows(3000, 4, seed=2)
    A = np.hstack([B, B[:, :2] @ np.ones((2, 2))])  # rank 4 of 6
    qc, ic = linalg.leverage_scores(A, return_info=True)
    qg, ig = linalg.leverage_scores(cp.asarray(A), return_info=True)
    assert ic["rank"] == ig["rank"] == 4 and ig["path"] == "householder"
    np.testing.assert_allclose(host(qg), qc, rtol=1e-8, atol=1e-12)
    for method in ("exact", "sketch"):
        rc = linalg.leverage_scores(B, ridge=50.0, method=method, eps=0.5, seed=1)
        rg = linalg.leverage_scores(cp.asarray(B), ridge=50.0, method=method, eps=0.5, seed=1)
        np.testing.assert_allclose(host(rg), rc, rtol=1e-9)
    S = sp.random(4000, 10, density=0.3, format="csr", random_state=np.random.default_rng(3))
    np.testing.assert_allclose(host(linalg.leverage_scores(csp.csr_matrix(S))), linalg.leverage_scores(S), rtol=1e-10)


# --- Lewis weights and sensitivities -------------------------------------------

@pytest.mark.parametrize("p", [1.0, 3.0])
@pytest.mark.parametrize("method", ["exact", "sketch"])
def test_lewis_matches_cpu(p, method):
    A = heavy_rows(5000, 6, seed=4)
    wc, ic = linalg.lewis_weights(A, p, method=method, eps=0.5, seed=2, return_info=True)
    wg, ig = linalg.lewis_weights(cp.asarray(A), p, method=method, eps=0.5, seed=2, return_info=True)
    assert isinstance(wg, cp.ndarray) and wg.dtype == np.float64
    assert abs(ig["iterations"] - ic["iterations"]) <= 1
    np.testing.assert_allclose(host(wg), wc, rtol=1e-7)
    w32 = linalg.lewis_weights(cp.asarray(A, dtype=cp.float32), p, method=method, eps=0.5, seed=2)
    assert w32.dtype == np.float32
    np.testing.assert_allclose(host(w32), wc, rtol=2e-3)


@pytest.mark.parametrize("p", [1.0, 2.0, 3.0, 5.0])
def test_sensitivity_bounds_match_cpu(p):
    A = heavy_rows(3000, 5, seed=6)
    sc = linalg.lp_sensitivities(A, p)
    sg = linalg.lp_sensitivities(cp.asarray(A), p)
    np.testing.assert_allclose(host(sg), sc, rtol=1e-7)


def test_exact_l1_sensitivities_on_device_input():
    A = heavy_rows(40, 3, seed=7)
    np.testing.assert_allclose(host(linalg.lp_sensitivities(cp.asarray(A), 1.0, method="exact")),
                               linalg.lp_sensitivities(A, 1.0, method="exact"), rtol=1e-6, atol=1e-9)


# --- row sampling ----------------------------------------------------------------

def test_uniforms_identical():
    stream = cp.cuda.get_current_stream().ptr
    for salt in (0, 1):
        d = _core.cuda_sampling_uniforms(123, salt, 100001, stream, 0)
        np.testing.assert_array_equal(host(d), _core.sampling_uniforms(123, salt, 100001))


@pytest.mark.parametrize("scheme", ["poisson", "iid"])
@pytest.mark.parametrize("scores", ["leverage", "lewis", "uniform"])
def test_sample_rows_matches_cpu(scheme, scores):
    A = heavy_rows(8000, 6, seed=8)
    rc = linalg.sample_rows(A, 600, p=1, scores=scores, scheme=scheme, seed=11)
    rg = linalg.sample_rows(cp.asarray(A), 600, p=1, scores=scores, scheme=scheme, seed=11)
    for x in (rg.idx, rg.weights, rg.probabilities):
        assert isinstance(x, cp.ndarray)
    assert rg.idx.dtype == np.int64
    np.testing.assert_array_equal(host(rg.idx), rc.idx)
    np.testing.assert_allclose(host(rg.weights), rc.weights, rtol=1e-7)
    assert rg.info["expected_size"] == pytest.approx(rc.info["expected_size"], rel=1e-9)
    s = np.random.default_rng(0).random(8000)
    rc = linalg.sample_rows(A, 300, scores=s, scheme=scheme, seed=1)
    rg = linalg.sample_rows(cp.asarray(A), 300, scores=cp.asarray(s), scheme=scheme, seed=1)
    np.testing.assert_array_equal(host(rg.idx), rc.idx)


# --- sketches ----------------------------------------------------------------------

def close(Y, ref, dtype):
    tol = 1e-4 if dtype == np.float32 else 1e-11
    np.testing.assert_allclose(host(Y), ref, rtol=tol, atol=tol * np.abs(ref).max())


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["gaussian", "sparse_sign", "countsketch"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_sketch_dense_matches_cpu(dtype, kind, order):
    A = np.asarray(np.random.default_rng(1).standard_normal((5000, 9)), dtype=dtype, order=order)
    for axis, X in ((0, A), (1, np.asarray(A.T, order=order))):
        ref = linalg.sketch(X, 300, kind=kind, axis=axis, seed=4)
        Y = linalg.sketch(cp.asarray(X, order=order), 300, kind=kind, axis=axis, seed=4)
        assert Y.dtype == dtype and Y.shape == ref.shape
        close(Y, ref, dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["gaussian", "sparse_sign", "countsketch"])
@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_sketch_sparse_matches_cpu(dtype, kind, fmt, index):
    import cupyx.scipy.sparse as csp

    S = sp.random(3000, 40, density=0.05, format=fmt, dtype=dtype, random_state=np.random.default_rng(2))
    S.indices = S.indices.astype(index)
    S.indptr = S.indptr.astype(index)
    G = (csp.csr_matrix if fmt == "csr" else csp.csc_matrix)(S)
    ref = linalg.sketch(S, 120, kind=kind, seed=9)
    Y = linalg.sketch(G, 120, kind=kind, seed=9)
    assert isinstance(Y, cp.ndarray) and Y.dtype == dtype
    close(Y, ref, dtype)
    # Sparse and dense device input give the same sketch.
    close(linalg.sketch(cp.asarray(S.toarray()), 120, kind=kind, seed=9), ref, dtype)


def test_sketch_zeta_larger_than_d_and_test_matrix_identity():
    A = np.random.default_rng(3).standard_normal((700, 5))
    ref = linalg.sketch(A, 6, kind="sparse_sign", zeta=8, seed=2)  # zeta capped at d = 6
    close(linalg.sketch(cp.asarray(A), 6, kind="sparse_sign", zeta=8, seed=2), ref, np.float64)
    # S is the transpose of the sparse sign test matrix of stream 16: S^T = Omega.
    stream = cp.cuda.get_current_stream().ptr
    Om = _core.cuda_test_matrix_f64(700, 50, "sparse_sign", 2, 8, 16, 0, stream, 0)
    close(linalg.sketch(cp.eye(700), 50, kind="sparse_sign", seed=2), host(Om).T, np.float64)


# --- bad input ------------------------------------------------------------------------

def test_bad_device_inputs():
    A = cp.asarray(heavy_rows(500, 4))
    with pytest.raises(TypeError, match="complex"):
        linalg.leverage_scores(A.astype(cp.complex128))
    bad = A.copy()
    bad[3, 1] = cp.nan
    for f in (lambda X: linalg.leverage_scores(X), lambda X: linalg.lewis_weights(X, 1.0),
              lambda X: linalg.sketch(X, 10), lambda X: linalg.sample_rows(X, 10)):
        with pytest.raises(ValueError, match="NaN or Inf"):
            f(bad)
    with pytest.raises(TypeError, match="host"):
        linalg.sample_rows(A, 10, scores=np.ones(500))
    with pytest.raises(ValueError, match="eps"):
        linalg.leverage_scores(A, method="sketch", eps=1.5)
    with pytest.raises(ValueError, match="p must be"):
        linalg.lewis_weights(A, 4.0)
    with pytest.raises(ValueError, match="2-D"):
        linalg.sketch(A[None], 3)
