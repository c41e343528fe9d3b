"""Demos run by ``linalg demo``: one module per capability.

Each module defines ``ORDER`` (an int: lower runs first), ``TITLE`` (a line)
and ``run(quick: bool) -> None``, which computes on built-in data and prints
a short table of what it did. A new module here is picked up by
``linalg demo`` without touching the command.
"""
from __future__ import annotations

import importlib
import pkgutil
import time


def available():
    """``[(name, module)]`` of every demo module, in ``ORDER``."""
    mods = [(m.name, importlib.import_module(f"{__name__}.{m.name}"))
            for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")]
    return sorted(mods, key=lambda nm: (getattr(nm[1], "ORDER", 100), nm[0]))


def run_all(quick=False, only=None) -> int:
    """Run the demos (all, or the comma-separated names in ``only``)."""
    mods = available()
    if only:
        want = [w.strip() for w in only.split(",") if w.strip()]
        unknown = sorted(set(want) - {n for n, _ in mods})
        if unknown:
            raise SystemExit(f"linalg demo: unknown demo(s) {unknown}; "
                             f"available: {[n for n, _ in mods]}")
        mods = [(n, m) for n, m in mods if n in want]
    for i, (name, mod) in enumerate(mods):
        if i:
            print()
        t0 = time.perf_counter()
        mod.run(quick)
        print(f"[{name}: {time.perf_counter() - t0:.1f} s]")
    return 0
