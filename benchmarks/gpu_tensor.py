"""GPU benchmark of the Tucker and Nyström ports (called by benchmarks/gpu.py
on the lent device, ``run(quick)``; also runnable alone:
``python benchmarks/gpu_tensor.py [--quick]``).

* P4a: 300×300×300 float64 of multilinear rank (20,20,20) + 1 % noise,
  ranks (20,20,20) (generator: benchmarks/tucker.py ``p4a``);
* P4b: 512×512×3×3 float64 conv-kernel-like, ranks (64,64,3,3) (``p4b``);
* P7 (modest size): the RBF kernel of 6000 Gaussian points in R^10, rank
  100 (benchmarks/nystrom.py ``problem``; the full P7 is n = 10000, k = 200).

Each problem runs ``linalg`` on CuPy input (CUDA context) and on NumPy
input (the CPU engine of the same machine), median of 3 calls (the GPU
after one warm-up call, device synchronised around each). Metrics: Tucker
relative error ‖X − X̂‖_F/‖X‖_F by explicit reconstruction (float64);
Nyström the trace-norm error relative to tr K, (tr K − Σw)/tr K, exact
because 0 ⪯ K̂ ⪯ K. Quick mode shrinks every problem (n 120 / 128 / 2000).
"""
from __future__ import annotations

import os
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

SIZES = {
    False: {"P4a": (300, 20), "P4b": 512, "P7": (6000, 10, 100)},
    True: {"P4a": (120, 10), "P4b": 128, "P7": (2000, 10, 40)},
}


def _median(fn, repeats=3, warmup=0, device=False):
    cp = None
    if device:
        import cupy as cp
    out = None
    for _ in range(warmup):
        out = fn()
    if cp is not None:
        cp.cuda.Device().synchronize()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        if cp is not None:
            cp.cuda.Device().synchronize()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), out


def _tucker_rows(name, X, ranks, rows, quick):
    import cupy as cp

    import linalg

    Xd = cp.asarray(X)
    nx_h = float(np.linalg.norm(X))
    nx_d = float(cp.linalg.norm(Xd))
    cases = [("hooi", X.dtype), ("sthosvd", X.dtype), ("sthosvd", np.float32)]
    for method, dtype in cases:
        tag = f"{method} {np.dtype(dtype).name}"
        Xh = X.astype(dtype, copy=False)
        Xg = Xd.astype(dtype, copy=False)
        for where, arr in (("GPU (CuPy)", Xg), ("CPU engine (NumPy)", Xh)):
            try:
                dev = where.startswith("GPU")
                sec, res = _median(lambda: linalg.tucker(arr, ranks, method=method, seed=0), 3,
                                   1 if dev else 0, dev)
                if dev:
                    Xr = linalg.tucker_to_tensor(res.core.astype(cp.float64), [f.astype(cp.float64) for f in res.factors])
                    err = float(cp.linalg.norm(Xd - Xr)) / nx_d
                else:
                    Xr = linalg.tucker_to_tensor(res.core.astype(np.float64), [f.astype(np.float64) for f in res.factors])
                    err = float(np.linalg.norm(X - Xr)) / nx_h
                rows.append(dict(problem=name, method=f"linalg tucker {tag}, {where}", seconds=sec,
                                 metric_name="rel. error", metric=err,
                                 note=f"sweeps {res.info.get('sweeps', 0)}, bases {','.join(res.info['bases'])}"))
            except Exception as e:  # report, never crash the caller
                traceback.print_exc()
                rows.append(dict(problem=name, method=f"linalg tucker {tag}, {where}", seconds=float("nan"),
                                 metric_name="rel. error", metric=float("nan"), note=f"error: {type(e).__name__}: {e}"[:200]))


def _nystrom_rows(n, d, k, rows):
    import cupy as cp

    import linalg
    from nystrom import problem

    _, _, K = problem(n, d)
    Kd = cp.asarray(K)
    trace = float(np.trace(K))
    name = f"P7 n={n} k={k}"
    for q in (0, 1):
        for where, arr in (("GPU (CuPy)", Kd), ("CPU engine (NumPy)", K)):
            method = f"linalg nystrom q={q} p=10, {where}"
            try:
                dev = where.startswith("GPU")
                sec, res = _median(lambda: linalg.nystrom(arr, k, power_iters=q, oversample=10, seed=0), 3,
                                   1 if dev else 0, dev)
                w = cp.asnumpy(res.eigenvalues) if dev else res.eigenvalues
                rows.append(dict(problem=name, method=method, seconds=sec, metric_name="trace err / tr K",
                                 metric=(trace - float(np.sum(w, dtype=np.float64))) / trace,
                                 note=f"passes {res.info['passes']}"))
            except Exception as e:
                traceback.print_exc()
                rows.append(dict(problem=name, method=method, seconds=float("nan"), metric_name="trace err / tr K",
                                 metric=float("nan"), note=f"error: {type(e).__name__}: {e}"[:200]))


def run(quick: bool) -> list:
    rows: list = []
    sizes = SIZES[bool(quick)]
    try:
        from tucker import p4a, p4b

        n, r = sizes["P4a"]
        _tucker_rows(f"P4a {n}^3 r={r}", p4a(n, r), (r, r, r), rows, quick)
        c = sizes["P4b"]
        rb = c // 8
        _tucker_rows(f"P4b {c}x{c}x3x3 r=({rb},{rb},3,3)", p4b(c), (rb, rb, 3, 3), rows, quick)
    except Exception as e:
        traceback.print_exc()
        rows.append(dict(problem="P4", method="setup", seconds=float("nan"), metric_name="-", metric=float("nan"),
                         note=f"error: {type(e).__name__}: {e}"[:200]))
    try:
        _nystrom_rows(*sizes["P7"], rows)
    except Exception as e:
        traceback.print_exc()
        rows.append(dict(problem="P7", method="setup", seconds=float("nan"), metric_name="-", metric=float("nan"),
                         note=f"error: {type(e).__name__}: {e}"[:200]))
    return rows


if __name__ == "__main__":
    t0 = time.perf_counter()
    for row in run("--quick" in sys.argv):
        print(f"{row['problem']:<28} {row['method']:<52} {row['seconds']:9.4f} s  "
              f"{row['metric_name']} {row['metric']:.6g}  {row.get('note', '')}")
    print(f"total {time.perf_counter() - t0:.1f} s")
