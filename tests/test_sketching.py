"""linalg.sketch: oblivious Gaussian, sparse sign and CountSketch embeddings (linalg/sketching.py)."""
import numpy as np
import pytest
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

import linalg
from linalg import _core
from linalg.testing import SEEDS

KINDS = ["gaussian", "sparse_sign", "countsketch"]


def explicit_S(n, d, kind, seed, zeta=8):
    """S itself, as the sketch of the identity."""
    return linalg.sketch(np.eye(n), d, kind=kind, seed=seed, zeta=zeta)


def test_sparse_sign_is_the_test_matrix_transpose():
    A = np.random.default_rng(0).standard_normal((300, 7))
    for zeta in (1, 3, 8):
        S = _core.test_matrix_f64(300, 40, "sparse_sign", 5, zeta, 16).T
        np.testing.assert_allclose(linalg.sketch(A, 40, kind="sparse_sign", seed=5, zeta=zeta), S @ A, atol=1e-12)
    C = _core.test_matrix_f64(300, 40, "sparse_sign", 5, 1, 16).T
    np.testing.assert_allclose(linalg.sketch(A, 40, kind="countsketch", seed=5), C @ A, atol=1e-12)


@pytest.mark.parametrize("kind, zeta", [("sparse_sign", 8), ("sparse_sign", 3), ("countsketch", 1)])
def test_sparse_structure(kind, zeta):
    S = explicit_S(500, 64, kind, seed=1, zeta=zeta)
    nnz = (S != 0).sum(axis=0)
    assert np.all(nnz == zeta)  # per column, at distinct rows
    np.testing.assert_allclose(np.abs(S[S != 0]), 1 / np.sqrt(zeta))
    assert 0.4 < np.mean(S[S != 0] > 0) < 0.6


def test_gaussian_entries():
    S = explicit_S(400, 300, "gaussian", seed=2)
    z = S * np.sqrt(300)
    assert abs(z.mean()) < 0.01 and abs(z.var() - 1) < 0.02


@pytest.mark.parametrize("kind", KINDS)
def test_norm_preserved_in_expectation(kind):
    x = np.random.default_rng(3).standard_normal((2000, 1))
    ratios = [float(np.sum(linalg.sketch(x, 50, kind=kind, seed=s) ** 2) / np.sum(x**2)) for s in SEEDS]
    # E ||Sx||^2 = ||x||^2; the variance is at most 2/d (Gaussian) per draw.
    assert abs(np.mean(ratios) - 1) < 4 * np.sqrt(2 / 50 / len(SEEDS))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
def test_sparse_input_matches_dense(kind, fmt):
    A = sp.random(700, 25, density=0.1, random_state=4, format=fmt)
    Y = linalg.sketch(A, 60, kind=kind, seed=9)
    np.testing.assert_allclose(Y, linalg.sketch(A.toarray(), 60, kind=kind, seed=9), rtol=1e-10, atol=1e-12)
    assert Y.shape == (60, 25) and isinstance(Y, np.ndarray)


@pytest.mark.parametrize("kind", KINDS)
def test_axis_1_and_orders(kind):
    A = np.random.default_rng(5).standard_normal((30, 400))
    S = explicit_S(400, 50, kind, seed=6)
    Y = linalg.sketch(A, 50, kind=kind, axis=1, seed=6)
    np.testing.assert_allclose(Y, A @ S.T, atol=1e-10)
    np.testing.assert_allclose(linalg.sketch(np.asfortranarray(A), 50, kind=kind, axis=1, seed=6), Y, atol=1e-12)
    Ys = linalg.sketch(sp.csr_matrix(A), 50, kind=kind, axis=1, seed=6)
    np.testing.assert_allclose(Ys, Y, atol=1e-10)


@pytest.mark.parametrize("kind", KINDS)
def test_float32_and_linearity(kind):
    rng = np.random.default_rng(7)
    A, B = rng.standard_normal((500, 6)), rng.standard_normal((500, 6))
    Y32 = linalg.sketch(A.astype(np.float32), 40, kind=kind, seed=1)
    assert Y32.dtype == np.float32
    np.testing.assert_allclose(Y32, linalg.sketch(A, 40, kind=kind, seed=1), rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(linalg.sketch(A + B, 40, kind=kind, seed=1),
                               linalg.sketch(A, 40, kind=kind, seed=1) + linalg.sketch(B, 40, kind=kind, seed=1),
                               atol=1e-12)


def test_thread_count_does_not_matter():
    A = np.random.default_rng(8).standard_normal((50000, 12))
    a = linalg.sketch(A, 500, kind="sparse_sign", seed=3)
    with threadpool_limits(1, "openmp"):
        b = linalg.sketch(A, 500, kind="sparse_sign", seed=3)
    assert np.array_equal(a, b)


def test_subspace_embedding_quality():
    # A sparse sign sketch with 4(sqrt d + 2)^2 / eps^2 rows keeps ||Ux|| within 1 +- eps/2 (d = 5).
    U = np.linalg.qr(np.random.default_rng(9).standard_normal((20000, 5)))[0]
    s = int(np.ceil(4 * (np.sqrt(5) + 2) ** 2 / 0.3**2))
    worst = []
    for seed in SEEDS[:8]:
        sv = np.linalg.svd(linalg.sketch(U, s, kind="sparse_sign", seed=seed, zeta=4), compute_uv=False)
        worst.append(max(sv.max() - 1, 1 - sv.min()))
    assert max(worst) <= 0.15


def test_bad_input():
    A = np.ones((10, 3))
    with pytest.raises(ValueError, match="kind must be one of"):
        linalg.sketch(A, 5, kind="srht")
    with pytest.raises(ValueError, match="axis must be 0 or 1"):
        linalg.sketch(A, 5, axis=2)
    with pytest.raises(ValueError, match=r"d must be in >= 1, got 0"):
        linalg.sketch(A, 0)
    with pytest.raises(ValueError, match=r"zeta must be in >= 1, got 0"):
        linalg.sketch(A, 5, kind="sparse_sign", zeta=0)
    B = A.copy()
    B[2, 2] = np.inf
    with pytest.raises(ValueError, match="A contains NaN or Inf"):
        linalg.sketch(B, 5)
    with pytest.raises(ValueError, match="A contains NaN or Inf"):
        linalg.sketch(sp.csr_matrix(B), 5)
    with pytest.raises(TypeError, match="seed must be"):
        linalg.sketch(A, 5, seed="x")
