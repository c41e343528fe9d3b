"""linalg.nystrom and linalg.nystrom_select (linalg/nystrom.py)."""
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import linalg
from linalg.testing import (
    SEEDS,
    assert_mean_bound,
    geometric_spectrum,
    haar_orthonormal,
    polynomial_spectrum,
    psd_matrices,
)


class PSD:
    """A = V diag(lam) V^T, exactly symmetric, with its eigenvalues (descending)."""

    def __init__(self, lam, seed, dtype, order):
        lam = np.asarray(lam, dtype=float)
        V = haar_orthonormal(seed, lam.size, lam.size)
        A = (V * lam) @ V.T
        A = 0.5 * (A + A.T)
        self.eigenvalues = lam
        self.A = np.asarray(A.astype(dtype), order=order)


def psd(lam, seed=0, dtype=np.float64, order="C"):
    return PSD(lam, seed, dtype, order)


def recon(res):
    w, V = res
    return (V.astype(np.float64) * w.astype(np.float64)) @ V.T.astype(np.float64)


# --- exactness and types ----------------------------------------------------

@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-10), (np.float32, 1e-4)])
@pytest.mark.parametrize("order", ["C", "F"])
def test_exact_rank_recovered(dtype, rtol, order):
    lam = np.r_[np.linspace(5, 1, 8), np.zeros(52)]
    pm = psd(lam, seed=1, dtype=dtype, order=order)
    res = linalg.nystrom(pm.A, 8, seed=0)
    assert res.eigenvalues.dtype == dtype and res.eigenvectors.dtype == dtype
    assert res.eigenvalues.shape == (8,) and res.eigenvectors.shape == (60, 8)
    np.testing.assert_allclose(res.eigenvalues, lam[:8], rtol=rtol)
    np.testing.assert_allclose(recon(res), pm.A, atol=rtol * 5)
    np.testing.assert_allclose(res.eigenvectors.T @ res.eigenvectors, np.eye(8), atol=rtol * 10)


@settings(max_examples=20, deadline=None)
@given(psd_matrices(min_side=4, max_side=30, dtypes=(np.float64,)), st.integers(1, 30), st.integers(0, 1))
def test_loewner_order_and_rank(pm, k, q):
    """0 <= A_hat <= A and rank(A_hat) <= k, for any PSD A."""
    n = pm.shape[0]
    k = min(k, n)
    res = linalg.nystrom(pm.A, k, power_iters=q, seed=SEEDS[0])
    w, V = res
    assert w.shape == (k,) and V.shape == (n, k)
    assert np.all(w >= 0) and np.all(np.diff(w) <= 0)
    scale = max(pm.eigenvalues[0], 1e-300)
    gap = np.linalg.eigvalsh(pm.A - recon(res))
    assert gap.min() >= -1e-10 * scale, gap.min()
    # eigenvalues of A_hat are bounded by those of A (interlacing from A_hat <= A)
    assert np.all(w <= pm.eigenvalues[:k] * (1 + 1e-10) + 1e-12 * scale)


def test_invariant_under_right_multiplication_of_the_sketch():
    """A_hat depends on range(Omega) only: Omega and Omega @ M give the same answer."""
    pm = psd(polynomial_spectrum(80, 1.0), seed=2)
    rng = np.random.default_rng(0)
    Om = rng.standard_normal((80, 20))
    M = rng.standard_normal((20, 20)) + 5 * np.eye(20)
    a, b = linalg.nystrom(pm.A, 12, sketch=Om), linalg.nystrom(pm.A, 12, sketch=Om @ M)
    np.testing.assert_allclose(a.eigenvalues, b.eigenvalues, rtol=1e-9)
    np.testing.assert_allclose(recon(a), recon(b), atol=1e-10)
    # ...and a different range does give a different answer
    c = linalg.nystrom(pm.A, 12, sketch=rng.standard_normal((80, 20)))
    assert np.abs(recon(c) - recon(a)).max() > 1e-6


@pytest.mark.parametrize("r, p", [(5, 5), (8, 4)])
def test_expected_trace_norm_bound(r, p):
    """E||A - [[A_hat]]_r||_* <= (1 + r/(l - r - 1)) sum_{j>r} lam_j, l = r + p
    (Tropp, Yurtsever, Udell & Cevher 2017, Thm 4.1), averaged over SEEDS."""
    lam = geometric_spectrum(60, 0.7)
    pm = psd(lam, seed=3)
    tail = lam[r:].sum()
    errs = [np.trace(pm.A) - linalg.nystrom(pm.A, r, oversample=p, seed=s).eigenvalues.sum() for s in SEEDS]
    bound = (1 + r / (p - 1)) * tail
    res = assert_mean_bound(errs, bound, lower=tail, upper=lam.sum(), label=f"trace bound r={r} p={p}")
    assert not res.vacuous
    assert min(errs) >= tail * (1 - 1e-9)  # never better than the optimum


def test_power_iterations_improve_accuracy():
    lam = polynomial_spectrum(120, 0.8)
    pm = psd(lam, seed=4)
    err = {q: np.mean([np.trace(pm.A) - linalg.nystrom(pm.A, 10, power_iters=q, seed=s).eigenvalues.sum()
                       for s in SEEDS[:8]]) for q in (0, 2)}
    tail = lam[10:].sum()
    assert err[2] - tail < 0.5 * (err[0] - tail), (err, tail)


def test_sparse_matches_dense():
    pm = psd(geometric_spectrum(70, 0.8), seed=5)
    A = pm.A.copy()
    A[np.abs(A) < 0.05] = 0.0  # symmetric sparsification (may lose PSD-ness slightly; add a shift)
    A += np.eye(70) * max(0.0, -np.linalg.eigvalsh(A).min())
    d = linalg.nystrom(A, 10, seed=7)
    for S in (sp.csr_matrix(A), sp.csc_matrix(A), sp.coo_matrix(A)):
        s = linalg.nystrom(S, 10, seed=7)
        np.testing.assert_allclose(s.eigenvalues, d.eigenvalues, rtol=1e-10)
        np.testing.assert_allclose(recon(s), recon(d), atol=1e-10)


def test_sparse_sign_sketch():
    lam = np.r_[np.linspace(3, 1, 6), np.zeros(44)]
    pm = psd(lam, seed=6)
    res = linalg.nystrom(pm.A, 6, sketch="sparse_sign", seed=1)
    np.testing.assert_allclose(res.eigenvalues, lam[:6], rtol=1e-10)


def test_seed_reproducible():
    pm = psd(polynomial_spectrum(50, 1.0), seed=7)
    a, b = linalg.nystrom(pm.A, 5, seed=3), linalg.nystrom(pm.A, 5, seed=3)
    np.testing.assert_array_equal(a.eigenvalues, b.eigenvalues)


@pytest.mark.parametrize("tol", [1e-2, 1e-4])
def test_fixed_accuracy(tol):
    lam = polynomial_spectrum(200, 2.0)
    pm = psd(lam, seed=8)
    res = linalg.nystrom(pm.A, tol=tol, seed=1)
    err = np.linalg.norm(pm.A - recon(res), 2)
    assert err <= tol * lam[0], (err, tol)
    assert res.info["converged"]
    # not much larger than needed: the optimal rank for tol/2 * lam_1
    need = int(np.sum(lam > 0.5 * tol * lam[0] * 0.5))
    assert len(res.eigenvalues) <= need + 1, (len(res.eigenvalues), need)


def test_fixed_accuracy_cap_reports_not_converged():
    lam = polynomial_spectrum(200, 0.5)
    pm = psd(lam, seed=9)
    res = linalg.nystrom(pm.A, 5, tol=1e-6, oversample=5, seed=0)
    assert len(res.eigenvalues) <= 5 and res.info["converged"] is False


# --- bad input ------------------------------------------------------------

def test_bad_input():
    pm = psd(geometric_spectrum(20, 0.8), seed=10)
    A = pm.A
    with pytest.raises(ValueError, match="A must be square"):
        linalg.nystrom(np.ones((5, 6)), 2)
    with pytest.raises(ValueError, match=r"rank must be in \[1, 20\]"):
        linalg.nystrom(A, 21)
    with pytest.raises(ValueError, match=r"rank must be in \[1, 20\]"):
        linalg.nystrom(A, 0)
    with pytest.raises(TypeError, match="rank must be an integer"):
        linalg.nystrom(A, 2.5)
    with pytest.raises(ValueError, match="give rank, or tol"):
        linalg.nystrom(A)
    with pytest.raises(ValueError, match=r"tol must be in \(0, 1\)"):
        linalg.nystrom(A, tol=1.5)
    B = A.copy()
    B[3, 4] = np.nan
    with pytest.raises(ValueError, match="A contains NaN or Inf"):
        linalg.nystrom(B, 2)
    with pytest.raises(ValueError, match="oversample must be in"):
        linalg.nystrom(A, 2, oversample=-1)
    with pytest.raises(ValueError, match="power_iters must be in"):
        linalg.nystrom(A, 2, power_iters=-1)
    with pytest.raises(ValueError, match="sketch must be one of"):
        linalg.nystrom(A, 2, sketch="uniform")
    with pytest.raises(ValueError, match=r"sketch must be .* an \(n, l\) array"):
        linalg.nystrom(A, 5, sketch=np.ones((20, 3)))
    with pytest.raises(ValueError, match="a given sketch matrix needs a fixed rank"):
        linalg.nystrom(A, 2, tol=0.1, sketch=np.ones((20, 3)))


def test_not_symmetric():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((30, 30))
    A = G @ G.T
    A[0, 1] += 1.0
    with pytest.raises(ValueError, match="A is not symmetric"):
        linalg.nystrom(A, 5, seed=0)
    with pytest.raises(ValueError, match="A is not symmetric"):
        linalg.nystrom(sp.csr_matrix(A), 5, seed=0)


def test_indefinite():
    # negative diagonal: caught before any work
    with pytest.raises(ValueError, match=r"A is not positive semidefinite: diagonal entry A\[2, 2\]"):
        linalg.nystrom(np.diag([1.0, 2.0, -1.0, 3.0]), 2)
    # positive diagonal but a large negative eigenvalue: the Cholesky of the sketch fails
    pm = psd(np.r_[np.full(10, 1.0), np.zeros(30)], seed=11)
    V = np.linalg.qr(np.random.default_rng(1).standard_normal((40, 40)))[0]
    A = pm.A - 5.0 * np.outer(V[:, 0], V[:, 0]) + 5.0 * np.diag(V[:, 0] ** 2)
    A = 0.5 * (A + A.T)
    assert np.diag(A).min() >= 0 and np.linalg.eigvalsh(A).min() < -1
    with pytest.raises(ValueError, match="A is not positive semidefinite"):
        linalg.nystrom(A, 20, seed=0)


# --- nystrom_select ---------------------------------------------------------

@pytest.fixture(scope="module")
def corr():
    rng = np.random.default_rng(0)
    H = rng.standard_normal((400, 30)) @ (rng.standard_normal((30, 30)) * np.linspace(3, 0.05, 30))
    return H, H.T @ H


@pytest.mark.parametrize("ridge", [1e-2, 1.0, 100.0])
def test_ridge_leverage_identity(corr, ridge):
    H, C = corr
    sel = linalg.nystrom_select(C, 7, ridge=ridge)
    direct = np.diag(C @ np.linalg.inv(C + ridge * np.eye(30)))
    np.testing.assert_allclose(sel.scores, direct, rtol=1e-8, atol=1e-12)
    lam = np.linalg.eigvalsh(C)
    np.testing.assert_allclose(sel.scores.sum(), np.sum(lam / (lam + ridge)), rtol=1e-9)
    assert np.all(sel.scores >= 0) and np.all(sel.scores < 1)
    np.testing.assert_array_equal(sel.idx, np.argsort(-direct, kind="stable")[:7])


def test_nystrom_select_factor_is_ridge_least_squares(corr):
    """F W solves min_X ||H W - H[:, J] X||^2 + ridge ||X||^2 (MoDeGPT type I)."""
    H, C = corr
    ridge = 0.5
    idx, F = linalg.nystrom_select(C, 10, ridge=ridge)
    W = np.random.default_rng(1).standard_normal((30, 4))
    HJ = H[:, idx]
    aug = np.vstack([HJ, np.sqrt(ridge) * np.eye(10)])
    rhs = np.vstack([H @ W, np.zeros((10, 4))])
    X = np.linalg.lstsq(aug, rhs, rcond=None)[0]
    np.testing.assert_allclose(F @ W, X, rtol=1e-8, atol=1e-10)


def test_nystrom_select_exact_rank():
    rng = np.random.default_rng(2)
    G = rng.standard_normal((40, 6))
    C = G @ G.T
    idx, F = linalg.nystrom_select(C, 6, ridge=1e-10)
    np.testing.assert_allclose(C[:, idx] @ F, C, atol=1e-6 * np.abs(C).max())


def test_nystrom_select_bad_input(corr):
    _, C = corr
    with pytest.raises(ValueError, match="C must be square"):
        linalg.nystrom_select(np.ones((3, 4)), 2, ridge=1.0)
    with pytest.raises(ValueError, match="ridge must be > 0"):
        linalg.nystrom_select(C, 2, ridge=0.0)
    with pytest.raises(TypeError, match="ridge must be a float"):
        linalg.nystrom_select(C, 2, ridge="1")
    with pytest.raises(ValueError, match=r"k must be in \[1, 30\]"):
        linalg.nystrom_select(C, 31, ridge=1.0)
    B = C.copy()
    B[0, 1] += 1.0
    with pytest.raises(ValueError, match="C is not symmetric"):
        linalg.nystrom_select(B, 2, ridge=1.0)
    with pytest.raises(ValueError, match="C is not positive semidefinite"):
        linalg.nystrom_select(-C, 2, ridge=1.0)
    N = C.copy()
    N[2, 2] = np.nan
    with pytest.raises(ValueError, match="C contains NaN or Inf"):
        linalg.nystrom_select(N, 2, ridge=1.0)
    with pytest.raises(TypeError, match="nystrom_select takes a dense C"):
        linalg.nystrom_select(sp.csr_matrix(C), 2, ridge=1.0)


# --- demo -----------------------------------------------------------------

def test_demo_runs_and_reports(capsys):
    from linalg.demos import nystrom as demo

    demo.run(quick=True)
    out = capsys.readouterr().out
    assert "Nyström" in out
    ratios = [float(line.split()[-2]) for line in out.splitlines() if line.startswith("  nystrom")]
    # never better than the optimum; power steps + oversampling get within 1 %
    assert len(ratios) == 4 and all(r >= 1.0 - 1e-6 for r in ratios), out
    assert ratios[-1] <= 1.01 and ratios[0] > ratios[-1], out
