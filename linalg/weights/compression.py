"""``compress``: factorise the weight matrices of a checkpoint, tensor by tensor.

Reads one tensor at a time (any format of :mod:`linalg.weights._sources`),
factorises the selected ones with the engine, and streams a safetensors
checkpoint out (see :mod:`linalg.weights` for the file layout).
"""
from __future__ import annotations

import json
import math
import re
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .. import _core
from . import methods as _m
from . import policy as _p
from . import tensors as _t
from ._progress import Progress
from ._safetensors import FLOAT_TAGS, bf16_to_f32, f32_to_bf16
from ._sources import open_checkpoint
from ._writer import ShardedWriter

FORMAT = "linalg-factorized-1"
_OUT_DTYPES = {"float32": "F32", "float16": "F16", "bfloat16": "BF16", "float64": "F64"}


@dataclass
class TensorReport:
    """What happened to one tensor (``rank`` is None when it stayed dense)."""

    name: str
    shape: tuple
    dtype: str
    method: str | None
    rank: Any  # int (matrices), a list of mode ranks (Tucker), None when kept dense
    params_before: int
    params_after: int
    rel_error: float
    energy: float
    seconds: float
    note: str = ""


@dataclass
class CompressionReport:
    """Per-tensor rows plus totals; ``table()`` prints, ``to_json()`` saves."""

    rows: list = field(default_factory=list)
    files: list = field(default_factory=list)
    seconds: float = 0.0
    settings: dict = field(default_factory=dict)

    @property
    def params_before(self) -> int:
        return sum(r.params_before for r in self.rows)

    @property
    def params_after(self) -> int:
        return sum(r.params_after for r in self.rows)

    def compressed(self):
        return [r for r in self.rows if r.rank is not None]

    def as_dict(self) -> dict[str, Any]:
        return {"settings": self.settings, "files": self.files, "seconds": self.seconds,
                "params_before": self.params_before, "params_after": self.params_after,
                "tensors": [asdict(r) for r in self.rows]}

    def to_json(self, path):
        with open(path, "w") as f:
            json.dump(self.as_dict(), f, indent=1)

    def table(self, all_rows=False) -> str:
        rows = self.rows if all_rows else [r for r in self.rows if r.method or r.note]
        head = ("tensor", "shape", "rank", "params before", "params after", "rel. error", "energy", "note")
        body = [(r.name, "x".join(map(str, r.shape)), "-" if r.rank is None else
                 "x".join(map(str, r.rank)) if isinstance(r.rank, list) else str(r.rank),
                 f"{r.params_before:,}", f"{r.params_after:,}",
                 "-" if r.rank is None else f"{r.rel_error:.4f}",
                 "-" if r.rank is None else f"{r.energy:.4f}", r.note) for r in rows]
        w = [max(len(h), *(len(b[i]) for b in body)) if body else len(h) for i, h in enumerate(head)]
        fmt = lambda cells: "  ".join(c.ljust(w[i]) for i, c in enumerate(cells)).rstrip()  # noqa: E731
        pb, pa = self.params_before, self.params_after
        tail = (f"total: {pb:,} -> {pa:,} parameters ({pa / pb:.1%} kept), "
                f"{len(self.compressed())} of {len(self.rows)} tensors factorised, {self.seconds:.1f} s"
                if pb else "total: no parameters")
        return "\n".join([fmt(head)] + [fmt(b) for b in body] + [tail])


class _CheckpointLookup:
    """``get(name)``: one tensor of a checkpoint, read when asked for."""

    def __init__(self, path):
        self._ck = open_checkpoint(path)
        self._names = set(self._ck.names())

    def get(self, name, default=None):
        return np.asarray(self._ck.raw(name)) if name in self._names else default


def _mapping(x):
    """A name -> array lookup from a dict or a checkpoint path (or None)."""
    if x is None or isinstance(x, dict):
        return x
    return _CheckpointLookup(x)


def _as_compute(raw, tag):
    """The stored values as float32 (float64 stays float64)."""
    if tag == "BF16":
        return bf16_to_f32(raw)
    if tag == "F64":
        return np.asarray(raw)
    return np.asarray(raw, dtype=np.float32)


def _finite(name, X):
    """X, once one threaded pass (no temporary) found no NaN/Inf in it: the
    factorisations below then skip their own checks."""
    if not _core.all_finite(X.reshape(X.shape[0], -1)):
        raise ValueError(f"tensor {name!r}: contains NaN or Inf; nothing is written")
    return X


def _as_stored(x, tag):
    if tag == "BF16":
        return f32_to_bf16(x), "BF16"
    dt = {"F32": np.float32, "F16": np.float16, "F64": np.float64}[tag]
    return np.ascontiguousarray(x, dtype=dt), tag


def relative_error(W, A, B, block_elems=1 << 20):
    """``‖W − AB‖_F / ‖W‖_F``, in row blocks (no m×n temporary)."""
    block = max(1, block_elems // max(1, W.shape[1]))
    num = den = 0.0
    for i in range(0, W.shape[0], block):
        w = W[i:i + block]
        r = w - A[i:i + block] @ B
        num += _m.sum_squares(r)
        den += _m.sum_squares(w)
    return math.sqrt(num / den) if den > 0 else 0.0


def _tucker_one(nm, shp, tag, ck, r, energy, otag, seed, writer, meta, out_names):
    """Tucker-2 of one 3-D/4-D tensor (or a dense copy when it saves nothing)."""
    size = int(np.prod(shp))
    if r is not None and _t.tucker2_params(shp, r) >= size:
        writer.add(nm, ck.raw(nm), tag)
        return TensorReport(nm, tuple(shp), tag, "tucker", None, size, size, 0.0, 1.0, 0.0,
                            f"kept dense: ranks {r} save nothing")
    X = _finite(nm, _as_compute(ck.raw(nm), tag))
    core, factors, info = _t.factorize_tensor(X, ranks=r, energy=energy, seed=seed)
    params = core.size + sum(U.size for U in factors.values())
    if params >= size:
        writer.add(nm, ck.raw(nm), tag)
        return TensorReport(nm, tuple(shp), tag, "tucker", None, size, size, 0.0, 1.0, 0.0,
                            f"kept dense: ranks {info['rank']} save nothing")
    names = {"core": f"{nm}.tucker_core", **{str(n): f"{nm}.tucker_factor_{n}" for n in factors}}
    for f in names.values():
        if f in out_names:
            raise ValueError(f"factor name {f!r} collides with a tensor of the checkpoint")
        out_names.add(f)
    Gs, _ = _as_stored(core, otag)
    writer.add(names["core"], Gs, otag)
    stored = {}
    for n, U in factors.items():
        stored[n], _ = _as_stored(U, otag)
        writer.add(names[str(n)], stored[n], otag)
    err = info["rel_error"]
    if otag != ("F64" if tag == "F64" else "F32") or err * err < 1e-4:
        R = _t.reconstruct(_as_compute(Gs, otag), {n: _as_compute(U, otag) for n, U in stored.items()}, shp)
        err = float(np.sqrt(_m.sum_squares(X - R) / max(_m.sum_squares(X), 1e-300)))
    meta[f"linalg:{nm}"] = json.dumps({
        "method": "tucker", "rank": info["rank"], "shape": list(shp), "dtype": tag, "factor_dtype": otag,
        "layout": "tucker", "modes": info["modes"], "factors": names, "rel_error": err,
        "energy": 1.0 - err * err})
    return TensorReport(nm, tuple(shp), tag, "tucker", info["rank"], size, int(params), err, 1.0 - err * err, 0.0)


def _error(method, W, A, B, As, Bs, otag, tag, info):
    """Relative Frobenius error of the stored factors.

    Plain SVD factors stored at the precision they were computed in: from
    ``‖W‖² − ‖S‖²`` (no extra pass over W) when that is at least 1e-4·‖W‖²,
    far above the rounding of ‖S‖² (about 1e-7 relative in float32).
    Otherwise (small errors, weighted methods, factors rounded to a narrower
    dtype) one blockwise pass computes ‖W − AB‖ itself.
    """
    same = otag == ("F64" if tag == "F64" else "F32")
    if method == "svd" and same and info["norm_sq"] > 0 and info["residual_sq"] >= 1e-4 * info["norm_sq"]:
        return math.sqrt(info["residual_sq"] / info["norm_sq"])
    return relative_error(W, _as_compute(As, otag), _as_compute(Bs, otag))


def compress(src, dst, *, method="svd", rank=None, ratio=None, energy=None, budget=None,
             multiple_of=1, include=None, exclude=None, min_dim=8, fisher=None, covariance=None,
             damping=1e-2, dtype=None, max_shard_size=5 << 30, seed=0, power_iters=None, progress=False,
             report=None) -> CompressionReport:
    """Factorise the selected weight matrices of checkpoint ``src`` into ``dst``.

    Each selected ``m×n`` matrix ``W`` (2-D, floating point, name matching
    ``include`` and not ``exclude`` — Python regexes, searched — and both
    dimensions at least ``min_dim``) is replaced by factors ``A`` (m×r) and
    ``B`` (r×n) with ``W ≈ A @ B`` minimising the method's error (see
    :mod:`linalg.weights.methods`): ``svd`` ‖W − AB‖_F, ``whitened``
    ‖X(W − AB)ᵀ‖_F for the layer inputs ``X`` (``covariance`` maps a weight's
    name to ``XᵀX``), ``fwsvd`` the Fisher-weighted error (``fisher`` maps a
    weight's name to its per-parameter squared-gradient sums). The rank comes
    from one policy (:mod:`linalg.weights.policy`): ``rank``, ``ratio``,
    ``energy`` or a global ``budget``. A matrix whose factors would not be
    smaller stays dense; everything not selected is copied bit for bit.
    Selected 3-D/4-D tensors (convolution kernels) get a Tucker-2
    decomposition instead (:mod:`linalg.weights.tensors`; ``method="tucker"``
    selects only those), with ranks from the same policy.

    Computation is in float32 (float64 for float64 weights); factors are
    stored in the input's dtype unless ``dtype`` ("float32", "float16",
    "bfloat16", "float64") says otherwise. Memory: the largest tensor and its
    factors (plus, with ``budget``, one pass to read the spectra first).
    Cost: one randomized SVD per matrix, O(mn·r) per pass over it.

    ``power_iters`` fixes the randomized SVD's depth (default: adaptive, see
    :func:`linalg.rsvd`); ``seed`` makes the result repeatable.

    Returns a :class:`CompressionReport`; ``report=path`` also writes it as JSON.

    >>> import numpy as np, tempfile, os
    >>> from linalg.weights import compress, load
    >>> from linalg.weights._safetensors import SafetensorsWriter
    >>> d = tempfile.mkdtemp(); src = os.path.join(d, "in.safetensors")
    >>> rng = np.random.default_rng(0)
    >>> w = SafetensorsWriter(src)
    >>> w.add("fc.weight", (rng.standard_normal((256, 16)) @ rng.standard_normal((16, 128))).astype(np.float32))
    >>> w.add("fc.bias", np.zeros(256, np.float32)); w.close()
    >>> rep = compress(src, os.path.join(d, "out.safetensors"), rank=16)
    >>> [(r.name, r.rank, r.rel_error < 1e-5) for r in rep.compressed()]
    [('fc.weight', 16, True)]
    >>> load(os.path.join(d, "out.safetensors")).tensor("fc.weight").shape
    (256, 128)
    """
    t_start = time.perf_counter()
    kind, value = _p.check_policy(rank, ratio, energy, budget, multiple_of)
    q = int(multiple_of)
    if method not in _m.METHODS + ("tucker",):
        raise ValueError(f"method must be one of {_m.METHODS + ('tucker',)}, got {method!r}")
    if dtype is not None and dtype not in _OUT_DTYPES:
        raise ValueError(f"dtype must be one of {sorted(_OUT_DTYPES)} or None, got {dtype!r}")
    if not float(min_dim).is_integer() or min_dim < 1:
        raise ValueError(f"min_dim must be an integer >= 1, got {min_dim}")
    inc = re.compile(include) if include else None
    exc = re.compile(exclude) if exclude else None
    fis = _mapping(fisher)
    cov = _mapping(covariance)
    if method == "fwsvd" and fis is None:
        raise ValueError("method 'fwsvd' needs fisher= (a dict or a checkpoint of per-parameter Fisher sums)")
    if method == "whitened" and cov is None:
        raise ValueError("method 'whitened' needs covariance= (a dict or a checkpoint of input covariances)")

    ck = open_checkpoint(src)
    names = ck.names()

    ndims = (3, 4) if method == "tucker" else (2, 3, 4)

    def selected(nm):
        shp = ck.shape(nm)
        return (len(shp) in ndims and ck.dtype_tag(nm) in FLOAT_TAGS and min(shp[:2]) >= min_dim
                and (inc is None or inc.search(nm)) and not (exc and exc.search(nm)))

    chosen = [nm for nm in names if selected(nm)]
    if not chosen:
        what = "3-D/4-D" if method == "tucker" else "2-D, 3-D or 4-D"
        raise ValueError(f"no tensor of {src} is selected (include={include!r}, exclude={exclude!r}, "
                         f"min_dim={min_dim}; only {what} floating-point tensors are factorised)")
    tensors = [nm for nm in chosen if len(ck.shape(nm)) > 2]
    chosen = [nm for nm in chosen if len(ck.shape(nm)) == 2]
    aux = {nm: {} for nm in tensors}
    for nm in chosen:
        a = {}
        if method == "whitened":
            a["covariance"] = cov.get(nm)
            if a["covariance"] is None:
                raise ValueError(f"method 'whitened': no covariance for {nm!r}")
        if method == "fwsvd":
            a["fisher"] = fis.get(nm)
            if a["fisher"] is None:
                raise ValueError(f"method 'fwsvd': no fisher for {nm!r}")
        aux[nm] = a

    ranks = {}
    if kind in ("rank", "ratio"):
        ranks = {nm: _p.fixed_rank(kind, value, ck.shape(nm), q) for nm in chosen}
        ranks.update({nm: _t.tucker2_ranks(kind, value, ck.shape(nm), q) for nm in tensors})
    elif kind == "budget":
        total = sum(int(np.prod(ck.shape(nm))) for nm in chosen + tensors)
        P = value * total if value < 1 else value
        frac = min(1.0, P / total)
        # 3-D/4-D tensors take the budget's average ratio; the matrices share the rest.
        for nm in tensors:
            ranks[nm] = _t.tucker2_ranks("ratio", frac, ck.shape(nm), q)
            P -= _t.tucker2_params(ck.shape(nm), ranks[nm])
        spectra = {}
        bar = Progress(len(chosen), progress)
        for nm in chosen:
            shp = ck.shape(nm)
            rd = _p.dense_rank(shp)
            cap = min(min(shp), max(2 * q, int(math.ceil(2.5 * frac * rd)) + q))
            W = _finite(nm, _as_compute(ck.raw(nm), ck.dtype_tag(nm)))
            spectra[nm] = (shp, _m.spectrum(method, W, cap, damping=damping, seed=seed, **aux[nm])[0])
            bar.step(f"spectrum {nm}")
        ranks.update(_p.allocate_budget(spectra, P, q))

    out_names = set(names)
    writer = ShardedWriter(dst, max_shard_size)
    rep = CompressionReport(settings={"method": method, kind: value, "multiple_of": q, "include": include,
                                      "exclude": exclude, "min_dim": min_dim, "dtype": dtype, "seed": seed})
    bar = Progress(len(names), progress)
    meta = {"linalg.format": FORMAT}
    try:
        for nm in names:
            t0 = time.perf_counter()
            shp, tag = ck.shape(nm), ck.dtype_tag(nm)
            size = int(np.prod(shp)) if shp else 1
            if nm not in aux:
                writer.add(nm, ck.raw(nm), tag)
                rep.rows.append(TensorReport(nm, tuple(shp), tag, None, None, size, size, 0.0, 1.0, 0.0))
                bar.step(nm)
                continue
            if len(shp) > 2:
                row = _tucker_one(nm, shp, tag, ck, ranks.get(nm), value if kind == "energy" else None,
                                  _OUT_DTYPES[dtype] if dtype else tag, seed, writer, meta, out_names)
                row.seconds = time.perf_counter() - t0
                rep.rows.append(row)
                bar.step(f"{nm} tucker {row.note or row.rank}")
                continue
            m, n = shp
            W = _finite(nm, _as_compute(ck.raw(nm), tag))
            r = ranks.get(nm)
            if r is not None and r * (m + n) >= m * n:
                writer.add(nm, ck.raw(nm), tag)
                rep.rows.append(TensorReport(nm, (m, n), tag, method, None, size, size, 0.0, 1.0,
                                             time.perf_counter() - t0,
                                             f"kept dense: rank {r} saves nothing"))
                bar.step(nm)
                continue
            A, B, info = _m.factorize(method, W, r, damping=damping, seed=seed, power_iters=power_iters,
                                      energy=value if kind == "energy" else None, check_finite=False, **aux[nm])
            r = info["rank"]
            if kind == "energy" and q > 1:
                r = _p.round_rank(r, q, shp)
                A, B, info = _m.factorize(method, W, r, damping=damping, seed=seed, power_iters=power_iters,
                                          check_finite=False, **aux[nm])
            if r * (m + n) >= m * n:
                writer.add(nm, ck.raw(nm), tag)
                rep.rows.append(TensorReport(nm, (m, n), tag, method, None, size, size, 0.0, 1.0,
                                             time.perf_counter() - t0, f"kept dense: rank {r} saves nothing"))
                bar.step(nm)
                continue
            otag = _OUT_DTYPES[dtype] if dtype else tag
            a_name, b_name = f"{nm}.lr_a", f"{nm}.lr_b"
            for f in (a_name, b_name):
                if f in out_names:
                    raise ValueError(f"factor name {f!r} collides with a tensor of the checkpoint")
                out_names.add(f)
            As, _ = _as_stored(A, otag)
            Bs, _ = _as_stored(B, otag)
            writer.add(a_name, As, otag)
            writer.add(b_name, Bs, otag)
            err = _error(method, W, A, B, As, Bs, otag, tag, info)
            note = f"damping {info['damping']:.3g}" if "damping" in info else ""
            meta[f"linalg:{nm}"] = json.dumps({
                "method": method, "rank": r, "shape": [m, n], "dtype": tag, "factor_dtype": otag,
                "layout": "A @ B", "factors": {"A": a_name, "B": b_name},
                "rel_error": err, "energy": info["energy"], **({"damping": info["damping"]} if "damping" in info else {})})
            rep.rows.append(TensorReport(nm, (m, n), tag, method, r, size, r * (m + n), err, info["energy"],
                                         time.perf_counter() - t0, note))
            bar.step(f"{nm} rank {r} err {err:.3g}")
            del W, A, B, As, Bs  # before the next tensor is read: one tensor at a time
        writer.metadata = meta
        rep.files = writer.close()
    except BaseException:
        writer.abort()
        raise
    rep.seconds = time.perf_counter() - t_start
    if report:
        rep.to_json(report)
    return rep
