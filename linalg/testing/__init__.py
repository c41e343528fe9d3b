"""Property-testing tools for randomized low-rank approximation.

Two halves:

* :mod:`linalg.testing.strategies` builds test matrices with prescribed
  singular values (``A = U @ diag(s) @ Vh`` with known factors) and offers
  Hypothesis strategies over them: :func:`spectral_matrices`,
  :func:`psd_matrices`, :func:`low_rank_plus_noise`.
* :mod:`linalg.testing.tensors` builds N-d tensors with exactly known mode
  spectra (:func:`spectral_tensor`, :func:`spectral_tensors`) and the Tucker
  error bounds (:func:`tucker_error_bounds`, :func:`randomized_tucker_bound`).
* :mod:`linalg.testing.bounds` gives the expectation bounds of Halko,
  Martinsson & Tropp (SIAM Review 53(2), 2011, section 10) for the Gaussian
  range finder and its power scheme, the Eckart-Young optimum, and
  :func:`check_mean_bound`, which checks a bound on an expectation from an
  average over the fixed sketch seeds :data:`SEEDS` with a Hoeffding margin.

Rule: Hypothesis draws the *matrix* (shape, spectrum, generator seed);
the *sketch* seeds always come from :data:`SEEDS`, and a randomized bound
is checked on the average over all of them, never seed by seed.

This package imports only NumPy, SciPy and Hypothesis; it does not load the
compiled core, so it can test any implementation.

Examples
--------
Check HMT Theorem 10.6 for a plain NumPy range finder on a matrix with a
polynomially decaying spectrum:

>>> import numpy as np
>>> from linalg.testing import (SEEDS, assert_mean_bound, hmt_spectral_bound,
...     matrix_from_spectrum, optimal_error, polynomial_spectrum,
...     projection_error)
>>> sm = matrix_from_spectrum(polynomial_spectrum(40, 1.0), 60, 40, rng=1)
>>> k, p = 10, 10
>>> errors = []
>>> for seed in SEEDS:
...     omega = np.random.default_rng(seed).standard_normal((40, k + p))
...     Q, _ = np.linalg.qr(sm.A @ omega)
...     errors.append(projection_error(sm.A, Q, norm="spectral"))
>>> result = assert_mean_bound(
...     errors, hmt_spectral_bound(sm.s, k, p),
...     lower=optimal_error(sm.s, k + p, "spectral"),   # sigma_{k+p+1}
...     upper=optimal_error(sm.s, 0, "spectral"))       # sigma_1
>>> result.ok, result.vacuous
(True, False)

With Hypothesis (sketch seeds still from :data:`SEEDS`):

>>> from hypothesis import given, settings
>>> from linalg.testing import spectral_matrices
>>> @settings(max_examples=5, deadline=None)
... @given(spectral_matrices(max_side=12))
... def test_reconstruction(sm):
...     assert np.allclose(sm.A, (sm.U * sm.s) @ sm.Vh, atol=1e-5 * sm.s[0])
>>> test_reconstruction()
"""

from .bounds import (
    SEEDS,
    MeanBoundCheck,
    assert_mean_bound,
    check_mean_bound,
    hmt_frobenius_sq_bound,
    hmt_power_bound,
    hmt_spectral_bound,
    optimal_error,
    projection_error,
)
from .strategies import (
    KINDS,
    SpectralMatrix,
    SpectralPSD,
    coherent_orthonormal,
    exact_rank_spectrum,
    gapped_spectrum,
    geometric_spectrum,
    haar_orthonormal,
    low_rank_plus_noise,
    matrix_from_spectrum,
    polynomial_spectrum,
    psd_matrices,
    spectral_matrices,
)
from .tensors import (
    TENSOR_KINDS,
    SpectralTensor,
    mode_unfolding,
    randomized_tucker_bound,
    spectral_tensor,
    spectral_tensors,
    tucker_error_bounds,
    tucker_reconstruct,
)

__all__ = [
    "KINDS",
    "SEEDS",
    "MeanBoundCheck",
    "SpectralMatrix",
    "SpectralPSD",
    "assert_mean_bound",
    "check_mean_bound",
    "coherent_orthonormal",
    "exact_rank_spectrum",
    "gapped_spectrum",
    "geometric_spectrum",
    "haar_orthonormal",
    "hmt_frobenius_sq_bound",
    "hmt_power_bound",
    "hmt_spectral_bound",
    "low_rank_plus_noise",
    "matrix_from_spectrum",
    "optimal_error",
    "polynomial_spectrum",
    "projection_error",
    "psd_matrices",
    "spectral_matrices",
]
__all__ += [
    "TENSOR_KINDS",
    "SpectralTensor",
    "mode_unfolding",
    "randomized_tucker_bound",
    "spectral_tensor",
    "spectral_tensors",
    "tucker_error_bounds",
    "tucker_reconstruct",
]
