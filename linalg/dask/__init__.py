"""Low-rank algorithms on Dask arrays and distributed observations
(``pip install "linalg[dask]"``): the distributed forms of linalg's
functions, with the same seed giving the same answer to rounding.

The per-block work runs in the same core as the single-machine functions;
Dask schedules it (``blockwise`` tasks and tree reductions), on any
scheduler: threads, processes or a ``dask.distributed`` cluster. Only small
(n x l, l x l) factors ever reach the client.

>>> import numpy as np, dask, dask.array as da, linalg.dask
>>> X = np.random.default_rng(0).standard_normal((2000, 8)) @ np.ones((8, 50))
>>> with dask.config.set(scheduler="threads"):
...     res = linalg.dask.rsvd(da.from_array(X, chunks=(500, 50)), 5, seed=0)
>>> res.U.shape, res.S.shape, res.Vh.shape
((2000, 5), (5,), (5, 50))
>>> Y = da.from_array(np.random.default_rng(0).standard_normal((1000, 4)), chunks=(250, 4))
>>> with dask.config.set(scheduler="threads"):
...     round(float(linalg.dask.leverage_scores(Y).sum().compute()), 6)
4.0
"""
from ._rsvd import rsvd
from ._sampling import leverage_scores
from ._sampling import sample_rows
from ._completion import complete

__all__ = ["rsvd", "leverage_scores", "sample_rows", "complete"]
