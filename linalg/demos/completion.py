"""Demo: inpainting a built-in low-rank image from 30 % of its pixels."""
from __future__ import annotations

import time

import numpy as np

#: Position in ``linalg demo`` (lower runs first).
ORDER = 70
TITLE = "matrix completion: inpainting a low-rank image (linalg.complete)"

RANK = 5


def image(h, w):
    """A built-in 'sunset' of exact rank 5: sky gradient, sun (a separable
    Gaussian), horizon bands and a plaid of sines; values in about [0, 1]."""
    y = np.linspace(0, 1, h)[:, None]
    x = np.linspace(0, 1, w)[None, :]
    sky = 0.2 + 0.6 * y * np.ones_like(x)
    sun = 0.8 * np.exp(-((y - 0.35) / 0.12) ** 2) * np.exp(-((x - 0.6) / 0.12) ** 2)
    bands = 0.15 * np.cos(12 * np.pi * y) * (0.5 + 0.5 * np.cos(2 * np.pi * x))
    plaid = 0.1 * np.sin(6 * np.pi * y + 1) * np.sin(8 * np.pi * x) + 0.05 * np.sin(20 * np.pi * x) * np.ones_like(y)
    return sky + sun + bands + plaid


def _ascii(img, rows=12, cols=48):
    ramp = " .:-=+*#%@"
    sub = img[np.linspace(0, img.shape[0] - 1, rows).astype(int)][:, np.linspace(0, img.shape[1] - 1, cols).astype(int)]
    lo, hi = img.min(), img.max()
    idx = np.clip(((sub - lo) / (hi - lo + 1e-12) * (len(ramp) - 1)).round().astype(int), 0, len(ramp) - 1)
    return ["".join(ramp[i] for i in row) for row in idx]


def run(quick: bool) -> None:
    """Hide 70 % of the pixels of a rank-5 image and fill them back in."""
    import linalg

    h, w = (120, 160) if quick else (480, 640)
    M = image(h, w)
    rng = np.random.default_rng(0)
    seen = rng.random(M.shape) < 0.3
    r, c = np.nonzero(seen)
    hidden = ~seen
    print(f"linalg demo: inpainting a {h}x{w} image of rank {RANK} from 30 % of its pixels "
          f"({len(r)} of {M.size} seen)")
    head = ("solver", "iterations", "time (s)", "rel. error on hidden pixels")
    print("  ".join(f"{x:<10}" for x in head))
    fits = {}
    for solver in ("sketch", "cg", "cholesky"):
        t0 = time.perf_counter()
        fit = linalg.complete((r, c, M[r, c]), RANK, shape=M.shape, solver=solver, max_iter=100, tol=0, seed=0)
        dt = time.perf_counter() - t0
        X = fit.to_dense()
        err = np.linalg.norm((X - M)[hidden]) / np.linalg.norm(M[hidden])
        fits[solver] = X
        print(f"{solver:<10}  {fit.info['iterations']:<10}  {dt:<10.3f}  {err:.2e}")
    shown = np.where(seen, M, M.min())
    print("observed pixels (hidden ones dark)          completed (sketch)")
    for a, b in zip(_ascii(shown), _ascii(fits["sketch"])):
        print(f"{a}  {b}")
