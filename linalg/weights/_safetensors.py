"""The safetensors file format, read one tensor at a time and written in a stream.

A safetensors file is an 8-byte little-endian header length ``N``, ``N`` bytes
of JSON (``{name: {"dtype", "shape", "data_offsets": [begin, end]}, ...,
"__metadata__": {str: str}}``, offsets relative to the end of the header) and
then the raw little-endian tensor bytes. Reading seeks to one tensor and
reads it (not mapped: mapped pages stay resident); writing appends each
tensor's bytes to a scratch file as it arrives and writes header + data at ``close()``, so neither side ever holds
more than one tensor. bfloat16 (which NumPy lacks) is carried as its raw
``uint16`` bits and converted with :func:`bf16_to_f32` / :func:`f32_to_bf16`.
"""
from __future__ import annotations

import json
import os
import shutil
import struct
import tempfile

import numpy as np

#: safetensors dtype tag -> NumPy dtype of the stored bits (BF16 as raw uint16).
DTYPES = {
    "F64": np.dtype("<f8"), "F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"),
    "I64": np.dtype("<i8"), "I32": np.dtype("<i4"), "I16": np.dtype("<i2"), "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"), "U32": np.dtype("<u4"), "U16": np.dtype("<u2"), "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_TAGS = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32", np.dtype("<f2"): "F16",
         np.dtype("<i8"): "I64", np.dtype("<i4"): "I32", np.dtype("<i2"): "I16", np.dtype("i1"): "I8",
         np.dtype("<u8"): "U64", np.dtype("<u4"): "U32", np.dtype("<u2"): "U16", np.dtype("u1"): "U8",
         np.dtype("?"): "BOOL"}
FLOAT_TAGS = ("F64", "F32", "F16", "BF16")
_MAX_HEADER = 100 << 20


def tag_of(dtype) -> str:
    """The safetensors dtype tag of a NumPy dtype."""
    try:
        return _TAGS[np.dtype(dtype).newbyteorder("<") if np.dtype(dtype).byteorder == ">" else np.dtype(dtype)]
    except KeyError:
        raise TypeError(f"dtype {np.dtype(dtype)} cannot be stored in safetensors") from None


def bf16_to_f32(bits: np.ndarray) -> np.ndarray:
    """bfloat16 bits (uint16) -> float32 (exact: bf16 is float32's top half)."""
    return (bits.astype(np.uint32) << 16).view(np.float32)


def f32_to_bf16(x: np.ndarray) -> np.ndarray:
    """float32 -> bfloat16 bits (uint16), rounding to nearest even; NaN stays NaN."""
    u = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32)
    rounded = (u + (np.uint32(0x7FFF) + ((u >> 16) & 1))) >> 16
    nan = (u & 0x7FFFFFFF) > 0x7F800000
    return np.where(nan, (u >> 16) | 0x40, rounded).astype(np.uint16)


class SafetensorsFile:
    """A read-only safetensors file: names, shapes and dtype tags from the
    header; ``raw(name)`` views the stored bits without reading the others."""

    def __init__(self, path):
        self.path = os.fspath(path)
        with open(self.path, "rb") as f:
            head = f.read(8)
            if len(head) != 8:
                raise ValueError(f"{self.path}: not a safetensors file (shorter than 8 bytes)")
            (n,) = struct.unpack("<Q", head)
            if n > _MAX_HEADER:
                raise ValueError(f"{self.path}: not a safetensors file (header length {n})")
            try:
                header = json.loads(f.read(n))
            except (UnicodeDecodeError, json.JSONDecodeError) as e:
                raise ValueError(f"{self.path}: not a safetensors file ({e})") from None
        if not isinstance(header, dict):
            raise ValueError(f"{self.path}: not a safetensors file (header is not a JSON object)")
        self.metadata = dict(header.pop("__metadata__", None) or {})
        self.entries = header
        self._start = 8 + n
        size = os.path.getsize(self.path)
        for name, e in header.items():
            if e.get("dtype") not in DTYPES:
                raise ValueError(f"{self.path}: tensor {name!r} has unsupported dtype {e.get('dtype')!r}")
            b, t = e["data_offsets"]
            if self._start + t > size or t - b != DTYPES[e["dtype"]].itemsize * int(np.prod(e["shape"])):
                raise ValueError(f"{self.path}: tensor {name!r} has inconsistent offsets")

    def names(self):
        return list(self.entries)

    def shape(self, name):
        return tuple(self.entries[name]["shape"])

    def dtype_tag(self, name):
        return self.entries[name]["dtype"]

    def raw(self, name) -> np.ndarray:
        """The stored bits of ``name`` (BF16 as uint16), read into memory.

        Read, not mapped: mapped pages stay resident after use, so a pass
        over a mapped checkpoint would end up holding all of it.
        """
        e = self.entries[name]
        b, t = e["data_offsets"]
        dt = DTYPES[e["dtype"]]
        with open(self.path, "rb") as f:
            f.seek(self._start + b)
            a = np.fromfile(f, dtype=dt, count=(t - b) // dt.itemsize)
        return a.reshape(e["shape"])


class SafetensorsWriter:
    """Write tensors one at a time; header and data land at :meth:`close`.

    ``add(name, array, tag=None)`` appends the bytes of ``array`` to a scratch
    file next to ``path`` (``tag="BF16"`` marks uint16 bits as bfloat16).
    Memory stays at one tensor; the disk holds the data twice until close.
    """

    def __init__(self, path, metadata=None):
        self.path = os.fspath(path)
        d = os.path.dirname(os.path.abspath(self.path))
        self._scratch = tempfile.NamedTemporaryFile(dir=d, prefix=".linalg-", suffix=".part", delete=False)
        self.entries = {}
        self.metadata = dict(metadata or {})
        self.nbytes = 0

    def add(self, name, array, tag=None):
        if name in self.entries or name == "__metadata__":
            raise ValueError(f"tensor name {name!r} written twice")
        a = np.ascontiguousarray(array)
        if a.dtype.byteorder == ">":
            a = a.astype(a.dtype.newbyteorder("<"))
        tag = tag or tag_of(a.dtype)
        if tag == "BF16" and a.dtype != np.uint16:
            raise TypeError("BF16 data must be given as uint16 bits")
        buf = memoryview(a).cast("B") if a.size else b""
        self._scratch.write(buf)
        self.entries[name] = {"dtype": tag, "shape": list(a.shape),
                              "data_offsets": [self.nbytes, self.nbytes + a.nbytes]}
        self.nbytes += a.nbytes

    def close(self):
        self._scratch.close()
        header = dict(self.entries)
        if self.metadata:
            header["__metadata__"] = {str(k): str(v) for k, v in self.metadata.items()}
        text = json.dumps(header, separators=(",", ":")).encode()
        text += b" " * (-len(text) % 8)  # the format aligns the data to 8 bytes
        tmp = self.path + ".linalg-tmp"
        try:
            with open(tmp, "wb") as out, open(self._scratch.name, "rb") as data:
                out.write(struct.pack("<Q", len(text)))
                out.write(text)
                shutil.copyfileobj(data, out, 16 << 20)
            os.replace(tmp, self.path)
        finally:
            for p in (tmp, self._scratch.name):
                if os.path.exists(p):
                    os.remove(p)

    def abort(self):
        self._scratch.close()
        if os.path.exists(self._scratch.name):
            os.remove(self._scratch.name)
