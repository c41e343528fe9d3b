import os

import pytest

from hypothesis import HealthCheck, settings

# CI: derandomized, so a run is reproducible; locally the default profile.
settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _gpu_available() -> str | None:
    """None when the gpu tests can run, else why not."""
    from linalg import _device

    if not _device.cuda_built():
        return "linalg was built without CUDA"
    try:
        import cupy
    except ImportError:
        return "CuPy is not installed"
    try:
        if cupy.cuda.runtime.getDeviceCount() == 0:
            return "no CUDA device"
    except Exception as exc:  # no driver
        return f"no usable CUDA device ({type(exc).__name__})"
    return None


def pytest_collection_modifyitems(config, items):
    # Tests marked gpu run only with a CUDA build, CuPy and a device.
    why = None
    for item in items:
        if item.get_closest_marker("gpu") is None:
            continue
        if why is None:
            why = _gpu_available() or ""
        if why:
            item.add_marker(pytest.mark.skip(reason=f"gpu test: {why}"))


# Dask tests (tests/test_dask_*.py) share one two-worker LocalCluster per
# session; dask is imported lazily so that collection never needs it.

@pytest.fixture(scope="session")
def client():
    distributed = pytest.importorskip("dask.distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0")
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


@pytest.fixture
def threads():
    """The body runs on Dask's threaded scheduler, with no client."""
    dask = pytest.importorskip("dask")
    with dask.config.set(scheduler="threads"):
        yield
