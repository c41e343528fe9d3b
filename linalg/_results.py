"""Small result types that unpack like tuples (ARCHITECTURE decision 7)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator


@dataclass(frozen=True)
class SVDResult:
    """A truncated SVD ``A ~ U @ diag(S) @ Vh``.

    Unpacks like a tuple: ``U, S, Vh = linalg.rsvd(A, k)``. ``info`` reports
    how it was computed: the method, the number of power steps or Krylov
    blocks (``power_iters``), the basis size, the number of reads of ``A``
    (``passes``), the flops of those
    products (``gemm_flops``) and, in fixed-accuracy mode, the squared
    Frobenius residual (``residual_sq``).
    """

    U: Any
    S: Any
    Vh: Any
    info: dict = field(default_factory=dict, repr=False, compare=False)

    def __iter__(self) -> Iterator[Any]:
        return iter((self.U, self.S, self.Vh))

    def __len__(self) -> int:
        return 3

    def __getitem__(self, i: int) -> Any:
        return (self.U, self.S, self.Vh)[i]


@dataclass(frozen=True)
class ErrorEstimate:
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

    def __iter__(self) -> Iterator[float]:
        return iter((self.frobenius, self.relative, self.spectral_bound))
