"""Which identifiers of a concern are blind-indexed, and under which kind.

The child: NHS number and name + date of birth (strong keys), given name + date of birth
(strong with the home postcode; it also tells a family name spelt differently from another
child, ``conflicts.py``), phonetic family name + birth year and known-as names (weak keys),
home postcode. Associated people, vehicles,
phones, places and online accounts: each by its own kind. A child named as a peer is no
adult of concern: indexed by full name and year of birth only (role ``peer``), to find
their own record. The place where the concern was recorded is not indexed as an
identifier: on its own it links nobody (docs/contract.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from crypto import BlindIndexer, IdentifierKind, InvalidIdentifier
from crypto import normalise as norm

K = IdentifierKind


def _subject(subject: dict[str, Any], recorded_at: datetime) -> Iterator[tuple[K, str]]:
    if subject.get("nhs_number"):
        yield K.NHS_NUMBER, norm.nhs_number(subject["nhs_number"])
    given, family = subject.get("given_name"), subject.get("family_name")
    dob = subject.get("date_of_birth")
    if given and family and dob:
        yield K.NAME_DOB, norm.name_dob(given, family, dob)
    if given and dob:
        yield K.GIVEN_DOB, f"{norm.name(given)}|{dob.isoformat()}"
    year = dob.year if dob else recorded_at.year - int(subject.get("approx_age") or 0)
    if family:
        yield K.PHONETIC_YEAR, norm.phonetic_year(family, year)
    if given and family:
        yield K.NAME_YEAR, f"{norm.name(f'{given} {family}')}|{year:04d}"
    for alias in subject.get("known_as") or []:
        yield K.NICKNAME, norm.nickname(alias)
        # Known-as name and age band: an approximate age is a year either way.
        for near in (year - 1, year, year + 1):
            yield K.KNOWN_AS_YEAR, f"{norm.nickname(alias)}|{near:04d}"
    if subject.get("address_postcode"):
        yield K.POSTCODE, norm.postcode(subject["address_postcode"])


def _associated(entry: dict[str, Any]) -> Iterator[tuple[K, str]]:
    if entry.get("name"):
        yield K.PERSON_NAME, norm.name(entry["name"])
    if entry.get("nickname"):
        yield K.NICKNAME, norm.nickname(entry["nickname"])
    if entry.get("registration"):
        yield K.VEHICLE, norm.vehicle_registration(entry["registration"])
    if entry.get("number"):
        yield K.PHONE, norm.phone_number(entry["number"])
    if entry.get("platform") and entry.get("handle"):
        yield K.ONLINE_ACCOUNT, norm.online_account(entry["platform"], entry["handle"])
    if entry.get("postcode"):
        yield K.POSTCODE, norm.postcode(entry["postcode"])
    if entry.get("address"):
        yield K.ADDRESS, norm.address(entry["address"])


def _peer(entry: dict[str, Any], recorded_at: datetime) -> Iterator[tuple[K, str]]:
    """A child named as a peer: kept apart from adults, found by full name and an age."""
    if entry.get("name") and entry.get("approx_age") is not None:
        year = recorded_at.year - int(entry["approx_age"])
        for near in (year - 1, year, year + 1):
            yield K.NAME_YEAR, f"{norm.name(entry['name'])}|{near:04d}"


def blind_identifiers(
    indexer: BlindIndexer,
    *,
    subject: dict[str, Any] | None,
    associated: list[dict[str, Any]],
    recorded_at: datetime,
) -> list[tuple[str, str, str]]:
    """Return (role, kind, blind index) for every identifier, each once."""
    found: list[tuple[str, str, str]] = []
    sources: list[tuple[str, Iterator[tuple[K, str]]]] = []
    if subject is not None:
        sources.append(("subject", _subject(subject, recorded_at)))
    sources.extend(
        ("peer", _peer(entry, recorded_at))
        if entry.get("kind") == "peer"
        else ("associated", _associated(entry))
        for entry in associated
    )
    for role, pairs in sources:
        try:
            for kind, value in pairs:
                item = (role, kind.value, indexer.index(kind, value))
                if item not in found:
                    found.append(item)
        except InvalidIdentifier:
            continue  # validation has already refused what cannot be normalised
    return found
