"""Nyström benchmark: ``linalg.nystrom`` against its peers on P7.

P7 (``shared/BENCHMARKS.md``): the RBF kernel K = exp(−‖xᵢ−xⱼ‖²/(2h²)) of
10000 standard Gaussian points in ℝ¹⁰ (``default_rng(0)``), h = the median
pairwise distance, rank k = 200. Metric: trace-norm error ratio
‖K − K̂‖_* / Σ_{i>k} λᵢ. For every method here K̂ ⪯ K (Nyström) or K̂ is a
truncated eigendecomposition, so ‖K − K̂‖_* = tr K − tr K̂ exactly. The top-k
reference eigenvalues come from ``scipy.linalg.eigh(subset_by_index)`` and
are cached in ``benchmarks/.cache/`` (git-ignored).

Peers: ``scipy.linalg.eigh(K, subset_by_index=[n−k, n−1])`` (vectors too),
truncated ``numpy.linalg.eigh``, and sklearn ``Nystroem`` (uniform landmarks,
``n_components = k``; it evaluates only n×k kernel entries from the points,
while the others read the n×n K). ``--quick``: n = 2000, k = 40.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SIZES = {"full": (10000, 10, 200), "quick": (2000, 10, 40)}
OURS = ((0, 10), (1, 10), (2, 10), (1, 50), (1, 100), (2, 50))  # (power_iters, oversample)


def problem(n, d, seed=0):
    """Points X, bandwidth h and the kernel K (exactly symmetric: cdist is)."""
    from scipy.spatial.distance import cdist, pdist

    X = np.random.default_rng(seed).standard_normal((n, d))
    h = float(np.median(pdist(X)))
    K = cdist(X, X, "sqeuclidean")
    K *= -1.0 / (2.0 * h * h)
    np.exp(K, out=K)
    return X, h, K


def reference_eigenvalues(K, k, tag):
    """Top-k eigenvalues of K, descending, cached by problem tag."""
    import scipy.linalg as sla

    path = os.path.join(HERE, ".cache", f"p7_eig_{tag}.npy")
    if os.path.exists(path):
        lam = np.load(path)
        if lam.shape == (k,):
            return lam, True
    n = K.shape[0]
    lam = sla.eigh(K, subset_by_index=[n - k, n - 1], eigvals_only=True)[::-1].copy()
    os.makedirs(os.path.dirname(path), exist_ok=True)
    np.save(path, lam)
    return lam, False


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--peers", default="sklearn,scipy_eigh,numpy_eigh", help="comma list")
    p.add_argument("--write", dest="write", action="store_true", default=None)
    p.add_argument("--no-write", dest="write", action="store_false")
    o = p.parse_args(argv)
    write = (not o.quick) if o.write is None else o.write
    peers = {s.strip() for s in o.peers.split(",") if s.strip()}
    load0 = os.getloadavg()[0]

    import linalg

    n, d, k = SIZES["quick" if o.quick else "full"]
    X, h, K = problem(n, d)
    trace = float(np.trace(K))
    lam, cached = reference_eigenvalues(K, k, f"n{n}_d{d}_k{k}_seed0")
    best = trace - lam.sum()
    rate = C.gemm_rate(K, k + 10, repeats=o.repeats)
    print(f"P7 n={n} k={k} h={h:.4f}: optimal trace error {best:.6g} "
          f"(reference eigenvalues {'cached' if cached else 'computed'}); GEMM {rate / 1e9:.1f} GFLOP/s", flush=True)
    linalg.nystrom(K, k, seed=0)  # warm-up
    rows = []

    def record(name, fn, trace_hat, floor=None, note=""):
        t, out, runs = C.timed(fn, o.repeats, cap=20.0)
        ratio = (trace - trace_hat(out)) / best
        rows.append(dict(name=name, t=t, ratio=ratio, floor=floor, runs=runs, note=note))
        print(f"  {name:<52} {t:9.3f} s  trace-error ratio {ratio:.4f}", flush=True)

    for q, ov in OURS:
        l = min(n, k + ov)
        record(f"linalg.nystrom(K, {k}, power_iters={q}, oversample={ov})",
               lambda q=q, ov=ov: linalg.nystrom(K, k, power_iters=q, oversample=ov, seed=0),
               lambda r: float(np.sum(r.eigenvalues)), floor=2.0 * n * n * l * (q + 1) / rate)
    if "sklearn" in peers:
        from sklearn.kernel_approximation import Nystroem

        gamma = 1.0 / (2.0 * h * h)
        for comps in (k, 4 * k):
            record(f"sklearn Nystroem(n_components={comps}).fit_transform(X)",
                   lambda c=comps: Nystroem(gamma=gamma, n_components=c, random_state=0).fit_transform(X),
                   lambda F: float(np.sum(F * F)), note="rank " + str(comps))
    if "scipy_eigh" in peers:
        import scipy.linalg as sla

        record(f"scipy.linalg.eigh(K, subset_by_index=[n-{k}, n-1])",
               lambda: sla.eigh(K, subset_by_index=[n - k, n - 1]),
               lambda r: float(np.sum(r[0])))
    if "numpy_eigh" in peers:
        record(f"numpy.linalg.eigh(K), top {k} kept", lambda: np.linalg.eigh(K),
               lambda r: float(np.sum(r[0][-k:])))
    load1 = os.getloadavg()[0]

    eigh_t = next((r["t"] for r in rows if r["name"].startswith("scipy.linalg.eigh")), None)
    sk = [r for r in rows if r["name"].startswith(f"sklearn Nystroem(n_components={k})")]
    table = C.md_table(
        ["method", "time (s)", "GEMM floor (s)", "trace-error ratio", "≤ 1.05", "speed-up vs scipy eigh",
         "error < sklearn (rank k)"],
        [[r["name"], C.fmt(r["t"]), C.fmt(r["floor"]), f"{r['ratio']:.4f}", "yes" if r["ratio"] <= 1.05 else "no",
          f"{eigh_t / r['t']:.1f}×" if eigh_t else "—",
          ("yes" if r["ratio"] < sk[0]["ratio"] else "no") if sk and r["name"].startswith("linalg") else "—"]
         for r in rows])
    cmd = "python benchmarks/nystrom.py " + " ".join(shlex.quote(a) for a in argv)
    text = "\n".join([
        "## Nyström, P7 (`benchmarks/nystrom.py`)", "",
        f"Command: `{cmd.strip()}` — median of {o.repeats} calls (one call above 20 s).", "",
        C.md_table(["machine", ""], C.machine_info()), "",
        f"1-min load average before / after: {load0:.2f} / {load1:.2f}.", "",
        f"Problem: RBF kernel of {n} points in ℝ^{d}, h = {h:.4f} (median distance), rank {k}; "
        f"optimal trace error Σ_(i>k) λᵢ = {best:.6g} (trace {trace:.0f}). GEMM rate {rate / 1e9:.1f} GFLOP/s; "
        f"floor = (q+1)·2n²l ÷ rate. sklearn's time excludes forming K (it evaluates n×k entries itself).", "",
        table, ""])
    print(text)
    if write:
        print(f"wrote section nystrom of {C.write_section('nystrom', text)}")


if __name__ == "__main__":
    main()
