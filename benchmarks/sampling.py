"""Sampling benchmark: leverage scores and Lewis weights on P6, and regression on sampled rows.

Problems:

* P6 (``shared/BENCHMARKS.md``): leverage scores of a 10⁶×50 matrix whose
  rows are Student-t (ν = 2)-scaled Gaussians. Ours (exact, sketch at
  eps = 0.1 and 0.3, Lewis weights p = 1) against the exact peers
  ``scipy.linalg.qr(mode="economic")`` and ``numpy.linalg.qr`` followed by
  row norms, on the same array in one process. Metric: max over ALL rows of
  the relative error against the scipy scores; time (median of repeats);
  ratio = fastest exact peer's time / this time.
* Regression on m sampled rows (m = 200 … 5000) of ``[X, y]``, X
  Student-t-scaled Gaussian rows, y = X·β + Student-t(1.5) noise: ℓ2 (least
  squares) and ℓ1 (least absolute deviations, a linear program) for each
  score kind (leverage, root leverage, Lewis, sensitivity bound, uniform),
  Poisson sampling with ``linalg.sample_rows``; metric: relative objective
  excess f(x̂)/f(x*) − 1 on all rows, the median over seeds. Also plotted to
  ``benchmarks/sampling.png``.

``python benchmarks/sampling.py --help`` lists the flags.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {
    "full": {"p6": (1_000_000, 50), "l2": (200_000, 10), "l1": (50_000, 10),
             "m": (200, 500, 1000, 2000, 5000), "seeds": 5},
    "quick": {"p6": (100_000, 50), "l2": (5_000, 6), "l1": (3_000, 6), "m": (200, 500, 1000), "seeds": 2},
}
KINDS = ("leverage", "root_leverage", "lewis", "sensitivity", "uniform")


def p6_matrix(n, d, seed=0):
    """P6 input: C-ordered float64, row i = g_i · t_i with g_i ~ N(0, I_d), t_i ~ Student-t(2)."""
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, d)) * rng.standard_t(2.0, size=n)[:, None]


def row_norms_sq(Q):
    return np.einsum("ij,ij->i", Q, Q)


def max_rel_err(q, ref):
    return float(np.max(np.abs(np.asarray(q, np.float64) / ref - 1.0)))


def run_p6(opts):
    import scipy.linalg

    import linalg

    n, d = SIZES[opts.size]["p6"]
    A = p6_matrix(n, d)
    print(f"P6: {n}x{d}, {A.nbytes / 2**20:.0f} MiB", flush=True)
    rows = []
    rep = opts.repeats

    def peer_scipy():
        Q = scipy.linalg.qr(A, mode="economic", overwrite_a=False, check_finite=False)[0]
        return row_norms_sq(Q)

    def peer_numpy():
        return row_norms_sq(np.linalg.qr(A, mode="reduced")[0])

    t_sp, ref, runs = C.timed(peer_scipy, rep, cap=opts.cap, settle=opts.settle)
    rows.append(["scipy.linalg.qr(economic) + row norms", t_sp, runs, 0.0, ""])
    print(f"  scipy qr {t_sp:.3f} s", flush=True)
    if not opts.no_numpy:
        t_np, q, runs = C.timed(peer_numpy, rep, cap=opts.cap, settle=opts.settle)
        rows.append(["numpy.linalg.qr(reduced) + row norms", t_np, runs, max_rel_err(q, ref), ""])
        print(f"  numpy qr {t_np:.3f} s", flush=True)
        del q
    peer_best = min(r[1] for r in rows)

    def ours(**kw):
        return lambda: linalg.leverage_scores(A, return_info=True, **kw)

    t_ex, (q, info), runs = C.timed(ours(), rep, cap=opts.cap, settle=opts.settle)
    rows.append(["linalg.leverage_scores(method='exact')", t_ex, runs, max_rel_err(q, ref),
                 f"path {info['path']}, {info['passes']} passes"])
    print(f"  ours exact {t_ex:.3f} s  err {rows[-1][3]:.2e}", flush=True)
    for eps in (0.1, 0.3):
        t, (q, info), runs = C.timed(ours(method="sketch", eps=eps, seed=0), rep, cap=opts.cap, settle=opts.settle)
        errs = [max_rel_err(q, ref)]
        for seed in range(1, opts.error_seeds):  # the error on more seeds (untimed)
            errs.append(max_rel_err(linalg.leverage_scores(A, method="sketch", eps=eps, seed=seed), ref))
        rows.append([f"linalg.leverage_scores(method='sketch', eps={eps})", t, runs, max(errs),
                     f"path {info['path']}, {info.get('sketch_rows', '—')} sketch rows (sparse sign, 4 per column); "
                     f"max error over seeds 0..{opts.error_seeds - 1}: "
                     + ", ".join(f"{e:.3f}" for e in errs)])
        print(f"  ours sketch eps={eps} {t:.3f} s  errs {errs}", flush=True)
    t_lw, (w, winfo), runs = C.timed(lambda: linalg.lewis_weights(A, 1.0, tol=1e-6, return_info=True), rep,
                                     cap=opts.cap, settle=opts.settle)
    resid = lewis_residual(A, w, 1.0)
    rows.append(["linalg.lewis_weights(p=1, tol=1e-6)", t_lw, runs, None,
                 f"{winfo['iterations']} steps, {winfo['passes']} passes, fixed-point residual {resid:.1e}; "
                 f"{t_lw / t_ex:.1f}x one exact leverage computation"])
    print(f"  ours lewis p=1 {t_lw:.3f} s ({t_lw / t_ex:.1f}x exact), residual {resid:.1e}", flush=True)

    table = C.md_table(
        ["method", "time (s)", "runs", "ratio (best peer / this)", "max rel. error vs scipy", "notes"],
        [[r[0], C.fmt(r[1], ".3f"), r[2], C.fmt(peer_best / r[1], ".2f"), C.fmt(r[3], ".2e"), r[4]] for r in rows])
    return (f"### P6: leverage scores, {n}×{d}, Student-t(2)-scaled Gaussian rows\n\n"
            f"Peers' time is the QR plus the row norms of Q. Errors are over all {n} rows against the scipy "
            "scores. The sketch's time is for seed 0; its error column is the worst over the seeds listed.\n\n"
            + table)


def lewis_residual(A, w, p):
    """max_i |w_i^{2/p} / (a_i^T (A^T W^{1-2/p} A)^{-1} a_i) - 1| in NumPy (chunked)."""
    M = A.T @ (A * (w ** (1 - 2 / p))[:, None])
    Minv = np.linalg.inv(M)
    worst = 0.0
    for s in range(0, A.shape[0], 100_000):
        a = A[s:s + 100_000]
        q = np.einsum("ij,ij->i", a @ Minv, a)
        worst = max(worst, float(np.max(np.abs(w[s:s + 100_000] ** (2 / p) / q - 1))))
    return worst


def l1_fit(X, y, w=None):
    """argmin_b sum_i w_i |x_i^T b - y_i| via the dual LP (d equality constraints)."""
    from scipy.optimize import linprog

    n, d = X.shape
    w = np.ones(n) if w is None else w
    res = linprog(-(w * y), A_eq=(X * w[:, None]).T, b_eq=np.zeros(d), bounds=(-1, 1), method="highs")
    if res.status != 0:
        raise RuntimeError(res.message)
    return -res.eqlin.marginals


def l2_fit(X, y, w=None):
    w = np.ones(len(y)) if w is None else w
    return np.linalg.lstsq(X * w[:, None], y * w, rcond=None)[0]


def regression_problem(n, d, seed):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)) * rng.standard_t(2.0, size=n)[:, None]
    y = X @ rng.standard_normal(d) + rng.standard_t(1.5, size=n)
    return X, y


def run_regression(p, opts):
    import linalg

    n, d = SIZES[opts.size][f"l{p}"]
    X, y = regression_problem(n, d, seed=p)
    Xy = np.column_stack([X, y])
    fit = l2_fit if p == 2 else l1_fit
    obj = (lambda b: float(np.sum((X @ b - y) ** 2))) if p == 2 else (lambda b: float(np.sum(np.abs(X @ b - y))))
    t0 = time.perf_counter()
    best = obj(fit(X, y))
    t_full = time.perf_counter() - t0
    scores = {}
    for kind in KINDS:
        t0 = time.perf_counter()
        if kind == "uniform":
            s = np.ones(n)
        elif kind == "leverage":
            s = linalg.leverage_scores(Xy)
        elif kind == "root_leverage":
            s = np.sqrt(linalg.leverage_scores(Xy))
        elif kind == "lewis":
            s = linalg.lewis_weights(Xy, p)
        else:
            s = linalg.lp_sensitivities(Xy, p)
        scores[kind] = (s, time.perf_counter() - t0)
    ms = SIZES[opts.size]["m"]
    res = {}
    for kind in KINDS:
        s = scores[kind][0]
        for m in ms:
            ex, sizes = [], []
            for seed in range(SIZES[opts.size]["seeds"]):
                idx, w = linalg.sample_rows(Xy, m, p=p, scores=s, seed=seed)
                b = fit(X[idx], y[idx], w)
                ex.append(obj(b) / best - 1.0)
                sizes.append(len(idx))
            res[(kind, m)] = (float(np.median(ex)), float(np.mean(sizes)))
        print(f"  l{p} {kind}: " + ", ".join(f"m={m} {res[(kind, m)][0]:.2e}" for m in ms), flush=True)
    header = ["scores (time to compute)"] + [f"m={m}" for m in ms]
    body = [[f"{k} ({scores[k][1]:.2f} s)"] + [f"{res[(k, m)][0]:.2e} ({res[(k, m)][1]:.0f} rows)" for m in ms]
            for k in KINDS]
    text = (f"### ℓ{p} regression on sampled rows: {n}×{d}, Student-t(2) rows, Student-t(1.5) noise\n\n"
            f"Relative objective excess f(x̂)/f(x*) − 1 on all rows (median over "
            f"{SIZES[opts.size]['seeds']} seeds; mean number of distinct sampled rows in brackets; Poisson "
            f"sampling, p = {p}). Full solve: {t_full:.2f} s"
            + (" (LP via HiGHS, dual form)" if p == 1 else " (numpy lstsq)") + ".\n\n"
            + C.md_table(header, body))
    return text, res, ms


def plot(results, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6 * len(results), 4.2))
    for ax, (p, res, ms) in zip(np.atleast_1d(axes), results):
        for kind in KINDS:
            ax.loglog(ms, [max(res[(kind, m)][0], 1e-12) for m in ms], marker="o", label=kind)
        ax.set_xlabel("m (expected sample size)")
        ax.set_ylabel("relative objective excess")
        ax.set_title(f"ℓ{p} regression on sampled rows")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true", help="shrink every size (seconds)")
    p.add_argument("--parts", default="p6,l2,l1", help="comma list of p6, l2, l1")
    p.add_argument("--repeats", type=int, default=3, help="timed calls per case (median)")
    p.add_argument("--cap", type=float, default=30.0, help="a call slower than this is not repeated")
    p.add_argument("--settle", type=float, default=0.1, help="sleep before each timed call")
    p.add_argument("--error-seeds", type=int, default=5, help="sketch seeds whose max error is reported")
    p.add_argument("--no-numpy", action="store_true", help="skip the numpy.linalg.qr peer")
    p.add_argument("--write", dest="write", action="store_true", default=None,
                   help="write RESULTS.md and the plot (default: full runs of all parts)")
    p.add_argument("--no-write", dest="write", action="store_false")
    p.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    o = p.parse_args(argv)
    o.size = "quick" if o.quick else "full"
    o.parts = [s.strip() for s in o.parts.split(",") if s.strip()]
    if o.write is None:
        o.write = not o.quick and set(o.parts) == {"p6", "l2", "l1"}
    return o


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    opts = parse(argv)
    load = [os.getloadavg()[0]]
    t0 = time.perf_counter()
    out, results = [], []
    if "p6" in opts.parts:
        out.append(run_p6(opts))
    for p in (2, 1):
        if f"l{p}" in opts.parts:
            text, res, ms = run_regression(p, opts)
            out.append(text)
            results.append((p, res, ms))
    total = time.perf_counter() - t0
    load.append(os.getloadavg()[0])
    if results and opts.write:
        plot(results, os.path.join(HERE, "sampling.png"))
    cmd = "python benchmarks/sampling.py " + " ".join(shlex.quote(a) for a in argv)
    text = "\n".join([
        "## Leverage scores, Lewis weights, sensitivity sampling (`benchmarks/sampling.py`)", "",
        f"Command: `{cmd.strip()}` — repeats {opts.repeats} (median), single run above {opts.cap:g} s.", "",
        C.md_table(["machine", ""], C.machine_info()), "",
        "1-min load average before / after the run: %.2f / %.2f (other sessions share the 2 cores; "
        "the run itself adds about 2)." % tuple(load), "",
        "\n\n".join(out), "", "![regression excess vs m](sampling.png)" if results else "",
        f"\nTotal benchmark time: {total:.0f} s."])
    print(text)
    if opts.write:
        print(f"wrote section sampling of {C.write_section('sampling', text, opts.out)}")


if __name__ == "__main__":
    main()
