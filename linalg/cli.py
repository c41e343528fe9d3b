"""The ``linalg`` command: ``info``, ``demo``, ``compress`` and ``inspect``."""
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
    amx = "yes (rsvd precision='mixed' for float32, 'low' for any dtype: bfloat16 range finder)" if _core.amx_bf16_available() \
        else "no"
    print(f"AMX-BF16 tile units: {amx}")
    from linalg import _device

    print(f"CUDA: {_device.device_info()}; CuPy: {_cuda_device()}")
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


def _size(text):
    """'5GB', '500MB', '1e9' -> bytes."""
    t = text.strip().upper()
    for suf, mul in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10), ("B", 1)):
        if t.endswith(suf):
            return int(float(t[: -len(suf)]) * mul)
    return int(float(t))


def _compress(args) -> int:
    from linalg.weights import compress

    policy = {k: getattr(args, k) for k in ("rank", "ratio", "energy", "budget") if getattr(args, k) is not None}
    rep = compress(args.input, args.output, method=args.method, **policy, multiple_of=args.multiple_of,
                   include=args.include, exclude=args.exclude, min_dim=args.min_dim, fisher=args.fisher,
                   covariance=args.covariance, dtype=args.dtype, max_shard_size=_size(args.max_shard_size),
                   seed=args.seed, power_iters=args.power_iters, progress=not args.quiet, report=args.report)
    print(rep.table())
    print("wrote " + ", ".join(rep.files) + (f"; report {args.report}" if args.report else ""))
    return 0


def _inspect(args) -> int:
    from linalg.weights.inspection import format_rows, inspect

    print(format_rows(inspect(args.file, include=args.include)))
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="linalg", description="Randomized low-rank linear algebra.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("info", help="version, BLAS source, threads, CUDA")
    demo = sub.add_parser("demo", help="run the main job on built-in data and print a table")
    demo.add_argument("--quick", action="store_true", help="smaller problems (seconds in all)")
    demo.add_argument("--only", default=None,
                      help="comma list of demos to run (default: all; see linalg/demos/)")
    comp = sub.add_parser("compress", help="factorise the weight matrices of a checkpoint")
    comp.add_argument("input", help=".safetensors file, sharded index .json or folder, .npz, or .pt/.bin")
    comp.add_argument("-o", "--output", required=True, help="output .safetensors (sharded past --max-shard-size)")
    comp.add_argument("--method", default="svd", choices=["svd", "fwsvd", "whitened"])
    pol = comp.add_mutually_exclusive_group(required=True)
    pol.add_argument("--rank", type=int, help="the same rank for every selected matrix")
    pol.add_argument("--ratio", type=float, help="fraction of each matrix's parameters kept, in (0, 1)")
    pol.add_argument("--energy", type=float, help="fraction of spectral energy kept, in (0, 1]")
    pol.add_argument("--budget", type=float,
                     help="global parameter budget: a count, or a fraction in (0, 1) of the selected parameters")
    comp.add_argument("--multiple-of", type=int, default=1, help="round ranks to a multiple of this")
    comp.add_argument("--include", help="regex: only tensors whose name matches")
    comp.add_argument("--exclude", help="regex: skip tensors whose name matches")
    comp.add_argument("--min-dim", type=int, default=8, help="skip matrices with a smaller dimension")
    comp.add_argument("--fisher", help="checkpoint of per-parameter Fisher sums (method fwsvd)")
    comp.add_argument("--covariance", help="checkpoint of input covariances X^T X per weight (method whitened)")
    comp.add_argument("--dtype", choices=["float32", "float16", "bfloat16", "float64"],
                      help="dtype of the factors (default: the input's)")
    comp.add_argument("--max-shard-size", default="5GB", help="e.g. 5GB, 500MB")
    comp.add_argument("--seed", type=int, default=0)
    comp.add_argument("--power-iters", type=int, default=None,
                      help="randomized SVD depth (default: adaptive)")
    comp.add_argument("--report", help="write the per-tensor report as JSON here")
    comp.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    insp = sub.add_parser("inspect", help="shapes, dtypes and spectra of a checkpoint's tensors")
    insp.add_argument("file")
    insp.add_argument("--include", help="regex: only tensors whose name matches")
    args = parser.parse_args(argv)
    try:
        if args.command == "info":
            return _info()
        if args.command == "compress":
            return _compress(args)
        if args.command == "inspect":
            return _inspect(args)
        return _demo(args)
    except (FileNotFoundError, ValueError, ImportError) as e:
        if args.command not in ("compress", "inspect"):
            raise
        print(f"linalg {args.command}: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
