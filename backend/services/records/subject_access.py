"""Subject access: everything Frontline holds about a child, as JSON and printable HTML.

Third parties whose identity the recorder asked to protect (``sharing.protect_identity_of``)
are redacted wherever their name appears, and people or places recorded under that name are
left out. Erased records appear as metadata only: there is nothing else left to give.
Each concern carries the challenges to decisions on it, and the suspicions naming the child
by a strong key come beside the concerns (``subject_access_related.py``), with every version
of the child's profile and its photos (``subject_access_profiles.py``).

The export is a JSON document (``ExportDocument``), not a view: it is handed over as the
answer to a subject access request, and each concern in it is the recorder's own document
as sealed (less its proof), whose members are the contract's, not ours.
"""

from __future__ import annotations

import html
import json
import re
import uuid
from collections.abc import Iterable
from typing import Any, TypeAlias, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

import crypto
from backend.core.errors import Conflict, NotFound
from backend.models import (
    Addendum,
    Agency,
    Concern,
    ConcernCategory,
    ReturnInterview,
    Subject,
    utcnow,
)
from backend.models.concerns import AddsToConcern
from backend.services.concerns.concerns import db_delivered
from backend.services.linking.merges import db_merges_of, unconfirmed, views
from backend.services.linking.subjects import canonical, members
from backend.services.records.audit import Actor, db_audit
from backend.services.records.sealed import db_data_key, unseal
from backend.services.records.subject_access_profiles import db_profiles_about
from backend.services.records.subject_access_related import db_challenges, db_suspicions_naming

REDACTED = "[third party: withheld]"

# A concern's or addendum's document as the phone sealed it (docs/contract.md).
Document: TypeAlias = dict[str, Any]
# The whole answer: subject_id, generated_at, concerns (each with its challenges),
# suspicions naming the child, the child's profiles, erased_records, redactions, merges.
ExportDocument: TypeAlias = dict[str, Any]


# What is sealed under a concern's key besides the concern, by its table.
_ADDED: tuple[tuple[str, type[Addendum] | type[ReturnInterview]], ...] = (
    ("addenda", Addendum),
    ("return_interviews", ReturnInterview),
)


def _redact(value: Any, pattern: re.Pattern[str] | None) -> tuple[Any, int]:
    """Replace protected names in every string of a JSON value; count the replacements."""
    if pattern is None:
        return value, 0
    if isinstance(value, str):
        return pattern.subn(REDACTED, value)
    if isinstance(value, list):
        pairs = [_redact(v, pattern) for v in value]
        return [p[0] for p in pairs], sum(p[1] for p in pairs)
    if isinstance(value, dict):
        out, n = {}, 0
        for k, v in value.items():
            out[k], m = _redact(v, pattern)
            n += m
        return out, n
    return value, 0


def _protected(document: Document) -> re.Pattern[str] | None:
    names = [n.strip() for n in document.get("sharing", {}).get("protect_identity_of", []) if n]
    names = [n for n in names if len(n) >= 2]
    if not names:
        return None
    return re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)), re.I)


def _names_protected(entry: dict[str, Any], pattern: re.Pattern[str] | None) -> bool:
    """A person recorded under a protected name is left out altogether."""
    if pattern is None:
        return False
    return any(pattern.search(str(entry.get(f, ""))) for f in ("name", "nickname"))


def _open(session: Session, ring: crypto.KeyRing, row: Any, table: str) -> Document:
    key = db_data_key(session, ring, row.data_key_id)
    body = json.loads(
        unseal(key, row.crypto_document, table=table, row_id=row.id, field="document")
    )
    return {k: v for k, v in body.items() if k != "proof"}


def export(
    session: Session, ring: crypto.KeyRing, *, subject_id: uuid.UUID, actor: Actor
) -> ExportDocument:
    """Everything held about the child, redacted, with every merge of the child's record
    and how it was made; the disclosure is audited.

    Refused while an automatic merge of the record is unconfirmed: keys that matched by
    accident would hand one child's records to another's family. The MASH confirms it
    (``POST /api/v1/merges/{id}/confirm``) or splits it first."""
    child = session.get(Subject, subject_id)
    if child is None:
        raise NotFound("not_found", "There is no such child.")
    ids = members(session, canonical(session, subject_id))
    merges = db_merges_of(session, ids)
    waiting = unconfirmed(merges)
    if waiting:
        raise Conflict(
            "subject.unconfirmed_merges",
            "This child's record was joined to another automatically and the MASH has not "
            "confirmed it: confirm or split each merge before exporting ("
            + ", ".join(f"merge {m.id}" for m in waiting)
            + ").",
        )
    concerns = list(
        session.scalars(
            select(Concern).where(Concern.subject_id.in_(ids)).order_by(Concern.recorded_at)
        )
    )
    agencies = {a.id: a.name for a in session.scalars(select(Agency))}
    delivered = db_delivered(session, [c.id for c in concerns])
    items, redactions, erased = [], 0, 0
    for c in concerns:
        categories = sorted(
            session.scalars(
                select(ConcernCategory.category).where(ConcernCategory.concern_id == c.id)
            )
        )
        item: dict[str, Any] = {
            "concern_id": str(c.id),
            "recorded_at": c.recorded_at.isoformat(),
            "agency": agencies.get(c.recorder_agency_id),
            "categories": categories,
            "level": c.level,
            "deliveries": [
                {"inbox": d.inbox, "agency": d.agency, "status": d.status, "outcome": d.outcome}
                for d in delivered.get(c.id, [])
            ],
        }
        if c.data_key_id is None:
            item["erased"] = True
            erased += 1
            items.append(item)
            continue
        document = _open(session, ring, c, "concerns")
        pattern = _protected(document)
        document["associated"] = [
            a for a in document.get("associated", []) if not _names_protected(a, pattern)
        ]
        document.get("sharing", {}).pop("protect_identity_of", None)
        item["concern"], n = _redact(document, pattern)
        redactions += n
        # What was added to it later, sealed under its key: addenda, and the return
        # interviews after the missing episode it opened.
        for name, model in _ADDED:
            added = []
            rows = session.scalars(select(model).where(model.concern_id == c.id))
            for a in cast(Iterable[AddsToConcern], rows):
                key = db_data_key(session, ring, c.data_key_id)
                body = json.loads(
                    unseal(key, a.crypto_document, table=name, row_id=a.id, field="document")
                )
                body.pop("proof", None)
                body, n = _redact(body, pattern)
                redactions += n
                added.append(body)
            item[name] = added
        item["challenges"] = db_challenges(
            session, db_data_key(session, ring, c.data_key_id), c.id, agencies
        )
        items.append(item)
    suspicions, withheld = db_suspicions_naming(session, ring, ids, child.partnership_id)
    redactions += withheld
    profiles = db_profiles_about(session, ring, subject_id, agencies)
    shown = views(session, merges)
    db_audit(
        session,
        "subject.access_exported",
        actor=actor,
        records=[
            ("subject", subject_id),
            *(("concern", c.id) for c in concerns),
            *(("suspicion", uuid.UUID(s["suspicion_id"])) for s in suspicions),
            *(("profile", uuid.UUID(p)) for p in sorted({v["profile_id"] for v in profiles})),
        ],
        detail={
            "concerns": len(concerns),
            "suspicions": len(suspicions),
            "profile_versions": len(profiles),
            "erased": erased,
            "redactions": redactions,
            "merges": len(merges),
        },
    )
    session.commit()
    return {
        "subject_id": str(subject_id),
        "generated_at": utcnow().isoformat(),
        "concerns": items,
        "suspicions": suspicions,
        "profiles": profiles,
        "erased_records": erased,
        "redactions": redactions,
        "merges": [
            {
                "merge_id": str(m.id),
                "joined_at": m.made_at.isoformat(),
                "how": m.how,
                "kinds": list(m.kinds),
                "confirmed": m.confirmed,
                "split": m.split_at is not None,
                "summary": m.summary,
            }
            for m in shown
        ],
    }


def _rows(value: Any, depth: int = 0) -> str:
    if isinstance(value, dict):
        cells = "".join(
            f"<tr><th>{html.escape(str(k))}</th><td>{_rows(v, depth + 1)}</td></tr>"
            for k, v in value.items()
        )
        return f"<table>{cells}</table>"
    if isinstance(value, list):
        return "<ul>" + "".join(f"<li>{_rows(v, depth + 1)}</li>" for v in value) + "</ul>"
    return html.escape("" if value is None else str(value))


def _figure(photo: dict[str, Any]) -> str:
    """A photo on the page, as a data: URL of the image the export holds (never fetched)."""
    caption = html.escape(str(photo.get("caption") or ""))
    if not photo.get("image"):
        return f"<figure><figcaption>{caption} (the image is not held)</figcaption></figure>"
    kind = html.escape(str(photo.get("content_type")))
    src = f"data:{kind};base64,{html.escape(photo['image'])}"
    return f"<figure><img src='{src}' alt='{caption}'><figcaption>{caption}</figcaption></figure>"


def to_html(answer: ExportDocument) -> str:
    """A printable page of the export; every value escaped, no script, no external style."""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>Subject access export</title><style>",
        "body{font-family:serif;max-width:50rem;margin:2rem auto}th{text-align:left;",
        "vertical-align:top;padding-right:1rem}table{border-collapse:collapse}",
        "section{border-top:2px solid #000;margin-top:1.5rem}</style></head><body>",
        "<h1>Subject access export</h1>",
        f"<p>Child record {html.escape(answer['subject_id'])}, produced "
        f"{html.escape(answer['generated_at'])}. Third parties whose identity is protected "
        f"are withheld ({answer['redactions']} places). Erased records: "
        f"{answer['erased_records']}.</p>",
    ]
    for merge in answer["merges"]:
        parts.append(f"<p>{html.escape(merge['summary'])}</p>")
    for item in answer["concerns"]:
        parts.append(
            f"<section><h2>{html.escape(item['recorded_at'])} — "
            f"{html.escape(str(item['agency']))}</h2>{_rows(item)}</section>"
        )
    for item in answer.get("suspicions", []):
        parts.append(
            f"<section><h2>Suspicion {html.escape(item['recorded_at'])} — "
            f"{html.escape(str(item['agency']))}</h2>{_rows(item)}</section>"
        )
    for item in answer.get("profiles", []):
        photos = "".join(_figure(p) for p in item.get("photos", []))
        text = {k: v for k, v in item.items() if k != "photos"}
        parts.append(
            f"<section><h2>Profile, version {item['version']} — "
            f"{html.escape(str(item['agency']))}</h2>{photos}{_rows(text)}</section>"
        )
    parts.append("</body></html>")
    return "".join(parts)
