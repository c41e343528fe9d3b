"""Sharded safetensors output in the Hugging Face layout.

Up to ``max_shard_bytes`` per file; one shard is written as ``path`` itself,
several as ``<stem>-0000i-of-0000N.safetensors`` next to it plus
``<path>.index.json`` (``{"metadata": ..., "weight_map": {name: file}}``).
Every shard carries the full ``__metadata__``.
"""
from __future__ import annotations

import json
import os

from ._safetensors import SafetensorsWriter


class ShardedWriter:
    def __init__(self, path, max_shard_bytes=5 << 30):
        self.path = os.fspath(path)
        if not self.path.endswith(".safetensors"):
            raise ValueError(f"output must end in .safetensors, got {self.path!r}")
        if max_shard_bytes <= 0:
            raise ValueError(f"max_shard_bytes must be positive, got {max_shard_bytes}")
        self.max = int(max_shard_bytes)
        self.metadata = {}
        self._done = []  # (tmp path, names)
        self._cur = None
        self._n = 0

    def _tmp(self, i):
        return f"{self.path}.linalg-shard-{i}"

    def add(self, name, array, tag=None):
        nbytes = array.nbytes
        if self._cur is not None and self._cur.nbytes and self._cur.nbytes + nbytes > self.max:
            self._flush()
        if self._cur is None:
            self._cur = SafetensorsWriter(self._tmp(self._n))
            self._n += 1
        self._cur.add(name, array, tag)

    def _flush(self):
        self._cur.metadata = {}  # set at close, when all of it is known
        self._done.append(self._cur)
        self._cur = None

    def close(self):
        """Write the files; returns the list of paths written."""
        if self._cur is not None:
            self._flush()
        if not self._done:
            self._cur = SafetensorsWriter(self._tmp(0))  # an empty checkpoint is still a file
            self._flush()
        n = len(self._done)
        stem = self.path[: -len(".safetensors")]
        finals = [self.path] if n == 1 else [f"{stem}-{i + 1:05d}-of-{n:05d}.safetensors" for i in range(n)]
        for w, final in zip(self._done, finals):
            w.metadata = self.metadata
            w.path = final
            w.close()
        if n > 1:
            wm = {name: os.path.basename(f) for w, f in zip(self._done, finals) for name in w.entries}
            with open(self.path + ".index.json", "w") as f:
                json.dump({"metadata": self.metadata, "weight_map": wm}, f, indent=1)
            return finals + [self.path + ".index.json"]
        return finals

    def abort(self):
        for w in self._done + ([self._cur] if self._cur else []):
            w.abort()
