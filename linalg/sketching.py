"""Oblivious sketches as a public tool: ``linalg.sketch(A, d)`` returns S·A or A·S.

>>> import numpy as np, linalg
>>> A = np.random.default_rng(0).standard_normal((1000, 5))
>>> linalg.sketch(A, 50, kind="sparse_sign", seed=0).shape
(50, 5)
"""
from __future__ import annotations

from . import _core, _device
from ._validate import as_matrix, as_seed, check_choice, check_int

KINDS = ("gaussian", "sparse_sign", "countsketch")


def sketch(A, d, *, kind="gaussian", axis=0, seed=None, zeta=8, check_finite=True):
    r"""Apply an oblivious random sketch: ``S @ A`` (``axis=0``) or ``A @ S.T`` (``axis=1``).

    ``S`` is a ``d x n`` random matrix (``n`` the length of A along ``axis``)
    with :math:`E[S^TS] = I`, so :math:`E\|Sx\|^2 = \|x\|^2` for every x:

    * ``"gaussian"``: i.i.d. :math:`N(0, 1/d)` entries (drawn block by block,
      never stored whole). Cost :math:`O(d\,n\,k)` flops for dense A
      (k the other side), :math:`O(d\,\mathrm{nnz}(A))` normal draws for sparse A.
    * ``"sparse_sign"``: ``zeta`` nonzeros :math:`\pm 1/\sqrt{\zeta}` per
      column at distinct random rows (Meng & Mahoney 2013; Nelson & Nguyen
      2013; Tropp et al. 2019). Cost :math:`O(\zeta\,\mathrm{nnz}(A))`.
    * ``"countsketch"``: one :math:`\pm 1` per column (Charikar, Chen &
      Farach-Colton 2002; Clarkson & Woodruff 2013). Cost :math:`O(\mathrm{nnz}(A))`.

    The sparse kinds are never formed as matrices: each row of A is added,
    signed, to its target rows of the output. Entry ``(r, i)`` of ``S``
    depends only on ``(seed, r, i)``: the same seed gives the same S for
    any thread count, dense or sparse input, and any ``A`` with the same
    ``n`` (so ``sketch(A, d) + sketch(B, d) == sketch(A + B, d)`` up to
    rounding). Column i of the sparse sign S equals row i of
    ``linalg._core.test_matrix_f64(n, d, "sparse_sign", seed, zeta, stream=16)``.

    Parameters
    ----------
    A : (n, k) or (k, n) ndarray or scipy.sparse matrix
        float32 stays float32; integers become float64 once. A CuPy array
        or ``cupyx.scipy.sparse`` matrix is sketched on its GPU (CUDA build,
        current CuPy stream) with the same S, and gives a CuPy array (the
        same sums, added in another order).
    d : int
        Sketch size, ``d >= 1`` (it may exceed n).
    kind : {"gaussian", "sparse_sign", "countsketch"}
    axis : {0, 1}
        0: sketch the rows (returns ``S @ A``, shape ``(d, k)``);
        1: sketch the columns (returns ``A @ S.T``, shape ``(k, d)``).
    seed : None, int or numpy.random.Generator
    zeta : int, default 8
        Nonzeros per column for ``"sparse_sign"`` (capped at d).

    Returns
    -------
    ndarray
        Dense, in A's floating dtype.

    Examples
    --------
    >>> import numpy as np, scipy.sparse as sp, linalg
    >>> A = sp.random(2000, 30, density=0.05, random_state=0, format="csr")
    >>> Y = linalg.sketch(A, 200, kind="countsketch", seed=1)
    >>> bool(np.allclose(Y, linalg.sketch(A.toarray(), 200, kind="countsketch", seed=1)))
    True
    >>> linalg.sketch(A.T, 200, kind="sparse_sign", axis=1, seed=1).shape
    (30, 200)
    """
    check_choice(kind, "kind", KINDS)
    if isinstance(axis, bool) or axis not in (0, 1):
        raise ValueError(f"axis must be 0 or 1, got {axis!r}")
    d = check_int(d, "d", 1)
    zeta = check_int(zeta, "zeta", 1)
    s = as_seed(seed)
    if axis == 1:
        At = A.T  # a view (dense) or the CSC/CSR transpose (sparse): no copy
        return sketch(At, d, kind=kind, axis=0, seed=s, zeta=zeta, check_finite=check_finite).T
    mat = as_matrix(A, "A", check_finite, device=True)
    if mat[0] == "cuda-dense":
        stream, dev = _device.stream_and_device(mat[1])
        return _core.cuda_row_sketch_dense(mat[1], stream, dev, kind, d, zeta, s)
    if mat[0] == "cuda-csr":
        data, indices, indptr, stored = mat[1]
        stream, dev = _device.stream_and_device(data)
        return _core.cuda_row_sketch_csr(data, indices, indptr, stored[0], stored[1], mat[2], stream, dev, kind, d,
                                         zeta, s)
    if mat[0] == "dense":
        return _core.row_sketch_dense(mat[1], kind, d, zeta, s)
    data, indices, indptr, stored = mat[1]
    return _core.row_sketch_csr(data, indices, indptr, stored[0], stored[1], mat[2], kind, d, zeta, s)


__all__ = ["sketch", "KINDS"]
