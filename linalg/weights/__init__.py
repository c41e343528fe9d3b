"""Low-rank compression of model weights, offline and framework-neutral.

``compress(src, dst, ...)`` reads a checkpoint (safetensors — single or
sharded —, ``.npz``, or a PyTorch state dict) one tensor at a time, replaces
the selected weight matrices ``W`` (``out × in``, as ``nn.Linear`` stores
them) by factors with ``W ≈ A @ B``, and writes a safetensors checkpoint.

File layout: a factorised tensor ``<name>`` is stored as two tensors,
``<name>.lr_a`` (``out × r``) and ``<name>.lr_b`` (``r × in``); every other
tensor is copied unchanged. ``__metadata__`` holds ``"linalg.format":
"linalg-factorized-1"`` and, per factorised tensor, ``"linalg:<name>"``: a
JSON string with ``method``, ``rank``, ``shape``, ``dtype`` (the original
one), ``factor_dtype``, ``layout`` (``"A @ B"``), ``factors`` (the two
tensor names), ``rel_error`` and ``energy``. Past ``max_shard_size`` the
output is sharded as ``<stem>-0000i-of-0000N.safetensors`` plus
``<stem>.safetensors.index.json`` (the Hugging Face layout).

>>> import numpy as np, tempfile, os
>>> from linalg.weights import compress, load
>>> from linalg.weights._safetensors import SafetensorsWriter
>>> d = tempfile.mkdtemp(); src = os.path.join(d, "model.safetensors")
>>> rng = np.random.default_rng(0)
>>> w = SafetensorsWriter(src)
>>> w.add("layer.weight", rng.standard_normal((512, 256)).astype(np.float32)); w.close()
>>> rep = compress(src, os.path.join(d, "small.safetensors"), ratio=0.25)
>>> rep.params_after / rep.params_before <= 0.25
True
"""
from .compression import CompressionReport, TensorReport, compress
from .factorized import FactorizedCheckpoint, load
from .inspection import inspect
from .methods import factorize, whitening_factor

__all__ = ["compress", "load", "inspect", "factorize", "whitening_factor", "CompressionReport",
           "TensorReport", "FactorizedCheckpoint"]
