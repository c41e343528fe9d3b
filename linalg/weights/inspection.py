"""``inspect``: shapes, dtypes and the spectrum of each weight matrix."""
from __future__ import annotations

import numpy as np
import scipy.linalg as sla

from .. import _core
from ._safetensors import FLOAT_TAGS, bf16_to_f32
from ._sources import open_checkpoint

ENERGIES = (0.9, 0.95, 0.99)


def inspect(path, *, include=None, max_exact=2048):
    """Per-tensor rows: name, shape, dtype and, for 2-D floating-point
    tensors, the spectral summary — σ₁, σ_r/σ₁ at r = 10 % of min(m, n), and
    the ranks holding 90/95/99 % of ‖W‖²_F.

    Singular values are exact (``gesdd`` without vectors, O(mn·min(m,n)))
    for min(m, n) ≤ ``max_exact``; larger matrices get ``None`` there.

    >>> import numpy as np, tempfile, os
    >>> from linalg.weights._safetensors import SafetensorsWriter
    >>> p = os.path.join(tempfile.mkdtemp(), "m.safetensors")
    >>> w = SafetensorsWriter(p); w.add("w", np.diag(np.arange(10.0, 0, -1))); w.close()
    >>> row = inspect(p)[0]
    >>> row["name"], row["rank_90"], row["rank_99"]
    ('w', 6, 9)
    """
    import re

    ck = open_checkpoint(path)
    pat = re.compile(include) if include else None
    rows = []
    for nm in ck.names():
        if pat and not pat.search(nm):
            continue
        shp, tag = ck.shape(nm), ck.dtype_tag(nm)
        row = {"name": nm, "shape": tuple(shp), "dtype": tag}
        if len(shp) == 2 and tag in FLOAT_TAGS and min(shp) > 1 and min(shp) <= max_exact:
            raw = ck.raw(nm)
            W = bf16_to_f32(raw) if tag == "BF16" else np.asarray(raw, dtype=np.float64 if tag == "F64" else np.float32)
            if not _core.all_finite(W):
                raise ValueError(f"tensor {nm!r}: contains NaN or Inf")
            s = sla.svdvals(W, check_finite=False).astype(np.float64)
            e = np.cumsum(s ** 2)
            tot = e[-1] if e[-1] > 0 else 1.0
            row["sigma_1"] = float(s[0])
            r10 = max(1, len(s) // 10)
            row["decay_10pct"] = float(s[r10 - 1] / s[0]) if s[0] > 0 else 0.0
            for E in ENERGIES:
                row[f"rank_{int(E * 100)}"] = int(np.searchsorted(e, E * tot * (1 - 1e-12)) + 1)
        rows.append(row)
    return rows


def format_rows(rows) -> str:
    head = ("tensor", "shape", "dtype", "sigma_1", "s[10%]/s1", "r90", "r95", "r99")
    body = []
    for r in rows:
        spec = "sigma_1" in r
        body.append((r["name"], "x".join(map(str, r["shape"])) or "scalar", r["dtype"],
                     f"{r['sigma_1']:.4g}" if spec else "-", f"{r['decay_10pct']:.3f}" if spec else "-",
                     *(str(r[f"rank_{e}"]) if spec else "-" for e in (90, 95, 99))))
    w = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
    return "\n".join("  ".join(c.ljust(w[i]) for i, c in enumerate(cells)).rstrip()
                     for cells in [head] + body)
