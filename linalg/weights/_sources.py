"""Checkpoint readers: one tensor at a time, whatever the container.

``open_checkpoint(path)`` returns a reader with ``names()``, ``shape(name)``,
``dtype_tag(name)`` (a safetensors tag: ``"F32"``, ``"BF16"``, ...),
``raw(name)`` (the stored values; BF16 as uint16 bits) and ``metadata``.
Supported: a ``.safetensors`` file, a sharded checkpoint (its
``*.safetensors.index.json``, or a folder holding one or a single
``.safetensors`` file), ``.npz`` (arrays load one by one on access) and
PyTorch state dicts (``.pt``/``.pth``/``.bin``, loaded with
``torch.load(weights_only=True, mmap=True)``; needs torch).
"""
from __future__ import annotations

import glob
import json
import os

import numpy as np

from ._safetensors import SafetensorsFile, tag_of


def open_checkpoint(path):
    """A reader for the checkpoint at ``path`` (see the module docstring)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError(f"no such checkpoint: {path}")
    if os.path.isdir(path):
        idx = sorted(glob.glob(os.path.join(path, "*.safetensors.index.json")))
        files = sorted(glob.glob(os.path.join(path, "*.safetensors")))
        if len(idx) == 1:
            return ShardedCheckpoint(idx[0])
        if len(files) == 1:
            return SingleFile(files[0])
        raise ValueError(f"{path}: expected one *.safetensors.index.json or one *.safetensors file "
                         f"in the folder, found {len(idx)} index files and {len(files)} safetensors files")
    low = path.lower()
    if low.endswith(".index.json"):
        return ShardedCheckpoint(path)
    if low.endswith(".safetensors"):
        return SingleFile(path)
    if low.endswith(".npz"):
        return NpzCheckpoint(path)
    if low.endswith((".pt", ".pth", ".bin")):
        return TorchCheckpoint(path)
    # Unknown suffix: sniff safetensors, then npz (a zip).
    with open(path, "rb") as f:
        head = f.read(4)
    if head == b"PK\x03\x04":
        return NpzCheckpoint(path)
    try:
        return SingleFile(path)
    except ValueError:
        raise ValueError(f"{path}: unreadable checkpoint format (expected .safetensors, a sharded "
                         f"index .json, .npz, or a PyTorch .pt/.pth/.bin state dict)") from None


class SingleFile:
    def __init__(self, path):
        self.path = path
        self._f = SafetensorsFile(path)
        self.metadata = self._f.metadata

    def names(self):
        return self._f.names()

    def shape(self, name):
        return self._f.shape(name)

    def dtype_tag(self, name):
        return self._f.dtype_tag(name)

    def raw(self, name):
        return self._f.raw(name)


class ShardedCheckpoint:
    """A Hugging Face style sharded checkpoint: ``{"weight_map": {name: file}}``."""

    def __init__(self, index_path):
        self.path = index_path
        with open(index_path) as f:
            try:
                index = json.load(f)
            except json.JSONDecodeError as e:
                raise ValueError(f"{index_path}: not a JSON index ({e})") from None
        wm = index.get("weight_map") if isinstance(index, dict) else None
        if not isinstance(wm, dict):
            raise ValueError(f"{index_path}: no 'weight_map' in the index")
        base = os.path.dirname(os.path.abspath(index_path))
        self._files = {}
        self._where = {}
        for name, fn in wm.items():
            full = os.path.join(base, fn)
            if full not in self._files:
                if not os.path.exists(full):
                    raise FileNotFoundError(f"{index_path}: shard {fn} is missing")
                self._files[full] = SafetensorsFile(full)
            if name not in self._files[full].entries:
                raise ValueError(f"{index_path}: tensor {name!r} is not in its shard {fn}")
            self._where[name] = self._files[full]
        self.metadata = dict(index.get("metadata") or {})
        for f in self._files.values():
            self.metadata.update(f.metadata)

    def names(self):
        return list(self._where)

    def shape(self, name):
        return self._where[name].shape(name)

    def dtype_tag(self, name):
        return self._where[name].dtype_tag(name)

    def raw(self, name):
        return self._where[name].raw(name)


class NpzCheckpoint:
    def __init__(self, path):
        self.path = path
        try:
            self._z = np.load(path, allow_pickle=False)
        except Exception as e:
            raise ValueError(f"{path}: unreadable .npz ({e})") from None
        if not hasattr(self._z, "files"):
            raise ValueError(f"{path}: a single .npy array, not an .npz archive of named tensors")
        self.metadata = {}
        self._info = {}

    def _meta(self, name):
        if name not in self._info:
            a = self._z[name]
            self._info[name] = (a.shape, tag_of(a.dtype))
        return self._info[name]

    def names(self):
        return list(self._z.files)

    def shape(self, name):
        return self._meta(name)[0]

    def dtype_tag(self, name):
        return self._meta(name)[1]

    def raw(self, name):
        return self._z[name]


class TorchCheckpoint:
    def __init__(self, path):
        try:
            import torch
        except ImportError:
            raise ImportError(f"{path}: reading PyTorch checkpoints needs torch "
                              f"(pip install torch), or convert it to safetensors") from None
        self.path = path
        try:
            sd = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
        except Exception as e:
            raise ValueError(f"{path}: unreadable PyTorch checkpoint ({type(e).__name__}: {e})") from None
        if isinstance(sd, dict) and "state_dict" in sd and isinstance(sd["state_dict"], dict):
            sd = sd["state_dict"]
        if not isinstance(sd, dict) or not all(isinstance(v, torch.Tensor) for v in sd.values()):
            raise ValueError(f"{path}: expected a state dict of tensors")
        self._sd = sd
        self._torch = torch
        self.metadata = {}

    def names(self):
        return list(self._sd)

    def shape(self, name):
        return tuple(self._sd[name].shape)

    def dtype_tag(self, name):
        t = self._sd[name]
        if t.dtype == self._torch.bfloat16:
            return "BF16"
        return tag_of(np.dtype(str(t.dtype).replace("torch.", "")))

    def raw(self, name):
        t = self._sd[name].detach().contiguous()
        if t.dtype == self._torch.bfloat16:
            return t.view(self._torch.int16).numpy().view(np.uint16)
        return t.numpy()
