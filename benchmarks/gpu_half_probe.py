"""Where the float16 products of rsvd(precision="mixed") lose time: the
same skinny products through CuPy's cuBLAS handle, in the process that
runs linalg.rsvd, against the rsvd call itself (issue 9; RESULTS.md, GPU).

    python benchmarks/gpu_half_probe.py

A: 50000 x 20000 float32 with a 1/i-like spectrum, as gpu_profile.py.
Prints the rsvd times (mixed, one and adaptive power steps), then the time
of one A16^T-layout product with 112/128/160 columns (float32 and float16
output; "T" is A @ Z, "N" is A^T @ Q) and the cuBLAS libraries loaded.
"""
import time

import cupy as cp
import numpy as np
from cupy_backends.cuda.libs import cublas

import linalg

m, n, r = 50000, 20000, 2000
rng = cp.random.default_rng(0)
s = (1.0 / cp.arange(1, r + 1)).astype(cp.float32)
A = (rng.standard_normal((m, r), dtype=cp.float32) * s) @ rng.standard_normal((r, n), dtype=cp.float32)


def ms(fn, rep=5):
    fn()
    cp.cuda.Device().synchronize()
    ts = []
    for _ in range(rep):
        t = time.perf_counter()
        fn()
        cp.cuda.Device().synchronize()
        ts.append(time.perf_counter() - t)
    return float(np.median(ts)) * 1e3


for kw in (dict(precision="mixed", method="subspace", power_iters=1), dict(precision="mixed")):
    print(f"linalg.rsvd(A, 100, {kw}): {ms(lambda: linalg.rsvd(A, 100, seed=1, check_finite=False, **kw)):.1f} ms",
          flush=True)
A16 = (A * 2.0**13).astype(cp.float16)  # C order: stored n x m, as rsvd's copy
h = cp.cuda.device.get_cublas_handle()
one, zero = np.array(1, np.float32), np.array(0, np.float32)
for l in (112, 128, 160):
    out = []
    for op in "TN":
        rows, inner = (m, n) if op == "T" else (n, m)
        X = cp.asfortranarray(cp.random.standard_normal((inner, l), dtype=cp.float32).astype(cp.float16))
        for out16 in (False, True):
            Y = cp.empty((rows, l), dtype=cp.float16 if out16 else cp.float32, order="F")
            t = ms(lambda: cublas.gemmEx(h, cublas.CUBLAS_OP_T if op == "T" else cublas.CUBLAS_OP_N, cublas.CUBLAS_OP_N,
                                         rows, l, inner, one.ctypes.data, A16.data.ptr, 2, n, X.data.ptr, 2, inner,
                                         zero.ctypes.data, Y.data.ptr, 2 if out16 else 0, rows, 68, -1))
            out.append(f"{op}/{'f16' if out16 else 'f32'} out {t:.2f} ms")
    print(f"l={l}: " + ", ".join(out), flush=True)
maps = open("/proc/self/maps").read()
print("cuBLAS loaded:", sorted(set(x.split()[-1] for x in maps.splitlines() if "libcublas" in x)))
