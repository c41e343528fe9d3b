"""linalg.leverage_scores, lewis_weights, lp_sensitivities, sample_rows (linalg/sampling.py)."""
import numpy as np
import pytest
import scipy.sparse as sp
from scipy.optimize import linprog
from threadpoolctl import threadpool_limits

import linalg
from linalg import _core
from linalg.testing import SEEDS


def heavy_rows(n, d, seed=0, nu=2.0):
    """Gaussian rows scaled by Student-t draws: very non-uniform leverage (as P6)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * rng.standard_t(nu, size=n)[:, None]


def svd_leverage(A, tol=None):
    U, s, _ = np.linalg.svd(np.asarray(A, np.float64), full_matrices=False)
    tol = s[0] * max(A.shape) * np.finfo(np.float64).eps if tol is None else tol
    U = U[:, s > tol]
    return np.einsum("ij,ij->i", U, U)


def lewis_residual(A, w, p):
    """max_i |w_i^{2/p} / a_i^T (A^T W^{1-2/p} A)^{-1} a_i - 1|, in float64 with NumPy."""
    A = np.asarray(A, np.float64)
    M = A.T @ (A * (w ** (1 - 2 / p))[:, None])
    q = np.einsum("ij,ij->i", A @ np.linalg.inv(M), A)
    return float(np.max(np.abs(w ** (2 / p) / q - 1)))


# --- leverage scores: exact ------------------------------------------------

@pytest.mark.parametrize("order", ["C", "F"])
def test_exact_matches_svd(order):
    A = np.asarray(heavy_rows(3000, 12, seed=1), order=order)
    tau, info = linalg.leverage_scores(A, return_info=True)
    np.testing.assert_allclose(tau, svd_leverage(A), rtol=1e-10, atol=1e-14)
    assert info["path"] == "cholqr" and info["rank"] == 12
    assert tau.dtype == np.float64


def test_float32_stays_float32():
    A = heavy_rows(2000, 8, seed=2).astype(np.float32)
    tau = linalg.leverage_scores(A)
    assert tau.dtype == np.float32
    np.testing.assert_allclose(tau, svd_leverage(A), rtol=2e-4, atol=1e-7)
    fast = linalg.leverage_scores(A, method="sketch", eps=0.5, seed=0)
    assert fast.dtype == np.float32


def test_sum_is_rank_and_scores_in_unit_interval():
    A = heavy_rows(1500, 9, seed=3)
    tau = linalg.leverage_scores(A)
    assert abs(tau.sum() - 9) < 1e-10
    assert tau.min() >= 0 and tau.max() <= 1 + 1e-12


def test_invariant_under_right_multiplication():
    A = heavy_rows(2000, 7, seed=4)
    R = np.random.default_rng(5).standard_normal((7, 7)) + 3 * np.eye(7)  # invertible
    np.testing.assert_allclose(linalg.leverage_scores(A @ R), linalg.leverage_scores(A), rtol=1e-8, atol=1e-13)


def test_duplicated_row():
    A = heavy_rows(500, 6, seed=6)
    tau = linalg.leverage_scores(A)
    B = np.vstack([A, A[17:18]])
    tb = linalg.leverage_scores(B)
    expect = tau[17] / (1 + tau[17])
    np.testing.assert_allclose([tb[17], tb[-1]], [expect, expect], rtol=1e-10)


def test_rank_deficient_scores_of_column_space():
    rng = np.random.default_rng(7)
    A = rng.standard_normal((800, 4)) @ rng.standard_normal((4, 10))  # rank 4, 10 columns
    tau, info = linalg.leverage_scores(A, return_info=True)
    assert info["path"] == "householder" and info["rank"] == 4
    assert abs(tau.sum() - 4) < 1e-9
    np.testing.assert_allclose(tau, svd_leverage(A), rtol=1e-8, atol=1e-12)
    # A zero column changes nothing either
    Z = np.hstack([heavy_rows(300, 3, seed=8), np.zeros((300, 1))])
    tz, iz = linalg.leverage_scores(Z, return_info=True)
    assert iz["rank"] == 3
    np.testing.assert_allclose(tz, svd_leverage(Z[:, :3]), rtol=1e-9, atol=1e-13)


# Any backward-stable method gives the scores of a matrix within ~u ||A|| of A, whose
# column space is kappa u away: the tolerance scales with kappa u.
@pytest.mark.parametrize("cond, path", [(1e6, "cholqr2"), (1e9, "householder")])
def test_ill_conditioned_paths(cond, path):
    rng = np.random.default_rng(9)
    U = np.linalg.qr(rng.standard_normal((2000, 8)))[0]
    U = U * rng.standard_t(3, size=2000)[:, None]  # non-uniform leverage
    V = np.linalg.qr(rng.standard_normal((8, 8)))[0]
    A = (U * np.geomspace(1, 1 / cond, 8)) @ V.T
    tau, info = linalg.leverage_scores(A, return_info=True)
    assert info["path"] == path
    np.testing.assert_allclose(tau, svd_leverage(A), rtol=100 * cond * 1.1e-16, atol=1e-14)


def test_ridge_leverage():
    A = heavy_rows(1200, 10, seed=10)
    lam = 5.0
    tau = linalg.leverage_scores(A, ridge=lam)
    ref = np.einsum("ij,ij->i", A @ np.linalg.inv(A.T @ A + lam * np.eye(10)), A)
    np.testing.assert_allclose(tau, ref, rtol=1e-10)
    s = np.linalg.svd(A, compute_uv=False)
    assert abs(tau.sum() - np.sum(s**2 / (s**2 + lam))) < 1e-9
    # ridge makes a rank-deficient A well posed: no pivoting needed
    B = np.hstack([A, A[:, :1]])
    tb = linalg.leverage_scores(B, ridge=lam)
    refb = np.einsum("ij,ij->i", B @ np.linalg.inv(B.T @ B + lam * np.eye(11)), B)
    np.testing.assert_allclose(tb, refb, rtol=1e-8)


# --- leverage scores: sketched ------------------------------------------------

@pytest.mark.parametrize("eps", [0.5, 0.2])
def test_sketch_within_eps_on_seed_list(eps):
    A = heavy_rows(30000, 8, seed=11)
    exact = linalg.leverage_scores(A)
    worst = []
    for seed in SEEDS:
        fast, info = linalg.leverage_scores(A, method="sketch", eps=eps, seed=seed, return_info=True)
        assert info["path"] == "sketch" and info["sketch_rows"] == int(np.ceil(4 * (np.sqrt(8) + 2) ** 2 / eps**2))
        worst.append(np.max(np.abs(fast / exact - 1)))
    # The claim: every score within (1 +- eps), on every seed of the list.
    assert max(worst) <= eps, (eps, max(worst))


def test_sketch_with_ridge():
    A = heavy_rows(20000, 6, seed=12)
    ref = linalg.leverage_scores(A, ridge=50.0)
    fast = linalg.leverage_scores(A, method="sketch", eps=0.3, ridge=50.0, seed=1)
    assert np.max(np.abs(fast / ref - 1)) <= 0.3


def test_sketch_falls_back_to_exact_when_not_smaller():
    A = heavy_rows(300, 10, seed=13)
    tau, info = linalg.leverage_scores(A, method="sketch", eps=0.1, seed=0, return_info=True)
    assert info["path"].startswith("exact")
    np.testing.assert_allclose(tau, svd_leverage(A), rtol=1e-9)


def test_sketch_jl_path_is_unbiased():
    # Force the JL product (k < d): each estimate is ||x^T Pi||^2, chi-square-like around the
    # score with relative spread sqrt(2/k); over all rows the mean ratio is ~1.
    A = heavy_rows(6000, 60, seed=14)
    exact = linalg.leverage_scores(A)
    ratios = []
    for seed in SEEDS[:6]:
        with threadpool_limits(1, "blas"):
            q, info = _core.leverage_scores(A, True, 0.5, 0.0, sketch_rows=3000, jl_cols=30, seed=seed)
        assert info["path"] == "sketch+jl" and info["jl_cols"] == 30
        ratios.append(q / exact)
    ratios = np.array(ratios)
    assert abs(ratios.mean() - 1) < 0.05
    assert 0.15 < ratios.std() < 0.5  # sqrt(2/30) = 0.26 plus the embedding's spread


def test_same_seed_same_scores_any_thread_count():
    A = heavy_rows(20000, 10, seed=15)
    a = linalg.leverage_scores(A, method="sketch", eps=0.3, seed=42)
    with threadpool_limits(1, "openmp"):
        b = linalg.leverage_scores(A, method="sketch", eps=0.3, seed=42)
        e1 = linalg.leverage_scores(A)
        w1 = linalg.lewis_weights(A, 1.0)
    assert np.array_equal(a, b)
    assert np.array_equal(e1, linalg.leverage_scores(A))
    assert np.array_equal(w1, linalg.lewis_weights(A, 1.0))
    c = linalg.leverage_scores(A, method="sketch", eps=0.3, seed=43)
    assert not np.array_equal(a, c)


# --- Lewis weights -------------------------------------------------------------

@pytest.mark.parametrize("p", [0.5, 1.0, 1.5, 3.0])
def test_lewis_fixed_point(p):
    A = heavy_rows(3000, 6, seed=16)
    w, info = linalg.lewis_weights(A, p, tol=1e-10, return_info=True)
    assert info["change"] <= 1e-10 and info["iterations"] < 100
    assert lewis_residual(A, w, p) < 1e-8
    assert abs(w.sum() - 6) < 1e-9


def test_lewis_p2_is_leverage_and_invariant():
    A = heavy_rows(2000, 5, seed=17)
    np.testing.assert_allclose(linalg.lewis_weights(A, 2.0), linalg.leverage_scores(A), rtol=1e-10)
    R = np.triu(np.random.default_rng(1).standard_normal((5, 5))) + 4 * np.eye(5)
    np.testing.assert_allclose(linalg.lewis_weights(A @ R, 1.0), linalg.lewis_weights(A, 1.0), rtol=1e-7)


def test_lewis_sketch_close_to_exact():
    A = heavy_rows(40000, 6, seed=18)
    exact = linalg.lewis_weights(A, 1.0)
    fast, info = linalg.lewis_weights(A, 1.0, method="sketch", eps=0.2, seed=3, tol=1e-6, return_info=True)
    assert info["change"] <= 1e-6
    # each step's scores are within (1 +- eps); the fixed point of the p = 1 map
    # (a contraction by 1/2) moves by at most about twice that.
    assert np.max(np.abs(fast / exact - 1)) <= 2 * 0.2
    assert abs(fast.sum() - 6) < 1e-9


def test_lewis_rank_deficient_uses_column_space():
    rng = np.random.default_rng(19)
    A = rng.standard_normal((1000, 3)) @ rng.standard_normal((3, 5))
    w, info = linalg.lewis_weights(A, 1.0, return_info=True)
    assert info["rank"] == 3 and abs(w.sum() - 3) < 1e-8
    Q = np.linalg.qr(A[:, :3])[0]  # same column space, full rank
    np.testing.assert_allclose(w, linalg.lewis_weights(Q, 1.0), rtol=1e-6)


def test_lewis_bad_input():
    A = heavy_rows(100, 3)
    with pytest.raises(ValueError, match=r"p must be in \(0, 4\)"):
        linalg.lewis_weights(A, 4.0)
    with pytest.raises(ValueError, match="p must be > 0"):
        linalg.lewis_weights(A, 0.0)
    with pytest.raises(ValueError, match="p must be > 0"):
        linalg.lewis_weights(A, -1)
    with pytest.raises(ValueError, match=r"max_iter must be in >= 1, got 0"):
        linalg.lewis_weights(A, 1.0, max_iter=0)
    with pytest.raises(ValueError, match="tol must be > 0"):
        linalg.lewis_weights(A, 1.0, tol=0.0)


# --- sensitivities ---------------------------------------------------------------

def l1_sensitivity_reference(A):
    """1 / min{||Ax||_1 : a_i^T x = 1} by linprog: a formulation independent of ours."""
    n, d = A.shape
    out = []
    for i in range(n):
        # variables (x, t): min sum t, -t <= Ax <= t, a_i^T x = 1
        c = np.concatenate([np.zeros(d), np.ones(n)])
        A_ub = np.block([[A, -np.eye(n)], [-A, -np.eye(n)]])
        res = linprog(c, A_ub=A_ub, b_ub=np.zeros(2 * n), A_eq=np.concatenate([A[i], np.zeros(n)])[None],
                      b_eq=[1.0], bounds=[(None, None)] * d + [(0, None)] * n, method="highs")
        assert res.status == 0
        out.append(1.0 / res.fun)
    return np.array(out)


def test_exact_l1_sensitivities_against_linprog():
    A = heavy_rows(40, 3, seed=20)
    s = linalg.lp_sensitivities(A, 1.0, method="exact")
    np.testing.assert_allclose(s, l1_sensitivity_reference(A), rtol=1e-6)
    # a supremum: no x does better, and the bound method bounds it
    X = np.random.default_rng(0).standard_normal((3, 2000))
    ratios = np.abs(A @ X) / np.abs(A @ X).sum(axis=0)
    assert np.all(ratios.max(axis=1) <= s * (1 + 1e-7))
    bound = linalg.lp_sensitivities(A, 1.0)
    assert np.all(s <= bound * (1 + 1e-7))
    assert bound.sum() <= 3 + 1e-9  # total sensitivity at most d for p <= 2


@pytest.mark.parametrize("p", [0.7, 1.5, 3.0, 5.0])
def test_sensitivity_bounds_hold(p):
    A = heavy_rows(300, 4, seed=21)
    bound = linalg.lp_sensitivities(A, p)
    X = np.random.default_rng(1).standard_normal((4, 5000))
    AX = np.abs(A @ X) ** p
    observed = (AX / AX.sum(axis=0)).max(axis=1)  # lower estimates of the sensitivities
    assert np.all(observed <= bound * (1 + 1e-9))
    assert np.all(bound <= 1)


def test_p2_sensitivities_are_leverage():
    A = heavy_rows(500, 4, seed=22)
    tau = linalg.leverage_scores(A)
    np.testing.assert_allclose(linalg.lp_sensitivities(A, 2.0), tau, rtol=1e-12)
    np.testing.assert_allclose(linalg.lp_sensitivities(A, 2.0, method="exact"), tau, rtol=1e-12)


def test_sensitivities_bad_input():
    A = heavy_rows(100, 3)
    with pytest.raises(ValueError, match="supports p = 1"):
        linalg.lp_sensitivities(A, 1.5, method="exact")
    with pytest.raises(ValueError, match="exceeds 5000"):
        linalg.lp_sensitivities(np.ones((5001, 2)), 1.0, method="exact")
    with pytest.raises(ValueError, match="p must be > 0"):
        linalg.lp_sensitivities(A, 0)
    with pytest.raises(ValueError, match="method must be one of"):
        linalg.lp_sensitivities(A, 1.0, method="lp")


# --- samplers ---------------------------------------------------------------------

@pytest.mark.parametrize("scheme", ["poisson", "iid"])
@pytest.mark.parametrize("p, scores", [(2, "leverage"), (1, "lewis"), (1, "root_leverage"), (1.5, "sensitivity"),
                                       (2, "uniform")])
def test_sampling_is_unbiased(scheme, p, scores):
    A = heavy_rows(2000, 4, seed=23)
    x = np.array([1.0, -2.0, 0.5, 1.0])
    full = np.sum(np.abs(A @ x) ** p)
    est = []
    for seed in range(120):
        idx, w = linalg.sample_rows(A, 200, p=p, scores=_cached_scores(A, p, scores), scheme=scheme, seed=seed)
        est.append(np.sum(np.abs(w * (A[idx] @ x)) ** p) / full)
    est = np.array(est)
    se = est.std(ddof=1) / np.sqrt(len(est))
    assert abs(est.mean() - 1) <= 4 * se + 1e-12, (est.mean(), se)


_SCORE_CACHE = {}


def _cached_scores(A, p, kind):
    key = (id(A), p, kind)
    if key not in _SCORE_CACHE:
        if kind == "uniform":
            _SCORE_CACHE[key] = np.ones(A.shape[0])
        elif kind == "leverage":
            _SCORE_CACHE[key] = linalg.leverage_scores(A)
        elif kind == "root_leverage":
            _SCORE_CACHE[key] = np.sqrt(linalg.leverage_scores(A))
        elif kind == "lewis":
            _SCORE_CACHE[key] = linalg.lewis_weights(A, p)
        else:
            _SCORE_CACHE[key] = linalg.lp_sensitivities(A, p)
        _SCORE_CACHE[key] = (A, _SCORE_CACHE[key])  # keeps A alive, so no later array reuses its id (and gets its scores)
    return _SCORE_CACHE[key][1]


def test_named_scores_match_precomputed():
    A = heavy_rows(2000, 5, seed=24)
    for kind, p in [("leverage", 2), ("lewis", 1), ("sensitivity", 1.5), ("root_leverage", 1), ("uniform", 2)]:
        a = linalg.sample_rows(A, 200, p=p, scores=kind, seed=7)
        b = linalg.sample_rows(A, 200, p=p, scores=_cached_scores(A, p, kind), seed=7)
        assert np.array_equal(a.idx, b.idx) and np.allclose(a.weights, b.weights)


@pytest.mark.parametrize("scheme", ["poisson", "iid"])
def test_l2_subspace_embedding_at_bernstein_size(scheme):
    # U orthonormal with very non-uniform leverage; S the sampled, reweighted rows.
    rng = np.random.default_rng(25)
    n, d, eps, delta = 20000, 6, 0.5, 0.1
    U = np.linalg.qr(rng.standard_normal((n, d)) * rng.standard_t(2, size=n)[:, None])[0]
    tau = np.einsum("ij,ij->i", U, U)
    m = int(np.ceil(2 * (1 + eps / 3) * d * np.log(2 * d / delta) / eps**2))

    def failures(size):
        bad = 0
        for seed in SEEDS:
            idx, w = linalg.sample_rows(U, size, scores=tau, scheme=scheme, seed=seed)
            sv = np.linalg.svd(w[:, None] * U[idx], compute_uv=False)
            bad += not (sv.min() >= 1 - eps and sv.max() <= 1 + eps)
        return bad

    # Failure rate at most delta = 0.1: P(Binomial(24, 0.1) > 7) < 0.002.
    assert failures(m) <= 7
    # The check can fail: far below the Bernstein size, (1 +- eps) is mostly missed.
    assert failures(max(d, m // 25)) >= 12


def test_sampler_reproducible_and_poisson_size():
    A = heavy_rows(5000, 5, seed=26)
    a = linalg.sample_rows(A, 500, seed=3)
    b = linalg.sample_rows(A, 500, seed=3)
    assert np.array_equal(a.idx, b.idx) and np.array_equal(a.weights, b.weights)
    assert np.all(np.diff(a.idx) > 0)
    assert abs(len(a.idx) - a.info["expected_size"]) < 5 * np.sqrt(a.info["expected_size"])
    np.testing.assert_allclose(a.weights, a.probabilities ** -0.5)
    it = linalg.sample_rows(A, 500, scheme="iid", seed=3)
    assert len(it.idx) <= 500 and np.all(np.diff(it.idx) > 0)


def test_sampler_bad_input():
    A = heavy_rows(100, 3)
    with pytest.raises(ValueError, match=r"m must be in \[1, 100\], got 0"):
        linalg.sample_rows(A, 0)
    with pytest.raises(ValueError, match=r"m must be in \[1, 100\], got 101"):
        linalg.sample_rows(A, 101)
    with pytest.raises(ValueError, match="p must be > 0"):
        linalg.sample_rows(A, 10, p=0)
    with pytest.raises(ValueError, match="scheme must be one of"):
        linalg.sample_rows(A, 10, scheme="bernoulli")
    with pytest.raises(ValueError, match="scores must be one of"):
        linalg.sample_rows(A, 10, scores="norms")
    with pytest.raises(ValueError, match=r"shape \(100,\)"):
        linalg.sample_rows(A, 10, scores=np.ones(99))
    with pytest.raises(ValueError, match="finite and >= 0"):
        linalg.sample_rows(A, 10, scores=-np.ones(100))
    with pytest.raises(ValueError, match="all be zero"):
        linalg.sample_rows(A, 10, scores=np.zeros(100))
    with pytest.raises(ValueError, match=r"p must be in \(0, 4\)"):
        linalg.sample_rows(A, 10, p=4, scores="lewis")
    with pytest.raises(TypeError, match="m must be an integer"):
        linalg.sample_rows(A, 2.5)


def test_bad_input_leverage():
    A = heavy_rows(50, 3)
    B = A.copy()
    B[3, 1] = np.nan
    for fn in (linalg.leverage_scores, lambda X: linalg.lewis_weights(X, 1.0), lambda X: linalg.sample_rows(X, 5),
               lambda X: linalg.lp_sensitivities(X, 1.0)):
        with pytest.raises(ValueError, match="A contains NaN or Inf"):
            fn(B)
    with pytest.raises(ValueError, match="method must be one of"):
        linalg.leverage_scores(A, method="qr")
    with pytest.raises(ValueError, match=r"eps must be < 1"):
        linalg.leverage_scores(A, method="sketch", eps=1.0)
    with pytest.raises(ValueError, match="eps must be > 0"):
        linalg.leverage_scores(A, method="sketch", eps=0.0)
    with pytest.raises(ValueError, match="ridge must be >= 0"):
        linalg.leverage_scores(A, ridge=-1.0)
    with pytest.raises(TypeError, match="complex"):
        linalg.leverage_scores(A.astype(complex))
    with pytest.raises(ValueError, match="2-D"):
        linalg.leverage_scores(np.ones(5))


def test_sparse_input_densified():
    A = sp.random(500, 6, density=0.5, random_state=0, format="csr")
    np.testing.assert_allclose(linalg.leverage_scores(A), svd_leverage(A.toarray()), rtol=1e-9, atol=1e-14)


# --- demo -----------------------------------------------------------------------------

def test_demo_runs_and_reports_small_errors(capsys):
    from linalg.demos import sampling as demo

    demo.run(quick=True)
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("sketch eps=")]
    assert rows, out
    err = float(rows[0].split()[-2])
    assert err <= 0.1  # max relative error of the sketched scores, as printed
    assert "lewis p=1" in out and "l1 regression" in out
