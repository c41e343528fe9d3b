"""PyTorch helpers: calibration statistics in, factorised modules out.

Optional: needs ``torch``. The adapter itself (:func:`linalg.weights.compress`)
never imports torch; these helpers produce the plain NumPy dicts it consumes
and load its output back into a model.

>>> import torch, numpy as np
>>> from linalg.weights.torch import collect_input_covariance
>>> net = torch.nn.Sequential(torch.nn.Linear(4, 3))
>>> cov = collect_input_covariance(net, [torch.ones(2, 4)])
>>> sorted(cov), cov["0.weight"].shape
(['0.weight'], (4, 4))
"""
from __future__ import annotations

import re

import numpy as np
import torch
from torch import nn


def _call(model, batch):
    if isinstance(batch, dict):
        return model(**batch)
    if isinstance(batch, (tuple, list)):
        return model(*batch)
    return model(batch)


def _linears(model, modules):
    pat = re.compile(modules) if isinstance(modules, str) else None
    for name, mod in model.named_modules():
        if not isinstance(mod, nn.Linear):
            continue
        if modules is None or (pat and pat.search(name)) or (not pat and name in modules):
            yield name, mod


@torch.no_grad()
def collect_input_covariance(model, batches, modules=None):
    """``{"<module>.weight": XᵀX}`` for the ``nn.Linear`` layers of ``model``.

    ``X`` stacks every input row the layer sees over ``batches`` (each batch
    is passed as ``model(**b)``, ``model(*b)`` or ``model(b)``); sums are in
    float64. ``modules``: a regex or a list of module names (default: all
    ``nn.Linear``). Cost: one forward pass per batch plus ``O(N·in²)`` per
    layer for ``N`` rows. The result is what ``method="whitened"`` takes.
    """
    stats, hooks = {}, []

    def hook(name):
        def f(mod, inp, out):
            x = inp[0].detach().reshape(-1, inp[0].shape[-1]).to(torch.float64)
            c = x.T @ x
            stats[name] = c if name not in stats else stats[name] + c
        return f

    for name, mod in _linears(model, modules):
        hooks.append(mod.register_forward_hook(hook(name)))
    if not hooks:
        raise ValueError(f"no nn.Linear module of the model matches modules={modules!r}")
    was = model.training
    model.eval()
    try:
        for b in batches:
            _call(model, b)
    finally:
        model.train(was)
        for h in hooks:
            h.remove()
    if not stats:
        raise ValueError("no batch reached the selected layers (empty batches?)")
    return {f"{k}.weight": v.cpu().numpy() for k, v in stats.items()}


def collect_fisher(model, loss_fn, batches, modules=None):
    """``{"<module>.weight": Σ_batches (∂loss/∂W)²}`` for ``nn.Linear`` layers.

    The empirical Fisher of FWSVD (Hsu et al., ICLR 2022), accumulated per
    batch: ``loss_fn(model, batch)`` returns a scalar loss. Cost: one forward
    and backward pass per batch. The result is what ``method="fwsvd"`` takes.
    """
    params = {f"{n}.weight": m.weight for n, m in _linears(model, modules)}
    if not params:
        raise ValueError(f"no nn.Linear module of the model matches modules={modules!r}")
    acc = {k: torch.zeros_like(p, dtype=torch.float64) for k, p in params.items()}
    n = 0
    for b in batches:
        model.zero_grad(set_to_none=True)
        loss = loss_fn(model, b)
        loss.backward()
        for k, p in params.items():
            if p.grad is not None:
                acc[k] += p.grad.detach().to(torch.float64) ** 2
        n += 1
    model.zero_grad(set_to_none=True)
    if n == 0:
        raise ValueError("batches is empty")
    return {k: v.cpu().numpy() for k, v in acc.items()}


class FactorizedLinear(nn.Module):
    """``y = A (B x) + bias``: an ``nn.Linear`` of rank ``r``."""

    def __init__(self, A, B, bias=None):
        super().__init__()
        self.first = nn.Linear(B.shape[1], B.shape[0], bias=False)
        self.second = nn.Linear(A.shape[1], A.shape[0], bias=bias is not None)
        with torch.no_grad():
            self.first.weight.copy_(B)
            self.second.weight.copy_(A)
            if bias is not None:
                self.second.bias.copy_(bias)

    def forward(self, x):
        return self.second(self.first(x))


def _tucker_conv(mod, f, info, dtype):
    """A Tucker-2 kernel as 1×1 conv → core conv → 1×1 conv (Kim et al. 2016)."""
    if not isinstance(mod, nn.Conv2d) or mod.groups != 1:
        raise ValueError(f"Tucker factors need an nn.Conv2d with groups=1, got {type(mod).__name__}")
    if sorted(info["modes"]) != [0, 1]:
        raise ValueError("only kernels with their channel modes truncated (Tucker-2) load as convolutions")
    core = torch.from_numpy(np.array(f["core"])).to(dtype)
    U_out = torch.from_numpy(np.array(f["0"])).to(dtype)
    U_in = torch.from_numpy(np.array(f["1"])).to(dtype)
    r_out, r_in = core.shape[:2]
    first = nn.Conv2d(mod.in_channels, r_in, 1, bias=False)
    mid = nn.Conv2d(r_in, r_out, mod.kernel_size, stride=mod.stride, padding=mod.padding,
                    dilation=mod.dilation, bias=False, padding_mode=mod.padding_mode)
    last = nn.Conv2d(r_out, mod.out_channels, 1, bias=mod.bias is not None)
    with torch.no_grad():
        first.weight.copy_(U_in.T[:, :, None, None])
        mid.weight.copy_(core)
        last.weight.copy_(U_out[:, :, None, None])
        if mod.bias is not None:
            last.bias.copy_(mod.bias)
    return nn.Sequential(first, mid, last)


def load_factorized(model, path, strict=True):
    """Load a checkpoint written by :func:`linalg.weights.compress` into
    ``model``: each factorised ``nn.Linear`` weight becomes a
    :class:`FactorizedLinear` holding its factors, each Tucker-compressed
    ``nn.Conv2d`` kernel a 1×1 / core / 1×1 convolution sequence, and every
    other tensor is loaded as it is. Returns the model (changed in place)."""
    from .factorized import load

    ck = load(path)
    dtype = next(model.parameters()).dtype
    rest = {}
    for name in ck.names():
        info = ck.info(name)
        if info is None:
            rest[name] = np.array(ck.tensor(name))
            continue
        mod_name = name.rsplit(".", 1)[0]
        mod = model.get_submodule(mod_name)
        parent_name, _, child = mod_name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        if info["layout"] == "tucker":
            setattr(parent, child, _tucker_conv(mod, ck.factors(name), info, dtype))
            continue
        if not isinstance(mod, nn.Linear):
            raise ValueError(f"{name}: factorised, but {mod_name} is a {type(mod).__name__}, not nn.Linear")
        f = ck.factors(name)
        A = torch.from_numpy(np.array(f["A"])).to(dtype)
        B = torch.from_numpy(np.array(f["B"])).to(dtype)
        bias = mod.bias.detach().clone() if mod.bias is not None else None
        setattr(parent, child, FactorizedLinear(A, B, bias))
    # Biases of replaced layers now live under "<mod>.second.bias".
    sd = model.state_dict()
    for name, t in rest.items():
        mod_name, _, leaf = name.rpartition(".")
        for alias in (f"{mod_name}.second.bias", f"{mod_name}.2.bias"):
            if name not in sd and leaf == "bias" and alias in sd:
                name = alias
        if name in sd:
            sd[name] = torch.from_numpy(t).to(sd[name].dtype).reshape(sd[name].shape)
        elif strict and name not in dict(model.named_buffers()):
            raise ValueError(f"{path}: tensor {name!r} has no place in the model")
    buffers = dict(model.named_buffers())
    for name, t in rest.items():
        if name not in sd and name in buffers:  # non-persistent buffers are not in the state dict
            with torch.no_grad():
                buffers[name].copy_(torch.from_numpy(t).reshape(buffers[name].shape))
    missing = model.load_state_dict(sd, strict=False)
    if strict and (missing.missing_keys or missing.unexpected_keys):
        raise ValueError(f"state dict mismatch: {missing}")
    return model
