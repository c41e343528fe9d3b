"""GPU benchmark (issue 9): the CUDA context against the GPU peers, on the
lent device. Run by benchmarks/gpu.sh; prints a table per problem and
writes the RESULTS.md section text to --out.

* GEMM rate of the device (cuBLAS SGEMM/DGEMM through CuPy, 8192^3, full
  float32, no TF32) and copy bandwidth: the ceilings behind the floors.
* P1/P2 scaled: dense 50000 x 20000 float32, A = U diag(s) V^T with Haar U, V
  and s_i = 1/i (P1) or exp(-i/20) (P2), k = 100: linalg.rsvd vs
  torch.svd_lowrank on CUDA (q = k + 10, niter 1/2/4) and a truncated
  cupy.linalg.svd (on the 20000 x 4000 P1, where gesvd finishes). Metric:
  error ratio ||A - U S V^T||_F / (sum_{i>k} s_i^2)^{1/2}. Floor = the sum
  over rsvd's passes of max(GEMM flops / the measured rate of the units
  the pass uses, bytes of A it reads / the measured copy rate), plus, for
  precision="mixed", the reads of A for its norm and its float16 copy.
  torch.svd_lowrank runs with full float32 products (torch's default) and
  with TF32 ones (``allow_tf32``), both reported.
* P3: sparse CSR 200000 x 50000, 5e6 nonzeros, k = 50: linalg.rsvd vs
  cupyx.scipy.sparse.linalg.svds; metric: captured energy relative to the
  best found.
* Areas that ported themselves (benchmarks/gpu_<area>.py, run(quick)).
"""
from __future__ import annotations

import argparse
import importlib
import math
import os
import sys
import time
import traceback

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def _cp():
    import cupy

    return cupy


def median_time(fn, repeats=3, warmup=1):
    """Median wall time of fn() with the device synchronised around it."""
    cp = _cp()
    out = None
    for _ in range(warmup):
        out = fn()
    cp.cuda.Device().synchronize()
    ts = []
    for _ in range(repeats):
        cp.cuda.Device().synchronize()
        t = time.perf_counter()
        out = fn()
        cp.cuda.Device().synchronize()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)), out


def device_ceilings():
    cp = _cp()
    rates = {}
    for dt in (cp.float32, cp.float64):
        n = 8192
        a = cp.random.default_rng(0).standard_normal((n, n), dtype=dt)
        b = cp.random.default_rng(1).standard_normal((n, n), dtype=dt)
        t, _ = median_time(lambda: a @ b, repeats=5)
        rates[np.dtype(dt).name] = 2.0 * n**3 / t
        del a, b
    try:  # TF32 tensor-core rate (torch's switch; CuPy's follows CUPY_TF32)
        import torch

        torch.backends.cuda.matmul.allow_tf32 = True
        a = torch.randn(8192, 8192, device="cuda")
        b = torch.randn(8192, 8192, device="cuda")
        t, _ = median_time(lambda: a @ b, repeats=5)
        rates["tf32"] = 2.0 * 8192**3 / t
        torch.backends.cuda.matmul.allow_tf32 = False
        a, b = a.half(), b.half()
        t, _ = median_time(lambda: a @ b, repeats=5)
        rates["float16"] = 2.0 * 8192**3 / t
        del a, b
        torch.cuda.empty_cache()
    except Exception:
        rates["tf32"] = rates["float16"] = float("nan")
    x = cp.ones(1 << 29, dtype=cp.float32)  # 2 GiB
    y = cp.empty_like(x)
    t, _ = median_time(lambda: y.__setitem__(Ellipsis, x), repeats=5)
    rates["copy_bytes_per_s"] = 2.0 * x.nbytes / t
    del x, y
    cp.get_default_memory_pool().free_all_blocks()
    return rates


def haar(cp, rng, m, n, dtype):
    g = rng.standard_normal((m, n), dtype=cp.float32)
    q, r = cp.linalg.qr(g)
    q *= cp.sign(cp.diagonal(r))[None, :]
    return q.astype(dtype, copy=False)


def dense_problem(m, n, kind, dtype, seed=0):
    cp = _cp()
    rng = cp.random.default_rng(seed)
    r = min(m, n)
    i = cp.arange(1, r + 1, dtype=cp.float64)
    s = 1.0 / i if kind == "P1" else cp.exp(-i / 20.0)
    U = haar(cp, rng, m, r, dtype)
    V = haar(cp, rng, n, r, dtype)
    A = (U * s.astype(dtype)[None, :]) @ V.T
    del U, V
    cp.get_default_memory_pool().free_all_blocks()
    return cp.asfortranarray(A) if False else A, cp.asnumpy(s)


def error_ratio(A, U, S, Vh, s, k):
    cp = _cp()
    # ||A - U S Vh||_F in float64 accumulation, in row blocks (no A-sized temporary).
    tot = 0.0
    B = (U * S[None, :])
    for i0 in range(0, A.shape[0], 8192):
        E = A[i0:i0 + 8192] - B[i0:i0 + 8192] @ Vh
        tot += float(cp.sum(E.astype(cp.float64) ** 2))
        del E
    return math.sqrt(tot) / math.sqrt(float(np.sum(s[k:] ** 2)))


def pass_floor(info, m, n, k, itemsize, rate, rates):
    """The floor of an rsvd call from its report: each pass at max(its GEMM
    flops / the units' rate, A's bytes / the copy rate); precision="mixed"
    adds the read of A for its norm and, with float16 products, the copy
    (a read of A and a write of half its bytes)."""
    bw = rates["copy_bytes_per_s"]
    entries = float(m) * n
    passes = info["passes"]
    if not info.get("mixed_precision"):
        return passes * max(info["gemm_flops"] / passes / rate, entries * itemsize / bw)
    fast = info["fast_passes"]
    kind = info.get("fast_products", "tf32")
    exact_flops = 2.0 * entries * min(k + 10, min(m, n))  # the exact pass: l = k + rsvd's default oversample
    fast_flops = (info["gemm_flops"] - exact_flops) / max(fast, 1)
    fast_bytes = entries * (2 if kind == "float16" else itemsize)
    floor = fast * max(fast_flops / rates.get(kind, rate), fast_bytes / bw)
    floor += max(exact_flops / rate, entries * itemsize / bw)
    floor += entries * itemsize / bw  # ||A||_F
    if kind == "float16":
        floor += entries * (itemsize + 2) / bw
    return floor


def bench_dense(name, m, n, k, dtype, rates, repeats, rows):
    import linalg

    cp = _cp()
    A, s = dense_problem(m, n, name, dtype)
    rate = rates[np.dtype(dtype).name]

    def ours(**kw):
        return linalg.rsvd(A, k, seed=1, check_finite=False, **kw)

    m_, n_ = A.shape
    skinny = cp.random.default_rng(5).standard_normal((n_, k + 10), dtype=dtype)
    t, _ = median_time(lambda: A @ skinny, repeats=5)
    rows.append(dict(problem=f"{name} {m}x{n} {np.dtype(dtype).name}", method="one pass A @ Z (CuPy SGEMM, l = k + 10)",
                     seconds=t, metric_name="TFLOP/s", metric=2.0 * m_ * n_ * (k + 10) / t / 1e12, note="reference"))
    del skinny
    configs = [("linalg.rsvd (auto)", {}), ("linalg.rsvd mixed (float16 basis + exact pass)", dict(precision="mixed")),
               ("linalg.rsvd mixed subspace q=1", dict(precision="mixed", method="subspace", power_iters=1)),
               ("linalg.rsvd mixed subspace q=2", dict(precision="mixed", method="subspace", power_iters=2)),
               ("linalg.rsvd subspace q=1", dict(method="subspace", power_iters=1)),
               ("linalg.rsvd subspace q=2", dict(method="subspace", power_iters=2)),
               ("linalg.rsvd krylov (adaptive)", dict(method="krylov"))]
    for label, kw in configs:
        try:
            t, res = median_time(lambda: ours(**kw), repeats)
            er = error_ratio(A, res.U, res.S, res.Vh, s, k)
            floor = pass_floor(res.info, m, n, k, np.dtype(dtype).itemsize, rate, rates)
            rows.append(dict(problem=f"{name} {m}x{n} {np.dtype(dtype).name}", method=label, seconds=t,
                             metric_name="error ratio", metric=er,
                             note=f"passes {res.info['passes']}, q {res.info['power_iters']}, floor {floor:.3f} s "
                                  f"({t / floor:.2f}x floor)"))
        except Exception as exc:  # report and go on
            rows.append(dict(problem=name, method=label, seconds=float("nan"), metric_name="error", metric=float("nan"),
                             note=f"{type(exc).__name__}: {exc}"))
    try:
        import torch

        At = torch.from_dlpack(A)
        for tf32, niters in ((False, (1, 2, 4)), (True, (1, 2, 3))):
            torch.backends.cuda.matmul.allow_tf32 = tf32
            for niter in niters:
                def run_torch():
                    torch.manual_seed(0)
                    return torch.svd_lowrank(At, q=k + 10, niter=niter)

                t, (U, S, V) = median_time(run_torch, repeats)
                Uc, Sc, Vc = (cp.from_dlpack(x) for x in (U[:, :k], S[:k], V[:, :k]))
                er = error_ratio(A, Uc, Sc, Vc.T, s, k)
                rows.append(dict(problem=f"{name} {m}x{n} {np.dtype(dtype).name}",
                                 method=f"torch.svd_lowrank(q={k + 10}, niter={niter}) cuda"
                                        + (", TF32 products" if tf32 else ""),
                                 seconds=t, metric_name="error ratio", metric=er, note=f"torch {torch.__version__}"))
                del U, S, V, Uc, Sc, Vc
        torch.backends.cuda.matmul.allow_tf32 = False
    except Exception as exc:
        rows.append(dict(problem=name, method="torch.svd_lowrank", seconds=float("nan"), metric_name="error",
                         metric=float("nan"), note=f"{type(exc).__name__}: {exc}"))
    del A
    cp.get_default_memory_pool().free_all_blocks()


def bench_cupy_svd(k, repeats, rows):
    cp = _cp()
    import linalg

    m, n = 20000, 4000
    for dtype in (np.float32,):
        A, s = dense_problem(m, n, "P1", dtype)
        t, (U, S, Vh) = median_time(lambda: cp.linalg.svd(A, full_matrices=False), 1, warmup=0)
        er = error_ratio(A, U[:, :k], S[:k], Vh[:k], s, k)
        rows.append(dict(problem=f"P1 {m}x{n} {np.dtype(dtype).name}", method="cupy.linalg.svd (truncated)",
                         seconds=t, metric_name="error ratio", metric=er, note="gesvd, one run"))
        t, res = median_time(lambda: linalg.rsvd(A, k, seed=1, check_finite=False), repeats)
        er = error_ratio(A, res.U, res.S, res.Vh, s, k)
        rows.append(dict(problem=f"P1 {m}x{n} {np.dtype(dtype).name}", method="linalg.rsvd (auto)", seconds=t,
                         metric_name="error ratio", metric=er, note=f"passes {res.info['passes']}"))
        del A, U, S, Vh
        cp.get_default_memory_pool().free_all_blocks()


def bench_sparse(quick, repeats, rows):
    cp = _cp()
    import cupyx.scipy.sparse as csp
    import cupyx.scipy.sparse.linalg as csl

    import linalg

    m, n, nnz, k = (20000, 5000, 500000, 20) if quick else (200000, 50000, 5_000_000, 50)
    rng = np.random.default_rng(0)
    r = rng.integers(0, m, nnz)
    c = rng.integers(0, n, nnz)
    v = rng.standard_normal(nnz)
    A = csp.csr_matrix((cp.asarray(v), (cp.asarray(r), cp.asarray(c))), shape=(m, n))
    A.sum_duplicates()
    found = []
    for label, kw in (("linalg.rsvd (auto)", {}), ("linalg.rsvd subspace q=6", dict(method="subspace", power_iters=6)),
                      ("linalg.rsvd krylov q=10", dict(method="krylov", power_iters=10))):
        try:
            t, res = median_time(lambda: linalg.rsvd(A, k, seed=1, check_finite=False, **kw), repeats)
            found.append((label, t, float(cp.sum(res.S.astype(cp.float64) ** 2)), f"passes {res.info['passes']}"))
        except Exception as exc:
            found.append((label, float("nan"), float("nan"), f"{type(exc).__name__}: {exc}"))
    try:
        t, (U, S, Vt) = median_time(lambda: csl.svds(A, k=k), 1, warmup=1)
        found.append(("cupyx svds", t, float(cp.sum(S.astype(cp.float64) ** 2)), ""))
    except Exception as exc:
        found.append(("cupyx svds", float("nan"), float("nan"), f"{type(exc).__name__}: {exc}"))
    best = max(e for _, _, e, _ in found if e == e)
    for label, t, e, note in found:
        rows.append(dict(problem=f"P3 {m}x{n} nnz {nnz} float64 k={k}", method=label, seconds=t,
                         metric_name="energy / best", metric=e / best, note=note))


def _num(x):
    try:
        return f"{float(x):.4f}"
    except (TypeError, ValueError):
        return "-" if x is None else str(x)


def table(rows):
    """The markdown table; any missing or non-numeric value prints as is
    (a row must never cost the rows before it: seen on the H100, a None
    metric lost a whole section)."""
    out = ["| problem | method | time (s) | metric | value | note |", "|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r.get('problem', '?')} | {r.get('method', '?')} | {_num(r.get('seconds'))} | "
                   f"{r.get('metric_name', '')} | {_num(r.get('metric'))} | {r.get('note', '')} |")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--only", default="dense,completion,tensor,weighted,sparse,cupysvd",
                    help="sections, run in this order: dense, completion, tensor, weighted, sparse, cupysvd")
    ap.add_argument("--quick-areas", default="", help="areas run in their quick mode (comma list)")
    args = ap.parse_args()
    cp = _cp()
    import linalg
    from linalg import _core

    dev = _core.cuda_device()
    head = [f"Device: {dev}; CuPy {cp.__version__}; linalg {linalg.__version__}; "
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}"]
    print(head[0], flush=True)
    sections = [x for x in args.only.split(",") if x]
    quick_areas = set(x for x in args.quick_areas.split(",") if x)
    rates = {"float32": float("nan"), "float64": float("nan")}
    if "dense" in sections:
        rates = device_ceilings()
        head.append(f"Measured: SGEMM {rates['float32'] / 1e12:.1f} TFLOP/s, DGEMM {rates['float64'] / 1e12:.1f} "
                    f"TFLOP/s (8192^3, CuPy/cuBLAS, no TF32), TF32 {rates.get('tf32', float('nan')) / 1e12:.1f}, "
                    f"float16 {rates.get('float16', float('nan')) / 1e12:.1f} TFLOP/s (torch); device copy {rates['copy_bytes_per_s'] / 1e12:.2f} TB/s")
        print(head[-1], flush=True)
    rows = []
    k = 100
    sizes = (8000, 3000) if args.quick else (50000, 20000)
    reps = 2 if args.quick else 3

    def flush():
        text = "\n".join(head) + "\n\n" + table(rows) + "\n"
        if args.out:
            with open(args.out, "w") as f:
                f.write(text)
        return text

    for sec in sections:
        t0 = time.perf_counter()
        try:
            if sec == "dense":
                for name in ("P1", "P2"):
                    bench_dense(name, *sizes, k, np.float32, rates, reps, rows)
            elif sec == "sparse":
                bench_sparse(args.quick, reps, rows)
            elif sec == "cupysvd":
                if not args.quick:
                    bench_cupy_svd(k, reps, rows)
            else:
                mod = importlib.import_module(f"gpu_{sec}")
                got = mod.run(args.quick or sec in quick_areas)
                for r in got:
                    r.setdefault("note", "")
                rows.extend(got)
                print(table(got), flush=True)  # each section's rows as soon as they exist
        except Exception:
            traceback.print_exc()
        print(f"[{sec}: {time.perf_counter() - t0:.1f} s]", flush=True)
        flush()
    print("\n" + flush(), flush=True)


if __name__ == "__main__":
    main()
