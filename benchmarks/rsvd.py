"""Randomized SVD benchmark: ``linalg.rsvd`` against its peers on P1, P2, P3.

Problems (``shared/BENCHMARKS.md``):

* P1  dense 20000×4000, A = U·diag(1/i)·Vᵀ, k = 100, float64 and float32;
* P2  as P1 with σᵢ = exp(−i/20);
* P3  sparse CSR 200000×50000 with 5·10⁶ N(0,1) entries, k = 50.

Every method runs in this one process on the same input; the median wall
time over ``--repeats`` calls is reported with the accuracy metric and the
number of passes over A. See ``benchmarks/README.md`` for the columns, and
``python benchmarks/rsvd.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import os
import shlex
import sys
import time
from dataclasses import dataclass, field

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
OVERSAMPLE = 10          # l = k + 10 columns for every randomized method
ENERGY_TOL = 1e-3        # P3: a peer "reaches" ours' energy within this
ENERGY_FALLBACK = 0.99   # P3 target when ours is not run

SIZES = {  # (m, n, k) dense; (m, n, nnz, k) sparse
    "full": {"dense": (20000, 4000, 100), "sparse": (200000, 50000, 5_000_000, 50),
             "peak": 4000},
    "quick": {"dense": (1000, 200, 10), "sparse": (10000, 2500, 50_000, 10),
              "peak": 1000},
}
DENSE = {"P1": "inv", "P2": "exp"}


# --------------------------------------------------------------------------
# cases: one method at one setting
# --------------------------------------------------------------------------

@dataclass
class Case:
    """One method at one setting. ``fn(A) -> (U, S, Vh, info)``.

    ``passes`` is the number of passes over A when known in advance (peers);
    ours reports it in ``info``. ``always`` cases run even after the sweep
    they belong to has reached the target.
    """
    lib: str
    setting: str
    fn: object
    passes: int | None = None
    always: bool = True
    dense_floor: bool = True


@dataclass
class Row:
    """A measured case."""
    lib: str
    setting: str
    time: float | None = None
    runs: int = 0
    metric: float | None = None
    passes: object = None
    floor: float | None = None
    note: str = ""
    S: object = field(default=None, repr=False)
    floor_args: tuple = field(default=(), repr=False)
    before_exact: float | None = None  # 16-bit range finder runs: median seconds before the exact pass

    @property
    def ok(self):
        return self.time is not None and self.metric is not None


def ours_cases(ours, k, full_precision=False):
    """``linalg.rsvd``: auto, subspace with 1–3 and Krylov with 1–4 power iterations.

    With ``full_precision`` (dense float64) also auto with ``precision="mixed"``
    (basis found in float32, one float64 pass) and ``precision="low"`` with one
    and two power steps (the range finder in bfloat16 on the AMX units where
    the CPU has them, one float64 pass) when ``ours`` takes that argument; for
    dense float32 ``precision="mixed"`` (the same bfloat16 range finder) with
    one and two power steps.
    """
    settings = [("auto", {})]
    try:
        takes = "precision" in inspect.signature(ours).parameters
    except (TypeError, ValueError):
        takes = False
    if full_precision == "float64" and takes:
        settings.append(("auto, precision=mixed", {"precision": "mixed"}))
        settings += [(f"low p={p}", dict(precision="low", method="subspace", power_iters=p)) for p in (1, 2)]
    if full_precision == "float32" and takes:
        settings += [(f"mixed p={p}", dict(precision="mixed", method="subspace", power_iters=p)) for p in (1, 2)]
    settings += [(f"subspace p={p}", dict(method="subspace", power_iters=p)) for p in (1, 2, 3)]
    settings += [(f"krylov p={p}", dict(method="krylov", power_iters=p)) for p in (1, 2, 3, 4)]

    def make(kw):
        # The 16-bit range finder runs report when their exact pass begins
        # (progress marks): the float64/float32 table splits their time there.
        split = "precision" in kw and "progress" in inspect.signature(ours).parameters
        before = []

        def fn(A):
            t0, mark = time.perf_counter(), []

            def progress(step, total, what):
                if not mark and what.startswith("exact"):
                    mark.append(time.perf_counter() - t0)
            res = ours(A, k, oversample=OVERSAMPLE, seed=0, **kw, **({"progress": progress} if split else {}))
            U, S, Vh = res
            info = dict(getattr(res, "info", None) or {})
            if mark:
                before.append(mark[0])
                info["before_exact_s"] = list(before)
            return U, S, Vh, info
        return fn
    return [Case("linalg", label, make(kw)) for label, kw in settings]


def _sweep_order(values, resolve, always):
    """``(value, resolved count, always)`` sorted by resolved iteration count.

    Values resolving to the same count (``"auto"`` and its number) are run
    once, as the first of them; it is "always" if any of them is.
    """
    out = {}
    for v in sorted(values, key=lambda v: (resolve(v), v != "auto")):
        r = resolve(v)
        first = out.setdefault(r, [v, r, False])
        first[2] = first[2] or v in always
    return [tuple(t) for t in out.values()]


def sklearn_cases(k, shape, values, always):
    """sklearn ``randomized_svd`` (n_oversamples=10, random_state=0) over ``n_iter``."""
    try:
        from sklearn.utils.extmath import randomized_svd
    except ImportError:
        return [Case("sklearn", "not installed", None)]
    auto = 7 if k < 0.1 * min(shape) else 4  # sklearn's rule for "auto"

    def make(it):
        def fn(A):
            U, S, Vh = randomized_svd(A, k, n_oversamples=OVERSAMPLE, n_iter=it,
                                      random_state=0)
            return U, S, Vh, {}
        return fn
    resolve = lambda v: auto if v == "auto" else v  # noqa: E731
    return [Case("sklearn", f"n_iter={v}" + (f" ({r})" if v == "auto" else ""),
                 make(v), 2 * r + 2, a)
            for v, r, a in _sweep_order(values, resolve, always)]


def fbpca_cases(k, values, always):
    """fbpca ``pca(A, k, raw=True, n_iter, l=k+10)`` (seeded via ``np.random.seed(0)``)."""
    try:
        import fbpca
    except Exception as e:  # ImportError, or an old package failing on import
        return [Case("fbpca", f"not installed ({type(e).__name__})", None)]

    def make(it):
        def fn(A):
            np.random.seed(0)
            U, S, Vh = fbpca.pca(A, k, raw=True, n_iter=it, l=k + OVERSAMPLE)
            return U, S, Vh, {}
        return fn
    return [Case("fbpca", f"n_iter={v}", make(v), 2 * v + 2, a)
            for v, _, a in _sweep_order(values, lambda v: v, always)]


def torch_cases(k, values, always, sparse=False):
    """``torch.svd_lowrank(A, q=k+10, niter)`` on CPU; sparse A as a CSR tensor."""
    try:
        import torch
    except ImportError:
        return [Case("torch", "not installed", None)]

    def make(it):
        def fn(T):
            torch.manual_seed(0)
            U, S, V = torch.svd_lowrank(T, q=k + OVERSAMPLE, niter=it)
            return U[:, :k].numpy(), S[:k].numpy(), V[:, :k].mT.numpy(), {}
        return fn
    lib = "torch (csr)" if sparse else "torch"
    return [Case(lib, f"niter={v}", make(v), 2 * v + 2, a)
            for v, _, a in _sweep_order(values, lambda v: v, always)]


def to_torch(A):
    """Torch view of A: ``from_numpy`` for dense, a CSR tensor for scipy CSR."""
    import torch

    if not hasattr(A, "tocsr"):
        return torch.from_numpy(A)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.sparse_csr_tensor(
            torch.from_numpy(A.indptr.astype(np.int64)),
            torch.from_numpy(A.indices.astype(np.int64)),
            torch.from_numpy(A.data), size=A.shape)


def gesdd_case(k):
    """Truncated LAPACK ``gesdd`` through ``scipy.linalg.svd``."""
    try:
        import scipy.linalg as sl
    except ImportError:
        return [Case("gesdd", "not installed", None)]

    def fn(A):
        U, S, Vh = sl.svd(A, full_matrices=False, lapack_driver="gesdd",
                          check_finite=False)
        return U[:, :k].copy(), S[:k].copy(), Vh[:k].copy(), {}
    return [Case("gesdd", "full, truncated", fn, None, dense_floor=False)]


def svds_cases(k):
    """``scipy.sparse.linalg.svds`` with ARPACK and PROPACK (tol=0, seeded)."""
    try:
        from scipy.sparse.linalg import LinearOperator, svds
    except ImportError:
        return [Case("svds", "not installed", None)]

    def make(solver):
        def fn(A):
            count = [0]

            def prod(M, X):
                count[0] += 1 if X.ndim == 1 else X.shape[1]
                return M @ X
            At = A.T
            op = LinearOperator(A.shape, dtype=A.dtype,
                                matvec=lambda x: prod(A, x), rmatvec=lambda x: prod(At, x),
                                matmat=lambda X: prod(A, X), rmatmat=lambda X: prod(At, X))
            try:
                U, S, Vh = svds(op, k=k, solver=solver, rng=np.random.default_rng(0))
            except TypeError:  # SciPy < 1.15 spells the seed random_state
                U, S, Vh = svds(op, k=k, solver=solver, random_state=0)
            return U, S, Vh, {"passes": f"{count[0]} mv"}
        return fn
    return [Case(f"svds {s}", "k=%d" % k, make(s), None) for s in ("arpack", "propack")]


# --------------------------------------------------------------------------
# running
# --------------------------------------------------------------------------

class Runner:
    """Measures cases on one input and keeps the rows."""

    def __init__(self, opts, A, evaluate, reached, floor=None):
        self.opts, self.A, self.evaluate, self.reached = opts, A, evaluate, reached
        self.floor = floor  # (case, info, passes) -> seconds or None
        self.rows = []

    def measure(self, case, A=None):
        """Time one case, evaluate it, print a progress line, keep the row."""
        row = Row(case.lib, case.setting)
        if case.fn is None:
            row.note = case.setting
            row.setting = "—"
            return self._keep(row)
        A = self.A if A is None else A
        try:
            t, out, runs = C.timed(lambda: case.fn(A), self.opts.repeats,
                                   self.opts.cap, self.opts.settle)
        except Exception as e:  # a peer's failure is a result, not a crash
            row.note = f"failed: {type(e).__name__}: {str(e)[:90]}"
            return self._keep(row)
        U, S, Vh, info = out
        row.time, row.runs, row.S = t, runs, np.asarray(S)
        row.passes = info.get("passes", case.passes)
        if info.get("before_exact_s"):
            row.before_exact = float(np.median(info["before_exact_s"][-runs:]))
        if case.lib == "linalg" and info.get("method") and case.setting.startswith("auto"):
            p = info.get("power_iters")
            row.setting = f"{case.setting} → {info['method']}"
            row.setting += f" p={p}" if p is not None else ""
        try:
            row.metric, note = self.evaluate(U, S, Vh)
        except Exception as e:  # wrong shapes or types in a result
            row.metric, note = None, f"unscorable result: {type(e).__name__}: {str(e)[:60]}"
        notes = [note] if note else []
        if info.get("fast_products") == "bfloat16":
            notes.append("bfloat16 range finder (AMX) + exact pass")
        elif info.get("mixed_precision"):
            notes.append("mixed float32/float64")
        dt = getattr(U, "dtype", None)
        if dt is not None and dt != self.A.dtype:
            notes.append(f"returns {dt}")
        if runs < self.opts.repeats:
            notes.append(f"{runs} run (> {self.opts.cap:g} s cap)")
        row.note = "; ".join(notes)
        if self.floor is not None and case.dense_floor:
            row.floor_args = (case, info, row.passes)
            row.floor = self.floor(*row.floor_args)
        return self._keep(row)

    def refloor(self):
        """Recompute every row's floor (after the GEMM rate was re-measured)."""
        for r in self.rows:
            if r.floor_args:
                r.floor = self.floor(*r.floor_args)

    def _keep(self, row):
        self.rows.append(row)
        ratio = row.time / row.floor if row.floor and row.time else None
        print(f"  {row.lib:13s} {row.setting:22s} {C.fmt(row.time, '8.3f'):>8}s "
              f"metric {C.fmt(row.metric, '.5f'):>8}  passes {C.fmt(row.passes, '')!s:>7} "
              f"t/floor {C.fmt(ratio, '.2f'):>5}  {row.note}", flush=True)
        return row

    def sweep(self, cases, A=None):
        """Run cases in order; once one reaches the target only ``always`` ones
        still run; a case slower than ``--sweep-limit`` ends the sweep."""
        done = stop = False
        for case in cases:
            if (done or stop) and not case.always:
                continue
            row = self.measure(case, A)
            done = done or (row.ok and self.reached(row.metric))
            stop = stop or (row.time is not None and row.time > self.opts.sweep_limit)


def best_rows(rows, reached):
    """Per library, the fastest row that reaches the target (or None)."""
    out = {}
    for r in rows:
        out.setdefault(r.lib, None)
        if r.ok and reached(r.metric) and (out[r.lib] is None or r.time < out[r.lib].time):
            out[r.lib] = r
    return out


def ratio(a, b):
    """a / b, or None."""
    return a / b if a is not None and b else None


def rows_table(rows, metric_name, with_floor):
    """Markdown table of all measured rows."""
    heads = ["library", "setting", "time [s]", "runs", metric_name, "passes"]
    heads += ["floor [s]", "time/floor"] if with_floor else []
    heads += ["note"]
    body = []
    for r in rows:
        cells = [r.lib, r.setting, C.fmt(r.time, ".3f"), r.runs or "—",
                 C.fmt(r.metric, ".4f"), C.fmt(r.passes, "")]
        if with_floor:
            cells += [C.fmt(r.floor, ".3f"), C.fmt(ratio(r.time, r.floor), ".2f")]
        body.append(cells + [r.note])
    return C.md_table(heads, body)


def summary_table(rows, reached, metric_name, target_text, with_floor=True):
    """Fastest setting of each library reaching the target, and peer/ours."""
    best = best_rows(rows, reached)
    auto = next((r for r in rows if r.lib == "linalg" and r.setting.startswith("auto")), None)
    ours_auto = auto.time if auto is not None and auto.ok and reached(auto.metric) else None
    ours_best = best.get("linalg").time if best.get("linalg") else None
    body = []
    for lib, r in best.items():
        if r is None:
            tried = [x for x in rows if x.lib == lib and x.ok]
            notes = [x.note for x in rows if x.lib == lib and x.note]
            why = ("not reached (best %s: %s)" % (metric_name, C.fmt(
                max(x.metric for x in tried) if "energy" in metric_name
                else min(x.metric for x in tried), ".4f"))) if tried else \
                (notes[0] if notes else "did not run")
            body.append([lib, why, "—", "—", "—", "—", "—", "—"])
            continue
        body.append([lib, r.setting, C.fmt(r.time, ".3f"), C.fmt(r.metric, ".4f"),
                     C.fmt(r.passes, ""), C.fmt(ratio(r.time, r.floor), ".2f"),
                     C.fmt(ratio(r.time, ours_auto), ".2f"),
                     C.fmt(ratio(r.time, ours_best), ".2f")])
    heads = ["library", f"fastest setting reaching {target_text}", "time [s]", metric_name,
             "passes", "time/floor", "time / ours(auto)", "time / ours(best)"]
    if not with_floor:
        heads.pop(5)
        body = [b[:5] + b[6:] for b in body]
    return C.md_table(heads, body)


# --------------------------------------------------------------------------
# problems
# --------------------------------------------------------------------------

def run_dense(name, opts, ours, out):
    """P1 or P2, each requested dtype; appends markdown to ``out``."""
    m, n, k = SIZES[opts.size]["dense"]
    print(f"\n== {name}: generating {m}×{n} ({DENSE[name]} spectrum) ...", flush=True)
    t0 = time.perf_counter()
    A64, sigma = C.dense_problem(m, n, DENSE[name])
    print(f"   generated in {time.perf_counter() - t0:.1f} s", flush=True)
    by_dtype = {}
    for dt in opts.dtypes:
        A = A64 if dt == "float64" else A64.astype(dt)
        by_dtype[dt] = run_dense_dtype(name, A, sigma, k, dt, opts, ours, out)
        del A
        gc.collect()
    del A64
    gc.collect()
    if len(by_dtype) == 2:
        out.append(precision_table(name, by_dtype))
        print(out[-1])


def run_dense_dtype(name, A, sigma, k, dt, opts, ours, out):
    """One dense problem in one dtype: all cases, tables into ``out``."""
    m, n = A.shape
    l = k + OVERSAMPLE
    a_norm2 = C.frob2(A)
    rate = {dt: C.gemm_rate(A, l, repeats=opts.repeats)}

    def rate_for(d):  # another dtype's rate, if ours reports mixed-precision flops
        if d not in rate:
            rate[d] = (C.bf16_gemm_rate(A, l, repeats=opts.repeats) if d == "bfloat16"
                       else C.gemm_rate(A.astype(d), l, repeats=opts.repeats))
        return rate[d]

    def floor(case, info, passes):
        if info.get("fast_products") == "bfloat16" and info.get("gemm_flops") and rate_for("bfloat16"):
            # bfloat16 passes at the AMX product rate, then one exact float32
            # pass with l = k + p columns.
            exact = 2.0 * m * n * l
            return exact / rate[dt] + (info["gemm_flops"] - exact) / rate_for("bfloat16")
        by = info.get("gemm_flops_by_dtype")
        if not isinstance(by, dict) and info.get("mixed_precision") and info.get("gemm_flops"):
            # linalg's mixed path without a split: float32 passes, then one
            # float64 product A·V with `rank` columns (see linalg.rsvd's docs).
            f64 = 2.0 * m * n * info.get("rank", k)
            by = {"float64": f64, "float32": info["gemm_flops"] - f64}
        if isinstance(by, dict):
            return sum(f / rate_for(str(np.dtype(d))) for d, f in by.items())
        flops = info.get("gemm_flops")
        if flops is None and isinstance(passes, (int, np.integer)):
            flops = passes * 2.0 * m * n * l
        return flops / rate[dt] if flops else None

    def evaluate(U, S, Vh):
        return C.error_ratio(A, U, S, Vh, sigma, k, a_norm2), ""

    reached = lambda x: x <= C.TARGET_RATIO  # noqa: E731
    print(f"\n### {name} {dt}: GEMM rate {rate[dt] / 1e9:.1f} GFLOP/s", flush=True)
    run = Runner(opts, A, evaluate, reached, floor)
    if ours is not None:
        for c in ours_cases(ours, k, full_precision=dt):
            run.measure(c)
    if "sklearn" in opts.peers:
        run.sweep(sklearn_cases(k, A.shape, ["auto", *range(1, 8)], {"auto", 2, 4}))
    if "fbpca" in opts.peers:
        run.sweep(fbpca_cases(k, range(0, 7), {2}))
    if "torch" in opts.peers:
        cases = torch_cases(k, range(0, 7), {2})
        run.sweep(cases, to_torch(A) if cases[0].fn else None)
    if "gesdd" in opts.peers and dt in opts.gesdd_dtypes:
        run.measure(gesdd_case(k)[0])
    # The floor is a lower bound: use the faster of the rates measured before
    # and after the cases (a busy moment only ever lowers a measured rate).
    for d in list(rate):
        if d == "bfloat16":
            again = C.bf16_gemm_rate(A, l, repeats=opts.repeats) or 0.0
        else:
            again = C.gemm_rate(A if d == dt else A.astype(d), l, repeats=opts.repeats)
        rate[d] = max(rate[d], again)
    run.refloor()
    rates = ", ".join(f"{d} {r / 1e9:.1f}" for d, r in rate.items())
    head = (f"### {name} {dt}: {m}×{n}, k = {k}, l = k+{OVERSAMPLE}; "
            f"pass-shaped GEMM rate {rates} GFLOP/s")
    out += [head, rows_table(run.rows, "error ratio", True),
            summary_table(run.rows, reached, "error ratio", f"≤ {C.TARGET_RATIO}")]
    print(out[-2] + "\n\n" + out[-1], flush=True)
    return run.rows


def precision_table(name, by_dtype):
    """float64 time / float32 time per setting of ours (and each peer's best)."""
    r64, r32 = by_dtype["float64"], by_dtype["float32"]
    base = lambda r: r.setting.split(" →")[0]  # noqa: E731  (auto may resolve differently)
    t32 = {(r.lib, base(r)): r for r in r32}
    body = []
    for r in r64:
        s = t32.get((r.lib, base(r)))
        if r.lib == "linalg" and s is not None:
            label = r.setting if r.setting == s.setting else f"{r.setting} / {s.setting}"
            body.append([r.lib, label, C.fmt(r.time, ".3f"), C.fmt(s.time, ".3f"),
                         C.fmt(ratio(r.time, s.time), ".2f")])
    reached = lambda x: x <= C.TARGET_RATIO  # noqa: E731
    b64, b32 = best_rows(r64, reached), best_rows(r32, reached)
    for lib in b64:
        if lib in b32 and (b64[lib] or b32[lib]):
            a, b = b64[lib], b32[lib]
            body.append([lib, "best reaching target: %s / %s" % (
                a.setting if a else "—", b.setting if b else "—"),
                C.fmt(a and a.time, ".3f"), C.fmt(b and b.time, ".3f"),
                C.fmt(ratio(a and a.time, b and b.time), ".2f")])
    # Where both bests are the 16-bit range finder plus one exact pass, their
    # ratio is set by that pass: split them there, and give the ratio's
    # ceiling were float32's exact pass free.
    a, b = b64.get("linalg"), b32.get("linalg")
    if a and b and a.before_exact and b.before_exact:
        body.append(["linalg", "best reaching target, time before the exact pass (packing A to bfloat16, the same range finder)",
                     C.fmt(a.before_exact, ".3f"), C.fmt(b.before_exact, ".3f"),
                     C.fmt(ratio(a.before_exact, b.before_exact), ".2f")])
        body.append(["linalg", "best reaching target, exact pass and small SVD",
                     C.fmt(a.time - a.before_exact, ".3f"), C.fmt(b.time - b.before_exact, ".3f"),
                     C.fmt(ratio(a.time - a.before_exact, b.time - b.before_exact), ".2f")])
        body.append(["linalg", "ceiling of the best/best ratio: float64's best over float32's time before its "
                     "exact pass", C.fmt(a.time, ".3f"), C.fmt(b.before_exact, ".3f"),
                     C.fmt(ratio(a.time, b.before_exact), ".2f")])
    # The same against float64 computed in float64 throughout (no 16- or
    # 32-bit range finder), float32 at its best: what choosing float32 buys
    # a user who wants float64's own arithmetic otherwise.
    full64 = [r for r in r64 if r.lib == "linalg" and not r.setting.startswith(("low", "mixed"))
              and "precision=" not in r.setting]
    f64 = best_rows(full64, reached).get("linalg")
    if f64 and b32.get("linalg"):
        b = b32["linalg"]
        body.append(["linalg", f"best reaching target, float64 in float64 only: {f64.setting} / {b.setting}",
                     C.fmt(f64.time, ".3f"), C.fmt(b.time, ".3f"), C.fmt(ratio(f64.time, b.time), ".2f")])
    return (f"### {name}: float64 vs float32\n\n"
            + C.md_table(["library", "setting", "float64 [s]", "float32 [s]", "f64/f32"], body))


def run_sparse(opts, ours, out):
    """P3: ARPACK first (reference σ), then PROPACK, ours, sklearn, torch."""
    m, n, nnz, k = SIZES[opts.size]["sparse"]
    print(f"\n== P3: generating {m}×{n} CSR with {nnz} nonzeros ...", flush=True)
    A = C.sparse_problem(m, n, nnz)
    ref = {"sigma": None}
    target = {"energy": opts.energy_target}

    def evaluate(U, S, Vh):
        gap = C.rayleigh_gap(A, U, S, Vh, k)
        note = f"⚠ S ≠ uᵢᵀAvᵢ (gap {gap:.1e})" if gap > 1e-6 else ""
        if ref["sigma"] is None:
            return None, note
        return C.captured_energy(S, ref["sigma"], k), note

    reached = lambda e: e >= target["energy"] - ENERGY_TOL  # noqa: E731
    head = f"### P3 float64: {m}×{n} CSR, {nnz} nonzeros, k = {k}"
    print("\n" + head, flush=True)
    run = Runner(opts, A, evaluate, lambda e: e is not None and reached(e))
    svds = svds_cases(k)
    arpack, propack = (svds + [None])[:2]
    row = run.measure(arpack)
    if row.S is not None:
        ref["sigma"] = row.S
        row.metric = 1.0
        row.note = (row.note + "; reference σ").strip("; ")
    else:
        print("   ARPACK failed: energies are relative to the best result found")
    if propack is not None and "propack" in opts.peers:
        run.measure(propack)
    if ours is not None:
        for c in ours_cases(ours, k):
            run.measure(c)
    if ref["sigma"] is None:  # fall back to the largest energy any method found
        best = max((r for r in run.rows if r.S is not None),
                   key=lambda r: float(np.sum(np.asarray(r.S, float) ** 2)), default=None)
        ref["sigma"] = best.S if best is not None else np.ones(k)
        for r in run.rows:
            if r.S is not None:
                r.metric = C.captured_energy(r.S, ref["sigma"], k)
    if target["energy"] is None:
        auto = next((r for r in run.rows if r.lib == "linalg" and r.ok
                     and r.setting.startswith("auto")), None)
        target["energy"] = auto.metric if auto is not None else ENERGY_FALLBACK
    print(f"   target energy for the peers' sweeps: {target['energy']:.4f}", flush=True)
    if "sklearn" in opts.peers:
        # from one power step up: the target energy is ours' auto's, which
        # few steps may reach (the sweep stops at the first that does)
        vals = ["auto", 1, 2, 3, 4, 10, 20, 40, 80] if opts.size == "full" else ["auto", 1, 2, 4, 10, 20]
        run.sweep(sklearn_cases(k, A.shape, vals, {"auto"}))
    if "torch" in opts.peers:
        cases = torch_cases(k, [1, 2, 3, 4, 8, 16, 32], {2}, sparse=True)
        run.sweep(cases, to_torch(A) if cases[0].fn else None)
    tgt = f"energy ≥ {target['energy']:.4f} − {ENERGY_TOL:g}"
    out += [head, f"Target: {tgt} (ours' auto energy unless --energy-target); "
                  "ARPACK (tol=0) is the reference, energy 1 by definition.",
            rows_table(run.rows, "energy", False),
            summary_table(run.rows, lambda e: e is not None and reached(e), "energy", tgt,
                          with_floor=False)]
    print("\n" + out[-2] + "\n\n" + out[-1], flush=True)
    del A
    gc.collect()


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def warm_up(ours, opts):
    """One untimed call of every method on a tiny matrix (imports, lazy init)."""
    A = np.random.default_rng(0).standard_normal((200, 60))
    cases = ([] if ours is None else ours_cases(ours, 5)[:1])
    if "sklearn" in opts.peers:
        cases += sklearn_cases(5, A.shape, [1], set())
    if "fbpca" in opts.peers:
        cases += fbpca_cases(5, [1], set())
    for c in cases:
        if c.fn is not None:
            try:
                c.fn(A)
            except Exception:
                pass
    if "torch" in opts.peers:
        t = torch_cases(5, [1], set())[0]
        if t.fn is not None:
            t.fn(to_torch(A))


def parse(argv):
    """Command-line options."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="shrink every size (seconds)")
    p.add_argument("--problems", default="P1,P2,P3", help="comma list of P1,P2,P3")
    p.add_argument("--dtypes", default="float64,float32", help="dense dtypes to run")
    p.add_argument("--repeats", type=int, default=3, help="timed calls per case (median)")
    p.add_argument("--cap", type=float, default=20.0,
                   help="a call slower than this many seconds is not repeated")
    p.add_argument("--sweep-limit", type=float, default=60.0,
                   help="a peer's sweep stops after a setting slower than this")
    p.add_argument("--settle", type=float, default=None,
                   help="seconds of sleep before each timed call (default 0.1, quick 0.01)")
    p.add_argument("--peers", default="sklearn,fbpca,torch,gesdd,propack",
                   help="comma list of peers to run (ARPACK always runs on P3: "
                        "it is the reference)")
    p.add_argument("--no-gesdd", action="store_true", help="skip truncated gesdd")
    p.add_argument("--gesdd-dtypes", default="float64", help="dtypes gesdd runs in")
    p.add_argument("--no-ours", action="store_true", help="peers only (no linalg)")
    p.add_argument("--energy-target", type=float, default=None,
                   help="P3 target energy (default: ours' auto energy, or 0.99)")
    p.add_argument("--write", dest="write", action="store_true", default=None,
                   help="write RESULTS.md (default: only for a full run of all problems)")
    p.add_argument("--no-write", dest="write", action="store_false")
    p.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"), help="results file (its section rsvd is replaced)")
    o = p.parse_args(argv)
    o.size = "quick" if o.quick else "full"
    o.problems = [s.strip().upper() for s in o.problems.split(",") if s.strip()]
    bad = set(o.problems) - {"P1", "P2", "P3"}
    if bad:
        p.error(f"unknown problem(s) {sorted(bad)}")
    o.dtypes = [d.strip() for d in o.dtypes.split(",") if d.strip()]
    o.gesdd_dtypes = [d.strip() for d in o.gesdd_dtypes.split(",")]
    o.peers = {s.strip() for s in o.peers.split(",")} - ({"gesdd"} if o.no_gesdd else set())
    if o.settle is None:
        o.settle = 0.01 if o.quick else 0.1
    if o.write is None:
        o.write = not o.quick and set(o.problems) == {"P1", "P2", "P3"}
    return o


def load_ours(opts, ours):
    """The function under test: ``ours`` if given, else ``linalg.rsvd``."""
    if opts.no_ours:
        return None
    if ours is not None:
        return ours
    try:
        import linalg
        return linalg.rsvd
    except Exception as e:  # not installed, or an unbuilt/broken extension
        print(f"linalg: not importable ({type(e).__name__}: {e}); "
              "running the peers only", flush=True)
        return None


def header(opts, argv, peak):
    """Markdown preamble: command, machine, rates."""
    cmd = "python benchmarks/rsvd.py " + " ".join(shlex.quote(a) for a in argv)
    lines = ["## Randomized SVD (`benchmarks/rsvd.py`)", "",
             f"Command: `{cmd.strip()}` — repeats {opts.repeats} (median), "
             f"single run above {opts.cap:g} s, sweeps stop after a setting "
             f"slower than {opts.sweep_limit:g} s.", "",
             C.md_table(["machine", ""], C.machine_info()), "",
             "1-min load average before / after the run: %.2f / %.2f "
             "(the run itself adds about 2)." % tuple(opts.load), "",
             "Square GEMM rate (%d³): float64 %.1f GFLOP/s, float32 %.1f GFLOP/s." % (
                 SIZES[opts.size]["peak"], peak["float64"] / 1e9, peak["float32"] / 1e9)]
    return "\n".join(lines)


def main(argv=None, ours=None):
    """Run the benchmark; ``ours`` overrides ``linalg.rsvd`` (for testing)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    opts = parse(argv)
    opts.load = [os.getloadavg()[0]]
    if opts.load[0] > 0.5:
        print(f"note: 1-min load average is {opts.load[0]:.2f} before the run; "
              "other processes will slow and scatter the timings", flush=True)
    ours = load_ours(opts, ours)
    t0 = time.perf_counter()
    warm_up(ours, opts)
    size = SIZES[opts.size]["peak"]
    peak = {d: C.peak_gemm_rate(d, size, repeats=opts.repeats) for d in ("float64", "float32")}
    print(f"square GEMM {size}³: float64 {peak['float64'] / 1e9:.1f} GFLOP/s, "
          f"float32 {peak['float32'] / 1e9:.1f} GFLOP/s", flush=True)
    out = []
    for name in ("P1", "P2"):
        if name in opts.problems:
            run_dense(name, opts, ours, out)
    C.free_cached()
    if "P3" in opts.problems:
        run_sparse(opts, ours, out)
    total = time.perf_counter() - t0
    opts.load.append(os.getloadavg()[0])
    print(f"\ntotal {total:.1f} s", flush=True)
    if opts.write:
        text = header(opts, argv, peak) + "\n\n" + "\n\n".join(out) + \
            f"\n\nTotal benchmark time: {total:.0f} s.\n"
        print(f"wrote section rsvd of {C.write_section('rsvd', text, opts.out)}")
    return out


if __name__ == "__main__":
    main()
