"""Prometheus metrics: what the server counts as it works, and what a scrape reads.

Counters and the latency histogram are kept by the process that does the work. Under
``frontline serve`` there are several worker processes, so each writes its samples to
files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode) and a scrape
adds them up; ``serve`` sets that folder before this module is first imported (the value
class is chosen at import). The sizes of queues (quarantine, overdue deliveries, the
escalation sweep's lag) are not kept here at all: they are read from the database at
scrape time, so every worker and host agrees and a restart loses nothing.

WARNING: labels are fixed words only (statuses, stable refusal codes, route templates):
never a path with ids, a name or anything a person typed.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

SYNC_RESULTS = Counter(
    "frontline_sync_results",
    "Envelopes answered through sync, by result (a refusal by its stable code).",
    ["status", "code"],
)
PUSH_FAILURES = Counter(
    "frontline_push_failures",
    "Web Push sends that failed: retried later, or given up after the last attempt.",
    ["outcome"],
)
REQUEST_SECONDS = Histogram(
    "frontline_request_seconds",
    "Time to answer a request, by method and route template (never the raw path).",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30),
)

QUARANTINED_CODE = "envelope.quarantined"


def count_sync_result(status: str, code: str | None) -> None:
    """Count one envelope's answer; a quarantined envelope is its own status."""
    if code == QUARANTINED_CODE:
        status, code = "quarantined", None
    SYNC_RESULTS.labels(status=status, code=code or "").inc()


@dataclass(frozen=True)
class Backlog:
    """Queue sizes read from the database at scrape time (``services/records/backlog``)."""

    quarantined: int
    deliveries_overdue: int
    escalation_lag_seconds: float


class BacklogCollector(Collector):
    """Gauges read from the database on each scrape; a failed read says so, never why."""

    def __init__(self, read: Callable[[], Backlog]) -> None:
        self._read = read

    def collect(self) -> Iterator[GaugeMetricFamily]:
        try:
            backlog = self._read()
        except Exception:  # noqa: BLE001 - a scrape reports the database down, never raises
            yield GaugeMetricFamily(
                "frontline_backlog_readable", "Whether the database answered this scrape.", 0
            )
            return
        yield GaugeMetricFamily(
            "frontline_backlog_readable", "Whether the database answered this scrape.", 1
        )
        yield GaugeMetricFamily(
            "frontline_quarantine_size",
            "Envelopes kept but not accepted, waiting to be retried.",
            backlog.quarantined,
        )
        yield GaugeMetricFamily(
            "frontline_deliveries_overdue",
            "Open deliveries past the deadline they work to.",
            backlog.deliveries_overdue,
        )
        yield GaugeMetricFamily(
            "frontline_escalation_lag_seconds",
            "How long the oldest chain due for escalation has waited for a sweep (0: none).",
            backlog.escalation_lag_seconds,
        )


class _ThisProcess(Collector):
    """This process's own counters, when there is no multiprocess folder (one process)."""

    def collect(self) -> Iterable[object]:  # type: ignore[override]
        return REGISTRY.collect()


def scrape_registry(read_backlog: Callable[[], Backlog]) -> CollectorRegistry:
    """The registry a scrape reads: every worker's counters, and the database's gauges."""
    registry = CollectorRegistry(auto_describe=False)
    if os.environ.get(MULTIPROC_ENV):
        MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(BacklogCollector(read_backlog))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The text a scrape is answered with (Prometheus text format 0.0.4)."""
    return generate_latest(registry)
