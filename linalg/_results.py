"""Small result types that unpack like tuples (ARCHITECTURE decision 7)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Iterator


class Unpacks:
    """Tuple-like access to the fields named in ``_unpack``, so that results
    unpack (``U, S, Vh = res``), index and ``len`` like a tuple."""

    _unpack: ClassVar[tuple] = ()

    def _items(self) -> tuple:
        return tuple(getattr(self, name) for name in self._unpack)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._items())

    def __len__(self) -> int:
        return len(self._unpack)

    def __getitem__(self, i: int) -> Any:
        return self._items()[i]


@dataclass(frozen=True)
class SVDResult(Unpacks):
    """A truncated SVD ``A ~ U @ diag(S) @ Vh``.

    Unpacks like a tuple: ``U, S, Vh = linalg.rsvd(A, k)``. ``info`` reports
    how it was computed: the method, the number of power steps or Krylov
    blocks (``power_iters``), the basis size, the number of reads of ``A``
    (``passes``), the flops of those
    products (``gemm_flops``), in fixed-accuracy mode the squared
    Frobenius residual (``residual_sq``), and whether the basis was found in
    lower precision (``mixed_precision``; then ``fast_products`` - "float32",
    "tf32" or "float16" - and ``fast_passes``, the passes made with them).
    """

    U: Any
    S: Any
    Vh: Any
    info: dict = field(default_factory=dict, repr=False, compare=False)

    _unpack = ("U", "S", "Vh")


@dataclass(frozen=True)
class ErrorEstimate(Unpacks):
    """A-posteriori estimate of ``E = A - U diag(S) Vh``.

    ``frobenius`` estimates ``||E||_F`` (relative standard deviation at most
    ``sqrt(2 / probes)``); ``relative`` is ``frobenius / ||A||_F``;
    ``spectral_bound`` bounds ``||E||_2`` with probability at least
    ``1 - 10**-probes`` (Halko, Martinsson & Tropp 2011, eq. 4.3).
    Unpacks as ``(frobenius, relative, spectral_bound)``.
    """

    frobenius: float
    relative: float
    spectral_bound: float
    probes: int

    _unpack = ("frobenius", "relative", "spectral_bound")
