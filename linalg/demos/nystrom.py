"""Demo: Nyström approximation of an RBF kernel matrix (P7-like, smaller)."""
from __future__ import annotations

import time

import numpy as np

#: Position in ``linalg demo`` (lower runs first).
ORDER = 40
TITLE = "randomized Nyström approximation of a PSD kernel (linalg.nystrom)"


def run(quick: bool) -> None:
    """RBF kernel of random points; trace-norm error of linalg.nystrom vs the best rank-k."""
    from scipy.spatial.distance import cdist, pdist

    import linalg

    n, k = (500, 20) if quick else (5000, 100)
    X = np.random.default_rng(0).standard_normal((n, 10))
    h = np.median(pdist(X))
    K = np.exp(-cdist(X, X, "sqeuclidean") / (2 * h * h))  # exactly symmetric
    t0 = time.perf_counter()
    lam = np.linalg.eigvalsh(K)[::-1]  # eigenvalues only: the optimum
    t_eigh = time.perf_counter() - t0
    best = np.trace(K) - lam[:k].sum()
    print(f"linalg demo: Nyström of a {n}x{n} RBF kernel (10-d Gaussian points, bandwidth = median distance), "
          f"rank {k}")
    print("  method                        rank  trace-error/optimal  time (s)")
    print(f"  {'numpy.linalg.eigvalsh (all)':<28}  {k:<4}  {1.0:<19.4f}  {t_eigh:.3f}")
    for q, p in ((0, 10), (1, 10), (1, 50), (2, 50)):
        t0 = time.perf_counter()
        w, _ = linalg.nystrom(K, k, oversample=p, power_iters=q, seed=0)
        dt = time.perf_counter() - t0
        # A_hat <= K, so the trace-norm error is tr(K) - sum(w).
        print(f"  {f'nystrom q={q} p={p}':<28}  {k:<4}  {(np.trace(K) - w.sum()) / best:<19.4f}  {dt:.3f}")
    print("trace-error/optimal: ||K - K_hat||_* / min over rank-k ||K - X||_* (1 is optimal); "
          "q = power_iters, p = oversample.")
