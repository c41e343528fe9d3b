"""Demo: truncated SVDs of built-in dense (float64/float32) and sparse matrices."""
from __future__ import annotations

import time

import numpy as np

#: Position in ``linalg demo`` (lower runs first).
ORDER = 10
TITLE = "randomized truncated SVD (linalg.rsvd)"


def _haar(rng, m, r):
    q, rr = np.linalg.qr(rng.standard_normal((m, r)))
    return q * np.sign(np.diag(rr))


def run(quick: bool) -> None:
    """Truncated SVDs of built-in matrices: P1/P2-like dense (smaller) and a sparse one."""
    import scipy.sparse as sp
    import scipy.sparse.linalg as spla

    import linalg

    rng = np.random.default_rng(0)
    m, n, k = (2000, 500, 20) if quick else (8000, 2000, 50)
    idx = np.arange(1, n + 1)
    rows = []
    U, V = _haar(rng, m, n), _haar(rng, n, n)
    for name, s in (("dense, sigma_i = 1/i", 1.0 / idx), ("dense, sigma_i = exp(-i/20)", np.exp(-idx / 20))):
        A = (U * s) @ V.T
        best = np.sqrt(np.sum(s[k:] ** 2))
        for dtype in (np.float64, np.float32):
            Ad = A.astype(dtype)
            t0 = time.perf_counter()
            res = linalg.rsvd(Ad, k, seed=0)
            dt = time.perf_counter() - t0
            err = np.sqrt(max(0.0, np.sum(s**2) - 2 * np.sum(res.S.astype(float) * np.einsum(
                "ij,ij->j", res.U.astype(float), A @ res.Vh.T.astype(float))) + np.sum(res.S.astype(float) ** 2)))
            rows.append((f"{name} {m}x{n} {np.dtype(dtype).name}", res.info["method"], k, err / best, dt))
    del U, V, A
    S = sp.random(m * 5, n * 5, density=2e-3, random_state=rng, format="csr")
    t0 = time.perf_counter()
    res = linalg.rsvd(S, k, seed=0)
    dt = time.perf_counter() - t0
    ref = spla.svds(S, k, return_singular_vectors=False, random_state=0)
    energy = float(np.sum(res.S.astype(float) ** 2) / np.sum(ref**2))
    rows.append((f"sparse {S.shape[0]}x{S.shape[1]}, nnz {S.nnz}", res.info["method"], k, energy, dt))

    head = ("problem", "method", "rank", "error/optimal", "time (s)")
    widths = [max(len(str(r[i])) if i != 3 else 13 for r in rows + [head]) for i in range(5)]
    widths[0] = max(widths[0], len(head[0]))
    print("linalg demo: randomized truncated SVD (linalg.rsvd, method='auto')")
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for r in rows:
        metric = f"{r[3]:.4f}" + (" *" if r[0].startswith("sparse") else "")
        print("  ".join([r[0].ljust(widths[0]), r[1].ljust(widths[1]), str(r[2]).ljust(widths[2]),
                         metric.ljust(widths[3]), f"{r[4]:.3f}".ljust(widths[4])]))
    print("error/optimal: ||A - U S Vh||_F / min over rank-k ||A - X||_F (1 is optimal);")
    print("* sparse row: captured energy sum(s^2) / sum(sigma^2) against ARPACK (1 is optimal).")
