"""linalg.complete: recovery, noise, solvers, biases, fold-in, threads, bad input."""
import re

import numpy as np
import pytest
import scipy.sparse as sp

import linalg
from linalg.testing import SEEDS

SOLVERS = ("sketch", "cg", "cholesky")


def low_rank(m, n, k, rate, seed, noise=0.0):
    """Incoherent rank-k M (Gaussian factors), a uniform sample of it, and noise."""
    rng = np.random.default_rng(seed)
    M = rng.standard_normal((m, k)) @ rng.standard_normal((k, n))
    mask = rng.random((m, n)) < rate
    r, c = np.nonzero(mask)
    v = M[r, c] + noise * rng.standard_normal(len(r))
    return M, r, c, v


def rel_err(fit, M):
    return np.linalg.norm(fit.to_dense() - M) / np.linalg.norm(M)


# --------------------------------------------------------------------------
# recovery and accuracy
# --------------------------------------------------------------------------

@pytest.mark.parametrize("solver", SOLVERS)
def test_exact_recovery(solver):
    # |Omega| = 0.3 * 400 * 300 = 36000, about 4x k (m + n) log n with k = 4.
    M, r, c, v = low_rank(400, 300, 4, 0.3, seed=1)
    fit = linalg.complete((r, c, v), 4, shape=M.shape, solver=solver, max_iter=200, tol=0, seed=0)
    assert rel_err(fit, M) < 1e-6
    assert fit.info["stop"] == "converged"


def test_exact_recovery_from_sparse_input_and_biases():
    M, r, c, v = low_rank(300, 200, 3, 0.35, seed=2)
    M = M + 5.0 + np.linspace(-1, 1, 300)[:, None]
    A = sp.csc_matrix((M[r, c], (r, c)), shape=M.shape)
    fit = linalg.complete(A, 3, biases=True, solver="cholesky", max_iter=200, tol=0, seed=0)
    # rank 3 + biases: the model is exact for M = low rank + mean + row offsets.
    assert rel_err(fit, M) < 1e-6
    assert fit.row_bias.shape == (300,) and fit.col_bias.shape == (200,)


def test_error_proportional_to_noise():
    """Held-out error grows linearly with the noise level: err / sigma stays
    within a factor 1.5 across two decades, and is well below 1."""
    ratios = []
    for sigma in (1e-3, 1e-2, 1e-1):
        errs = []
        for seed in SEEDS[:3]:
            M, r, c, v = low_rank(300, 200, 3, 0.3, seed=seed, noise=sigma)
            fit = linalg.complete((r, c, v), 3, shape=M.shape, solver="cholesky", max_iter=50, seed=seed)
            rms = np.sqrt(np.mean((fit.to_dense() - M) ** 2))
            errs.append(rms / sigma)
        ratios.append(np.mean(errs))
    assert max(ratios) < 1.5 * min(ratios)
    assert max(ratios) < 0.5  # |Omega| / (dof) ~ 13: error well below the noise


def test_cholesky_never_increases_objective():
    M, r, c, v = low_rank(200, 150, 3, 0.2, seed=3, noise=0.3)
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(v))
    for biases in (False, True):
        fit = linalg.complete((r, c, v + 2.0), 5, shape=M.shape, reg=0.5, biases=biases, weights=w,
                              solver="cholesky", max_iter=25, tol=0, seed=1)
        obj = np.array(fit.history["objective"])
        assert len(obj) == 25
        assert np.all(np.diff(obj) <= 1e-12 * obj[:-1]), np.diff(obj).max()
        assert obj[-1] < obj[0]


@pytest.mark.parametrize("solver", ("sketch", "cg"))
def test_inexact_solvers_reach_cholesky_rmse(solver):
    """Held-out RMSE (against the noiseless M) within 1 % of exact ALS."""
    M, r, c, v = low_rank(500, 300, 5, 0.15, seed=4, noise=0.5)
    rng = np.random.default_rng(9)
    hr, hc = rng.integers(0, 500, 3000), rng.integers(0, 300, 3000)
    truth = M[hr, hc]
    out = {}
    for s in ("cholesky", solver):
        fit = linalg.complete((r, c, v), 5, shape=M.shape, reg=1.0, solver=s, max_iter=60, tol=1e-7, seed=0)
        out[s] = np.sqrt(np.mean((fit.predict(hr, hc) - truth) ** 2))
    assert out[solver] <= 1.01 * out["cholesky"]


# --------------------------------------------------------------------------
# documented behaviour
# --------------------------------------------------------------------------

def test_unobserved_rows_and_columns_predict_bias_or_zero():
    M, r, c, v = low_rank(120, 80, 2, 0.5, seed=6)
    keep = (r != 7) & (c != 11)  # row 7 and column 11 unobserved
    r, c, v = r[keep], c[keep], v[keep] + 3.0
    plain = linalg.complete((r, c, v), 2, shape=M.shape, solver="cholesky", max_iter=5, seed=0)
    assert np.all(plain.U[7] == 0) and np.all(plain.V[11] == 0)
    assert np.all(plain.predict([7, 7, 0], [0, 5, 11]) == 0)
    fit = linalg.complete((r, c, v), 2, shape=M.shape, biases=True, solver="cholesky", max_iter=5, seed=0)
    assert fit.row_bias[7] == 0 and fit.col_bias[11] == 0
    pred = fit.predict([7, 7, 3], [0, 5, 11])
    assert np.allclose(pred, [fit.mean + fit.col_bias[0], fit.mean + fit.col_bias[5],
                              fit.mean + fit.row_bias[3]])
    assert abs(fit.mean - v.mean()) < 1e-12


def test_sketch_solver_keeps_up_with_exact_als_on_sparse_rows():
    """About 30 entries per row, biases: the whitened CG rows must keep up
    with exact ALS (a Jacobi preconditioner on top of the whitening once
    left the held-out error here at 1.033 sigma after 10 iterations, exact
    ALS 0.987)."""
    m, n, k, nobs = 20000, 5000, 10, 600_000
    rng = np.random.default_rng(3)
    U, V = rng.standard_normal((m, k)), rng.standard_normal((n, k))
    flat = rng.choice(m * n, size=nobs + 5000, replace=False)
    r, c = flat // n, flat % n
    vals = np.einsum("ij,ij->i", U[r], V[c])
    sigma = 0.1 * float(np.sqrt(np.mean(vals ** 2)))
    noisy = vals[:nobs] + sigma * rng.standard_normal(nobs)
    held = (r[nobs:], c[nobs:], vals[nobs:])
    err = {}
    for solver in ("sketch", "cholesky"):
        fit = linalg.complete((r[:nobs], c[:nobs], noisy), k, shape=(m, n), solver=solver, biases=True,
                              max_iter=10, tol=0, seed=0)
        err[solver] = np.sqrt(np.mean((fit.predict(held[0], held[1]) - held[2]) ** 2)) / sigma
    assert err["cholesky"] < 1.2  # the problem is solvable at this depth
    assert err["sketch"] < 1.01 * err["cholesky"], err


@pytest.mark.parametrize("relaxation", (1.0, 1.3, 1.9))
def test_relaxed_objective_never_increases(relaxation):
    """Each half-step, relaxed or not (omega in (0, 2)), lowers the objective
    for its fixed other side: with exact row solves the recorded objective
    falls every iteration."""
    M, r, c, v = low_rank(300, 200, 4, 0.1, seed=11, noise=0.3)
    fit = linalg.complete((r, c, v), 4, shape=M.shape, reg=0.5, solver="cholesky", max_iter=15, tol=0, seed=0,
                          relaxation=relaxation)
    obj = np.array(fit.history["objective"])
    assert np.all(np.diff(obj) <= 1e-12 * obj[0])
    assert fit.info["relaxation"] == relaxation


@pytest.mark.parametrize("solver", ("cg", "cholesky"))
def test_relaxation_converges_faster_to_the_same_fit(solver):
    """Over-relaxing the column half-steps brings the iterates nearer the
    fixed point than plain ALS after as many iterations, and (exact solves)
    both end there."""
    M, r, c, v = low_rank(600, 400, 6, 0.05, seed=12, noise=0.2)

    def fit(om, it):
        return linalg.complete((r, c, v), 6, shape=M.shape, solver=solver, max_iter=it, tol=0, seed=0,
                               relaxation=om).to_dense()

    end = fit(1.0, 400)
    if solver == "cholesky":
        # Exact row solves: both runs reach the fixed point itself (with two
        # CG steps per row a few ill-conditioned rows are still moving at
        # 400 iterations, in either run).
        np.testing.assert_allclose(fit(1.3, 400), end, atol=1e-6 * np.abs(end).max())
    for it in (4, 6):
        assert np.linalg.norm(fit(1.3, it) - end) < np.linalg.norm(fit(1.0, it) - end)


@pytest.mark.parametrize("biases", (False, True))
def test_fold_in_equals_exact_half_step(biases):
    """The last half-step of an iteration updates the rows given V: folding
    a row's observed entries back in reproduces it exactly (weights too)."""
    M, r, c, v = low_rank(150, 100, 3, 0.3, seed=7, noise=0.1)
    w = np.random.default_rng(1).uniform(0.5, 2.0, len(v))
    fit = linalg.complete((r, c, v + 1.0), 3, shape=M.shape, reg=0.3, biases=biases, weights=w,
                          solver="cholesky", max_iter=4, tol=0, seed=0)
    for i in (0, 17, 149):
        sel = r == i
        out = fit.fold_in(c[sel], v[sel] + 1.0, weights=w[sel])
        if biases:
            u, b = out
            assert abs(b - fit.row_bias[i]) < 1e-9
        else:
            u = out
        assert np.allclose(u, fit.U[i], atol=1e-9, rtol=0)
    # A column fold-in solves the column problem with U fixed (closed form).
    j = 5
    sel = c == j
    y = fit.fold_in_column(r[sel], v[sel] + 1.0, weights=w[sel])
    A = fit.U[r[sel]]
    b = v[sel] + 1.0 - fit.mean
    if biases:
        A = np.hstack([A, np.ones((A.shape[0], 1))])
        b = b - fit.row_bias[r[sel]]
    x = np.linalg.solve(A.T @ (A * w[sel, None]) + 0.3 * np.eye(A.shape[1]), A.T @ (w[sel] * b))
    got = np.append(y[0], y[1]) if biases else y
    assert np.allclose(got, x, atol=1e-10)


@pytest.mark.parametrize("solver", SOLVERS)
def test_same_seed_same_factors_any_thread_count(solver):
    from threadpoolctl import threadpool_limits

    M, r, c, v = low_rank(600, 400, 6, 0.15, seed=8, noise=0.1)  # large enough for parallel kernels
    runs = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            fit = linalg.complete((r, c, v), 6, shape=M.shape, reg=0.1, biases=True, solver=solver, max_iter=4,
                                  tol=0, seed=123)
        runs.append(fit)
    np.testing.assert_array_equal(runs[0].U, runs[1].U)
    np.testing.assert_array_equal(runs[0].V, runs[1].V)
    np.testing.assert_array_equal(runs[0].row_bias, runs[1].row_bias)
    other = linalg.complete((r, c, v), 6, shape=M.shape, reg=0.1, biases=True, solver=solver, max_iter=4, tol=0,
                            seed=124)
    assert not np.array_equal(other.U, runs[0].U) or solver == "cholesky"


def test_float32_stays_float32():
    M, r, c, v = low_rank(200, 150, 3, 0.3, seed=9)
    fit = linalg.complete((r, c, v.astype(np.float32)), 3, shape=M.shape, seed=0, max_iter=30)
    assert fit.U.dtype == np.float32 and fit.V.dtype == np.float32
    assert fit.predict([0], [0]).dtype == np.float32
    assert rel_err(fit, M) < 1e-4


def test_validation_early_stopping_returns_best_iterate():
    M, r, c, v = low_rank(300, 200, 3, 0.1, seed=10, noise=1.0)
    rng = np.random.default_rng(3)
    hr, hc = rng.integers(0, 300, 2000), rng.integers(0, 200, 2000)
    fit = linalg.complete((r, c, v), 8, shape=M.shape, solver="cholesky", validation=(hr, hc, M[hr, hc]),
                          patience=2, max_iter=50, seed=0)
    val = fit.history["val_rmse"]
    assert fit.info["stop"] == "patience"
    assert fit.info["best_iteration"] == int(np.argmin(val))
    assert len(val) == fit.info["best_iteration"] + 3
    got = np.sqrt(np.mean((fit.predict(hr, hc) - M[hr, hc]) ** 2))
    assert abs(got - min(val)) < 1e-12


def test_split_samples_uses_disjoint_subsets():
    """Theory mode: each half-step sees about 1/(2T+1) of Omega; with a high
    sampling rate it still recovers M, less accurately than reusing Omega."""
    M, r, c, v = low_rank(300, 200, 2, 0.8, seed=11, noise=0.01)
    split = linalg.complete((r, c, v), 2, shape=M.shape, solver="cholesky", split_samples=True, max_iter=5, tol=0,
                            seed=0)
    full = linalg.complete((r, c, v), 2, shape=M.shape, solver="cholesky", max_iter=5, tol=0, seed=0)
    assert rel_err(split, M) < 0.02
    assert rel_err(full, M) < rel_err(split, M)
    # the training RMSE is over the step's subset only: about 1/11 of the weight
    assert split.info["split_samples"]


def test_callback_and_progress(capsys):
    M, r, c, v = low_rank(100, 80, 2, 0.4, seed=12, noise=0.1)
    seen = []
    fit = linalg.complete((r, c, v), 2, shape=M.shape, max_iter=20, tol=0, seed=0, progress=True,
                          callback=lambda it, e: seen.append(e["train_rmse"]) or it == 2)
    assert fit.info["stop"] == "callback" and len(seen) == 3
    assert seen == fit.history["train_rmse"]
    assert "train RMSE" in capsys.readouterr().err


def test_to_dense_limit(monkeypatch):
    M, r, c, v = low_rank(60, 50, 2, 0.5, seed=13)
    fit = linalg.complete((r, c, v), 2, shape=M.shape, seed=0)
    monkeypatch.setattr(linalg.completion, "DENSE_LIMIT", 1000)
    with pytest.raises(ValueError, match="exceeds DENSE_LIMIT"):
        fit.to_dense()
    assert fit.to_dense(force=True).shape == (60, 50)


# --------------------------------------------------------------------------
# bad input
# --------------------------------------------------------------------------

R0, C0, V0 = np.array([0, 1, 2, 3]), np.array([0, 1, 2, 0]), np.array([1.0, 2.0, 3.0, 4.0])


@pytest.mark.parametrize("args, kwargs, exc, msg", [
    (((R0, C0 + 10, V0), 1), {"shape": (4, 4)}, ValueError, r"entry 0 has index \(0, 10\) outside the shape \(4, 4\)"),
    (((R0 - 1, C0, V0), 1), {"shape": (4, 4)}, ValueError, r"observed rows has a negative index \(-1\)"),
    (((R0, C0, np.array([1.0, np.nan, 3.0, 4.0])), 1), {"shape": (4, 4)}, ValueError, r"contains NaN or Inf"),
    (((np.array([0, 1, 1]), np.array([0, 2, 2]), np.ones(3)), 1), {"shape": (4, 4)}, ValueError,
     r"duplicate \(row, col\) pair \(1, 2\)"),
    (((R0, C0, V0), 4), {"shape": (4, 4)}, ValueError, r"rank must be < min\(shape\) = 4, got 4"),
    (((R0, C0, V0), 0), {"shape": (4, 4)}, ValueError, r"rank must be in >= 1, got 0"),
    (((np.array([], int), np.array([], int), np.array([])), 1), {"shape": (4, 4)}, ValueError,
     r"observed is empty"),
    ((sp.csr_matrix((4, 4)), 1), {}, ValueError, r"observed is empty"),
    (((R0, C0[:3], V0), 1), {"shape": (4, 4)}, ValueError,
     r"rows, cols and values must have the same length, got 4, 3 and 4"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "weights": np.ones(3)}, ValueError, r"weights must have one entry"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "weights": -np.ones(4)}, ValueError, r"weights must be positive"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "solver": "lu"}, ValueError, r"solver must be one of"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "reg": -1.0}, ValueError, r"reg must be finite and >= 0"),
    (((R0.astype(float), C0, V0), 1), {"shape": (4, 4)}, TypeError, r"observed rows must hold integers"),
    (((R0, C0), 1), {}, TypeError, r"scipy.sparse matrix or a \(rows, cols, values\) triple"),
    ((sp.csr_matrix(np.eye(4)), 1), {"shape": (5, 4)}, ValueError, r"shape \(5, 4\) differs"),
    (((R0, C0, V0 * 1j), 1), {"shape": (4, 4)}, TypeError, r"complex values are not supported"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "validation": (np.array([9]), np.array([0]), np.array([1.0]))},
     ValueError, r"validation: entry 0 has index \(9, 0\) outside"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "max_iter": 0}, ValueError, r"max_iter must be in \[1, 32767\]"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "inner_steps": 0}, ValueError, r"inner_steps must be in"),
    (((R0, C0, V0), 1.5), {"shape": (4, 4)}, TypeError, r"rank must be an integer"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "relaxation": 2.0}, ValueError, r"relaxation must be in \(0, 2\), got 2.0"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "relaxation": 0.0}, ValueError, r"relaxation must be in \(0, 2\), got 0.0"),
    (((R0, C0, V0), 1), {"shape": (4, 4), "relaxation": float("nan")}, ValueError, r"relaxation must be finite"),
])
def test_bad_input(args, kwargs, exc, msg):
    with pytest.raises(exc, match=msg):
        linalg.complete(*args, **kwargs)


def test_bad_input_to_result_methods():
    M, r, c, v = low_rank(40, 30, 2, 0.5, seed=14)
    fit = linalg.complete((r, c, v), 2, shape=M.shape, seed=0)
    with pytest.raises(ValueError, match=re.escape("predict: entry 1 has index (40, 0) outside the shape (40, 30)")):
        fit.predict([0, 40], [0, 0])
    with pytest.raises(ValueError, match="rows and cols must have the same length, got 2 and 1"):
        fit.predict([0, 1], [0])
    with pytest.raises(ValueError, match="fold_in: index 30 is out of range for 30 entries"):
        fit.fold_in([30], [1.0])
    with pytest.raises(ValueError, match="fold_in: duplicate indices"):
        fit.fold_in([1, 1], [1.0, 2.0])
    with pytest.raises(ValueError, match="fold_in_column: indices and values must have the same length"):
        fit.fold_in_column([1, 2], [1.0])


# --------------------------------------------------------------------------
# demo
# --------------------------------------------------------------------------

def test_demo_inpaints_image(capsys):
    from linalg.demos import completion as demo

    demo.run(quick=True)
    out = capsys.readouterr().out
    rows = re.findall(r"^(sketch|cg|cholesky)\s+\S+\s+([0-9.]+)\s+([0-9.e+-]+)", out, re.M)
    assert {s for s, _, _ in rows} == set(SOLVERS)
    # 30 % of the pixels of an exactly low-rank image give it back.
    assert all(float(err) < 1e-3 for _, _, err in rows), out
