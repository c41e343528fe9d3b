"""Demo: Tucker decompositions of built-in tensors (P4-like, smaller)."""
from __future__ import annotations

import time

import numpy as np

ORDER = 60
TITLE = "Tucker decomposition (linalg.tucker)"


def _haar(rng, m, r):
    q, rr = np.linalg.qr(rng.standard_normal((m, r)))
    return q * np.sign(np.diag(rr))


def _cases(quick):
    rng = np.random.default_rng(0)
    n, r = (60, 6) if quick else (200, 20)
    # P4a-like: multilinear rank (r, r, r) plus 1 % Gaussian noise.
    G = rng.standard_normal((r, r, r))
    X = np.einsum("abc,ia,jb,kc->ijk", G, *(_haar(rng, n, r) for _ in range(3)), optimize=True)
    E = rng.standard_normal(X.shape)
    X += 0.01 * np.linalg.norm(X) / np.linalg.norm(E) * E
    yield f"P4a-like_{n}^3", X, (r, r, r)
    # P4b-like conv kernel out x in x 3 x 3 with decaying mode spectra.
    c = 64 if quick else 256
    w = [1.0 / np.arange(1, c + 1), 1.0 / np.arange(1, c + 1), np.array([1, .5, .25]), np.array([1, .5, .25])]
    core = rng.standard_normal((c, c, 3, 3)) * np.einsum("i,j,k,l->ijkl", *w)
    Us = [_haar(rng, c, c), _haar(rng, c, c), _haar(rng, 3, 3), _haar(rng, 3, 3)]
    K = np.einsum("abcd,ia,jb,kc,ld->ijkl", core, *Us, optimize=True)
    yield f"P4b-like_{c}x{c}x3x3", K, (c // 8, c // 8, 3, 3)
    # A 5-way 3-D conv kernel (out x in x 3 x 3 x 3), as in tensorly/torch issue 32.
    o, i = (64, 32) if quick else (256, 128)
    K5 = np.einsum("ai,bj->abij", rng.standard_normal((o, 8)), rng.standard_normal((i, 8))).reshape(o, i, 8, 8)
    K5 = np.einsum("abij,ijklm->abklm", K5, rng.standard_normal((8, 8, 3, 3, 3)), optimize=True)
    K5 += 0.01 * np.linalg.norm(K5) / np.sqrt(K5.size) * rng.standard_normal(K5.shape)
    yield f"conv3d_{o}x{i}x3x3x3", K5, (o // 4, i // 4, 3, 3, 3)


def run(quick: bool) -> None:
    """Decompose P4-like tensors with HOOI and ST-HOSVD; compare with exact HOOI."""
    import linalg

    rows = []
    for name, X, ranks in _cases(quick):
        best = linalg.tucker(X, ranks, method="hooi", randomized=False, rtol=1e-9).rel_error
        for method in ("sthosvd", "hooi"):
            t0 = time.perf_counter()
            res = linalg.tucker(X, ranks, method=method, seed=0)
            dt = time.perf_counter() - t0
            rows.append((name, method, "x".join(map(str, ranks)), res.rel_error, res.rel_error / best, dt))
    print("linalg demo: Tucker decomposition (linalg.tucker, randomized bases, seed 0)")
    head = ("problem", "method", "ranks", "rel_error", "vs_exact", "time_s")
    widths = [max(len(str(r[k])) if k < 3 else 10 for r in rows + [head]) for k in range(6)]
    print("  ".join(h.ljust(w) for h, w in zip(head, widths)))
    for r in rows:
        cells = [r[0], r[1], r[2], f"{r[3]:.5f}", f"{r[4]:.4f}", f"{r[5]:.3f}"]
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths)))
    print("rel_error: ||X - X^||_F / ||X||_F; vs_exact: that error over the error of HOOI")
    print("with exact bases run to convergence (1 = as good as the exact iteration).")
