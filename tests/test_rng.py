"""Philox4x32-10 and the test matrices drawn from it (cpp/include/linalg/rng, sketch)."""
import numpy as np
import pytest

import linalg
from linalg import _core


# Random123 known-answer vectors for Philox4x32-10 (kat_vectors).
@pytest.mark.parametrize(
    "counter, key, expected",
    [
        ([0, 0, 0, 0], [0, 0], [0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8]),
        ([0xFFFFFFFF] * 4, [0xFFFFFFFF] * 2, [0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD]),
        ([0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344], [0xA4093822, 0x299F31D0],
         [0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1]),
    ],
)
def test_philox_known_answers(counter, key, expected):
    assert list(_core.philox4x32_10(counter, key)) == expected


def test_gaussian_entries_depend_only_on_position():
    big = _core.test_matrix_f64(300, 40, "gaussian", 7)
    small = _core.test_matrix_f64(123, 17, "gaussian", 7)
    np.testing.assert_array_equal(big[:123, :17], small)
    other_seed = _core.test_matrix_f64(123, 17, "gaussian", 8)
    assert not np.array_equal(small, other_seed)


def test_gaussian_float32_is_rounded_float64():
    a64 = _core.test_matrix_f64(50, 9, "gaussian", 3)
    a32 = _core.test_matrix_f32(50, 9, "gaussian", 3)
    assert a32.dtype == np.float32
    np.testing.assert_array_equal(a32, a64.astype(np.float32))


def test_gaussian_moments():
    g = _core.test_matrix_f64(4000, 50, "gaussian", 11).ravel()
    # 2e5 draws: the mean has sd 2.2e-3, the variance sd 3.2e-3.
    assert abs(g.mean()) < 0.012
    assert abs(g.var() - 1.0) < 0.016
    # Fourth moment of N(0, 1) is 3 (sd of the estimate ~0.02).
    assert abs((g**4).mean() - 3.0) < 0.1


def test_gaussian_independent_of_thread_count():
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):
        one = _core.test_matrix_f64(1000, 33, "gaussian", 5)
    two = _core.test_matrix_f64(1000, 33, "gaussian", 5)
    np.testing.assert_array_equal(one, two)


@pytest.mark.parametrize("cols, zeta", [(40, 8), (10, 8), (5, 8), (64, 3)])
def test_sparse_sign_structure(cols, zeta):
    S = _core.test_matrix_f64(5000, cols, "sparse_sign", 9, zeta=zeta)
    z = min(zeta, cols)
    nz = S != 0
    assert (nz.sum(axis=1) == z).all()
    np.testing.assert_allclose(np.abs(S[nz]), 1 / np.sqrt(z))
    # Both signs, in roughly equal numbers.
    frac = (S[nz] > 0).mean()
    assert 0.4 < frac < 0.6
    # Columns are hit roughly uniformly: each gets ~5000 z / cols nonzeros
    # (binomial, at least 234 expected: +-50 % is beyond 7 sd).
    counts = nz.sum(axis=0)
    expected = 5000 * z / cols
    assert counts.min() > 0.5 * expected and counts.max() < 1.5 * expected


def test_sparse_sign_rows_depend_only_on_seed_and_row():
    a = _core.test_matrix_f64(200, 30, "sparse_sign", 4)
    b = _core.test_matrix_f64(80, 30, "sparse_sign", 4)
    np.testing.assert_array_equal(a[:80], b)
    c = _core.test_matrix_f64(80, 30, "sparse_sign", 5)
    assert not np.array_equal(b, c)


def test_unknown_sketch_kind():
    with pytest.raises(ValueError, match="sketch must be 'gaussian' or 'sparse_sign'"):
        _core.test_matrix_f64(10, 3, "uniform", 1)


def test_import_filled_the_blas_table():
    assert _core.missing_blas_routines() == []
    assert "gemm" in _core.blas_routines()
    assert linalg.rsvd is not None
