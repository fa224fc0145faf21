"""Timing shared by the benchmarks: best of several runs, garbage collected before each."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 5) -> float:
    """The fastest of `repeat` runs, in seconds (the least disturbed by a shared machine)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def best_of_interleaved(fns: dict[str, Callable[[], object]], repeat: int = 7) -> dict[str, float]:
    """The fastest of `repeat` runs of each function, in CPU seconds of this process, taking
    turns (one run of each per round): on a shared machine, other processes then neither add
    to a measurement nor slow one function's runs more than another's."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeat):
        for name, fn in fns.items():
            gc.collect()
            start = time.process_time()
            fn()
            best[name] = min(best[name], time.process_time() - start)
    return best
