"""linalg.rsvd, range_finder and estimate_error (linalg/rsvd.py)."""
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import linalg
from linalg import _core
from linalg._blas import one_blas_thread
from linalg.testing import (
    SEEDS,
    assert_mean_bound,
    exact_rank_spectrum,
    geometric_spectrum,
    hmt_frobenius_sq_bound,
    hmt_power_bound,
    hmt_spectral_bound,
    matrix_from_spectrum,
    optimal_error,
    polynomial_spectrum,
    projection_error,
    spectral_matrices,
)

METHODS = ["subspace", "krylov", "auto"]


def rel_err(A, res):
    A = np.asarray(A, dtype=np.float64)
    return np.linalg.norm(A - (res.U.astype(np.float64) * res.S) @ res.Vh) / np.linalg.norm(A)


def error_ratio(sm, res, k):
    """||A - U S Vh||_F / optimal rank-k error, in float64."""
    A = np.asarray(sm.A, dtype=np.float64)
    err = np.linalg.norm(A - (res.U.astype(np.float64) * res.S.astype(np.float64)) @ res.Vh.astype(np.float64))
    return err / optimal_error(sm.s, k, "fro")


@pytest.fixture(scope="module")
def decaying():
    return matrix_from_spectrum(geometric_spectrum(80, 0.9), 200, 80, rng=3)


# --- agreement with LAPACK ------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("dtype, rtol", [(np.float64, 1e-9), (np.float32, 2e-4)])
def test_matches_lapack_svd(decaying, method, dtype, rtol):
    A = decaying.A.astype(dtype)
    k = 10
    # Enough steps for the vectors to converge: (sigma_21/sigma_10)^(2q+1) ~ 1e-19.
    res = linalg.rsvd(A, k, method=method, power_iters=20, seed=0)
    U, s, Vh = np.linalg.svd(decaying.A)
    np.testing.assert_allclose(res.S, s[:k], rtol=rtol)
    # Singular vectors agree up to sign.
    signs = np.sign(np.sum(res.U * U[:, :k], axis=0))
    np.testing.assert_allclose(res.U * signs, U[:, :k], atol=50 * rtol)
    np.testing.assert_allclose(res.Vh * signs[:, None], Vh[:k], atol=50 * rtol)
    assert res.U.dtype == dtype and res.S.dtype == dtype and res.Vh.dtype == dtype


@pytest.mark.parametrize("method", METHODS)
def test_outputs_orthonormal_and_sorted(decaying, method):
    res = linalg.rsvd(decaying.A, 15, method=method, seed=1)
    np.testing.assert_allclose(res.U.T @ res.U, np.eye(15), atol=1e-12)
    np.testing.assert_allclose(res.Vh @ res.Vh.T, np.eye(15), atol=1e-12)
    assert np.all(np.diff(res.S) <= 0) and res.S[-1] > 0


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("shape", [(150, 60), (60, 150)])
def test_exact_rank_recovered(method, shape):
    m, n = shape
    sm = matrix_from_spectrum(exact_rank_spectrum(min(m, n), 12), m, n, rng=5)
    res = linalg.rsvd(sm.A, 12, method=method, seed=2)
    assert rel_err(sm.A, res) < 1e-12
    np.testing.assert_allclose(res.S, sm.s[:12], rtol=1e-12)


@settings(max_examples=25, deadline=None)
@given(sm=spectral_matrices(kinds=("exact_rank",), max_side=40, min_side=12), method=st.sampled_from(METHODS))
def test_exact_rank_property(sm, method):
    """Rank r plus optional noise: rank r recovers A up to the noise (Eckart-Young)."""
    r = int(np.sum(sm.s >= 0.1))  # exact_rank_spectrum: signal in [0.1, 1], noise < 0.1
    res = linalg.rsvd(sm.A, r, method=method, seed=SEEDS[0])
    tol = 1e-10 if sm.A.dtype == np.float64 else 2e-5
    best = optimal_error(sm.s, r, "fro") / np.linalg.norm(sm.s)
    assert rel_err(sm.A, res) <= best * (1 + 1e-6) + tol


@settings(max_examples=30, deadline=None)
@given(sm=spectral_matrices(min_side=8, max_side=48), method=st.sampled_from(METHODS))
def test_never_worse_than_basis_allows(sm, method):
    """Any input, any method: shapes, dtype, orthonormal U and a sane error."""
    k = max(1, min(sm.A.shape) // 3)
    res = linalg.rsvd(sm.A, k, method=method, seed=SEEDS[1])
    m, n = sm.A.shape
    assert res.U.shape == (m, k) and res.S.shape == (k,) and res.Vh.shape == (k, n)
    assert res.U.dtype == sm.A.dtype
    eps = np.finfo(sm.A.dtype).eps
    np.testing.assert_allclose(res.U.T.astype(float) @ res.U, np.eye(k), atol=1e3 * eps)
    # The answer is never worse than the zero matrix (plus rounding).
    assert rel_err(sm.A, res) <= 1 + 1e3 * eps


# --- the HMT bounds (Halko, Martinsson & Tropp 2011, section 10) ---------

@pytest.fixture(scope="module")
def slow_decay():
    return matrix_from_spectrum(polynomial_spectrum(60, 0.5), 90, 60, rng=7)


def head_tail(c):
    """Two unit singular values over a flat tail c: the a-priori range of the
    errors is then narrow enough for 24 seeds to test the HMT bounds
    non-vacuously (see linalg.testing.check_mean_bound)."""
    return matrix_from_spectrum(np.r_[1.0, 1.0, np.full(58, c)], 90, 60, rng=7)


def _projection_errors(sm, size, q, norm):
    out = []
    for seed in SEEDS:
        Q = linalg.range_finder(sm.A, size, power_iters=q, seed=seed)
        out.append(projection_error(sm.A, Q, norm=norm) ** (2 if norm == "fro" else 1))
    return out


def test_hmt_thm_10_5_frobenius():
    sm, k, p = head_tail(0.2), 2, 20
    errs = _projection_errors(sm, k + p, 0, "fro")
    s = sm.s
    res = assert_mean_bound(errs, hmt_frobenius_sq_bound(s, k, p),
                            lower=optimal_error(s, k + p, "fro") ** 2, upper=float(np.sum(s**2)))
    assert not res.vacuous


def test_hmt_thm_10_6_spectral():
    sm, k, p = head_tail(0.05), 2, 20
    errs = _projection_errors(sm, k + p, 0, "spectral")
    s = sm.s
    res = assert_mean_bound(errs, hmt_spectral_bound(s, k, p), lower=s[k + p], upper=s[0])
    assert not res.vacuous


@pytest.mark.parametrize("q", [1, 2])
def test_hmt_cor_10_10_power(q):
    sm, k, p = head_tail(0.05), 2, 20
    errs = _projection_errors(sm, k + p, q, "spectral")
    s = sm.s
    res = assert_mean_bound(errs, hmt_power_bound(s, k, p, q), lower=s[k + p], upper=s[0])
    assert not res.vacuous


@pytest.mark.parametrize("method", ["subspace", "krylov"])
def test_rsvd_error_ratio_small_on_average(slow_decay, method):
    k = 10
    ratios = [error_ratio(slow_decay, linalg.rsvd(slow_decay.A, k, method=method, seed=s), k) for s in SEEDS]
    # Adaptive depth stops at a 1 % energy gain: error within a few % of optimal.
    assert np.mean(ratios) < 1.03
    assert min(ratios) >= 1 - 1e-12  # never better than Eckart-Young


# --- dtypes, layouts, copies ---------------------------------------------

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_c_and_f_order_agree(decaying, dtype):
    A = np.ascontiguousarray(decaying.A, dtype=dtype)
    F = np.asfortranarray(A)
    rc = linalg.rsvd(A, 8, seed=3, power_iters=3, method="subspace")
    rf = linalg.rsvd(F, 8, seed=3, power_iters=3, method="subspace")
    tol = 1e-10 if dtype == np.float64 else 1e-4
    np.testing.assert_allclose(rc.S, rf.S, rtol=tol)
    np.testing.assert_allclose(np.abs(rc.U.T @ rf.U), np.eye(8), atol=100 * tol)


def test_read_only_and_strided_inputs(decaying):
    A = decaying.A.copy()
    A.setflags(write=False)
    ro = linalg.rsvd(A, 5, seed=4)
    wide = np.zeros((200, 160))
    wide[:, ::2] = decaying.A
    strided = wide[:, ::2]  # no unit stride along either axis
    st_ = linalg.rsvd(strided, 5, seed=4)
    np.testing.assert_allclose(ro.S, st_.S, rtol=1e-10)


@pytest.mark.parametrize("order", ["C", "F"])
def test_dense_input_not_copied(order):
    import tracemalloc

    A = np.asarray(np.random.default_rng(0).standard_normal((2000, 500)), order=order)
    tracemalloc.start()
    linalg.rsvd(A, 5, seed=0, power_iters=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    # NumPy reports its allocations to tracemalloc: a copy of A (8 MB) would show.
    assert peak < A.nbytes / 4


def test_integers_become_float64():
    A = np.arange(60 * 40).reshape(60, 40) % 7
    res = linalg.rsvd(A, 3, seed=0)
    assert res.U.dtype == np.float64
    ref = linalg.rsvd(A.astype(np.float64), 3, seed=0)
    np.testing.assert_array_equal(res.S, ref.S)


def test_float16_becomes_float32():
    A = np.random.default_rng(0).standard_normal((30, 20)).astype(np.float16)
    assert linalg.rsvd(A, 3, seed=0).S.dtype == np.float32


def test_result_unpacks_like_a_tuple(decaying):
    res = linalg.rsvd(decaying.A, 4, seed=0)
    U, S, Vh = res
    assert U is res.U and S is res.S and Vh is res.Vh and res[1] is res.S and len(res) == 3
    assert res.info["rank"] == 4 and res.info["passes"] >= 1


# --- sparse ---------------------------------------------------------------

@pytest.fixture(scope="module")
def sparse_lowrank():
    # Scaled columns keep the sparsity and give a decaying spectrum.
    rng = np.random.default_rng(9)
    B = sp.random(400, 300, density=0.03, random_state=rng, format="csr")
    return (B @ sp.diags(0.9 ** np.arange(300))).tocsr()


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_sparse_matches_dense(sparse_lowrank, fmt, dtype):
    S = sparse_lowrank.astype(dtype).asformat(fmt)
    dense = S.toarray()
    res = linalg.rsvd(S, 6, seed=1, method="subspace", power_iters=8)
    ref = np.linalg.svd(dense.astype(np.float64), compute_uv=False)[:6]
    rtol = 1e-6 if dtype == np.float64 else 1e-3
    np.testing.assert_allclose(res.S, ref, rtol=rtol)
    assert res.S.dtype == dtype


def test_sparse_int64_indices_and_wide(sparse_lowrank):
    S = sparse_lowrank.T.tocsr()  # 300 x 400, wide
    S64 = S.copy()
    S64.indices = S64.indices.astype(np.int64)
    S64.indptr = S64.indptr.astype(np.int64)
    a = linalg.rsvd(S, 5, seed=2)
    b = linalg.rsvd(S64, 5, seed=2)
    np.testing.assert_array_equal(a.S, b.S)
    assert a.U.shape == (300, 5) and a.Vh.shape == (5, 400)


def test_sparse_exact_rank():
    rng = np.random.default_rng(1)
    X = sp.random(500, 4, density=0.2, random_state=rng) @ sp.random(4, 300, density=0.5, random_state=rng)
    X = sp.csr_matrix(X)
    res = linalg.rsvd(X, 4, seed=0)
    assert rel_err(X.toarray(), res) < 1e-12


# --- reproducibility --------------------------------------------------------

@pytest.mark.parametrize("method", METHODS)
def test_same_seed_same_result(decaying, method):
    a = linalg.rsvd(decaying.A, 7, seed=123, method=method)
    b = linalg.rsvd(decaying.A, 7, seed=123, method=method)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)
    c = linalg.rsvd(decaying.A, 7, seed=np.random.default_rng(5), method=method)
    d = linalg.rsvd(decaying.A, 7, seed=np.random.default_rng(5), method=method)
    np.testing.assert_array_equal(c.U, d.U)


@pytest.mark.parametrize("sparse", [False, True])
def test_same_result_with_one_or_two_threads(sparse):
    """The sketch is bitwise identical for any thread count (test_rng.py);
    OpenBLAS's own GEMM sums in a thread-dependent order (NumPy's A @ X
    differs in the last bits between 1 and 2 threads), so the factors agree
    to rounding, not bitwise."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    A = rng.standard_normal((3000, 400)) * (0.97 ** np.arange(400))
    if sparse:
        A = (sp.random(3000, 400, density=0.05, random_state=rng, format="csr") @ sp.diags(0.97 ** np.arange(400))).tocsr()
    with threadpool_limits(1):
        one = linalg.rsvd(A, 20, seed=9)
    with threadpool_limits(2):
        two = linalg.rsvd(A, 20, seed=9)
    np.testing.assert_allclose(one.S, two.S, rtol=1e-12)
    np.testing.assert_allclose(one.U @ np.diag(one.S) @ one.Vh, two.U @ np.diag(two.S) @ two.Vh, atol=1e-12 * one.S[0])
    assert {k: v for k, v in one.info.items() if k != "frob_sq"} == {k: v for k, v in two.info.items() if k != "frob_sq"}



def assert_same_on_one_or_two_threads(A, rank, **kw):
    """rsvd of CSR A on 1 and 2 OpenMP threads: bitwise the same factors, and
    the dense input's singular values to rounding."""
    from threadpoolctl import threadpool_limits

    runs = []
    for threads in (1, 2):
        with threadpool_limits(limits=threads, user_api="openmp"):
            runs.append(linalg.rsvd(A, rank, **kw))
    np.testing.assert_array_equal(runs[0].S, runs[1].S)
    np.testing.assert_array_equal(runs[0].U, runs[1].U)
    np.testing.assert_array_equal(runs[0].Vh, runs[1].Vh)
    dense = linalg.rsvd(A.toarray(), rank, **kw)
    np.testing.assert_allclose(runs[1].S, dense.S, rtol=1e-10)


def test_sparse_row_blocked_blas_same_on_one_or_two_threads():
    # CSR input: the products are our kernels and SciPy's BLAS holds one
    # thread, its calls on the tall blocks cut into fixed row blocks on the
    # OpenMP threads (host/split_host.hpp; >= 4096 rows here): nothing sums
    # in a thread-dependent order, so the factors agree bitwise.
    rng = np.random.default_rng(3)
    A = (sp.random(12000, 900, density=0.01, random_state=rng, format="csr") @ sp.diags(0.99 ** np.arange(900))).tocsr()
    assert_same_on_one_or_two_threads(A, 50, seed=4, method="subspace", power_iters=2)


def test_sparse_transpose_in_parallel_same_on_one_or_two_threads():
    # >= 131072 nonzeros: the CSR transpose behind A^T X is built by two
    # threads, each scattering its own rows (host/csr_kernels.cpp); a
    # column's entries still run in row order, so the factors agree bitwise
    # with the one-thread build, and with the dense input's to rounding.
    rng = np.random.default_rng(6)
    A = sp.random(20000, 3000, density=0.005, random_state=rng, format="csr")
    A.data = rng.standard_normal(A.nnz)
    assert_same_on_one_or_two_threads(A, 20, seed=2, method="krylov", power_iters=3)


# --- fixed accuracy -----------------------------------------------------------

@pytest.mark.parametrize("tol, dtype", [(0.3, np.float64), (0.1, np.float64), (1e-2, np.float64), (1e-4, np.float64),
                                        (1e-6, np.float64), (0.3, np.float32), (0.1, np.float32), (1e-2, np.float32),
                                        (2e-3, np.float32)])
def test_fixed_accuracy_meets_tol(tol, dtype):
    sm = matrix_from_spectrum(geometric_spectrum(120, 0.93), 300, 120, rng=2)
    A = sm.A.astype(dtype)
    res = linalg.rsvd(A, tol=tol, seed=0)
    assert rel_err(A, res) <= tol * (1 + 1e-3)
    # Not wasteful: at most a few ranks above the optimal rank for tol.
    tails = np.sqrt(np.r_[np.cumsum(sm.s[::-1] ** 2)[::-1], 0.0] / np.sum(sm.s**2))  # tails[r]: optimal at rank r
    opt_rank = int(np.argmax(tails <= tol))
    assert res.S.shape[0] <= opt_rank + 2
    assert res.info["residual_sq"] <= (tol**2) * np.sum(sm.s**2) * (1 + 1e-3)


def test_fixed_accuracy_tol_below_precision():
    A = np.random.default_rng(0).standard_normal((100, 50)).astype(np.float32)
    with pytest.raises(ValueError, match=r"tol=0.0001 is below what float32 can certify \(tol >= 1.5e-03\)"):
        linalg.rsvd(A, tol=1e-4)


def test_fixed_accuracy_does_not_modify_input():
    A = np.random.default_rng(0).standard_normal((100, 50))
    before = A.copy()
    linalg.rsvd(A, tol=0.5, seed=0)
    np.testing.assert_array_equal(A, before)


def test_fixed_accuracy_rank_cap():
    A = np.random.default_rng(0).standard_normal((100, 50))
    res = linalg.rsvd(A, 5, tol=1e-3, seed=0)  # unreachable at rank 5: capped
    assert res.S.shape == (5,)


# --- range finder and error estimator ----------------------------------------

@pytest.mark.parametrize("shape", [(120, 50), (50, 120)])
def test_range_finder_orthonormal_and_captures(shape):
    sm = matrix_from_spectrum(exact_rank_spectrum(min(shape), 9), *shape, rng=4)
    Q = linalg.range_finder(sm.A, 9, power_iters=1, seed=0)
    assert Q.shape == (shape[0], 9)
    np.testing.assert_allclose(Q.T @ Q, np.eye(9), atol=1e-12)
    assert projection_error(sm.A, Q) < 1e-10 * np.linalg.norm(sm.A)


@pytest.mark.parametrize("decades", [3, 5, 8])
def test_range_finder_float32_ill_conditioned_sketch_is_orthonormal(decades):
    # Y = A Omega with kappa ~ 10^decades, past float32 CholeskyQR2's reach
    # (~1e2): the float64 round (orthonormalize.hpp) keeps Q orthonormal to
    # float32 rounding; the shifted float32 rounds left 4e-5 at 10^3.
    m, n, r = 3000, 400, 60
    rng = np.random.default_rng(0)
    U = np.linalg.qr(rng.standard_normal((m, r)))[0]
    V = np.linalg.qr(rng.standard_normal((n, r)))[0]
    A = ((U * np.logspace(0, -decades, r)) @ V.T).astype(np.float32)
    Q = linalg.range_finder(A, r, power_iters=0, seed=0)
    assert Q.dtype == np.float32
    assert np.abs(Q.T.astype(np.float64) @ Q - np.eye(r)).max() < 2e-6
    # Within float32 A Omega's own rounding of the range (1.2e-4 at 10^3).
    assert projection_error(A.astype(np.float64), Q.astype(np.float64)) < 1e-3 * np.linalg.norm(A)


def rank_r(sigma, size):
    """sigma padded with zeros to `size` values (matrix_from_spectrum takes min(m, n))."""
    return np.concatenate([sigma, np.zeros(size - len(sigma))])


@pytest.mark.parametrize("decades", [3, 5])
def test_float32_graded_power_steps_stay_orthonormal(decades):
    # After a power step the block A Z has nearly orthogonal columns with
    # norms ~sigma_j: kappa 10^decades, but ~1 with its columns scaled to
    # unit norm, which is what float32 CholeskyQR2's error depends on
    # (orthonormalize.hpp, cholesky_reaches); tall_svd folds its second round.
    m, n, r = 3000, 400, 60
    sigma = np.logspace(0, -decades, r)
    A = matrix_from_spectrum(rank_r(sigma, n), m, n, rng=1, dtype=np.float32).A
    res = linalg.rsvd(A, 40, power_iters=2, seed=0)
    assert res.U.dtype == np.float32
    for F in (res.U, res.Vh.T):
        assert np.abs(F.T.astype(np.float64) @ F - np.eye(40)).max() < 2e-6
    assert np.abs(res.S - sigma[:40]).max() < 1e-5
    Q = linalg.range_finder(A, r, power_iters=1, seed=0)
    assert np.abs(Q.T.astype(np.float64) @ Q - np.eye(r)).max() < 2e-6


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e-20), (np.float32, 1e-17), (np.float32, 1e20),
                                          (np.float64, 1e-170), (np.float64, 1e200)])
@pytest.mark.parametrize("sparse", [False, True])
def test_extreme_scale_is_rescaled(dtype, scale, sparse):
    # sigma_1 far outside 2^+-40 (float32) / 2^+-300 (float64): the products'
    # Gram matrices underflow or overflow (float32 at 1e-20 returned S 2.5x
    # off, at 1e20 LAPACK failed), so rsvd reruns on A * 2^e.
    sigma = np.logspace(0, -2, 30)
    A = (matrix_from_spectrum(rank_r(sigma, 300), 2000, 300, rng=2).A * scale).astype(dtype)
    res = linalg.rsvd(sp.csr_matrix(A) if sparse else A, 20, power_iters=2, seed=0)
    assert res.S.dtype == dtype and np.all(np.isfinite(res.S))
    assert res.info["rescaled_by"].startswith("2^")
    tol = 1e-4 if dtype == np.float32 else 1e-10
    np.testing.assert_allclose(res.S / scale, sigma[:20], rtol=tol)
    assert np.abs(res.U.T.astype(np.float64) @ res.U - np.eye(20)).max() < 50 * np.finfo(dtype).eps
    # In range: no rerun.
    assert "rescaled_by" not in linalg.rsvd(A / scale, 20, seed=0).info


@pytest.mark.parametrize("dtype, scale", [(np.float32, 1e-30), (np.float32, 1e20), (np.float64, 1e-170),
                                          (np.float64, 1e200), (np.float64, 1e300)])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("q", [0, 2])
def test_range_finder_extreme_scale(dtype, scale, sparse, q):
    # Gram matrices overflow (float32 1e20: the basis came back NaN; float64
    # 1e200: an overflowed Gram must not pass for a Cholesky factor) or
    # underflow: the block goes to Householder, or range_finder reruns on
    # A * 2^e, whose basis is A's.
    A = matrix_from_spectrum(rank_r(np.logspace(0, -2, 30), 300), 2000, 300, rng=3).A
    As = (A * scale).astype(dtype)
    Q = linalg.range_finder(sp.csr_matrix(As) if sparse else As, 20, power_iters=q, seed=0)
    assert Q.dtype == dtype and np.all(np.isfinite(Q))
    assert np.abs(Q.T.astype(np.float64) @ Q - np.eye(20)).max() < 20 * np.finfo(dtype).eps
    # As good a basis as the same call finds for A at scale 1.
    Q1 = linalg.range_finder(A.astype(dtype), 20, power_iters=q, seed=0)
    assert projection_error(A, Q.astype(np.float64)) < (1 + 1e-4) * projection_error(A, Q1.astype(np.float64))


def test_non_finite_block_is_an_error_not_a_basis():
    # check_finite=False with a NaN in A: the products carry it into the
    # block, which orthonormalize refuses (it used to return some basis).
    A = np.random.default_rng(4).standard_normal((300, 200))
    A[5, 7] = np.nan
    for call in (lambda: linalg.range_finder(A, 5, check_finite=False),
                 lambda: linalg.rsvd(A, 5, check_finite=False)):
        with pytest.raises(np.linalg.LinAlgError, match="NaN or Inf"):
            call()


def test_estimate_error_tracks_true_error(slow_decay):
    res = linalg.rsvd(slow_decay.A, 10, seed=0)
    E = slow_decay.A - (res.U * res.S) @ res.Vh
    true_f, true_2 = np.linalg.norm(E), np.linalg.norm(E, 2)
    ests = [linalg.estimate_error(slow_decay.A, res, probes=20, seed=s) for s in SEEDS[:10]]
    # Unbiased for ||E||_F^2: the mean over seeds is close; each within 2x.
    mean_sq = np.mean([e.frobenius**2 for e in ests])
    assert abs(mean_sq / true_f**2 - 1) < 0.15
    assert all(0.5 < e.frobenius / true_f < 2 for e in ests)
    assert all(e.spectral_bound >= true_2 for e in ests)
    np.testing.assert_allclose(ests[0].relative, ests[0].frobenius / np.linalg.norm(slow_decay.A))


# --- bad input --------------------------------------------------------------

A_OK = np.random.default_rng(0).standard_normal((20, 10))


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        ((A_OK, 0), {}, ValueError, r"rank must be in \[1, 10\], got 0"),
        ((A_OK, -3), {}, ValueError, r"rank must be in \[1, 10\]"),
        ((A_OK, 11), {}, ValueError, r"rank must be in \[1, 10\], got 11"),
        ((A_OK, 2.5), {}, TypeError, r"rank must be an integer"),
        ((A_OK,), {}, ValueError, r"exactly one of rank and tol"),
        ((A_OK,), {"tol": 0.0}, ValueError, r"tol must be in \(0, 1\), got 0.0"),
        ((A_OK,), {"tol": 1.0}, ValueError, r"tol must be in \(0, 1\), got 1.0"),
        ((A_OK,), {"tol": -0.5}, ValueError, r"tol must be in \(0, 1\)"),
        ((A_OK,), {"tol": "0.1"}, TypeError, r"tol must be a float"),
        ((A_OK, 3), {"method": "lanczos"}, ValueError, r"method must be one of 'auto', 'subspace', 'krylov'; got 'lanczos'"),
        ((A_OK, 3), {"sketch": "uniform"}, ValueError, r"sketch must be one of 'gaussian', 'sparse_sign'; got 'uniform'"),
        ((A_OK, 3), {"oversample": -1}, ValueError, r"oversample must be in >= 0, got -1"),
        ((A_OK, 3), {"power_iters": -2}, ValueError, r"power_iters must be in >= 0"),
        ((A_OK, 3), {"seed": "abc"}, TypeError, r"seed must be None, an int or a numpy.random.Generator"),
        ((A_OK, 3), {"seed": -1}, ValueError, r"seed must be in \[0, 2\*\*64\)"),
        ((np.ones(5), 1), {}, ValueError, r"A must be a 2-D array, got a 1-D array"),
        ((np.ones((2, 3, 4)), 1), {}, ValueError, r"A must be a 2-D array, got a 3-D array"),
        ((np.ones((0, 4)), 1), {}, ValueError, r"A is empty \(shape \(0, 4\)\)"),
        ((A_OK + 1j, 2), {}, TypeError, r"complex input is not supported"),
        ((np.array([["a", "b"]]), 1), {}, TypeError, r"expected a real numeric array"),
        ((sp.csr_matrix((0, 5)), 1), {}, ValueError, r"A is empty"),
        ((sp.csr_matrix(np.ones((4, 4)) * 1j), 1), {}, TypeError, r"complex input is not supported"),
    ],
)
def test_bad_input(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        linalg.rsvd(*args, **kwargs)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_rejected(bad):
    A = A_OK.copy()
    A[3, 4] = bad
    with pytest.raises(ValueError, match="A contains NaN or Inf"):
        linalg.rsvd(A, 2)
    S = sp.csr_matrix(A)
    with pytest.raises(ValueError, match="A contains NaN or Inf"):
        linalg.rsvd(S, 2)
    # The check can be turned off: no error is raised then.
    linalg.rsvd(np.where(np.isfinite(A), A, 0.0), 2, check_finite=False)


def test_range_finder_bad_input():
    with pytest.raises(ValueError, match=r"size must be in \[1, 10\], got 11"):
        linalg.range_finder(A_OK, 11)
    with pytest.raises(ValueError, match=r"power_iters must be in >= 0, got -1"):
        linalg.range_finder(A_OK, 2, power_iters=-1)


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_range_finder_sparse_matches_dense(sparse_lowrank, fmt):
    S = sparse_lowrank.asformat(fmt)
    Qs = linalg.range_finder(S, 12, power_iters=2, seed=3)
    Qd = linalg.range_finder(S.toarray(), 12, power_iters=2, seed=3)
    np.testing.assert_allclose(Qs.T @ Qs, np.eye(12), atol=1e-12)
    # Same test matrix, same subspace (to rounding).
    np.testing.assert_allclose(np.abs(Qs.T @ Qd), np.eye(12), atol=1e-8)


def test_estimate_error_bad_input():
    res = linalg.rsvd(A_OK, 3, seed=0)
    with pytest.raises(ValueError, match=r"result shapes .* do not match A"):
        linalg.estimate_error(A_OK[:10], res)
    with pytest.raises(TypeError, match="result must be an SVDResult"):
        linalg.estimate_error(A_OK, 5)
    with pytest.raises(ValueError, match=r"probes must be in >= 1"):
        linalg.estimate_error(A_OK, res, probes=0)


# --- mixed precision (precision="mixed" on large float64 input) ---------------

@pytest.fixture(scope="module")
def large_slow_decay():
    return matrix_from_spectrum(polynomial_spectrum(1000, 1.0), 4000, 1000, rng=11)


def test_mixed_precision_keeps_accuracy(large_slow_decay):
    sm, k = large_slow_decay, 20
    mixed = linalg.rsvd(sm.A, k, seed=3, method="subspace", power_iters=2, precision="mixed")
    full = linalg.rsvd(sm.A, k, seed=3, method="subspace", power_iters=2)
    assert mixed.info["mixed_precision"] and not full.info["mixed_precision"]
    assert mixed.U.dtype == np.float64
    # Same subspace quality: error ratios agree to far better than the
    # approximation error itself.
    assert abs(error_ratio(sm, mixed, k) - error_ratio(sm, full, k)) < 1e-3
    np.testing.assert_allclose(mixed.U.T @ mixed.U, np.eye(k), atol=1e-13)
    np.testing.assert_allclose(mixed.Vh @ mixed.Vh.T, np.eye(k), atol=1e-13)


def test_mixed_precision_falls_back_when_error_is_tiny():
    sm = matrix_from_spectrum(exact_rank_spectrum(1000, 15), 4000, 1000, rng=12)
    res = linalg.rsvd(sm.A, 15, seed=0, precision="mixed")
    assert not res.info["mixed_precision"]  # float32 could not certify 1e-12
    assert rel_err(sm.A, res) < 1e-12


def test_precision_bad_value():
    with pytest.raises(ValueError, match=r"precision must be one of 'full', 'mixed', 'low'; got 'half'"):
        linalg.rsvd(A_OK, 2, precision="half")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_wide_input_is_the_transpose_of_tall_without_copies(dtype):
    # m < n: the core factorises A^T and hands its factors back transposed,
    # as C-ordered views (no transposing copy of U or Vh).
    rng = np.random.default_rng(11)
    A = (rng.standard_normal((120, 8)) @ rng.standard_normal((8, 700)) + 1e-3 * rng.standard_normal((120, 700)))
    A = A.astype(dtype)
    wide = linalg.rsvd(A, 8, power_iters=2, seed=4)
    tall = linalg.rsvd(np.asfortranarray(A.T), 8, power_iters=2, seed=4)
    assert wide.U.flags.c_contiguous and wide.Vh.flags.c_contiguous
    assert wide.U.dtype == dtype and wide.U.shape == (120, 8) and wide.Vh.shape == (8, 700)
    np.testing.assert_array_equal(wide.S, tall.S)
    np.testing.assert_array_equal(wide.U, tall.Vh.T)
    np.testing.assert_array_equal(wide.Vh, tall.U.T)


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("transpose", [False, True])
def test_float32_tall_products_either_blas_orientation(order, transpose):
    # float32 A^T Y (C order) and A Z (F order) run as the transposed BLAS
    # product (host/context.cpp, transposed_is_faster): same values as the
    # float64 product to float32 rounding, in every layout.
    rng = np.random.default_rng(5)
    A = np.asarray(rng.standard_normal((5000, 1100)), dtype=np.float32, order=order)
    X = np.asfortranarray(rng.standard_normal((5000 if transpose else 1100, 20)).astype(np.float32))
    got = _core.dense_product(A, X, transpose)
    ref = (A.T if transpose else A).astype(np.float64) @ X.astype(np.float64)
    assert got.dtype == np.float32 and got.shape == ref.shape
    assert np.abs(got - ref).max() < 1e-5 * np.abs(ref).max()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("transpose", [False, True])
def test_narrow_products_of_a_large_dense_a(dtype, order, transpose):
    # rsvd's dense path (SciPy's BLAS on one thread): products of an A with
    # >= 2^22 entries and at most six AVX-512 vectors of columns run on the
    # core's register-blocked kernels (host/skinny_product.hpp). Widths at
    # the vector edges, a column count past the last (BLAS again), rows not
    # a multiple of the kernels' row blocks: within the GEMM error bound
    # n u |op(A)| |X| of the float64 product, and bitwise the same on one
    # and two threads.
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(6)
    A = np.asarray(rng.standard_normal((2051, 2053)), dtype=dtype, order=order)
    opA = A.T if transpose else A
    lanes = 16 if dtype == np.float32 else 8
    u = np.finfo(dtype).eps / 2
    for c in (1, lanes - 1, lanes, lanes + 1, 37, 6 * lanes, 6 * lanes + 1):
        X = np.asfortranarray(rng.standard_normal((opA.shape[1], c)).astype(dtype))
        runs = []
        for threads in (1, 2):
            with one_blas_thread(), threadpool_limits(limits=threads, user_api="openmp"):
                runs.append(_core.dense_product(A, X, transpose, True))
        np.testing.assert_array_equal(runs[0], runs[1])
        got = runs[1]
        assert got.dtype == dtype and got.shape == (opA.shape[0], c)
        ref = opA.astype(np.float64) @ X.astype(np.float64)
        bound = opA.shape[1] * u * (np.abs(opA).astype(np.float64) @ np.abs(X).astype(np.float64))
        assert np.all(np.abs(got - ref) <= bound), c


def test_dense_krylov_same_on_one_or_two_threads():
    # Block Krylov's narrow blocks on a large dense A run on the core's
    # kernels (each entry one thread's sum in a fixed order): the factors
    # agree bitwise whatever the thread count, in both dtypes.
    from threadpoolctl import threadpool_limits

    A = matrix_from_spectrum(0.97 ** np.arange(2100), 2100, 2100, rng=8).A
    for dtype in (np.float64, np.float32):
        runs = []
        for threads in (1, 2):
            with threadpool_limits(limits=threads, user_api="openmp"):
                runs.append(linalg.rsvd(A.astype(dtype), 20, method="krylov", power_iters=3, seed=2))
        assert runs[0].info["method"] == "krylov"
        for a, b in zip(runs[0], runs[1]):
            np.testing.assert_array_equal(a, b)


def test_auto_float32_krylov_where_kept_and_subspace_where_not():
    # method="auto" takes block Krylov for a dense float32 A of >= 2^22
    # entries when the core runs its narrow products (AVX-512), and keeps it
    # only where S[k-1] >= 1e-3 S[0]: below that the blocks after the first
    # sink toward float32's rounding (Krylov alone: error ratio 2.3 here)
    # and subspace iteration reruns. Both meet 1.01 of the optimal error.
    m, n, k = 4100, 1100, 40
    fast = _core.fast_narrow_products(m, n)
    for decay, kept in ((8.0, True), (4.0, False)):
        s = np.exp(-np.arange(1, n + 1) / decay)
        A = matrix_from_spectrum(s, m, n, rng=3).A.astype(np.float32)
        res = linalg.rsvd(A, k, seed=1)
        expect = "krylov" if (fast and kept) else ("subspace (after krylov)" if fast else "subspace")
        assert res.info["method"] == expect
        err = np.linalg.norm(A.astype(np.float64) - (res.U * res.S).astype(np.float64) @ res.Vh)
        assert err <= 1.01 * np.sqrt(np.sum(s[k:] ** 2))
    if fast:  # the guard's reason: Krylov alone on the steep spectrum
        with pytest.warns(RuntimeWarning, match="float32 block Krylov"):
            alone = linalg.rsvd(A, k, seed=1, method="krylov")
        err = np.linalg.norm(A.astype(np.float64) - (alone.U * alone.S).astype(np.float64) @ alone.Vh)
        assert err > 1.5 * np.sqrt(np.sum(s[k:] ** 2))


def test_float32_krylov_warns_where_it_loses_accuracy():
    # Asked for explicitly (auto reruns subspace itself), float32 block
    # Krylov warns when S[k-1]/S[0] falls in (30 u, 1e-3): the range where
    # its answer can miss the optimum by far. Not on a slow spectrum, not
    # in float64, not for an exact-rank input whose tail is rounding.
    m, n, k = 600, 300, 20
    steep = matrix_from_spectrum(np.exp(-np.arange(1, n + 1) / 2.0), m, n, rng=4).A
    slow = matrix_from_spectrum(1.0 / np.arange(1, n + 1), m, n, rng=4).A
    rng = np.random.default_rng(4)
    exact = rng.standard_normal((m, 5)) @ rng.standard_normal((5, n))
    with pytest.warns(RuntimeWarning, match=r"S\[k-1\]/S\[0\] = .* below 1e-3"):
        linalg.rsvd(steep.astype(np.float32), k, method="krylov", seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        linalg.rsvd(steep, k, method="krylov", seed=0)  # float64
        linalg.rsvd(steep.astype(np.float32), k, method="subspace", seed=0)
        linalg.rsvd(slow.astype(np.float32), k, method="krylov", seed=0)
        res = linalg.rsvd(exact.astype(np.float32), k, method="krylov", seed=0)
        assert res.S[-1] < 30 * np.finfo(np.float32).eps * res.S[0]  # the exemption was needed
