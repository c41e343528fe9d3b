"""linalg.interp_decomp, cur, cr_product and cr_select (linalg/selection.py)."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import linalg
from linalg.testing import (
    SEEDS,
    exact_rank_spectrum,
    geometric_spectrum,
    matrix_from_spectrum,
    polynomial_spectrum,
    spectral_matrices,
)


def spec_norm(M):
    return np.linalg.norm(np.asarray(M, dtype=np.float64), 2)


# --- interpolative decomposition -----------------------------------------

@pytest.mark.parametrize("method", ["randomized", "qr"])
@pytest.mark.parametrize("axis", [1, 0])
@pytest.mark.parametrize("dtype, tol", [(np.float64, 1e-10), (np.float32, 2e-4)])
@pytest.mark.parametrize("shape", [(90, 60), (60, 90)])
def test_exact_rank_recovered(method, axis, dtype, tol, shape):
    sm = matrix_from_spectrum(exact_rank_spectrum(min(shape), 9), *shape, rng=1, dtype=dtype)
    res = linalg.interp_decomp(sm.A, 9, axis=axis, method=method, seed=0)
    idx, X = res
    A = sm.A.astype(np.float64)
    assert idx.dtype == np.int64 and len(set(idx.tolist())) == 9 and X.dtype == dtype
    if axis == 1:
        assert X.shape == (9, shape[1])
        approx = A[:, idx] @ X
        np.testing.assert_allclose(X[:, idx], np.eye(9), atol=tol)
    else:
        assert X.shape == (shape[0], 9)
        approx = X @ A[idx, :]
        np.testing.assert_allclose(X[idx, :], np.eye(9), atol=tol)
    assert spec_norm(A - approx) <= tol * 10 * sm.s[0]


@settings(max_examples=25, deadline=None)
@given(spectral_matrices(max_side=40, dtypes=(np.float64,)), st.integers(1, 40))
def test_deterministic_id_bound(sm, k):
    """||A - A[:, J] X||_2 <= sqrt(1 + f^2 k (n - k)) sigma_{k+1}, f = max |X| achieved."""
    m, n = sm.shape
    k = min(k, m, n)
    idx, X = linalg.interp_decomp(sm.A, k, method="qr")
    f = np.abs(X).max()
    err = spec_norm(sm.A - sm.A[:, idx] @ X)
    sigma_next = sm.s[k] if k < len(sm.s) else 0.0
    assert err <= np.sqrt(1 + f * f * k * (n - k)) * sigma_next + 1e-12 * sm.s[0] * max(1.0, f), (err, f)


def test_deterministic_fixed_accuracy():
    """With tol, ||A - A[:, J] X||_2 = ||R22||_2 <= sqrt(n - k) tol |R11| <= sqrt(n - k) tol ||A||_2."""
    sm = matrix_from_spectrum(geometric_spectrum(70, 0.8), 100, 70, rng=2)
    for tol in (1e-2, 1e-5):
        res = linalg.interp_decomp(sm.A, tol=tol, method="qr")
        k = len(res.idx)
        err = spec_norm(sm.A - sm.A[:, res.idx] @ res.X)
        assert err <= np.sqrt(70 - k) * tol * sm.s[0]
        assert res.info["r_ratio"] <= tol
        assert err > 0.1 * sm.s[k]  # could not be done with fewer than k columns... at least sigma_{k+1}
    assert len(linalg.interp_decomp(sm.A, tol=1e-5, method="qr").idx) > len(
        linalg.interp_decomp(sm.A, tol=1e-2, method="qr").idx)


@pytest.mark.parametrize("axis", [1, 0])
def test_randomized_fixed_accuracy_finds_the_rank(axis):
    lr = matrix_from_spectrum(exact_rank_spectrum(120, 17, noise=1e-9), 120, 200, rng=3)
    res = linalg.interp_decomp(lr.A, tol=1e-6, axis=axis, seed=1)
    assert len(res.idx) == 17
    approx = lr.A[:, res.idx] @ res.X if axis == 1 else res.X @ lr.A[res.idx, :]
    assert spec_norm(lr.A - approx) <= 1e-6 * lr.s[0]


def test_randomized_id_near_deterministic_bound():
    """Averaged over SEEDS, the randomized ID (q = 1) meets the deterministic bound's
    form sqrt(1 + f^2 k (n - k)) sigma_{k+1} within a factor 2."""
    sm = matrix_from_spectrum(polynomial_spectrum(100, 2.0), 120, 100, rng=4)
    k = 15
    ratios, fs = [], []
    for s in SEEDS[:8]:
        idx, X = linalg.interp_decomp(sm.A, k, seed=s)
        ratios.append(spec_norm(sm.A - sm.A[:, idx] @ X) / sm.s[k])
        fs.append(np.abs(X).max())
    assert np.mean(ratios) <= 2 * np.sqrt(1 + np.mean(fs) ** 2 * k * (100 - k))
    # power steps help on this slowly decaying spectrum
    r0 = np.mean([spec_norm(sm.A - sm.A[:, i] @ X) / sm.s[k]
                  for i, X in (linalg.interp_decomp(sm.A, k, power_iters=0, seed=s) for s in SEEDS[:12])])
    r2 = np.mean([spec_norm(sm.A - sm.A[:, i] @ X) / sm.s[k]
                  for i, X in (linalg.interp_decomp(sm.A, k, power_iters=2, seed=s) for s in SEEDS[:12])])
    assert r2 < r0


@pytest.mark.parametrize("fmt", ["csr", "csc"])
@pytest.mark.parametrize("axis", [1, 0])
def test_sparse_matches_dense(fmt, axis):
    rng = np.random.default_rng(5)
    A = sp.random(80, 60, density=0.1, random_state=rng, format=fmt)
    d = linalg.interp_decomp(A.toarray(), 10, axis=axis, seed=3)
    s = linalg.interp_decomp(A, 10, axis=axis, seed=3)
    np.testing.assert_array_equal(d.idx, s.idx)
    np.testing.assert_allclose(d.X, s.X, rtol=1e-8, atol=1e-10)


def test_id_bad_input():
    A = np.random.default_rng(0).standard_normal((20, 15))
    with pytest.raises(ValueError, match=r"rank must be in \[1, 15\]"):
        linalg.interp_decomp(A, 16)
    with pytest.raises(ValueError, match="give rank, or tol"):
        linalg.interp_decomp(A)
    with pytest.raises(ValueError, match=r"tol must be in \(0, 1\)"):
        linalg.interp_decomp(A, tol=0.0)
    with pytest.raises(ValueError, match="axis must be 0"):
        linalg.interp_decomp(A, 3, axis=2)
    with pytest.raises(ValueError, match="method must be one of"):
        linalg.interp_decomp(A, 3, method="svd")
    with pytest.raises(TypeError, match="method='qr' needs a dense A"):
        linalg.interp_decomp(sp.csr_matrix(A), 3, method="qr")
    B = A.copy()
    B[0, 0] = np.inf
    with pytest.raises(ValueError, match="A contains NaN or Inf"):
        linalg.interp_decomp(B, 3)
    with pytest.raises(ValueError, match="A must be a 2-D array"):
        linalg.interp_decomp(np.ones(5), 1)


# --- CUR --------------------------------------------------------------------

def _proj_errors(A, cols, rows):
    C, R = A[:, cols], A[rows, :]
    Qc = np.linalg.qr(C)[0]
    Qr = np.linalg.qr(R.T)[0]
    return A - Qc @ (Qc.T @ A), A - (A @ Qr) @ Qr.T


@pytest.mark.parametrize("method", ["id", "leverage"])
def test_cur_error_bound(method):
    """A - CUR = A - P_C A P_R, so ||A - CUR|| <= ||A - P_C A|| + ||A - A P_R||."""
    sm = matrix_from_spectrum(geometric_spectrum(60, 0.85), 90, 60, rng=6)
    for s in SEEDS[:4]:
        cols, U, rows = linalg.cur(sm.A, 12, method=method, seed=s)
        assert U.shape == (12, 12) and len(cols) == 12 and len(rows) == 12
        E = sm.A - sm.A[:, cols] @ U @ sm.A[rows, :]
        Ec, Er = _proj_errors(sm.A, cols, rows)
        for norm in ("fro", 2):
            assert np.linalg.norm(E, norm) <= (np.linalg.norm(Ec, norm) + np.linalg.norm(Er, norm)) * (1 + 1e-9)
        # and the middle factor is the pseudo-inverse one
        np.testing.assert_allclose(U, np.linalg.pinv(sm.A[:, cols]) @ sm.A @ np.linalg.pinv(sm.A[rows, :]),
                                   rtol=1e-6, atol=1e-8 * np.abs(U).max())


@pytest.mark.parametrize("method", ["id", "leverage"])
def test_cur_exact_rank(method):
    sm = matrix_from_spectrum(exact_rank_spectrum(50, 7), 70, 50, rng=7)
    cols, U, rows = linalg.cur(sm.A, 7, method=method, seed=1)
    np.testing.assert_allclose(sm.A[:, cols] @ U @ sm.A[rows, :], sm.A, atol=1e-9 * sm.s[0])
    S = sp.csr_matrix(sm.A)
    cols2, U2, rows2 = linalg.cur(S, 7, method=method, seed=1)
    np.testing.assert_allclose(sm.A[:, cols2] @ U2 @ sm.A[rows2, :], sm.A, atol=1e-9 * sm.s[0])


def test_cur_ill_conditioned_stays_accurate():
    # Columns nearly dependent: U from triangular solves still reproduces P_C A P_R.
    sm = matrix_from_spectrum(geometric_spectrum(40, 0.4), 60, 40, rng=8)
    cols, U, rows = linalg.cur(sm.A, 15, seed=0)
    Ec, Er = _proj_errors(sm.A, cols, rows)
    E = sm.A - sm.A[:, cols] @ U @ sm.A[rows, :]
    assert np.linalg.norm(E) <= np.linalg.norm(Ec) + np.linalg.norm(Er) + 1e-12 * sm.s[0]


def test_cur_bad_input():
    A = np.ones((10, 8))
    with pytest.raises(ValueError, match=r"rank must be in \[1, 8\]"):
        linalg.cur(A, 9)
    with pytest.raises(ValueError, match="method must be one of"):
        linalg.cur(A, 2, method="random")
    with pytest.raises(ValueError, match="A contains NaN"):
        linalg.cur(np.full((4, 4), np.nan), 2)


# --- CR products ----------------------------------------------------------

@pytest.fixture(scope="module")
def pair():
    rng = np.random.default_rng(9)
    A = rng.standard_normal((12, 40)) * np.linspace(3, 0.1, 40)
    B = rng.standard_normal((40, 9)) * rng.uniform(0.2, 2, size=(40, 1))
    return A, B


def test_cr_unbiased_and_variance(pair):
    """E[CR] = AB and E||AB - CR||_F^2 = ((sum ||a_i|| ||b_i||)^2 - ||AB||_F^2) / c (DKM 2006)."""
    A, B = pair
    c, N = 8, 800
    AB = A @ B
    prods = np.stack([linalg.cr_product(A, B, c, seed=s).product for s in range(N)])
    sq = np.sum((prods - AB) ** 2, axis=(1, 2))
    s = np.linalg.norm(A, axis=0) * np.linalg.norm(B, axis=1)
    var = (s.sum() ** 2 - np.sum(AB**2)) / c
    # variance formula: mean of N draws within 5 standard errors
    assert abs(sq.mean() - var) <= 5 * sq.std() / np.sqrt(N), (sq.mean(), var)
    # unbiased: ||mean - AB||_F^2 has expectation var / N
    assert np.sum((prods.mean(axis=0) - AB) ** 2) <= 10 * var / N
    # a biased variant (no rescaling) fails the same check by far
    res = linalg.cr_product(A, B, c, seed=0)
    assert np.allclose(res.product, (A[:, res.idx] * res.scale) @ B[res.idx])


def test_cr_topk_and_select(pair):
    A, B = pair
    s = np.linalg.norm(A, axis=0) * np.linalg.norm(B, axis=1)
    idx = linalg.cr_select(A, B, 10)
    np.testing.assert_array_equal(idx, np.argsort(-s)[:10])
    res = linalg.cr_product(A, B, 10, method="topk")
    np.testing.assert_array_equal(res.idx, idx)
    np.testing.assert_allclose(res.product, A[:, idx] @ B[idx], rtol=1e-12)
    np.testing.assert_allclose(linalg.cr_product(A, B, 40, method="topk").product, A @ B, rtol=1e-10, atol=1e-12)
    # dropping the smallest pairs costs at most the sum of their norm bounds
    err = np.linalg.norm(A @ B - res.product)
    assert err <= np.sort(s)[:30].sum()


def test_cr_float32(pair):
    A, B = (x.astype(np.float32) for x in pair)
    res = linalg.cr_product(A, B, 5, seed=0)
    assert res.product.dtype == np.float32


def test_cr_bad_input(pair):
    A, B = pair
    with pytest.raises(ValueError, match=r"A.shape\[1\] must equal B.shape\[0\]"):
        linalg.cr_product(A, B.T, 3)
    with pytest.raises(ValueError, match=r"c must be in \[1, 40\]"):
        linalg.cr_product(A, B, 41, method="topk")
    with pytest.raises(ValueError, match="c must be in"):
        linalg.cr_product(A, B, 0)
    with pytest.raises(ValueError, match=r"k must be in \[1, 40\]"):
        linalg.cr_select(A, B, 0)
    with pytest.raises(ValueError, match="method must be one of"):
        linalg.cr_product(A, B, 3, method="uniform")
    with pytest.raises(TypeError, match="take dense A and B"):
        linalg.cr_product(sp.csr_matrix(A), B, 3)
    Bn = B.copy()
    Bn[0, 0] = np.nan
    with pytest.raises(ValueError, match="B contains NaN"):
        linalg.cr_product(A, Bn, 3)
