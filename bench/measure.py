"""Throughput, latency per batch and RSS, as the ingest benchmarks print them."""

from __future__ import annotations

import os
import statistics
import time
from collections.abc import Callable

BATCH = 20


def rss_mb(pid: int | None = None) -> float:
    with open(f"/proc/{pid or 'self'}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def tree_rss_mb(pid: int) -> float:
    """RSS of a process group (gunicorn master and workers)."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pid:
                    total += rss_mb(int(entry))
            except (ProcessLookupError, FileNotFoundError, PermissionError):
                continue
    return total


class Measure:
    def __init__(self, rss: Callable[[], float]) -> None:
        self.batches: list[float] = []
        self.done: list[float] = []  # when each batch finished (perf_counter), in order
        self.start = time.perf_counter()
        self.samples: list[float] = []
        self.rss = rss
        self.peak = 0.0

    def row(self, label: str, n: int, elapsed: float) -> str:
        lat = sorted(self.batches) or [0.0]
        p50 = statistics.median(lat) * 1000
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))] * 1000
        flat = "/".join(f"{s:.0f}" for s in self.samples)
        # Throughput (wall clock) over the first and the last tenth of the batches: flat,
        # or falling as the database grows.
        done, tenth = sorted(self.done), max(1, len(self.done) // 10)
        ends = ""
        if len(done) > tenth:
            first = BATCH * tenth / (done[tenth - 1] - self.start)
            last = BATCH * tenth / (done[-1] - done[-tenth - 1])
            ends = f"{first:,.0f}->{last:,.0f}"
        return (
            f"{label:30} {n:>8} {n / elapsed:>9,.0f} {ends:>13} {p50:>8.1f} {p99:>8.1f} "
            f"{self.peak:>9.0f} {flat:>17}"
        )
