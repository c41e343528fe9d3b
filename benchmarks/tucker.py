"""Tucker benchmark: ``linalg.tucker`` against TensorLy on P4a, P4b, and the
memory case of tensorly/torch issue 32.

Problems (``shared/BENCHMARKS.md``, P4; generators below):

* P4a  300×300×300 of multilinear rank (20,20,20) + Gaussian noise at 1 % of
  its norm, ranks (20,20,20);
* P4b  512×512×3×3 conv-kernel-like with decaying mode spectra, ranks
  (64,64,3,3);
* I32  1024×512×3×3×3 float32 (a Conv3d weight), ranks (256,128,3,3,3):
  peak memory of the decomposition, measured in a fresh subprocess.

Every method runs in this one process on the same input (I32: one fresh
process per method); the median wall time over ``--repeats`` calls is
reported with the relative error ‖X−X̂‖_F/‖X‖_F, computed the same way for
everybody (explicit reconstruction in float64). See ``benchmarks/README.md``.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
#: A peer "reaches" our error when its error is at most ours times this.
REACH = 1.0 + 1e-6

SIZES = {
    "full": {"P4a": (300, 20), "P4b": (512, 64), "I32": (1024, 512, 256, 128), "peak": 3000},
    "quick": {"P4a": (60, 6), "P4b": (64, 8), "I32": (128, 64, 32, 16), "peak": 1000},
}


# --------------------------------------------------------------------------
# problems
# --------------------------------------------------------------------------

def p4a(n, r, seed=0):
    """n×n×n of multilinear rank (r,r,r) + Gaussian noise at 1 % of its norm.

    ``default_rng(seed)``: the core (r,r,r) standard normal, then three Haar
    n×r factors in mode order, then the noise tensor E, scaled so that
    ‖noise‖ = 0.01·‖X₀‖. C order, float64.
    """
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((r, r, r))
    U = [C.haar(rng, n, r) for _ in range(3)]
    X = np.einsum("abc,ia,jb,kc->ijk", G, *U, optimize=True)
    E = rng.standard_normal(X.shape)
    X += (0.01 * np.linalg.norm(X) / np.linalg.norm(E)) * E
    return X


def p4b(c, seed=0):
    """c×c×3×3 conv-kernel-like tensor with decaying mode spectra.

    ``X = G ×₁ U₁ ×₂ U₂ ×₃ U₃ ×₄ U₄`` with Haar square factors (drawn after
    G, in mode order) and the core ``G_ijkl = g_ijkl · w_i w_j v_k v_l``, g
    standard normal, ``w_i = 1/(i+1)`` (i < c) and ``v = (1, 1/2, 1/4)``.
    C order, float64.
    """
    rng = np.random.default_rng(seed)
    w = 1.0 / np.arange(1, c + 1)
    v = np.array([1.0, 0.5, 0.25])
    G = rng.standard_normal((c, c, 3, 3)) * np.einsum("i,j,k,l->ijkl", w, w, v, v)
    U = [C.haar(rng, c, c), C.haar(rng, c, c), C.haar(rng, 3, 3), C.haar(rng, 3, 3)]
    return np.ascontiguousarray(np.einsum("abcd,ia,jb,kc,ld->ijkl", G, *U, optimize=True))


def i32(o, i, seed=0):
    """o×i×3×3×3 float32 Gaussian weights (an untrained Conv3d kernel), C order."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((o, i, 3, 3, 3), dtype=np.float32)


def rel_error(X, core, factors):
    """‖X − X̂‖_F / ‖X‖_F, X̂ rebuilt with linalg.tucker_to_tensor in float64."""
    import linalg

    Xh = linalg.tucker_to_tensor(np.asarray(core, np.float64), [np.asarray(u, np.float64) for u in factors])
    Xd = np.asarray(X, np.float64)
    return float(np.linalg.norm(Xd - Xh) / np.linalg.norm(Xd))


# --------------------------------------------------------------------------
# methods
# --------------------------------------------------------------------------

def ours_cases(ranks):
    import linalg

    def make(**kw):
        return lambda X: tuple(linalg.tucker(X, ranks, seed=0, **kw))

    return [
        ("linalg", "sthosvd (default bases)", make(method="sthosvd")),
        ("linalg", "sthosvd (randomized='always', q=1)", make(method="sthosvd", randomized="always")),
        ("linalg", "hosvd (randomized, q=1)", make(method="hosvd")),
        ("linalg", "hooi (default)", make(method="hooi")),
    ]


def tensorly_cases(ranks):
    try:
        import tensorly as tl
        from tensorly.decomposition import tucker
    except ImportError:
        return []
    tl.set_backend("numpy")

    def make(**kw):
        def fn(X):
            core, factors = tucker(X, rank=list(ranks), init="svd", random_state=0, **kw)
            return core, factors
        return fn

    return [
        ("tensorly", "HOSVD, svd=randomized_svd (n_iter_max=0)", make(n_iter_max=0, svd="randomized_svd")),
        ("tensorly", "HOSVD, svd=truncated_svd (n_iter_max=0)", make(n_iter_max=0, svd="truncated_svd")),
        ("tensorly", "HOOI, init svd (default)", make()),
        ("tensorly", "HOOI, init svd, svd=randomized_svd", make(svd="randomized_svd")),
    ]


def gemm_floor(shape, ranks, p=10, q=1, rate=1.0):
    """GEMM-bound floor of ours' default ST-HOSVD: flops of its products ÷ rate.

    Mirrors the basis rule of tensor/tucker.hpp: exact Gram (I²P, a syrk)
    when I ≤ 8l(q+1), else the range finder (2IPl(2q+2)); then the
    truncation 2rIP; modes largest reduction first.
    """
    shape, size, flops = list(shape), float(np.prod(shape)), 0.0
    order = sorted((n for n in range(len(shape)) if ranks[n] < shape[n]), key=lambda n: -shape[n] / ranks[n])
    for n in order:
        I, r = shape[n], ranks[n]
        P = size / I
        l = min(r + p, I, P)
        flops += I * I * P if (l >= min(I, P) or I <= 8 * l * (q + 1)) else 2 * I * P * l * (2 * q + 2)
        flops += 2 * r * I * P
        size = size / I * r
        shape[n] = r
    return flops / rate


def run_problem(name, X, ranks, opts, out, rate):
    print(f"\n{name}: shape {X.shape}, ranks {ranks}, {X.dtype}", flush=True)
    rows = []
    for lib, setting, fn in ours_cases(ranks) + (tensorly_cases(ranks) if "tensorly" in opts.peers else []):
        t, res, runs = C.timed(lambda: fn(X), repeats=opts.repeats, cap=opts.cap, settle=opts.settle)
        err = rel_error(X, *res)
        rows.append(dict(lib=lib, setting=setting, time=t, runs=runs, err=err))
        print(f"  {lib:9s} {setting:45s} {t:8.3f} s  rel error {err:.7f}  ({runs} runs)", flush=True)
        del res
    peers = [r for r in rows if r["lib"] != "linalg"]
    floor = gemm_floor(X.shape, ranks, rate=rate)
    table = []
    for r in rows:
        speed, ref = "—", "—"
        if r["lib"] == "linalg" and peers:
            reach = [p for p in peers if p["err"] <= r["err"] * REACH]
            if reach:
                best = min(reach, key=lambda p: p["time"])
                speed, ref = f"{best['time'] / r['time']:.1f}", best["setting"]
            else:
                best = min(peers, key=lambda p: p["time"])
                speed = f"> {best['time'] / r['time']:.1f}"
                ref = f"none reaches it; fastest: {best['setting']}"
        fl = f"{floor:.3f}" if r["setting"] == "sthosvd (default bases)" else "—"
        table.append([r["lib"], r["setting"], f"{r['time']:.3f}", r["runs"], f"{r['err']:.7f}", fl, speed, ref])
    head = ["library", "setting", "time (s)", "runs", "rel. error", "GEMM floor (s)",
            "speed-up vs fastest TensorLy reaching ≤ this error", "that TensorLy setting"]
    out.append(f"### {name}: {' × '.join(map(str, X.shape))} {X.dtype}, ranks {tuple(ranks)}\n\n"
               + C.md_table(head, table))
    return rows


# --------------------------------------------------------------------------
# I32: peak memory in a fresh process
# --------------------------------------------------------------------------

_CHILD = r"""
import json, resource, sys, time, tracemalloc
import numpy as np
sys.path.insert(0, {here!r})
from tucker import i32, rel_error
lib, o, i, ro, ri = {lib!r}, {o}, {i}, {ro}, {ri}
X = i32(o, i)
ranks = [ro, ri, 3, 3, 3]
if lib == "linalg":
    import linalg
    fn = lambda: tuple(linalg.tucker(X, ranks, method={method!r}, seed=0))
else:
    import tensorly as tl
    from tensorly.decomposition import tucker
    tl.set_backend("numpy")
    fn = lambda: tucker(X, rank=ranks, init="svd", random_state=0, n_iter_max={iters})
def status_kib(key):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key):
                return int(line.split()[1])
base_rss = status_kib("VmRSS")
try:  # reset the peak (VmHWM) to the current RSS: Linux >= 4.0
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    reset = True
except OSError:
    reset = False
tracemalloc.start()
t0 = time.perf_counter()
core, factors = fn()
dt = time.perf_counter() - t0
_, traced = tracemalloc.get_traced_memory()
tracemalloc.stop()
peak = status_kib("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps(dict(time=dt, input_mib=X.nbytes / 2**20, rss_before_mib=base_rss / 1024, reset=reset,
                      peak_rss_mib=peak / 1024, peak_delta_mib=(peak - base_rss) / 1024,
                      numpy_traced_mib=traced / 2**20, err=rel_error(X, core, factors))))
"""


def run_i32(opts, out):
    o, i, ro, ri = SIZES[opts.size]["I32"]
    print(f"\nI32: {o}×{i}×3×3×3 float32, ranks ({ro},{ri},3,3,3), one fresh process per method", flush=True)
    cases = [("linalg", "sthosvd", 0), ("linalg", "hooi", 0)]
    if "tensorly" in opts.peers:
        cases += [("tensorly", "HOSVD (n_iter_max=0)", 0)]
    rows = []
    for lib, method, iters in cases:
        code = _CHILD.format(here=HERE, lib=lib, o=o, i=i, ro=ro, ri=ri, method=method, iters=iters)
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr[-2000:])
            rows.append([lib, method, "failed", "", "", "", "", ""])
            continue
        m = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"  {lib:9s} {method:22s} {m['time']:.3f} s  peak RSS {m['peak_rss_mib']:.0f} MiB "
              f"(+{m['peak_delta_mib']:.0f} over the process with X), err {m['err']:.5f}", flush=True)
        rows.append([lib, method, f"{m['time']:.3f}", f"{m['input_mib']:.0f}", f"{m['rss_before_mib']:.0f}",
                     f"{m['peak_rss_mib']:.0f}", f"{m['peak_delta_mib']:.0f}", f"{m['numpy_traced_mib']:.0f}",
                     f"{m['err']:.5f}"])
    head = ["library", "method", "time (s)", "X (MiB)", "RSS before (MiB)", "peak RSS (MiB)",
            "peak − before (MiB)", "NumPy-traced peak (MiB)", "rel. error"]
    out.append(f"### I32 (tensorly/torch issue 32): {o}×{i}×3×3×3 float32 Gaussian, ranks ({ro},{ri},3,3,3)\n\n"
               "Each method in a fresh subprocess that first builds X: its peak RSS is reset to the current "
               "RSS (`/proc/self/clear_refs` ← 5) just before the call, then read from `VmHWM` after it "
               "(whole process, X included); 'peak − before' is the growth over the process that already "
               "holds X: the decomposition's own peak memory; NumPy-traced is `tracemalloc`'s peak (NumPy allocations only — the "
               "core's C++ buffers are not traced, hence the RSS figures).\n\n" + C.md_table(head, rows))


# --------------------------------------------------------------------------

def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="shrink every size (seconds)")
    p.add_argument("--problems", default="P4a,P4b,I32", help="comma list of P4a,P4b,I32")
    p.add_argument("--repeats", type=int, default=5, help="timed calls per case (median)")
    p.add_argument("--cap", type=float, default=10.0, help="a call slower than this is not repeated")
    p.add_argument("--settle", type=float, default=0.1, help="seconds of sleep before each timed call")
    p.add_argument("--peers", default="tensorly", help="comma list of peers ('' for none)")
    p.add_argument("--write", dest="write", action="store_true", default=None,
                   help="write RESULTS.md (default: after a full run of all problems)")
    p.add_argument("--no-write", dest="write", action="store_false")
    p.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    o = p.parse_args(argv)
    o.size = "quick" if o.quick else "full"
    o.problems = [s.strip() for s in o.problems.split(",") if s.strip()]
    bad = set(o.problems) - {"P4a", "P4b", "I32"}
    if bad:
        p.error(f"unknown problem(s) {sorted(bad)}")
    o.peers = {s.strip() for s in o.peers.split(",") if s.strip()}
    if o.write is None:
        o.write = not o.quick and set(o.problems) == {"P4a", "P4b", "I32"}
    return o


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    opts = parse(argv)
    load = [os.getloadavg()[0]]
    import linalg

    linalg.tucker(np.ones((4, 3, 2)), 1)  # load the core
    t0 = time.perf_counter()
    size = SIZES[opts.size]["peak"]
    rate = C.peak_gemm_rate("float64", size, repeats=3)
    print(f"square GEMM {size}³ float64: {rate / 1e9:.1f} GFLOP/s", flush=True)
    out = []
    if "P4a" in opts.problems:
        n, r = SIZES[opts.size]["P4a"]
        run_problem("P4a", p4a(n, r), (r, r, r), opts, out, rate)
    if "P4b" in opts.problems:
        c, r = SIZES[opts.size]["P4b"]
        run_problem("P4b", p4b(c), (r, r, 3, 3), opts, out, rate)
    if "I32" in opts.problems:
        run_i32(opts, out)
    total = time.perf_counter() - t0
    load.append(os.getloadavg()[0])
    print(f"\ntotal {total:.1f} s, load average {load[0]:.2f} -> {load[1]:.2f}", flush=True)
    if opts.write:
        cmd = "python benchmarks/tucker.py " + " ".join(shlex.quote(a) for a in argv)
        text = "\n".join([
            "## Tucker (`benchmarks/tucker.py`)", "",
            f"Command: `{cmd.strip()}` — median of {opts.repeats} calls (one call above {opts.cap:g} s).", "",
            C.md_table(["machine", ""], C.machine_info()), "",
            f"1-min load average before / after the run: {load[0]:.2f} / {load[1]:.2f}.", "",
            f"Square GEMM rate ({size}³): float64 {rate / 1e9:.1f} GFLOP/s.", "",
            "\n\n".join(out), "", f"Total benchmark time: {total:.0f} s."])
        print(f"wrote section tucker of {C.write_section('tucker', text, opts.out)}")
    return out


if __name__ == "__main__":
    main()
