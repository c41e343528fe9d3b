"""Demo: compress a small built-in weight file three ways."""
from __future__ import annotations

import os
import tempfile
import time

import numpy as np

ORDER = 80
TITLE = "model-weight compression (linalg.weights.compress)"


def _model(rng, quick):
    """A 4-layer MLP whose matrices have unequal spectral decay, plus inputs
    with unequal feature scales (the calibration data of 'whitened')."""
    d = 128 if quick else 384
    layers = {}
    for i, decay in enumerate((0.90, 0.97, 0.99, 0.995)):
        m, n = (2 * d, d) if i % 2 == 0 else (d, 2 * d)
        k = min(m, n)
        u, _ = np.linalg.qr(rng.standard_normal((m, k)))
        v, _ = np.linalg.qr(rng.standard_normal((n, k)))
        layers[f"mlp.{i}.weight"] = ((u * decay ** np.arange(k)) @ v.T).astype(np.float32)
        layers[f"mlp.{i}.bias"] = np.zeros(m, np.float32)
    X = {name: rng.standard_normal((4 * d, W.shape[1])) * np.linspace(2.0, 0.1, W.shape[1])
         for name, W in layers.items() if name.endswith("weight")}
    return layers, X


def run(quick: bool) -> None:
    from linalg.weights import compress, load
    from linalg.weights._safetensors import SafetensorsWriter

    rng = np.random.default_rng(0)
    layers, X = _model(rng, quick)
    cov = {k: x.T @ x for k, x in X.items()}
    rows = []
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, "model.safetensors")
        w = SafetensorsWriter(src)
        for k, v in layers.items():
            w.add(k, v)
        w.close()
        for label, kw in (("svd, ratio 0.5 per matrix", {"ratio": 0.5}),
                          ("svd, global budget 50%", {"budget": 0.5}),
                          ("whitened, ratio 0.5", {"ratio": 0.5, "method": "whitened", "covariance": cov})):
            out = os.path.join(d, "out.safetensors")
            t0 = time.perf_counter()
            rep = compress(src, out, **kw)
            dt = time.perf_counter() - t0
            ck = load(out)
            werr = np.sqrt(sum(np.linalg.norm(layers[r.name] - ck.tensor(r.name)) ** 2 for r in rep.compressed())
                           / sum(np.linalg.norm(layers[r.name]) ** 2 for r in rep.compressed()))
            oerr = np.sqrt(sum(np.linalg.norm(X[r.name] @ (layers[r.name] - ck.tensor(r.name)).T) ** 2
                               for r in rep.compressed())
                           / sum(np.linalg.norm(X[r.name] @ layers[r.name].T) ** 2 for r in rep.compressed()))
            ranks = "/".join(str(r.rank) for r in rep.compressed())
            rows.append((label, ranks, f"{rep.params_after / rep.params_before:.3f}", f"{werr:.4f}",
                         f"{oerr:.4f}", f"{dt:.2f}"))
    head = ("policy", "ranks", "params kept", "weight error", "output error", "time (s)")
    w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    n = sum(v.size for v in layers.values())
    print(f"linalg demo: compress a built-in 4-layer MLP ({n:,} parameters, safetensors in and out)")
    for r in [head] + rows:
        print("  ".join(c.ljust(w[i]) for i, c in enumerate(r)).rstrip())
    print("weight error: ||W - AB||_F / ||W||_F over the factorised matrices; output error: the same for")
    print("X W^T on the calibration inputs X (what 'whitened' minimises).")
