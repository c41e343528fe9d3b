"""The ``linalg`` command: ``linalg info`` and ``linalg demo``."""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import numpy as np


def _info() -> int:
    import scipy
    from threadpoolctl import threadpool_info

    import linalg
    from linalg import _blas, _core

    print(f"linalg {linalg.__version__} (Python {platform.python_version()}, {platform.machine()})")
    print(f"core module: {_core.__file__}")
    print(f"BLAS/LAPACK: {_blas.blas_source()}")
    for pool in threadpool_info():
        if "scipy" in pool.get("filepath", "") or pool.get("user_api") == "openmp":
            print(f"  {pool['user_api']:7s} {pool.get('internal_api', ''):9s} threads={pool['num_threads']:<3d}"
                  f" {os.path.basename(pool['filepath'])}")
    print(f"CPU cores: {os.cpu_count()}   numpy {np.__version__}   scipy {scipy.__version__}")
    built = bool(getattr(_core, "cuda_built", False))
    print(f"CUDA: {'built' if built else 'not built (CPU-only core)'}; device: {_cuda_device()}")
    return 0


def _cuda_device() -> str:
    try:
        import cupy  # noqa: F401
    except ImportError:
        return "not checked (CuPy not installed)"
    try:
        import cupy

        n = cupy.cuda.runtime.getDeviceCount()
        return f"{n} visible" if n else "none visible"
    except Exception as exc:  # a driver error is an answer too
        return f"none usable ({type(exc).__name__})"


def _demo(args) -> int:
    """Run every demo in :mod:`linalg.demos` (each prints its own table)."""
    from linalg.demos import run_all

    return run_all(quick=args.quick, only=args.only)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="linalg", description="Randomized low-rank linear algebra.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="version, BLAS source, threads, CUDA")
    demo = sub.add_parser("demo", help="run the main job on built-in data and print a table")
    demo.add_argument("--quick", action="store_true", help="smaller problems (seconds in all)")
    demo.add_argument("--only", default=None,
                      help="comma list of demos to run (default: all; see linalg/demos/)")
    args = parser.parse_args(argv)
    if args.command == "info":
        return _info()
    return _demo(args)


if __name__ == "__main__":
    sys.exit(main())
