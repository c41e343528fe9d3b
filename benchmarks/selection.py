"""Interpolative-decomposition benchmark (RESULTS.md section "select"): ``linalg.interp_decomp`` against SciPy on P8.

P8 (``shared/BENCHMARKS.md``): dense 4000×3000, A = U·diag(i⁻²)·Vᵀ (Haar U
then V from ``default_rng(0)``), k = 100; metric ‖A − A[:,J]X‖₂ / σ_{k+1}
(the spectral norm of the explicit residual from ARPACK ``svds``, k = 1).
Peers: ``scipy.linalg.interpolative.interp_decomp(A, k, rand=False/True)``.
Every method runs in this one process on the same input; median wall time
over ``--repeats`` calls. ``--quick`` uses 800×600, k = 20.

(Not named select.py: that would shadow the standard library's ``select``
module for every script in this folder.)
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

SIZES = {"full": (4000, 3000, 100), "quick": (800, 600, 20)}


def problem(m, n, seed=0):
    rng = np.random.default_rng(seed)
    U = C.haar(rng, m, n)
    V = C.haar(rng, n, n)
    s = 1.0 / np.arange(1, n + 1) ** 2
    return np.asfortranarray((U * s) @ V.T), s


def spectral_error(A, idx, X):
    from scipy.sparse.linalg import svds

    R = A - A[:, idx] @ X
    return float(svds(R, k=1, return_singular_vectors=False, random_state=0)[0])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--seeds", type=int, default=5, help="seeds of the default randomized setting")
    p.add_argument("--write", dest="write", action="store_true", default=None)
    p.add_argument("--no-write", dest="write", action="store_false")
    o = p.parse_args(argv)
    write = (not o.quick) if o.write is None else o.write
    load0 = os.getloadavg()[0]
    import scipy.linalg.interpolative as sli

    import linalg

    m, n, k = SIZES["quick" if o.quick else "full"]
    A, s = problem(m, n)
    sk = s[k]
    rate = C.gemm_rate(A, 2 * k, repeats=o.repeats)
    print(f"P8 {m}x{n} k={k}; GEMM rate {rate / 1e9:.1f} GFLOP/s (A @ {2 * k} columns)", flush=True)
    linalg.interp_decomp(A, k, seed=0)  # warm-up (thread pools)
    rows = []

    def record(name, fn, passes_cols=None):
        t, out, runs = C.timed(fn, o.repeats)
        idx, X = out[0], out[1]
        err = spectral_error(A, idx, X) / sk
        floor = None
        if passes_cols:
            floor = 2.0 * m * n * passes_cols / rate
        rows.append(dict(name=name, t=t, err=err, floor=floor, runs=runs))
        print(f"  {name:<58} {t:8.3f} s  error ratio {err:.4f}", flush=True)

    def scipy_call(rand):
        def f():
            i, proj = sli.interp_decomp(A, k, rand=rand)
            return i[:k], sli.reconstruct_interp_matrix(i, proj)
        return f

    record("scipy interp_decomp(A, k, rand=False)", scipy_call(False))
    record("scipy interp_decomp(A, k, rand=True)", scipy_call(True))
    ref_t, ref_err = rows[0]["t"], rows[0]["err"]

    def ours(**kw):
        return lambda: linalg.interp_decomp(A, k, **kw)

    for seed in range(o.seeds):
        res = linalg.interp_decomp(A, k, seed=seed)
        l, passes = res.info["sketch_rows"], res.info["passes"]
        record(f"linalg interp_decomp(A, k, seed={seed}) [q=1, l={l}]", ours(seed=seed), passes * l)
    for q, ov in ((0, None), (2, None), (1, 10), (2, 10)):
        res = linalg.interp_decomp(A, k, power_iters=q, oversample=ov, seed=0)
        l, passes = res.info["sketch_rows"], res.info["passes"]
        record(f"linalg interp_decomp(A, k, power_iters={q}, oversample={ov}, seed=0) [l={l}]",
               ours(power_iters=q, oversample=ov, seed=0), passes * l)
    record('linalg interp_decomp(A, k, method="qr")', ours(method="qr"))
    load1 = os.getloadavg()[0]

    table = C.md_table(
        ["method", "time (s)", "GEMM floor (s)", "‖A−A[:,J]X‖₂/σ_{k+1}", "error ≤ scipy rand=False", "speed-up vs scipy rand=False"],
        [[r["name"], C.fmt(r["t"]), C.fmt(r["floor"]), f"{r['err']:.4f}", "yes" if r["err"] <= ref_err * (1 + 1e-9) else "no",
          f"{ref_t / r['t']:.1f}×"] for r in rows])
    cmd = "python benchmarks/selection.py " + " ".join(shlex.quote(a) for a in argv)
    text = "\n".join([
        "## Interpolative decomposition, P8 (`benchmarks/selection.py`)", "",
        f"Command: `{cmd.strip()}` — median of {o.repeats} calls (one call above 20 s).", "",
        C.md_table(["machine", ""], C.machine_info()), "",
        f"1-min load average before / after: {load0:.2f} / {load1:.2f}.", "",
        f"Problem: {m}×{n}, σᵢ = i⁻², k = {k}; GEMM rate {rate / 1e9:.1f} GFLOP/s "
        f"(floor = 2·m·n·(passes·l) ÷ rate for the products with A).", "",
        table, ""])
    print(text)
    if write:
        print(f"wrote section select of {C.write_section('select', text)}")


if __name__ == "__main__":
    main()
