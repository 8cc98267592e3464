"""The built-in scheduler: named sweeps on fixed intervals, in a background thread.

Enabled with FRONTLINE_SCHEDULER=1. Every sweep is idempotent and safe to run on many
hosts and workers at once, so each worker may run its own scheduler; a failing sweep is
logged and tried again next interval, never stopping the others.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from backend.core.state import Frontline

log = logging.getLogger("frontline.scheduler")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[Frontline], object]


def _escalate(state: Frontline) -> object:
    from backend.services.concerns.escalation import sweep

    return sweep(state.sessions)


def _push(state: Frontline) -> object:
    from backend.services.concerns.push import send_due

    return send_due(state.sessions, state.keyring, contact=state.config.push_contact)


def _checkpoint(state: Frontline) -> object:
    from backend.services.records.audit_chain import checkpoint

    return checkpoint(state.sessions, state.keyring)


def _rotation(state: Frontline) -> object:
    from backend.services.records.keys import rotation_due

    due = rotation_due(state.keyring)
    for entry in due:
        log.warning("key rotation due", extra={"code": f"{entry.kind.value}:{entry.id}"})
    return len(due)


def _unnamed_photos(state: Frontline) -> object:
    from backend.services.profiles.attachments import sweep

    return sweep(state.sessions)


def _refused(state: Frontline) -> object:
    from backend.services.records.refused import drop_refused

    return drop_refused(state.sessions)


JOBS = (
    Job("escalate", 60, _escalate),
    Job("push", 60, _push),
    Job("audit-checkpoint", 600, _checkpoint),
    Job("key-rotation-due", 86_400, _rotation),
    Job("unnamed-photos", 3_600, _unnamed_photos),
    Job("refused-envelopes", 3_600, _refused),
)


def start(state: Frontline, jobs: tuple[Job, ...] = JOBS) -> threading.Event:
    """Start the jobs; set the returned event to stop them."""
    stop = threading.Event()

    def loop(job: Job) -> None:
        while not stop.is_set():
            try:
                job.run(state)
            except Exception:  # a sweep's failure is logged and retried next time
                log.exception("scheduler.job_failed", extra={"job": job.name})
            stop.wait(job.every_seconds)

    for job in jobs:
        threading.Thread(
            target=loop, args=(job,), name=f"frontline-{job.name}", daemon=True
        ).start()
    return stop
