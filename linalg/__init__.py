"""linalg: randomized low-rank linear algebra with a C++ core.

>>> import numpy as np, linalg
>>> A = np.random.default_rng(0).standard_normal((200, 50))
>>> U, S, Vh = linalg.rsvd(A, 5, seed=0)
>>> U.shape, S.shape, Vh.shape
((200, 5), (5,), (5, 50))
"""
from __future__ import annotations

from . import _core
from ._blas import fill_dispatch_table as _fill
from ._results import ErrorEstimate, SVDResult
from .rsvd import estimate_error, range_finder, rsvd
from .sampling import RowSample, leverage_scores, lewis_weights, lp_sensitivities, sample_rows
from .sketching import sketch
from .weighted import WeightedSVDResult, fwsvd, weighted_svd
from .completion import CompletionResult, complete
from .tucker import TuckerResult, tucker, tucker_to_tensor
from .nystrom import EighResult, NystromSelection, nystrom, nystrom_select
from .selection import CRResult, CURResult, IDResult, cr_product, cr_select, cur, interp_decomp

_fill()
del _fill

__version__ = getattr(_core, "__version__", "0.0.0")
__all__ = ["rsvd", "range_finder", "estimate_error", "SVDResult", "ErrorEstimate", "__version__"]
__all__ += ["leverage_scores", "lewis_weights", "lp_sensitivities", "sample_rows", "RowSample", "sketch"]
__all__ += ["weighted_svd", "fwsvd", "WeightedSVDResult"]
__all__ += ["complete", "CompletionResult"]
__all__ += ["tucker", "tucker_to_tensor", "TuckerResult"]
__all__ += ["nystrom", "nystrom_select", "EighResult", "NystromSelection"]
__all__ += ["interp_decomp", "cur", "cr_product", "cr_select", "IDResult", "CURResult", "CRResult"]
