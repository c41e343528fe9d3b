"""Demo: leverage scores, Lewis weights and l1/l2 regression on sampled rows."""
from __future__ import annotations

import time

import numpy as np

#: Position in ``linalg demo`` (lower runs first).
ORDER = 50
TITLE = "leverage scores, Lewis weights and sensitivity sampling (linalg.sampling)"


def l1_fit(A, y, weights=None):
    """argmin_x sum_i w_i |a_i^T x - y_i| through the dual linear program
    max sum_i w_i y_i z_i s.t. sum_i w_i z_i a_i = 0, |z_i| <= 1 (HiGHS): d
    equality constraints instead of n; x is minus the equalities' multipliers."""
    from scipy.optimize import linprog

    n, d = A.shape
    w = np.ones(n) if weights is None else weights
    res = linprog(-(w * y), A_eq=(A * w[:, None]).T, b_eq=np.zeros(d), bounds=(-1, 1), method="highs")
    if res.status != 0:
        raise RuntimeError(f"l1 regression LP failed: {res.message}")
    return -res.eqlin.marginals


def run(quick: bool) -> None:
    """Scores of a heavy-tailed tall matrix, then regressions solved on sampled rows."""
    import linalg

    rng = np.random.default_rng(0)
    n, d = (50_000, 10) if quick else (400_000, 40)
    A = rng.standard_normal((n, d)) * rng.standard_t(2, size=n)[:, None]  # as P6, smaller
    rows = []
    t0 = time.perf_counter()
    tau = linalg.leverage_scores(A)
    rows.append(("exact leverage", f"Cholesky QR, sum = {tau.sum():.6f}", 0.0, time.perf_counter() - t0))
    t0 = time.perf_counter()
    fast, info = linalg.leverage_scores(A, method="sketch", eps=0.1, seed=0, return_info=True)
    dt = time.perf_counter() - t0
    rows.append(("sketch eps=0.1", f"sparse sign, {info['sketch_rows']} rows",
                 float(np.max(np.abs(fast / tau - 1))), dt))
    t0 = time.perf_counter()
    w, winfo = linalg.lewis_weights(A, 1.0, tol=1e-6, return_info=True)
    rows.append(("lewis p=1", f"{winfo['iterations']} steps, sum = {w.sum():.6f}", winfo["change"],
                 time.perf_counter() - t0))

    # Regressions: y = A x + heavy-tailed noise; solve on m sampled rows of [A, y].
    nr, dr, m = (4000, 8, 400) if quick else (20000, 10, 1000)
    X = rng.standard_normal((nr, dr)) * rng.standard_t(2, size=nr)[:, None]
    y = X @ rng.standard_normal(dr) + rng.standard_t(1.5, size=nr)
    Xy = np.column_stack([X, y])
    x2 = np.linalg.lstsq(X, y, rcond=None)[0]
    full2 = np.sum((X @ x2 - y) ** 2)
    t0 = time.perf_counter()
    idx, wt = linalg.sample_rows(Xy, m, p=2, scores="leverage", seed=1)
    xs = np.linalg.lstsq(wt[:, None] * X[idx], wt * y[idx], rcond=None)[0]
    rows.append((f"l2 regression m={m}", f"leverage, {len(idx)} of {nr} rows",
                 float(np.sum((X @ xs - y) ** 2) / full2 - 1), time.perf_counter() - t0))
    x1 = l1_fit(X, y)
    full1 = np.sum(np.abs(X @ x1 - y))
    t0 = time.perf_counter()
    idx, wt = linalg.sample_rows(Xy, m, p=1, scores="lewis", seed=1)
    xs = l1_fit(X[idx], y[idx], wt)
    rows.append((f"l1 regression m={m}", f"Lewis p=1, {len(idx)} of {nr} rows",
                 float(np.sum(np.abs(X @ xs - y)) / full1 - 1), time.perf_counter() - t0))

    print(f"linalg demo: rows of a {n}x{d} matrix with Student-t(2)-scaled Gaussian rows")
    head = ("case", "how", "error", "time (s)")
    w0 = max(len(r[0]) for r in rows + [head])
    w1 = max(len(r[1]) for r in rows + [head])
    print(f"{head[0]:<{w0}}  {head[1]:<{w1}}  {head[2]:>9}  {head[3]}")
    for r in rows:
        print(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]:9.2e}  {r[3]:.3f}")
    print("error: sketch = max_i |tau~_i / tau_i - 1|; lewis = last max relative change of a weight;")
    print("regressions = objective on all rows of the sampled solution / optimal objective - 1.")
