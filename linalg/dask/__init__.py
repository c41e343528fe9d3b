"""Row-chunked Dask arrays and distributed observations: the distributed
forms of linalg's functions (same seed, same answer to rounding).

>>> import numpy as np, dask, dask.array as da, linalg.dask
>>> X = da.from_array(np.random.default_rng(0).standard_normal((1000, 4)), chunks=(250, 4))
>>> with dask.config.set(scheduler="threads"):
...     round(float(linalg.dask.leverage_scores(X).sum().compute()), 6)
4.0
"""
from ._sampling import leverage_scores
from ._sampling import sample_rows
from ._completion import complete

__all__ = ["leverage_scores", "sample_rows", "complete"]
