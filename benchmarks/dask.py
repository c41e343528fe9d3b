"""Dask benchmark: ``linalg.dask.rsvd`` against ``dask.array.linalg.svd_compressed`` on P10.

P10 (``shared/BENCHMARKS.md``): dense 400000×2000 float64 in 20000-row
chunks, rank k = 50, on a ``dask.distributed.LocalCluster`` of 2 worker
processes × 1 thread (each worker's BLAS single-threaded, Dask's default).

The input has a known spectrum, so the P1 error ratio
‖A − UΣVᵀ‖_F / (Σ_{i>k} σᵢ²)^{1/2} has an exact denominator:
A = U·diag(σ)·Vᵀ with σᵢ = 1/i (i = 1..n), built lazily block by block on
the workers and persisted there once (the time to build it is not counted;
nothing of size m reaches the client):

* V is Haar (n×n, from ``default_rng(seed)``); W is a second Haar n×n
  matrix, and M = W·diag(σ)·Vᵀ (n×n, 32 MB) is the only thing sent.
* U is m×n with exactly orthonormal columns: its rows come in N = m/n
  sub-blocks of n rows; sub-block t is D_t·P_t·W/√N for a random sign
  diagonal D_t and a random row permutation P_t (both from
  ``default_rng([seed, t])``), so UᵀU = Σ_t WᵀW/N = I. Row i of A is thus
  ±(row π(i) of M)/√N: any chunking gives the same A, and
  AᵀA = MᵀM = V·diag(σ²)·Vᵀ exactly.
  Both methods draw Gaussian test matrices, whose distribution is invariant
  under rotations, so their accuracy depends on σ only; the structure of U
  (signed row copies of a Haar matrix, rather than a Haar m×n matrix, whose
  construction would cost a QR of 400000×2000) changes neither the flops nor
  the memory traffic of a pass.

The error ‖A − UΣVᵀ‖_F² is summed block by block on the workers (exact, not
from ‖A‖² − ‖UΣ‖²). Time: wall clock from the call until U is persisted on
the workers and Σ, Vᵀ are on the client (median of repeats, one call above
the cap). Peak worker memory: the largest peak RSS (VmHWM, reset before each
call through /proc/self/clear_refs) over the workers during the call; it
includes the worker's share of the persisted A (m·n·8/2 bytes).

``--quick``: 40000×200 in 2000-row chunks, k = 10 (seconds).
The file is named after the package it measures; it drops its own folder
from ``sys.path`` before importing ``dask``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shlex
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# This file is called dask.py: without this, "import dask" would import it.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != HERE]

import numpy as np  # noqa: E402

SIZES = {"full": (400_000, 2000, 20_000, 50), "quick": (40_000, 200, 2_000, 10)}
PEERS = ((2, 10), (4, 10), (1, 10), (1, 20), (1, 30))  # svd_compressed (n_power_iter, n_oversamples)
# (method, power_iters, oversample); "auto" is block Krylov here (float64, n >= 4 (k + p)).
OURS = (("auto", None, 10), ("subspace", None, 10), ("subspace", 2, 10), ("subspace", 1, 30))


def _common():
    spec = importlib.util.spec_from_file_location("_bench_common", os.path.join(HERE, "_common.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


# ---------------------------------------------------------------- the input

def _a_block(M, lo, hi, n, nsub, seed):
    """Rows lo..hi-1 of A: row i = d_i · M[π_t(i mod n)] / √N, t = i // n."""
    out = np.empty((hi - lo, M.shape[1]))
    scale = 1.0 / np.sqrt(nsub)
    i = lo
    while i < hi:  # one step per sub-block of n rows
        t, off = divmod(i, n)
        j = min(hi, (t + 1) * n)
        rng = np.random.default_rng([seed, t])
        perm = rng.permutation(n)
        sign = rng.choice(np.array([-scale, scale]), size=n)
        sl = slice(off, off + (j - i))
        np.multiply(M[perm[sl]], sign[sl, None], out=out[i - lo:j - lo])
        i = j
    return out


def _block_from_index(idx, M, n, nsub, seed, rows):
    b = int(idx[0, 0])
    lo = b * rows
    return _a_block(M, lo, lo + int(idx[0, 1]), n, nsub, seed)


def problem(m, n, rows, seed=0):
    """The lazy P10 matrix (dask array, row chunks) and σ."""
    import dask.array as da

    C = _common()
    rng = np.random.default_rng(seed)
    V = C.haar(rng, n, n)
    W = C.haar(rng, n, n)
    sigma = 1.0 / np.arange(1, n + 1)
    M = (W * sigma) @ V.T
    nsub = m // n
    assert nsub * n == m, "m must be a multiple of n"
    sizes = [min(rows, m - lo) for lo in range(0, m, rows)]
    idx = da.from_array(np.array([[b, s] for b, s in enumerate(sizes)]), chunks=(1, 2))
    Md = da.from_array(M, chunks=M.shape)
    A = da.blockwise(_block_from_index, "ij", idx, "ik", Md, "cj", n=n, nsub=nsub, seed=seed + 1, rows=rows,
                     dtype=np.float64, concatenate=True, adjust_chunks={"i": sizes})
    return A, sigma


def place_evenly(client, A):
    """A persisted with its row blocks dealt round-robin over the workers.

    An equal share of blocks per worker, exactly (``client.rebalance``
    balances bytes of process memory and left 11 and 9 of P10's 20 blocks:
    the slower worker then sets every pass's time, for both libraries).
    """
    import dask.array as da
    import distributed

    workers = sorted(client.scheduler_info()["workers"])
    parts = [client.persist(A.blocks[i], workers=[workers[i % len(workers)]]) for i in range(A.numblocks[0])]
    distributed.wait(parts)
    return da.concatenate(parts, axis=0)


# ---------------------------------------------------------------- metrics

def _resid_block(a, u, s, vh):
    r = a - (u * s) @ vh
    return np.array([[float(np.vdot(r, r))]])


def residual_sq(A, U, S, Vh):
    """‖A − U·diag(S)·Vh‖_F², block by block on the workers."""
    import dask.array as da

    U = U.rechunk({0: A.chunks[0], 1: -1})
    Sd = da.from_array(np.asarray(S, dtype=np.float64), chunks=-1)
    Vd = da.from_array(np.asarray(Vh, dtype=np.float64), chunks=Vh.shape)
    parts = da.blockwise(_resid_block, "iz", A, "ij", U, "ik", Sd, "k", Vd, "kj", dtype=np.float64,
                         concatenate=True, adjust_chunks={"i": 1}, new_axes={"z": 1})
    return float(parts.sum().compute())


def _reset_peak():
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")


def _peak_rss():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return -1


# ---------------------------------------------------------------- main

def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=None, help="default 3 (1 with --quick)")
    p.add_argument("--size", default=None, help="m,n,rows,k instead of P10's (for probing)")
    p.add_argument("--only", default=None, help="';'-separated row-name prefixes to run")
    p.add_argument("--memory-limit", default="10GiB", help="per worker")
    p.add_argument("--write", dest="write", action="store_true", default=False)
    o = p.parse_args(argv)

    import dask
    import distributed

    import linalg
    import linalg.dask

    C = _common()
    load0 = os.getloadavg()[0]
    if o.repeats is None:
        o.repeats = 1 if o.quick else 3
    m, n, rows, k = (tuple(int(x) for x in o.size.split(",")) if o.size
                     else SIZES["quick" if o.quick else "full"])
    only = [x for x in (o.only or "").split(";") if x]
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", memory_limit=o.memory_limit)
    client = distributed.Client(cluster)
    limit = next(iter(client.scheduler_info()["workers"].values()))["memory_limit"]
    try:
        A, sigma = problem(m, n, rows)
        t0 = time.perf_counter()
        A = place_evenly(client, A)
        t_build = time.perf_counter() - t0
        # Warm-up: the workers import linalg and dask.array's linalg once.
        small = dask.array.ones((400, 40), chunks=(100, 40))
        linalg.dask.rsvd(small, 2, seed=0).U.compute()
        dask.compute(*dask.array.linalg.svd_compressed(small, 2, n_power_iter=1, seed=0))
        best = float(np.sqrt(np.sum(sigma[k:] ** 2)))
        print(f"P10 {m}x{n} float64 in {rows}-row chunks, k={k}; A built and persisted in {t_build:.1f} s; "
              f"worker limit {limit / 2**30:.2f} GiB; optimal error {best:.6g}", flush=True)
        rows_out = []

        def record(name, call):
            if only and not any(name.startswith(x) for x in only):
                return

            def run():
                client.run(_reset_peak)
                t = time.perf_counter()
                out = call()
                dt = time.perf_counter() - t
                peak = max(client.run(_peak_rss).values())
                return dt, peak, out

            times, peaks, out = [], [], None
            for _ in range(max(1, o.repeats)):
                out = None
                dt, peak, out = run()
                times.append(dt)
                peaks.append(peak)
                if dt > 20.0:
                    break
            U, S, Vh, info = out
            ratio = np.sqrt(max(residual_sq(A, U, S, Vh), 0.0)) / best
            r = dict(name=name, t=float(np.median(times)), runs=len(times), ratio=ratio, peak=max(peaks), info=info)
            rows_out.append(r)
            print(f"  {name:<58} {r['t']:8.2f} s  error ratio {ratio:.4f}  peak worker "
                  f"{r['peak'] / 2**30:.2f} GiB  {info}", flush=True)

        for meth, q, ov in OURS:
            def ours(meth=meth, q=q, ov=ov):
                res = linalg.dask.rsvd(A, k, method=meth, power_iters=q, oversample=ov, seed=0)
                U = res.U.persist()
                distributed.wait(U)
                i = res.info
                return U, res.S, res.Vh, (f"{i['method']}, q={i['power_iters']}, basis {i['basis_size']}, "
                                          f"passes {i['passes']}")
            record(f"linalg.dask.rsvd(A, {k}, method={meth!r}, power_iters={q}, oversample={ov})", ours)
        for q, ov in PEERS:
            def peer(q=q, ov=ov):
                u, s, v = dask.array.linalg.svd_compressed(A, k, n_power_iter=q, n_oversamples=ov, seed=0)
                u, s, v = dask.persist(u, s, v)
                distributed.wait(u)
                s, v = dask.compute(s, v)
                return u, s, v, ""
            record(f"svd_compressed(A, {k}, n_power_iter={q}, n_oversamples={ov})", peer)
    finally:
        client.close()
        cluster.close()
    load1 = os.getloadavg()[0]

    good = [r for r in rows_out if r["ratio"] <= C.TARGET_RATIO]
    peers_good = [r for r in good if r["name"].startswith("svd_compressed")]
    ours_good = [r for r in good if r["name"].startswith("linalg")]
    best_peer = min(peers_good, key=lambda r: r["t"]) if peers_good else None
    table = C.md_table(
        ["method", "time (s)", "error ratio", "≤ 1.01", "peak worker memory (GiB)", "speed-up vs best peer ≤ 1.01",
         "note"],
        [[r["name"], C.fmt(r["t"]), f"{r['ratio']:.4f}", "yes" if r["ratio"] <= C.TARGET_RATIO else "no",
          f"{r['peak'] / 2**30:.2f}",
          f"{best_peer['t'] / r['t']:.2f}×" if best_peer and r["name"].startswith("linalg") else "—",
          r["info"] + (f" ({r['runs']} run)" if r["runs"] == 1 else "")]
         for r in rows_out])
    summary = ""
    if best_peer and ours_good:
        fast = min(ours_good, key=lambda r: r["t"])
        summary = (f"Fastest at ratio ≤ 1.01: ours {fast['t']:.2f} s (`{fast['name']}`) vs "
                   f"svd_compressed {best_peer['t']:.2f} s (`{best_peer['name']}`): "
                   f"{best_peer['t'] / fast['t']:.2f}×.")
    cmd = "python benchmarks/dask.py " + " ".join(shlex.quote(a) for a in argv)
    text = "\n".join([
        "## Dask, P10 (`benchmarks/dask.py`)", "",
        f"Command: `{cmd.strip()}` — median of {o.repeats} calls (one call above 20 s).", "",
        C.md_table(["machine", ""], C.machine_info()), "",
        f"1-min load average before / after: {load0:.2f} / {load1:.2f}. dask {dask.__version__}, "
        f"distributed {distributed.__version__}.", "",
        f"Problem: A = U·diag(σ)·Vᵀ, {m}×{n} float64 in {rows}-row chunks ({m * n * 8 / 1e9:.2f} GB), "
        f"σᵢ = 1/i, k = {k}, optimal error {best:.6g}; built on the workers and persisted before timing "
        f"(construction in the module docstring), blocks dealt round-robin over the workers (an equal share each), one warm-up call of each library on a small array. LocalCluster: 2 worker processes × 1 thread, memory limit "
        f"{limit / 2**30:.2f} GiB each (Dask's default spilling thresholds). Time until U is persisted on the "
        f"workers and Σ, Vᵀ are on the client; peak worker memory = largest VmHWM over the workers during "
        f"the call (includes the worker's {m * n * 8 / 2 / 2**30:.2f} GiB share of A).", "",
        table, "", summary, ""])
    print(text)
    if o.write:
        print(f"wrote section dask of {C.write_section('dask', text)}")


if __name__ == "__main__":
    main()
