"""Reading a checkpoint written by :func:`linalg.weights.compress`."""
from __future__ import annotations

import json

import numpy as np

from ._safetensors import bf16_to_f32
from ._sources import open_checkpoint


class FactorizedCheckpoint:
    """The tensors of a compressed checkpoint, by their original names.

    ``names()`` lists the original tensors; ``info(name)`` is the metadata of
    a factorised one (None for an untouched one); ``factors(name)`` gives
    ``{"A": ..., "B": ...}`` for a matrix, ``{"core": ..., "0": U_0, ...}``
    for a Tucker-compressed tensor (keys: its truncated modes), float32 or
    float64 as stored; ``tensor(name)`` the dense tensor — ``A @ B``, the
    Tucker reconstruction, or the stored values (bfloat16 as float32).

    >>> import numpy as np, tempfile, os
    >>> from linalg.weights import compress, load
    >>> from linalg.weights._safetensors import SafetensorsWriter
    >>> d = tempfile.mkdtemp(); src = os.path.join(d, "m.safetensors")
    >>> w = SafetensorsWriter(src)
    >>> w.add("w", np.outer(np.arange(1.0, 65), np.ones(32)).astype(np.float32)); w.close()
    >>> _ = compress(src, os.path.join(d, "c.safetensors"), rank=1)
    >>> ck = load(os.path.join(d, "c.safetensors"))
    >>> ck.info("w")["rank"], ck.factors("w")["A"].shape
    (1, (64, 1))
    """

    def __init__(self, path):
        self._ck = open_checkpoint(path)
        md = self._ck.metadata
        if md.get("linalg.format", "").split("-")[:2] != ["linalg", "factorized"]:
            raise ValueError(f"{path}: not written by linalg.weights.compress (no 'linalg.format' metadata)")
        self._info = {k[len("linalg:"):]: json.loads(v) for k, v in md.items() if k.startswith("linalg:")}
        factor_names = {f for i in self._info.values() for f in i["factors"].values()}
        self._names = [n for n in self._ck.names() if n not in factor_names]
        # Factorised tensors take the place of their first factor.
        first = {i["factors"]["A" if i["layout"] == "A @ B" else "core"]: n for n, i in self._info.items()}
        self._names = []
        for n in self._ck.names():
            if n in first:
                self._names.append(first[n])
            elif n not in factor_names:
                self._names.append(n)

    def names(self):
        return list(self._names)

    def info(self, name):
        if name not in self._info and name not in self._names:
            raise KeyError(name)
        return self._info.get(name)

    def _get(self, stored_name):
        raw = self._ck.raw(stored_name)
        tag = self._ck.dtype_tag(stored_name)
        if tag == "BF16":
            return bf16_to_f32(raw)
        if tag == "F16":
            return raw.astype(np.float32)
        return np.asarray(raw)

    def factors(self, name):
        i = self.info(name)
        if i is None:
            raise ValueError(f"{name!r} was not factorised")
        return {k: self._get(v) for k, v in i["factors"].items()}

    def tensor(self, name):
        i = self.info(name)
        if i is None:
            return self._get(name)
        f = self.factors(name)
        if i["layout"] == "tucker":
            from .tensors import reconstruct

            return reconstruct(f.pop("core"), {int(k): v for k, v in f.items()}, tuple(i["shape"]))
        return f["A"] @ f["B"]

    def items(self):
        """``(name, dense tensor)`` pairs, one tensor in memory at a time."""
        for n in self._names:
            yield n, self.tensor(n)


def load(path) -> FactorizedCheckpoint:
    """Open a checkpoint written by :func:`linalg.weights.compress` (file,
    sharded index or folder). See :class:`FactorizedCheckpoint`."""
    return FactorizedCheckpoint(path)
