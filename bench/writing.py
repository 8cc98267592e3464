"""How agencies write a concern of the generated population: the child's name in capitals
or not, NHS numbers spaced or not and missing from many police and school records, a
family name misspelt, an age instead of a date of birth; registrations as "AB12 CDE" or
"ab12cde", phones as 07... or +447..., adults by name, street name or both. Whatever the
form, each entry stays one mention of one real entity (bench/population.py)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC
from typing import TYPE_CHECKING, Any

from bench.names import SETTING

if TYPE_CHECKING:
    from bench.population import Item, Mention

# An assertion as a browser writes one (docs/contract.md, the proof), never checked here.
ASSERTION_SHAPE = {
    "id": "AAAA",
    "rawId": "AAAA",
    "type": "public-key",
    "response": {"clientDataJSON": "e30", "authenticatorData": "AA", "signature": "AA"},
    "clientExtensionResults": {},
}


def write(rng: random.Random, item: Item, *, always_dob: bool) -> dict[str, Any]:
    """The concern's payload. ``always_dob``: the child is always given a date of birth (a
    missing-person report always has one); otherwise one record in ten has only an age."""
    c = item.child
    family = c.family
    subject: dict[str, Any] = {
        "given_name": c.given if rng.random() < 0.7 else c.given.upper(),
        "family_name": family,
        "legal_status": c.care,
        "address_postcode": c.postcode,
    }
    with_nhs = item.nhs_of is not None or rng.random() < (
        0.5 if item.who in ("police", "education") else 0.9
    )
    if with_nhs:
        nhs = (item.nhs_of or c).nhs
        subject["nhs_number"] = nhs if rng.random() < 0.5 else f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"
    if with_nhs and rng.random() < 0.1:
        # A misspelt family name: the NHS number still carries the link.
        cut = rng.randrange(1, max(2, len(family) - 1))
        subject["family_name"] = family[:cut] + family[cut + 1 :] or family
    if always_dob or rng.random() < 0.9:
        subject["date_of_birth"] = c.dob.isoformat()
    else:
        subject["approx_age"] = item.at.year - c.dob.year
    if c.nick:
        subject["known_as"] = [c.nick]
    at = item.at.replace(microsecond=0).astimezone(UTC)
    return {
        "schema": "frontline.concern/1",
        "client_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "recorded_at": at.isoformat(),
        "setting": SETTING[item.who],
        "subject": subject,
        "categories": item.categories,
        "source": "observed",
        "narrative": "Generated.",
        "indicators": [{"code": i, "present": "yes", "basis": "observed"} for i in item.indicators],
        "level": item.level,
        "rationale": "Generated.",
        "associated": [entry(rng, m) for m in item.mentions],
        "sharing": {"consent": "not_sought", "not_sought_reason": "risk_to_child"},
        # The proof step is measured by bench/ingest.py; here the store needs its shape.
        "proof": {"type": "webauthn", "credential": ASSERTION_SHAPE},
    }


def entry(rng: random.Random, m: Mention) -> dict[str, Any]:
    """One associated entry, in one of the ways people write it."""
    e, plain = m.entity, rng.random() < 0.5
    value = m.written or e.value
    if e.kind == "vehicle":
        return {
            "kind": "vehicle",
            "registration": value if plain else value.lower().replace(" ", ""),
        }
    if e.kind == "phone":
        return {"kind": "phone", "number": value if plain else "+44" + value[1:].replace(" ", "")}
    if e.kind == "place":
        return {"kind": "location", "address": value}
    found: dict[str, Any] = {"kind": "adult_of_concern"}
    if m.form in ("name", "both"):
        found["name"] = value if plain else value.upper()
    if m.form in ("nickname", "both") and e.nick:
        found["nickname"] = e.nick if plain else e.nick.lower()
    return found
