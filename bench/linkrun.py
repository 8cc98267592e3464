"""One fresh database for bench/dots.py: concerns go through the real store, route and link
steps, and the link step's time is taken beside a bare lookup of the concern's own
identifiers, concern by concern, in sync order."""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import and_, or_, select

import crypto
from backend.core import migrate
from backend.core.db import make_engine, make_sessionmaker
from backend.domain import language
from backend.models import (
    Agency,
    ConcernIdentifier,
    Inbox,
    Membership,
    User,
    UserRole,
)
from backend.pipeline.ingest import CONCERN_SCHEMA
from backend.pipeline.link import db_link
from backend.pipeline.proof import Proven
from backend.pipeline.route import db_route
from backend.pipeline.store import Author, Sealed, db_store_concern
from backend.pipeline.validate import validate
from backend.services.demo import db_seed_partnership
from backend.services.records.audit import Actor
from bench.inbox import pct, stand_in_proof
from bench.ingest import autoanalyze
from bench.measure import rss_mb
from bench.names import AGENCIES
from bench.population import Item, Scenario
from bench.truth import Identity


def setup(sessions: Any) -> tuple[dict[str, Author], Proven, Any, Actor]:
    """The partnership, one recorder per agency kind, and a MASH member to read as."""
    with sessions() as s:
        partnership = db_seed_partnership(s)
        agencies = {
            a.name: a
            for a in s.scalars(select(Agency).where(Agency.partnership_id == partnership.id))
        }
        authors, passkey, receipt = {}, None, None
        for key, name in AGENCIES.items():
            user = User(agency_id=agencies[name].id, crypto_display_name=b"-")
            s.add(user)
            s.flush()
            authors[key] = Author(id=user.id, agency_id=user.agency_id)
            if passkey is None:
                passkey, receipt = stand_in_proof(s, user)
        mash = s.scalar(select(Inbox).where(Inbox.name == "MASH"))
        reader = User(agency_id=mash.agency_id, crypto_display_name=b"-")
        s.add(reader)
        s.flush()
        s.add(Membership(user_id=reader.id, inbox_id=mash.id))
        s.add(UserRole(user_id=reader.id, role="inbox_member"))
        s.commit()
        proven = Proven(passkey=passkey, sign_count=0, content_sha256="0" * 64)
        return authors, proven, receipt, Actor(user_id=reader.id, agency_id=mash.agency_id)


class LinkRun:
    """Stores, routes and links one scenario's concerns, as the pipeline's steps do
    (``backend/pipeline/steps.py``), timing the link step."""

    def __init__(self, url: str, scenario: Scenario, bare_every: int = 1) -> None:
        self.engine = make_engine(url)
        migrate.upgrade(self.engine)
        self.sessions = make_sessionmaker(self.engine)
        self.ring = crypto.generate_keyring()
        self.scenario = scenario
        self.authors, self.proven, self.receipt, self.reader = setup(self.sessions)
        self.identity = Identity(crypto.BlindIndexer(self.ring))
        self.link_ms: list[float] = []
        self.lookup_ms: list[float] = []
        # The bare lookup reads every concern naming a key: at 250,000 children, most of a
        # run's time went on it. Taken for one concern in ``bare_every``, it still compares.
        self.bare_every = bare_every
        self.analyze = autoanalyze(url)
        self.tenth = max(1, len(scenario.items) // 10)
        self.started = self.tenth_started = time.perf_counter()

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def sync(self, item: Item) -> uuid.UUID:
        """Store, route and link one concern; then time a bare lookup of its own identifiers."""
        payload = self.scenario.payload(item)
        loaded = validate(CONCERN_SCHEMA, payload)
        with self.sessions() as s:
            sealed = Sealed(
                payload,
                loaded,
                self.proven,
                self.receipt,
                self.authors[item.who],
                language.counts(payload["narrative"]),
            )
            stored = db_store_concern(s, self.ring, sealed)
            db_route(s, stored)
            start = time.perf_counter()
            db_link(s, stored)
            self.link_ms.append((time.perf_counter() - start) * 1000)
            s.commit()
            concern_id = stored.concern.id
            if len(self.link_ms) % self.bare_every == 0:
                self.lookup_ms.append(bare_lookup(s, stored.identifiers))
        self.identity.add(concern_id, item, payload)
        if len(self.link_ms) % self.tenth == 0:
            self.analyze()
            self.progress()
        return concern_id

    def progress(self) -> None:
        """A line on stderr at each tenth of the run: what a run stopped before its end
        (hours, at a million concerns) has measured by then, and the process's RSS."""
        done, last = len(self.link_ms), self.link_ms[-self.tenth :]
        print(
            f"  {done:,} concerns, {self.elapsed:.0f} s; this tenth {self.tenth / self.took():.0f}"
            f" concerns/s, link p50 {pct(last, 0.5):.2f} ms, p99 {pct(last, 0.99):.2f} ms;"
            f" RSS {rss_mb():.0f} MB",
            file=sys.stderr,
            flush=True,
        )
        self.tenth_started = time.perf_counter()

    def took(self) -> float:
        return time.perf_counter() - self.tenth_started

    def close(self) -> None:
        self.engine.dispose()


def bare_lookup(session: Any, identifiers: list[dict[str, Any]]) -> float:
    """Milliseconds to read every concern naming one of these identifiers, as a baseline."""
    own = [(r["kind"], r["blind_index"]) for r in identifiers]
    start = time.perf_counter()
    if own:
        match = (
            and_(ConcernIdentifier.kind == k, ConcernIdentifier.blind_index == b) for k, b in own
        )
        session.execute(select(ConcernIdentifier.concern_id).where(or_(*match))).all()
    return (time.perf_counter() - start) * 1000


def link_cost(label: str, link_ms: list[float], lookup_ms: list[float]) -> str:
    """Link cost's p50/p99 and the mean of the first and last tenth, beside the bare
    lookup's (sampled or not: each list's own tenths)."""
    tenth, bare_tenth = max(1, len(link_ms) // 10), max(1, len(lookup_ms) // 10)
    first, last = mean(link_ms[:tenth]), mean(link_ms[-tenth:])
    bare_first, bare_last = mean(lookup_ms[:bare_tenth]), mean(lookup_ms[-bare_tenth:])
    return (
        f"  {label} p50 {pct(link_ms, 0.5):.2f} ms, p99 {pct(link_ms, 0.99):.2f} ms per concern "
        f"(bare lookup of its identifiers p50 {pct(lookup_ms, 0.5):.2f} ms, "
        f"x{pct(link_ms, 0.5) / max(pct(lookup_ms, 0.5), 1e-6):.1f}); mean of the first and "
        f"last tenth {first:.2f} / {last:.2f} ms = x{last / max(first, 1e-6):.2f} "
        f"(bare lookup {bare_first:.2f} / {bare_last:.2f} ms = "
        f"x{bare_last / max(bare_first, 1e-6):.2f})"
    )


def mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else 0.0


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
