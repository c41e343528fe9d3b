"""GPU benchmark of the weighted-SVD and sampling areas: CuPy input (CUDA
context) against the CPU engine on NumPy input, same machine, same seed.

Problems (sizes of ``benchmarks/wsvd.py`` and P6 of ``benchmarks/sampling.py``):

* wsvd (a): A = U diag(1/i) V^T, 4000 x 2000 float64, rank 50, row/column
  weights ~ lognormal(0, 1): the closed form (rsvd inside, adaptive depth).
* wsvd (b): the same A, W ~ Uniform(0.5, 2) with 30 % zeros: EM (10 steps)
  and ALS (2 iterations), tol = 0 so both devices run the same steps.
* P6: leverage scores of a 1e6 x 50 matrix of Student-t(2)-scaled Gaussian
  rows, exact and sketched (eps = 0.1).

Metrics: for wsvd the weighted objective over the CPU engine's (1 for the
CPU rows); for P6 the max relative error over all rows against the CPU
engine's exact scores. Times: median of 3 runs (the GPU after one warm-up
run, each run ended by a stream synchronisation). ``run(quick)`` returns one
dict per row and never raises: a failing row reports its error.

Usage: ``python benchmarks/gpu_weighted.py [--quick]``.
"""
from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SIZES = {False: dict(m=4000, n=2000, k=50, em_iters=10, als_iters=2, p6=(1_000_000, 50)),
         True: dict(m=800, n=400, k=10, em_iters=5, als_iters=1, p6=(100_000, 50))}
REPEATS = 3


def _problem_a(m, n, seed=0):
    """U diag(1/i) V^T with orthonormal U, V (the P1 generator)."""
    rng = np.random.default_rng(seed)
    r = min(m, n)
    U = np.linalg.qr(rng.standard_normal((m, r)))[0]
    V = np.linalg.qr(rng.standard_normal((n, r)))[0]
    return (U / np.arange(1, r + 1)) @ V.T


def _p6(n, d, seed=0):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * rng.standard_t(2.0, size=n)[:, None]


def _median_time(fn, repeats, sync=None, warmup=False):
    if warmup:
        fn()
        if sync:
            sync()
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        if sync:
            sync()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def _failed(problem, method, metric_name, e):
    msg = e if isinstance(e, str) else f"{type(e).__name__}: {e}"
    return dict(problem=problem, method=method, seconds=float("nan"), metric_name=metric_name, metric=float("nan"),
                note=msg, error=msg)


def _row(problem, method, fn, metric_name, metric_of, sync=None, warmup=False, repeats=REPEATS, note_of=None):
    try:
        t, out = _median_time(fn, repeats, sync, warmup)
        metric = float(metric_of(out))
        note = f"{metric_name} = {metric:.3e}"
        if note_of is not None:
            note += "; " + note_of(out)
        return dict(problem=problem, method=method, seconds=t, metric_name=metric_name, metric=metric, note=note)
    except Exception as e:  # one failing row must not stop the others
        return _failed(problem, method, metric_name, e)


def run(quick: bool) -> list[dict]:
    import linalg

    try:
        import cupy as cp

        sync = cp.cuda.get_current_stream().synchronize
    except Exception as e:  # no CuPy: CPU rows only, and say why
        cp, sync = None, None
        no_gpu = f"{type(e).__name__}: {e}"
    s = SIZES[bool(quick)]
    m, n, k = s["m"], s["n"], s["k"]
    rows = []
    A = _problem_a(m, n)
    rng = np.random.default_rng(1)
    u, v = rng.lognormal(0.0, 1.0, m), rng.lognormal(0.0, 1.0, n)
    W = rng.uniform(0.5, 2.0, (m, n)) * (rng.random((m, n)) >= 0.3)
    gpu_in = None
    if cp is not None:
        gpu_in = dict(A=cp.asarray(A), u=cp.asarray(u), v=cp.asarray(v), W=cp.asarray(W))

    def add_pair(problem, cpu_fn, gpu_fn, metric_name):
        ref = {}

        def cpu_metric(res):
            ref["f"] = res.objective
            return 1.0

        def info(res):
            return ", ".join(f"{key} {res.info[key]}" for key in ("iterations", "passes") if key in res.info)

        rows.append(_row(problem, "linalg CPU engine (NumPy in)", cpu_fn, metric_name, cpu_metric, note_of=info))
        if cp is None:
            rows.append(_failed(problem, "linalg CUDA (CuPy in)", metric_name, no_gpu))
            return
        rows.append(_row(problem, "linalg CUDA (CuPy in)", gpu_fn, metric_name,
                         lambda res: res.objective / ref["f"] if ref.get("f") else float("nan"), sync=sync,
                         warmup=True, note_of=info))

    wl = f"{m}x{n} rank {k}"
    add_pair(f"wsvd (a) closed form, {wl}",
             lambda: linalg.weighted_svd(A, k, row_weights=u, col_weights=v, exact=False, seed=0),
             lambda: linalg.weighted_svd(gpu_in["A"], k, row_weights=gpu_in["u"], col_weights=gpu_in["v"],
                                         exact=False, seed=0),
             "objective / CPU engine's")
    it = s["em_iters"]
    add_pair(f"wsvd (b) EM {it} steps, {wl}",
             lambda: linalg.weighted_svd(A, k, weights=W, method="em", max_iter=it, tol=0, seed=0),
             lambda: linalg.weighted_svd(gpu_in["A"], k, weights=gpu_in["W"], method="em", max_iter=it, tol=0, seed=0),
             "objective / CPU engine's")
    it = s["als_iters"]
    add_pair(f"wsvd (b) ALS {it} iterations, {wl}",
             lambda: linalg.weighted_svd(A, k, weights=W, method="als", max_iter=it, tol=0, seed=0),
             lambda: linalg.weighted_svd(gpu_in["A"], k, weights=gpu_in["W"], method="als", max_iter=it, tol=0,
                                         seed=0),
             "objective / CPU engine's")
    del gpu_in

    # P6: leverage scores.
    n6, d6 = s["p6"]
    P = _p6(n6, d6)
    name = f"P6 leverage scores, {n6}x{d6}"
    metric = "max rel. error vs CPU exact"
    try:
        exact = linalg.leverage_scores(P)
    except Exception as e:
        rows.append(_failed(name, "linalg CPU engine (NumPy in), exact", metric, e))
        return rows

    def err(q):
        q = cp.asnumpy(q) if cp is not None and isinstance(q, cp.ndarray) else np.asarray(q)
        return np.max(np.abs(q / exact - 1.0))

    Pg = cp.asarray(P) if cp is not None else None
    for label, kw in (("exact", {}), ("sketch eps=0.1", dict(method="sketch", eps=0.1, seed=0))):
        rows.append(_row(name, f"linalg CPU engine (NumPy in), {label}", lambda: linalg.leverage_scores(P, **kw),
                         metric, err))
        if cp is None:
            continue
        rows.append(_row(name, f"linalg CUDA (CuPy in), {label}", lambda: linalg.leverage_scores(Pg, **kw), metric,
                         err, sync=sync, warmup=True))
    return rows


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    quick = "--quick" in argv
    t0 = time.perf_counter()
    rows = run(quick)
    for r in rows:
        print(f"{r['problem']:<42} {r['method']:<48} {r['seconds']:>9.4f} s  {r['metric_name']}: {r['metric']:.3g}"
              f"  [{r.get('note', '')}]")
    print(f"total {time.perf_counter() - t0:.1f} s")
    return rows


if __name__ == "__main__":
    main()
