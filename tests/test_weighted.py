"""linalg.weighted_svd and linalg.fwsvd (linalg/weighted.py)."""
import io
from contextlib import redirect_stdout

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import linalg
from linalg.testing import geometric_spectrum, matrix_from_spectrum


def recon(res):
    return (res.U.astype(np.float64) * res.S.astype(np.float64)) @ res.Vh.astype(np.float64)


def wobj(A, W, X):
    return float(np.sum(W * (np.asarray(A, np.float64) - X) ** 2))


def brute_force(A, u, v, k):
    """Scale, LAPACK SVD, truncate, unscale."""
    su, sv = np.sqrt(u), np.sqrt(v)
    U, s, Vh = np.linalg.svd(su[:, None] * A * sv, full_matrices=False)
    return ((U[:, :k] * s[:k]) @ Vh[:k]) / su[:, None] / sv


def rel(X, Y):
    return np.linalg.norm(X - Y) / np.linalg.norm(Y)


@pytest.fixture(scope="module")
def problem():
    rng = np.random.default_rng(0)
    sm = matrix_from_spectrum(geometric_spectrum(60, 0.85), 90, 60, rng=1)
    return sm.A, rng.uniform(0.2, 3.0, 90), rng.uniform(0.5, 2.0, 60)


# --- closed form ---------------------------------------------------------

@pytest.mark.parametrize("which", ["both", "rows", "cols"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_closed_form_exact_matches_brute_force(problem, which, order):
    A, u, v = problem
    A = np.asarray(A, order=order)
    kw = {"both": dict(row_weights=u, col_weights=v), "rows": dict(row_weights=u), "cols": dict(col_weights=v)}[which]
    uu = u if which != "cols" else np.ones_like(u)
    vv = v if which != "rows" else np.ones_like(v)
    res = linalg.weighted_svd(A, 8, exact=True, **kw)
    Xb = brute_force(A, uu, vv, 8)
    assert rel(recon(res), Xb) < 1e-10
    assert res.info["method"] == "closed_form_exact"
    # The result is a thin SVD of X and reports X's weighted objective.
    np.testing.assert_allclose(res.U.T @ res.U, np.eye(8), atol=1e-12)
    np.testing.assert_allclose(res.Vh @ res.Vh.T, np.eye(8), atol=1e-12)
    assert np.all(np.diff(res.S) <= 0)
    assert res.objective == pytest.approx(wobj(A, np.outer(uu, vv), Xb), rel=1e-10)


@pytest.mark.parametrize("shape", [(200, 40), (40, 200)])
def test_closed_form_rsvd_full_basis_matches_brute_force(shape):
    """With rank + oversample = min(m, n) the rsvd basis spans everything: exact."""
    rng = np.random.default_rng(2)
    m, n = shape
    A = matrix_from_spectrum(geometric_spectrum(40, 0.8), m, n, rng=3).A
    u, v = rng.uniform(0.5, 2, m), rng.uniform(0.5, 2, n)
    res = linalg.weighted_svd(A, 10, row_weights=u, col_weights=v, exact=False, oversample=30, seed=0)
    assert res.info["method"] == "closed_form"
    assert rel(recon(res), brute_force(A, u, v, 10)) < 1e-10


@pytest.mark.parametrize("shape", [(400, 120), (120, 400)])
def test_closed_form_rsvd_reaches_optimum(shape):
    rng = np.random.default_rng(2)
    m, n = shape
    A = matrix_from_spectrum(geometric_spectrum(min(m, n), 0.8), m, n, rng=3).A
    u, v = rng.uniform(0.5, 2, m), rng.uniform(0.5, 2, n)
    Xb = brute_force(A, u, v, 10)
    best = wobj(A, np.outer(u, v), Xb)
    res = linalg.weighted_svd(A, 10, row_weights=u, col_weights=v, exact=False, seed=0)  # adaptive depth
    assert res.info["method"] == "closed_form"
    # best is the optimum up to rounding: the computed objective may land a few ulps below it.
    assert best * (1 - 1e-13) <= res.objective <= best * (1 + 1e-8)
    res4 = linalg.weighted_svd(A, 10, row_weights=u, col_weights=v, exact=False, power_iters=4, seed=0)
    assert rel(recon(res4), Xb) < 1e-9


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("index", [np.int32, np.int64])
def test_closed_form_sparse(fmt, index):
    rng = np.random.default_rng(4)
    S = sp.random(300, 150, density=0.1, random_state=5, format="csr")
    S.indices, S.indptr = S.indices.astype(index), S.indptr.astype(index)
    u, v = rng.uniform(0.5, 2, 300), rng.uniform(0.5, 2, 150)
    # The sparse path runs the same rsvd as the dense one on the same C.
    res = linalg.weighted_svd(S.asformat(fmt), 5, row_weights=u, col_weights=v, exact=False, power_iters=3, seed=1)
    dense = linalg.weighted_svd(S.toarray(), 5, row_weights=u, col_weights=v, exact=False, power_iters=3, seed=1)
    assert res.info["method"] == "closed_form"
    assert rel(recon(res), recon(dense)) < 1e-10
    assert res.objective == pytest.approx(dense.objective, rel=1e-12)
    exact = linalg.weighted_svd(S.asformat(fmt), 5, row_weights=u, col_weights=v, exact=True)
    assert rel(recon(exact), brute_force(S.toarray(), u, v, 5)) < 1e-10


def test_closed_form_float32(problem):
    A, u, v = problem
    res = linalg.weighted_svd(A.astype(np.float32), 8, row_weights=u, col_weights=v)
    assert res.U.dtype == res.S.dtype == res.Vh.dtype == np.float32
    assert rel(recon(res), brute_force(A, u, v, 8)) < 1e-4


def test_all_ones_weights_reproduce_rsvd(problem):
    A = problem[0]
    ones_m, ones_n = np.ones(A.shape[0]), np.ones(A.shape[1])
    ref = linalg.rsvd(A, 8, power_iters=2, seed=7)
    res = linalg.weighted_svd(A, 8, row_weights=ones_m, col_weights=ones_n, exact=False, power_iters=2, seed=7)
    assert rel(recon(res), recon(ref)) < 1e-12
    np.testing.assert_allclose(res.S, ref.S, rtol=1e-12)
    # Elementwise all-ones weights through EM: the optimal rank-8 error.
    em = linalg.weighted_svd(A, 8, weights=np.ones(A.shape), tol=1e-14, max_iter=200, seed=7)
    s = np.linalg.svd(A, compute_uv=False)
    assert em.objective == pytest.approx(np.sum(s[8:] ** 2), rel=1e-8)


@settings(max_examples=10, deadline=None)
@given(m=st.integers(3, 40), n=st.integers(3, 40), seed=st.integers(0, 2**16), data=st.data())
def test_closed_form_beats_other_rank_k(m, n, seed, data):
    """No rank-k matrix does better in the weighted norm than the closed form."""
    k = data.draw(st.integers(1, min(m, n)))
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((m, n))
    u, v = rng.uniform(0.1, 10, m), rng.uniform(0.1, 10, n)
    res = linalg.weighted_svd(A, k, row_weights=u, col_weights=v, seed=0)
    W = np.outer(u, v)
    plain = linalg.rsvd(A, k, power_iters=10, seed=0)
    # The reported objective is ||A||_W^2 minus the captured energy: at full
    # rank it is a rounding residue of size eps * ||A||_W^2, not 0.
    assert res.objective <= wobj(A, W, recon(plain)) * (1 + 1e-10) + 1e-10 * np.sum(W * A * A)
    assert res.objective == pytest.approx(wobj(A, W, recon(res)), rel=1e-8, abs=1e-10 * np.sum(W * A * A))


# --- elementwise weights: EM and ALS -------------------------------------

@pytest.fixture(scope="module")
def missing():
    """Rank-6 signal plus noise, 30 % of the entries unobserved, varying weights."""
    rng = np.random.default_rng(10)
    A = rng.standard_normal((120, 6)) @ rng.standard_normal((6, 80)) + 0.05 * rng.standard_normal((120, 80))
    W = rng.uniform(0.5, 2.0, A.shape) * (rng.random(A.shape) > 0.3)
    return A, W


@pytest.mark.parametrize("power_iters", [0, 1, 2])
def test_em_objective_non_increasing(missing, power_iters):
    A, W = missing
    res = linalg.weighted_svd(A, 6, weights=W, method="em", power_iters=power_iters, max_iter=60, tol=0, seed=3)
    h = res.history
    assert len(h) == res.info["iterations"] + 1 == 61
    assert np.all(np.diff(h) <= 1e-12 * h[0]), np.max(np.diff(h))
    assert h[-1] < 0.01 * h[0]
    assert res.objective == pytest.approx(wobj(A, W, recon(res)), rel=1e-9)


def test_als_half_steps_non_increasing(missing):
    A, W = missing
    res = linalg.weighted_svd(A, 6, weights=W, method="als", max_iter=15, tol=0, seed=3)
    half = res.info["half_step_history"]
    # tol=0 runs all 15 iterations unless an iteration stops lowering the
    # objective at all (it then reached its rounding floor: converged).
    it = res.info["iterations"]
    assert len(half) == 2 * it + 1
    assert it == 15 or (res.info["converged"] and half[-1] >= half[-3] and it >= 10)
    assert np.all(np.diff(half) <= 1e-12 * half[0]), np.max(np.diff(half))
    assert res.objective == pytest.approx(wobj(A, W, recon(res)), rel=1e-9)
    assert res.info["ridged_solves"] == 0


@pytest.mark.parametrize("method", ["em", "als"])
def test_em_and_als_reach_the_same_optimum(missing, method):
    A, W = missing
    res = linalg.weighted_svd(A, 6, weights=W, method=method, max_iter=400, tol=1e-13, seed=3)
    assert res.info["converged"]
    # Noise level 0.05 on the observed entries: the fit cannot be much better
    # or much worse than the noise energy it must leave.
    noise = np.sum(W * (0.05 ** 2))
    assert 0.3 * noise < res.objective < noise


def test_em_and_als_agree(missing):
    A, W = missing
    em = linalg.weighted_svd(A, 6, weights=W, method="em", max_iter=500, tol=1e-13, seed=3)
    als = linalg.weighted_svd(A, 6, weights=W, method="als", max_iter=500, tol=1e-13, seed=3)
    assert em.objective == pytest.approx(als.objective, rel=1e-6)
    assert rel(recon(em), recon(als)) < 1e-3


@pytest.mark.parametrize("method", ["em", "als"])
def test_rank_one_weights_converge_to_closed_form(problem, method):
    A, u, v = problem
    u, v = np.clip(u, 0.5, 2.0), v  # a moderate spread: EM's rate is about 1 - min W / max W
    cf = linalg.weighted_svd(A, 5, row_weights=u, col_weights=v, exact=True)
    it = linalg.weighted_svd(A, 5, row_weights=u, col_weights=v, method=method, max_iter=2000, tol=1e-14, seed=0)
    assert it.info["method"] == method
    assert it.objective == pytest.approx(cf.objective, rel=1e-7)
    assert it.objective >= cf.objective * (1 - 1e-10)  # the closed form is the optimum
    assert rel(recon(it), recon(cf)) < 1e-3


@pytest.mark.parametrize("method", ["em", "als"])
def test_zero_weights_are_missing_entries(missing, method):
    A, W = missing
    garbage = A.copy()
    garbage[W == 0] = np.random.default_rng(0).standard_normal(int(np.sum(W == 0))) * 1e6
    r1 = linalg.weighted_svd(A, 6, weights=W, method=method, max_iter=20, seed=1)
    r2 = linalg.weighted_svd(garbage, 6, weights=W, method=method, max_iter=20, seed=1)
    np.testing.assert_array_equal(r1.S, r2.S)
    np.testing.assert_array_equal(r1.U, r2.U)


def test_em_completes_low_rank_matrix():
    rng = np.random.default_rng(11)
    A = rng.standard_normal((150, 4)) @ rng.standard_normal((4, 100))
    W = (rng.random(A.shape) > 0.3).astype(float)
    res = linalg.weighted_svd(A, 4, weights=W, max_iter=500, tol=1e-14, seed=0)
    assert res.info["method"] == "em"
    assert rel(recon(res), A) < 1e-5  # the unobserved 30 % are recovered too


@pytest.mark.parametrize("method", ["em", "als"])
def test_layouts_and_dtypes(missing, method):
    A, W = missing
    ref = linalg.weighted_svd(A, 6, weights=W, method=method, max_iter=10, tol=0, seed=2)
    for a, w in ((np.asfortranarray(A), W), (A, np.asfortranarray(W)), (np.asfortranarray(A), np.asfortranarray(W))):
        r = linalg.weighted_svd(a, 6, weights=w, method=method, max_iter=10, tol=0, seed=2)
        assert rel(recon(r), recon(ref)) < 1e-9
        assert r.objective == pytest.approx(ref.objective, rel=1e-10)
    r32 = linalg.weighted_svd(A.astype(np.float32), 6, weights=W, method=method, max_iter=10, tol=0, seed=2)
    assert r32.U.dtype == r32.S.dtype == r32.Vh.dtype == np.float32
    assert r32.objective == pytest.approx(ref.objective, rel=1e-3)
    # Sparse A with elementwise weights: densified, same answer.
    rs = linalg.weighted_svd(sp.csr_matrix(A), 6, weights=W, method=method, max_iter=10, tol=0, seed=2)
    assert rel(recon(rs), recon(ref)) < 1e-12


@pytest.mark.parametrize("method", ["em", "als"])
def test_independent_of_openmp_thread_count(method):
    """Our kernels sum in a fixed order: one OpenMP thread gives the same bits."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    A = rng.standard_normal((600, 500))  # large enough for the parallel regions to run
    W = rng.uniform(0, 1, A.shape) * (rng.random(A.shape) > 0.3)
    ref = linalg.weighted_svd(A, 8, weights=W, method=method, max_iter=4, tol=0, seed=0)
    with threadpool_limits(limits=1, user_api="openmp"):
        one = linalg.weighted_svd(A, 8, weights=W, method=method, max_iter=4, tol=0, seed=0)
    np.testing.assert_array_equal(ref.history, one.history)
    np.testing.assert_array_equal(ref.U, one.U)


def test_tol_stops_early(missing):
    A, W = missing
    res = linalg.weighted_svd(A, 6, weights=W, tol=1e-2, max_iter=100, seed=0)
    h = res.history
    assert res.info["converged"] and res.info["iterations"] < 100
    assert (h[-2] - h[-1]) <= 1e-2 * h[-2] and (h[-3] - h[-2]) > 1e-2 * h[-3]


def test_result_unpacks(missing):
    A, W = missing
    res = linalg.weighted_svd(A, 3, weights=W, max_iter=3)
    U, S, Vh = res
    assert isinstance(res, linalg.WeightedSVDResult) and isinstance(res, linalg.SVDResult)
    assert U.shape == (120, 3) and S.shape == (3,) and Vh.shape == (3, 80)
    assert res.objective == res.history[-1]


# --- fwsvd ---------------------------------------------------------------

def test_fwsvd_matches_column_weighted_closed_form():
    rng = np.random.default_rng(5)
    weight = rng.standard_normal((48, 32))          # nn.Linear(32, 48).weight: (out, in)
    fisher = rng.random((48, 32)) ** 2 * rng.uniform(0.1, 10, 32)
    A_, B_ = linalg.fwsvd(weight, fisher, 6)
    assert A_.shape == (48, 6) and B_.shape == (6, 32)
    imp = fisher.sum(axis=0)                        # per input feature
    assert rel(A_ @ B_, brute_force(weight, np.ones(48), imp, 6)) < 1e-10
    # Reduced importances and the transposed (in, out) convention agree.
    A2, B2 = linalg.fwsvd(weight, imp, 6)
    assert rel(A2 @ B2, A_ @ B_) < 1e-12
    At, Bt = linalg.fwsvd(weight.T, fisher.T, 6, axis=0)
    assert rel((At @ Bt).T, A_ @ B_) < 1e-10
    # Balanced factors: equal column/row norms.
    np.testing.assert_allclose(np.linalg.norm(A_, axis=0), np.linalg.norm(B_, axis=1), rtol=1e-10)
    # Fisher weighting lowers the Fisher-weighted error against a plain SVD.
    plain = linalg.rsvd(weight, 6, power_iters=10, seed=0)
    W = np.broadcast_to(imp, weight.shape)
    assert wobj(weight, W, A_ @ B_) < wobj(weight, W, recon(plain))


# --- bad input -----------------------------------------------------------

@pytest.mark.parametrize("kw, exc, match", [
    (dict(weights=-np.ones((20, 10))), ValueError, "non-negative"),
    (dict(weights=np.full((20, 10), np.nan)), ValueError, "NaN or Inf"),
    (dict(weights=np.full((20, 10), np.inf)), ValueError, "NaN or Inf"),
    (dict(weights=np.zeros((20, 10))), ValueError, "all zero"),
    (dict(weights=np.ones((10, 20))), ValueError, r"A's shape \(20, 10\)"),
    (dict(weights=np.ones((20, 10), dtype=complex)), TypeError, "real numeric"),
    (dict(row_weights=-np.ones(20)), ValueError, "row_weights must be positive"),
    (dict(row_weights=np.zeros(20)), ValueError, "row_weights must be positive"),
    (dict(col_weights=np.r_[np.nan, np.ones(9)]), ValueError, "col_weights contains NaN"),
    (dict(col_weights=np.r_[np.inf, np.ones(9)]), ValueError, "col_weights contains NaN"),
    (dict(row_weights=np.ones(10)), ValueError, "row_weights must be a vector of length 20"),
    (dict(col_weights=np.ones((10, 1))), ValueError, "col_weights must be a vector of length 10"),
    (dict(row_weights=np.ones(20), weights=np.ones((20, 10))), ValueError, "not both"),
    (dict(weights=np.ones((20, 10)), method="closed_form"), ValueError, "needs row_weights"),
    (dict(weights=np.ones((20, 10)), method="svd"), ValueError, "method must be one of"),
    (dict(weights=np.ones((20, 10)), tol=-1.0), ValueError, "tol must be"),
    (dict(weights=np.ones((20, 10)), max_iter=0), ValueError, "max_iter must be"),
    (dict(weights=np.ones((20, 10)), power_iters=-1), ValueError, "power_iters must be"),
    (dict(row_weights=np.ones(20), exact="yes"), TypeError, "exact must be"),
    (dict(row_weights=np.ones(20), oversample=-1), ValueError, "oversample must be"),
    (dict(weights=np.ones((20, 10)), tol="small"), TypeError, "tol must be a float"),
    (dict(weights=np.ones((20, 10)), seed="x"), TypeError, "seed must be"),
])
def test_bad_input(kw, exc, match):
    A = np.random.default_rng(0).standard_normal((20, 10))
    with pytest.raises(exc, match=match):
        linalg.weighted_svd(A, 3, **kw)


@pytest.mark.parametrize("rank", [0, 11, -1])
def test_rank_out_of_range(rank):
    A = np.ones((20, 10))
    with pytest.raises(ValueError, match=r"rank must be in \[1, 10\]"):
        linalg.weighted_svd(A, rank, weights=np.ones((20, 10)))
    with pytest.raises(ValueError, match=r"rank must be in \[1, 10\]"):
        linalg.weighted_svd(A, rank, row_weights=np.ones(20))


def test_bad_a():
    with pytest.raises(ValueError, match="A contains NaN or Inf"):
        linalg.weighted_svd(np.full((5, 4), np.nan), 2, weights=np.ones((5, 4)))
    with pytest.raises(TypeError, match="rank must be an integer"):
        linalg.weighted_svd(np.ones((5, 4)), 2.0, weights=np.ones((5, 4)))


@pytest.mark.parametrize("args, kw, exc, match", [
    ((np.ones((6, 4)), np.ones((6, 4)), 2), dict(axis=2), ValueError, "axis must be 0 or 1"),
    ((np.ones((6, 4)), np.ones(6), 2), dict(), ValueError, r"length W.shape\[1\] = 4"),
    ((np.ones((6, 4)), np.ones((4, 6)), 2), dict(), ValueError, "fisher must have W's shape"),
    ((np.ones((6, 4)), np.zeros((6, 4)), 2), dict(), ValueError, "importances must be positive"),
    ((np.ones((6, 4)), np.full((6, 4), np.nan), 2), dict(), ValueError, "fisher contains NaN"),
    ((np.ones((6, 4)), np.ones((6, 4)), 5), dict(), ValueError, r"rank must be in \[1, 4\]"),
    ((sp.eye(6, 4, format="csr"), np.ones((6, 4)), 2), dict(), TypeError, "dense W"),
])
def test_fwsvd_bad_input(args, kw, exc, match):
    with pytest.raises(exc, match=match):
        linalg.fwsvd(*args, **kw)


# --- demo ----------------------------------------------------------------

def test_demo_shows_weighted_gain():
    from linalg.demos import weighted as demo

    buf = io.StringIO()
    with redirect_stdout(buf):
        demo.run(quick=True)
    out = buf.getvalue()
    rows = {line.split("|")[0].strip(): line for line in out.splitlines() if "|" in line}
    # Each case prints the weighted error of the plain SVD and of the
    # weighted solver; the weighted solver must win on its own objective.
    gains = [float(line.split("|")[-1]) for name, line in rows.items() if name and not name.startswith("case")]
    assert len(gains) >= 3 and all(g > 1.0 for g in gains), out
