"""Where rsvd's time goes on the GPU: run with LINALG_CUDA_PROFILE=1 (each
primitive synchronised and timed; totals printed at exit).
    LINALG_CUDA_PROFILE=1 python benchmarks/gpu_profile.py [config]
config: auto | mixed | q2 (default auto). A: 50000 x 20000 float32 with a
1/i-like spectrum from Gaussian factors (timing only; no accuracy here)."""
import sys
import time

import cupy as cp

import linalg

cfg = sys.argv[1] if len(sys.argv) > 1 else "auto"
m, n, r = 50000, 20000, 2000
rng = cp.random.default_rng(0)
s = (1.0 / cp.arange(1, r + 1)).astype(cp.float32)
A = (rng.standard_normal((m, r), dtype=cp.float32) * s) @ rng.standard_normal((r, n), dtype=cp.float32)
kw = {"auto": {}, "mixed": dict(precision="mixed"), "q2": dict(method="subspace", power_iters=2),
      "mixed1": dict(precision="mixed", method="subspace", power_iters=1)}[cfg]
linalg.rsvd(A, 100, seed=1, check_finite=False, **kw)  # warm-up (handles, pool)
cp.cuda.Device().synchronize()
t = time.perf_counter()
for _ in range(5):
    res = linalg.rsvd(A, 100, seed=1, check_finite=False, **kw)
cp.cuda.Device().synchronize()
print(f"{cfg}: {(time.perf_counter() - t) / 5:.4f} s per call (profiled; 6 calls in the totals below, the first a "
      f"warm-up) info={res.info}", flush=True)
