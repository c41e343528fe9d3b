"""Kernel timeline of rsvd(precision="mixed") on the GPU (issue 9): every
kernel and copy of one call, recorded by CUPTI through torch.profiler (it
sees the kernels of every library in the process), against the same
float16 cuBLAS products issued through CuPy's handle, then the host side
of the call (cProfile).

    OUT=/some/dir python benchmarks/gpu_trace.py [P1|P2]

Prints the wall time, the GPU busy time and span and the heaviest kernels;
writes every event in time order (start, gap before it, duration, name) to
$OUT/kernels-<problem>.txt. Gaps in the span are host round trips (small
LAPACK factorizations, reads of scalars). A: 50000 x 20000 float32 from
Gaussian factors of rank 2000 scaled by 1/i (P1, as gpu_profile.py) or
exp(-i/20) (P2); the CuPy-handle products run with P1 only. benchmarks/gpu.sh runs it with
EXTRA="python3 benchmarks/gpu_trace.py".
"""
import json
import os
import sys
import tempfile
import time

import cupy as cp
import numpy as np
import torch
from cupy_backends.cuda.libs import cublas
from torch.profiler import ProfilerActivity, profile

import linalg

OUT = os.environ.get("OUT", tempfile.gettempdir())
m, n, r = 50000, 20000, 2000
rng = cp.random.default_rng(0)
PROBLEM = sys.argv[1] if len(sys.argv) > 1 else "P1"
i = cp.arange(1, r + 1, dtype=cp.float32)
s = 1.0 / i if PROBLEM == "P1" else cp.exp(-i / 20.0)
A = (rng.standard_normal((m, r), dtype=cp.float32) * s) @ rng.standard_normal((r, n), dtype=cp.float32)
KW = dict(precision="mixed", method="subspace", power_iters=1)
log = open(os.path.join(OUT, f"kernels-{PROBLEM}.txt"), "w")


def sync():
    cp.cuda.Device().synchronize()


def ms(fn, rep=7):
    fn()
    sync()
    ts = []
    for _ in range(rep):
        t = time.perf_counter()
        fn()
        sync()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)) * 1e3


def trace(fn, tag, wall):
    fn()
    sync()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        fn()
        sync()
    path = os.path.join(tempfile.gettempdir(), f"trace-{tag}.json")
    prof.export_chrome_trace(path)
    ev = json.load(open(path))["traceEvents"]
    ks = sorted((e for e in ev if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset") and "dur" in e),
                key=lambda e: e["ts"])
    if not ks:
        print(f"[{tag}] no GPU events recorded", flush=True)
        return
    t0, end, busy = ks[0]["ts"], ks[0]["ts"], 0.0
    log.write(f"\n## {tag}: wall {wall:.2f} ms\n")
    for e in ks:
        log.write(f"{e['ts'] - t0:9.0f} +{e['ts'] - end:7.0f} {e['dur']:8.1f} us {e['cat'][:10]:10s} {e['name'][:150]}\n")
        end = max(end, e["ts"] + e["dur"])
        busy += e["dur"]
    log.flush()
    print(f"[{tag}] wall {wall:.2f} ms; GPU busy {busy / 1e3:.2f} ms over a span of {(end - t0) / 1e3:.2f} ms, "
          f"{len(ks)} GPU events", flush=True)
    agg = {}
    for e in ks:
        a = agg.setdefault(e["name"][:100], [0, 0.0])
        a[0] += 1
        a[1] += e["dur"]
    for name, (c, d) in sorted(agg.items(), key=lambda kv: -kv[1][1])[:10]:
        print(f"   {d / 1e3:7.2f} ms {c:4d}x  {name}", flush=True)


def rsvd_call():
    return linalg.rsvd(A, 100, seed=1, check_finite=False, **KW)


trace(rsvd_call, f"{PROBLEM} rsvd-mixed-q1", ms(rsvd_call))
if PROBLEM != "P1":
    log.close()
    sys.exit(0)

# The same products through CuPy's handle on a CuPy-allocated float16 copy.
A16 = (A * 2.0**-4).astype(cp.float16)  # C order: stored n x m, as rsvd's copy
h = cp.cuda.device.get_cublas_handle()
one, zero = np.array(1, np.float32), np.array(0, np.float32)
L = 160
Xt = cp.asfortranarray(cp.random.standard_normal((n, L), dtype=cp.float32).astype(cp.float16))
Xn = cp.asfortranarray(cp.random.standard_normal((m, L), dtype=cp.float32).astype(cp.float16))
Yt = cp.empty((m, L), dtype=cp.float32, order="F")
Yn = cp.empty((n, L), dtype=cp.float32, order="F")


def probe():
    cublas.gemmEx(h, cublas.CUBLAS_OP_T, cublas.CUBLAS_OP_N, m, L, n, one.ctypes.data, A16.data.ptr, 2, n,
                  Xt.data.ptr, 2, n, zero.ctypes.data, Yt.data.ptr, 0, m, 68, -1)
    cublas.gemmEx(h, cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_N, n, L, m, one.ctypes.data, A16.data.ptr, 2, n,
                  Xn.data.ptr, 2, m, zero.ctypes.data, Yn.data.ptr, 0, n, 68, -1)


trace(probe, "cupy-handle-T-then-N", ms(probe))
del A16, Xt, Xn, Yt, Yn
cp.get_default_memory_pool().free_all_blocks()

# The host side: where a call's wall time outside the GPU's span goes.
import cProfile
import pstats

rsvd_call()
sync()
pr = cProfile.Profile()
pr.enable()
for _ in range(5):
    rsvd_call()
    sync()
pr.disable()
pstats.Stats(pr).sort_stats("tottime").print_stats(12)
log.close()
maps = open("/proc/self/maps").read()
print("cuBLAS loaded:", sorted(set(x.split()[-1] for x in maps.splitlines() if "libcublas" in x)), flush=True)
