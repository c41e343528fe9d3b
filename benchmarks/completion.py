"""Matrix-completion benchmark: ``linalg.complete`` against its peers on P5.

P5 (``shared/BENCHMARKS.md``): M = U·Vᵀ, 100000×20000, rank 10, Gaussian
factors; 5·10⁶ observed entries at uniform distinct positions plus noise
N(0, 0.1²·mean(M²)); 10⁵ held-out entries (noiseless) score the fit as
held-out RMSE ÷ noise σ.

Peers, all on the same arrays in this process: a vectorised NumPy exact-ALS
reference with spectral initialisation, Spark MLlib ALS (pyspark,
``local[2]``) and Surprise ``SVD``. Spark and Surprise take minutes: their
results are cached in ``benchmarks/.cache/`` (``--rerun-peers`` repeats
them) and the table says so. Then the time per iteration of each of our
solvers for k ∈ {8, 16, 32, 64} with the fitted log-log slope, and a plot
``benchmarks/completion.png``. See ``benchmarks/README.md`` for the columns.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _common as C  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
SIZES = {
    "full": dict(m=100_000, n=20_000, k=10, nobs=5_000_000, nheld=100_000, iters=8, ks=(8, 16, 32, 64)),
    "quick": dict(m=4_000, n=1_500, k=5, nobs=150_000, nheld=5_000, iters=6, ks=(4, 8, 16)),
}
SOLVERS = ("sketch", "cg", "cholesky")
#: A tool "reaches" a held-out RMSE when it is within this factor of it: the
#: held-out estimate itself has a relative standard error of 1/sqrt(2 nheld)
#: (0.22 % for 1e5 entries), so closer than 0.1 % is noise.
REACH = 1.001


# --------------------------------------------------------------------------
# problem
# --------------------------------------------------------------------------

def make_p5(m, n, k, nobs, nheld, seed=0):
    """Training triple, held-out triple (noiseless values) and the noise σ.

    ``default_rng(seed)`` draws U (m×k), V (n×k), the nobs + nheld distinct
    flat positions (``choice`` without replacement), then the noise.
    """
    rng = np.random.default_rng(seed)
    U = rng.standard_normal((m, k))
    V = rng.standard_normal((n, k))
    flat = rng.choice(m * n, size=nobs + nheld, replace=False)
    r, c = flat // n, flat % n
    vals = np.empty(len(flat))
    for s in range(0, len(flat), 1 << 20):
        vals[s:s + (1 << 20)] = np.einsum("ij,ij->i", U[r[s:s + (1 << 20)]], V[c[s:s + (1 << 20)]])
    sigma = 0.1 * float(np.sqrt(np.mean(vals[:nobs] ** 2)))
    noisy = vals[:nobs] + sigma * rng.standard_normal(nobs)
    return (r[:nobs], c[:nobs], noisy), (r[nobs:], c[nobs:], vals[nobs:]), sigma


def held_rmse(pred, held, sigma):
    return float(np.sqrt(np.mean((np.asarray(pred, np.float64) - held[2]) ** 2)) / sigma)


# --------------------------------------------------------------------------
# ours
# --------------------------------------------------------------------------

def ours_trace(train, held, shape, k, solver, iters, sigma, repeats):
    """Per-iteration (cumulative seconds, RMSE/σ) of ``linalg.complete``.

    The held-out RMSE is computed in the callback from a copy of the
    factors; the time of iteration j is the wall time of a run stopped
    there: setup + initialisation + the iterations' own times (median over
    ``repeats`` runs of each prefix).
    """
    import linalg

    runs = []
    for _ in range(repeats):
        time.sleep(0.1)
        t0 = time.perf_counter()
        fit = linalg.complete(train, k, shape=shape, solver=solver, max_iter=iters, tol=0, seed=0,
                              validation=held, patience=iters + 1)
        total = time.perf_counter() - t0
        setup = total - sum(fit.history["time"]) - _val_overhead(fit)
        cum = setup + np.cumsum(fit.history["time"])
        runs.append((cum, np.array(fit.history["val_rmse"]) / sigma, fit.info))
    cum = np.median(np.array([r[0] for r in runs]), axis=0)
    return cum, runs[0][1], runs[0][2]


def _val_overhead(fit):
    return fit.info.get("validation_time", 0.0)


def ours_fit(train, held, shape, k, solver, iters, sigma, repeats):
    """Plain timed fit (no validation): (median seconds, RMSE/σ, runs)."""
    import linalg

    t, fit, runs = C.timed(lambda: linalg.complete(train, k, shape=shape, solver=solver, max_iter=iters, tol=0,
                                                   seed=0), repeats=repeats, cap=60)
    return t, held_rmse(fit.predict(held[0], held[1]), held, sigma), runs


def slope_times(train, shape, ks, solvers, iters=2):
    """Median seconds per iteration for each (solver, k); init skipped."""
    import linalg

    out = {}
    for k in ks:
        for s in solvers:
            time.sleep(0.1)
            fit = linalg.complete(train, k, shape=shape, solver=s, max_iter=iters, tol=0, seed=0,
                                  init_power_iters=0)
            out[(s, k)] = float(np.median(fit.history["time"]))
            print(f"  slope: {s:9s} k={k:3d}  {out[(s, k)]:.3f} s/iteration", flush=True)
    return out


# --------------------------------------------------------------------------
# peers
# --------------------------------------------------------------------------

def numpy_als(train, held, shape, k, iters, sigma, reg=0.0):
    """Vectorised NumPy/SciPy exact ALS with spectral initialisation.

    Init: sklearn ``randomized_svd`` (n_iter=4) of (1/p)·P_Ω(M), X = U√S,
    Y = V√S. A half-step forms all rows' Gram matrices at once as one sparse
    product, G = P_Ω · (Y ⊙ Y) with the row-wise products of the k(k+1)/2
    upper-triangle pairs (Khatri–Rao), the right-hand sides as
    P_Ω(M) · Y, and solves them with one batched ``np.linalg.solve``.
    Returns per-iteration cumulative seconds (scoring excluded) and RMSE/σ.
    """
    import scipy.sparse as sp
    from sklearn.utils.extmath import randomized_svd

    m, n = shape
    r, c, v = train
    iu, ju = np.triu_indices(k)
    t0 = time.perf_counter()
    Mo = sp.csr_matrix((v, (r, c)), shape=shape)
    Mt = Mo.T.tocsr()
    Po = Mo.copy()
    Po.data[:] = 1.0
    Pt = Mt.copy()
    Pt.data[:] = 1.0
    eye = (reg + 1e-12) * np.eye(k)

    def half(F, P, Mv):
        G = np.asarray(P @ (F[:, iu] * F[:, ju]))
        rhs = np.asarray(Mv @ F)
        Gf = np.empty((G.shape[0], k, k))
        Gf[:, iu, ju] = G
        Gf[:, ju, iu] = G
        Gf += eye
        return np.linalg.solve(Gf, rhs[..., None])[..., 0]

    p = len(v) / (m * n)
    U, S, Vt = randomized_svd(Mo * (1.0 / p), k, n_iter=4, random_state=0)
    X, Y = U * np.sqrt(S), Vt.T * np.sqrt(S)
    cum, rm = [], []
    spent = time.perf_counter() - t0
    for _ in range(iters):
        t1 = time.perf_counter()
        Y = half(X, Pt, Mt)
        X = half(Y, Po, Mo)
        spent += time.perf_counter() - t1
        cum.append(spent)
        rm.append(held_rmse(np.einsum("ij,ij->i", X[held[0]], Y[held[1]]), held, sigma))
        print(f"  numpy ALS iteration {len(cum)}: {spent:.1f} s, RMSE/σ {rm[-1]:.4f}", flush=True)
    return np.array(cum), np.array(rm)


def spark_als(train, held, shape, k, sigma, settings):
    """Spark MLlib ALS on local[2]; fit time only (JVM start and the
    DataFrame's creation excluded). Returns rows (setting, seconds, RMSE/σ)."""
    import pandas as pd
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    spark = (SparkSession.builder.master("local[2]").appName("p5").config("spark.driver.memory", "6g")
             .config("spark.sql.execution.arrow.pyspark.enabled", "true").config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
             .config("spark.driver.extraJavaOptions", "-Xss16m").getOrCreate())
    spark.sparkContext.setLogLevel("ERROR")
    # ALS's lineage grows with every iteration: without checkpoints 20
    # iterations overflow the JVM stack (checkpointInterval 10 needs a dir).
    import tempfile

    spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="p5-spark-"))
    df = spark.createDataFrame(pd.DataFrame({"u": train[0].astype(np.int32), "i": train[1].astype(np.int32),
                                             "r": train[2].astype(np.float32)})).cache()
    df.count()
    hdf = spark.createDataFrame(pd.DataFrame({"u": held[0].astype(np.int32), "i": held[1].astype(np.int32)}))
    out = []
    for reg, it in settings:
        als = ALS(rank=k, maxIter=it, regParam=reg, userCol="u", itemCol="i", ratingCol="r", seed=0,
                  coldStartStrategy="nan", numUserBlocks=2, numItemBlocks=2)
        t0 = time.perf_counter()
        model = als.fit(df)
        model.userFactors.count()  # force the lazy fit
        dt = time.perf_counter() - t0
        pred = model.transform(hdf).toPandas()
        order = np.lexsort((pred["i"].to_numpy(), pred["u"].to_numpy()))
        ref = np.lexsort((held[1], held[0]))
        pr = np.nan_to_num(pred["prediction"].to_numpy()[order])
        rm = float(np.sqrt(np.mean((pr - held[2][ref]) ** 2)) / sigma)
        out.append((f"regParam {reg}, maxIter {it}", dt, rm))
        print(f"  spark {out[-1]}", flush=True)
    spark.stop()
    return out


def surprise_svd(train, held, shape, k, sigma, settings):
    """Surprise ``SVD`` (SGD); fit time only (building its trainset excluded)."""
    import pandas as pd
    from surprise import SVD, Dataset, Reader

    df = pd.DataFrame({"u": train[0], "i": train[1], "r": train[2]})
    lo, hi = float(train[2].min()), float(train[2].max())
    data = Dataset.load_from_df(df, Reader(rating_scale=(lo, hi)))
    ts = data.build_full_trainset()
    out = []
    for epochs, lr, reg, biased in settings:
        algo = SVD(n_factors=k, n_epochs=epochs, lr_all=lr, reg_all=reg, biased=biased, random_state=0)
        t0 = time.perf_counter()
        algo.fit(ts)
        dt = time.perf_counter() - t0
        # predictions through the fitted factors (inner ids) without Python loops
        pu = np.zeros((shape[0], k))
        qi = np.zeros((shape[1], k))
        raw_u = np.array([ts.to_raw_uid(i) for i in range(ts.n_users)])
        raw_i = np.array([ts.to_raw_iid(i) for i in range(ts.n_items)])
        pu[raw_u] = algo.pu
        qi[raw_i] = algo.qi
        pred = np.einsum("ij,ij->i", pu[held[0]], qi[held[1]])
        if biased:
            bu = np.zeros(shape[0])
            bi = np.zeros(shape[1])
            bu[raw_u] = algo.bu
            bi[raw_i] = algo.bi
            pred += ts.global_mean + bu[held[0]] + bi[held[1]]
        out.append((f"epochs {epochs}, lr {lr}, reg {reg}, biased {biased}", dt, held_rmse(pred, held, sigma)))
        print(f"  surprise {out[-1]}", flush=True)
    return out


def cached(name, key, fn, rerun):
    """``fn()`` cached as JSON in benchmarks/.cache/<name>.json under ``key``."""
    os.makedirs(CACHE, exist_ok=True)
    path = os.path.join(CACHE, f"{name}.json")
    store = {}
    if os.path.exists(path):
        with open(path) as f:
            store = json.load(f)
    if key in store and not rerun:
        return store[key]["rows"], store[key]["date"], True
    rows = fn()
    store[key] = {"rows": rows, "date": time.strftime("%Y-%m-%d %H:%M", time.gmtime())}
    with open(path, "w") as f:
        json.dump(store, f, indent=1)
    return rows, store[key]["date"], False


# --------------------------------------------------------------------------
# main
# --------------------------------------------------------------------------

def first_reach(cum, rm, target):
    hit = np.flatnonzero(np.asarray(rm) <= target)
    return (float(cum[hit[0]]), int(hit[0]) + 1) if len(hit) else (None, None)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes (seconds); writes nothing")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--peers", default="numpy,spark,surprise")
    ap.add_argument("--rerun-peers", action="store_true", help="rerun Spark/Surprise instead of the cache")
    ap.add_argument("--no-slope", action="store_true")
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args(argv)
    size = SIZES["quick" if args.quick else "full"]
    m, n, k, iters = size["m"], size["n"], size["k"], size["iters"]
    peers = [p for p in args.peers.split(",") if p]
    load0 = os.getloadavg()
    t_start = time.time()

    print(f"P5: {m}x{n}, rank {k}, {size['nobs']} observed, {size['nheld']} held out", flush=True)
    train, held, sigma = make_p5(m, n, k, size["nobs"], size["nheld"])
    shape = (m, n)
    curves = {}
    rows = []
    for s in SOLVERS:
        cum, rm, info = ours_trace(train, held, shape, k, s, iters, sigma, args.repeats)
        curves[f"linalg {s}"] = (cum, rm)
        print(f"  linalg {s}: " + " ".join(f"{t:.2f}s/{x:.4f}" for t, x in zip(cum, rm)), flush=True)
    ours_fixed = {}
    for s in SOLVERS:
        for it in (5, iters):
            t, rm, runs = ours_fit(train, held, shape, k, s, it, sigma, args.repeats)
            ours_fixed[(s, it)] = (t, rm)
            rows.append(("linalg", f"solver={s}, max_iter={it}", t, runs, rm, ""))
            print(f"  linalg {s} max_iter={it}: {t:.2f} s, RMSE/σ {rm:.4f}", flush=True)

    peer_rows = []
    if "numpy" in peers:
        cum, rm = numpy_als(train, held, shape, k, iters, sigma)
        curves["NumPy exact ALS"] = (cum, rm)
        for j in range(len(cum)):
            peer_rows.append(("NumPy exact ALS", f"spectral init + {j + 1} iterations", float(cum[j]), 1,
                              float(rm[j]), "prefix of one run"))
    tag = "quick" if args.quick else "full"
    for name, fn, settings in (
            ("spark", spark_als, [(0.01, 10), (0.01, 20), (0.1, 20)]),
            ("surprise", surprise_svd, [(20, 0.02, 0.02, False), (20, 0.01, 0.02, False)])):
        if name not in peers:
            continue
        try:
            res, date, was_cached = cached(name, f"{tag}-{m}x{n}-{k}", lambda: fn(train, held, shape, k, sigma,
                                                                                    settings), args.rerun_peers)
        except ImportError as e:
            peer_rows.append((name, "not installed", None, 0, None, str(e).splitlines()[0]))
            continue
        except Exception as e:  # a peer that fails is reported, not fatal
            peer_rows.append((name, "failed", None, 0, None, f"{type(e).__name__}: {str(e).splitlines()[0][:80]}"))
            continue
        label = {"spark": "Spark MLlib ALS (local[2])", "surprise": "Surprise SVD"}[name]
        note = f"cached run of {date} UTC" if was_cached else f"run {date} UTC"
        for setting, t, rm in res:
            peer_rows.append((label, setting, t, 1, rm, note))
            curves.setdefault(label, ([], []))
            curves[label][0].append(t)
            curves[label][1].append(rm)

    slope = {}
    if not args.no_slope:
        slope = slope_times(train, shape, size["ks"], SOLVERS)
    load1 = os.getloadavg()

    # ---- summary: each tool's fastest time to its best RMSE, ours' time to reach the best peer's
    best_peer = None
    summary = []
    by_lib = {}
    for lib, setting, t, runs, rm, note in peer_rows:
        if t is None or rm is None:
            continue
        by_lib.setdefault(lib, []).append((t, rm, setting))
    for lib, items in by_lib.items():
        best_rm = min(x[1] for x in items)
        t_reach, setting = min((x[0], x[2]) for x in items if x[1] <= best_rm * REACH)
        summary.append([lib, setting, t_reach, best_rm])
        if best_peer is None or best_rm < best_peer:
            best_peer = best_rm
    target = best_peer * REACH if best_peer is not None else None
    ours_reach = {}
    for s in SOLVERS:
        cum, rm = curves[f"linalg {s}"]
        if target is not None:
            ours_reach[s] = first_reach(cum, rm, target)
    md = [f"## Matrix completion (P5) — `benchmarks/completion.py`", ""]
    md += ["Command: `" + " ".join(shlex.quote(a) for a in [sys.executable.split("/")[-1]] + sys.argv) + "`", ""]
    md += [f"Load average (1, 5, 15 min) before: {load0[0]:.2f}, {load0[1]:.2f}, {load0[2]:.2f}; "
           f"after: {load1[0]:.2f}, {load1[1]:.2f}, {load1[2]:.2f}. Wall time of the script: "
           f"{time.time() - t_start:.0f} s.", ""]
    md += [C.md_table(["key", "value"], C.machine_info() + [("pyspark", C._version("pyspark")),
                                                           ("surprise", C._version("surprise"))]), ""]
    md += [f"P5: {m}×{n}, rank {k}, {size['nobs']} observed + noise σ = {sigma:.4f}, {size['nheld']} held out. "
           "RMSE/σ is the held-out RMSE (against the noiseless M) divided by σ. Ours run with the defaults "
           "(reg 0, `relaxation=1.3`, init_power_iters 4) and the solver given; the NumPy reference is plain "
           "exact ALS.", ""]
    md += ["### Fits", ""]
    md += [C.md_table(["library", "setting", "time [s]", "runs", "RMSE/σ", "note"],
                      [(a, b, C.fmt(t, ".2f"), r, C.fmt(x, ".4f"), note) for a, b, t, r, x, note in rows + peer_rows]),
           ""]
    md += ["### Ours per iteration (cumulative wall time incl. setup and initialisation, median of "
           f"{args.repeats} runs; RMSE/σ after each iteration)", ""]
    md += [C.md_table(["solver"] + [f"it {j + 1}" for j in range(iters)],
                      [[s] + [f"{t:.2f} s / {x:.4f}" for t, x in zip(*curves[f'linalg {s}'])] for s in SOLVERS]), ""]
    if summary:
        md += ["### Summary", "",
               f"Target: the best peer's RMSE/σ ({best_peer:.4f}) within {100 * (REACH - 1):.1f} % "
               f"(= {target:.4f}; the held-out estimate's own standard error is "
               f"{100 / np.sqrt(2 * size['nheld']):.2f} %). Each peer: its fastest setting within 0.1 % of its own "
               "best. Ours: the first iteration of the traced run at or below the target.", ""]
        srows = []
        for lib, setting, t, rm in summary:
            cells = [lib, setting, f"{t:.2f}", f"{rm:.4f}"]
            for s in SOLVERS:
                tr, it = ours_reach.get(s, (None, None))
                cells.append(f"{t / tr:.1f}× ({tr:.2f} s, {it} it)" if tr else "not reached")
            srows.append(cells)
        md += [C.md_table(["peer", "setting", "time [s]", "RMSE/σ"] + [f"peer / ours {s}" for s in SOLVERS], srows),
               ""]
    if slope:
        md += ["### Time per iteration vs rank (same P5 data, median of 2 iterations, init skipped)", ""]
        srows = []
        for s in SOLVERS:
            ts = [slope[(s, kk)] for kk in size["ks"]]
            fit = np.polyfit(np.log(size["ks"]), np.log(ts), 1)[0]
            # Without the smallest k, where the O(|Omega| k) gather and
            # per-row overheads hide the k^2 term of cholesky.
            tail = np.polyfit(np.log(size["ks"][1:]), np.log(ts[1:]), 1)[0]
            srows.append([s] + [f"{t:.3f}" for t in ts] + [f"{fit:.2f}", f"{tail:.2f}"])
        md += [C.md_table(["solver"] + [f"k={kk} [s]" for kk in size["ks"]]
                          + ["log-log slope", f"slope, k ≥ {size['ks'][1]}"], srows), ""]
    text = "\n".join(md)
    print(text)
    _plot(curves, slope, size["ks"], sigma)
    if (args.write or not args.quick) and not args.no_write:
        C.write_section("completion", text)
        print("wrote", C.RESULTS_PATH)


def _plot(curves, slope, ks, sigma):
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib not installed: no plot")
        return
    fig, axes = plt.subplots(1, 2 if slope else 1, figsize=(12 if slope else 7, 4.5))
    ax = axes[0] if slope else axes
    for name, (t, rm) in curves.items():
        style = "o-" if name.startswith(("linalg", "NumPy")) else "s"
        ax.plot(t, rm, style, label=name, ms=4)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("wall time [s]")
    ax.set_ylabel("held-out RMSE / noise σ")
    ax.set_title("P5: RMSE vs time")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    if slope:
        ax2 = axes[1]
        for s in SOLVERS:
            ts = [slope[(s, kk)] for kk in ks]
            sl = np.polyfit(np.log(ks), np.log(ts), 1)[0]
            ax2.loglog(ks, ts, "o-", label=f"{s} (slope {sl:.2f})")
        ax2.set_xlabel("rank k")
        ax2.set_ylabel("seconds per iteration")
        ax2.set_title("P5: time per iteration vs k")
        ax2.grid(True, which="both", alpha=0.3)
        ax2.legend(fontsize=8)
    fig.tight_layout()
    path = os.path.join(HERE, "completion.png")
    fig.savefig(path, dpi=110)
    print("wrote", path)


if __name__ == "__main__":
    main()
