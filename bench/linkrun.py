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

    def __init__(self, url: str, scenario: Scenario) -> None:
        self.engine = make_engine(url)
        migrate.upgrade(self.engine)
        self.sessions = make_sessionmaker(self.engine)
        self.ring = crypto.generate_keyring()
        self.scenario = scenario
        self.authors, self.proven, self.receipt, self.reader = setup(self.sessions)
        self.identity = Identity(crypto.BlindIndexer(self.ring))
        self.link_ms: list[float] = []
        self.lookup_ms: list[float] = []
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
            own = [(r["kind"], r["blind_index"]) for r in stored.identifiers]
            start = time.perf_counter()
            if own:
                match = (
                    and_(ConcernIdentifier.kind == k, ConcernIdentifier.blind_index == b)
                    for k, b in own
                )
                s.execute(select(ConcernIdentifier.concern_id).where(or_(*match))).all()
            self.lookup_ms.append((time.perf_counter() - start) * 1000)
        self.identity.add(concern_id, item, payload)
        if len(self.lookup_ms) % self.tenth == 0:
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


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
