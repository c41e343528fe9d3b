"""A dependency-free progress bar on stderr (one line, redrawn in place on
a terminal; a line per step otherwise)."""
from __future__ import annotations

import sys
import time


class Progress:
    def __init__(self, total, enabled=True, stream=None, width=24):
        self.total, self.enabled, self.width = max(1, total), bool(enabled), width
        self.stream = stream or sys.stderr
        self.t0 = time.perf_counter()
        self.i = 0
        self.tty = getattr(self.stream, "isatty", lambda: False)()

    def step(self, what=""):
        self.i += 1
        if not self.enabled:
            return
        frac = self.i / self.total
        bar = "#" * int(round(frac * self.width))
        line = (f"[{bar:<{self.width}}] {self.i}/{self.total} "
                f"{time.perf_counter() - self.t0:6.1f}s {what}")
        if self.tty:
            self.stream.write("\r" + line[:150].ljust(150))
            if self.i >= self.total:
                self.stream.write("\n")
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
