"""Demo: weighted low-rank approximation (linalg.weighted_svd, linalg.fwsvd)."""
from __future__ import annotations

import time

import numpy as np

#: Position in ``linalg demo`` (lower runs first).
ORDER = 30
TITLE = "weighted low-rank approximation (linalg.weighted_svd, linalg.fwsvd)"


def _werr(A, W, X):
    return float(np.sqrt(np.sum(W * (A - X) ** 2)))


def run(quick: bool) -> None:
    """Plain SVD vs the weighted solvers, each judged by its weighted error."""
    import linalg

    rng = np.random.default_rng(0)
    m, n, k = (300, 200, 10) if quick else (2000, 1000, 30)
    rows = []

    def case(name, method, W, A, fit):
        t0 = time.perf_counter()
        X = fit()
        dt = time.perf_counter() - t0
        plain = linalg.rsvd(np.where(W > 0, A, 0.0), k, seed=0)  # zero-filled, unweighted
        e_plain = _werr(A, W, (plain.U * plain.S) @ plain.Vh)
        e_ours = _werr(A, W, X)
        rows.append((name, method, k, dt, e_plain, e_ours, e_plain / e_ours))

    # Signal of rank 2k plus noise: rank k must choose where to put its error.
    A = rng.standard_normal((m, 2 * k)) @ rng.standard_normal((2 * k, n)) / np.sqrt(2 * k)
    A += 0.1 * rng.standard_normal((m, n))
    u, v = rng.lognormal(0, 1, m), rng.lognormal(0, 1, n)
    res = None

    def closed():
        nonlocal res
        res = linalg.weighted_svd(A, k, row_weights=u, col_weights=v, seed=0)
        return (res.U * res.S) @ res.Vh

    case("row/col weights", "closed form", np.outer(u, v), A, closed)
    mask = rng.random((m, n)) > 0.3
    Wm = rng.uniform(0.5, 2.0, (m, n)) * mask
    for meth in ("em", "als"):
        def it(meth=meth):
            r = linalg.weighted_svd(A, k, weights=Wm, method=meth, max_iter=30 if quick else 60, tol=1e-6, seed=0)
            return (r.U * r.S) @ r.Vh
        case("30% missing + weights", meth.upper(), Wm, A, it)
    # FWSVD on a layer-like matrix whose input features differ in importance.
    Wl = rng.standard_normal((n, m // 2)) / np.sqrt(m)
    fisher = rng.random(Wl.shape) ** 2 * rng.lognormal(0, 1.5, m // 2)

    def fw():
        A_, B_ = linalg.fwsvd(Wl, fisher, k)
        return A_ @ B_

    case("FWSVD, nn.Linear weight", "fwsvd", np.broadcast_to(fisher.sum(axis=0), Wl.shape), Wl, fw)

    print("linalg demo: weighted low-rank approximation; error = sqrt(sum W (A - X)^2)")
    head = ("case", "method", "rank", "time (s)", "plain SVD error", "weighted error", "plain/weighted")
    fmt = "{:<24} | {:<11} | {:>4} | {:>8} | {:>15} | {:>14} | {:>14}"
    print(fmt.format(*head))
    for r in rows:
        print(fmt.format(r[0], r[1], r[2], f"{r[3]:.3f}", f"{r[4]:.4g}", f"{r[5]:.4g}", f"{r[6]:.3f}"))
    print("plain SVD: linalg.rsvd of A with unobserved entries set to 0, judged by the same weighted error.")
