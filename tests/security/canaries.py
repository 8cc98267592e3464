"""Canary values: a unique, searchable marker in every sensitive field of a concern.

Each marker is valid where it stands (a real NHS check digit, a UK postcode, a mobile number),
so the concern passes validation and travels the whole pipeline. ``hits`` looks for every
marker in text, in its spaced and unspaced forms, upper or lower case, and hex-encoded (how
PostgreSQL dumps a bytea column).
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from typing import Any

from bench.population import nhs_number
from tests.factories import make_concern


@dataclass
class Canaries:
    tag: str = field(default_factory=lambda: secrets.token_hex(4).upper())

    def __post_init__(self) -> None:
        rng = random.Random(self.tag)
        a, b = (rng.choice("QXZJ") for _ in range(2))
        digit = lambda: rng.randrange(1, 9)  # noqa: E731
        plate = "".join(rng.choice("QXZ") for _ in range(3))
        self.values: dict[str, str] = {
            "narrative": f"CANARY-NARR-{self.tag}",
            "child_words": f"CANARY-WORDS-{self.tag}",
            "rationale": f"CANARY-RATIONALE-{self.tag}",
            "given_name": f"Canarygiven{self.tag.lower()}",
            "family_name": f"Canaryfamily{self.tag.lower()}",
            "known_as": f"Canaryknown{self.tag.lower()}",
            "date_of_birth": f"2012-02-{rng.randrange(10, 28)}",
            "nhs_number": nhs_number(rng),
            "upn": f"X{rng.randrange(10**11, 10**12)}",
            "school": f"CANARY-SCHOOL-{self.tag}",
            "address_postcode": f"Z{a}{digit()} {digit()}X{b}",
            "location": f"CANARY-PLACE-{self.tag}",
            "location_postcode": f"Q{b}{digit()} {digit()}J{a}",
            "indicator_note": f"CANARY-NOTE-{self.tag}",
            "missing_from": f"CANARY-MISSINGFROM-{self.tag}",
            "found_where": f"CANARY-FOUND-{self.tag}",
            "adult_name": f"Canaryadult{self.tag.lower()}",
            "adult_nickname": f"Canarynick{self.tag.lower()}",
            "registration": f"QZ{rng.randrange(10, 99)} {plate}",
            "phone": f"07700 9{rng.randrange(10000, 99999)}",
            "address": f"CANARY-ADDRESS-{self.tag}",
            "handle": f"canaryhandle{self.tag.lower()}",
            "protect": f"CANARY-PROTECT-{self.tag}",
            "addendum": f"CANARY-ADDENDUM-{self.tag}",
            "reasons": f"CANARY-REASONS-{self.tag}",
            "feedback": f"CANARY-FEEDBACK-{self.tag}",
            "staff_name": f"Canarystaff{self.tag.lower()}",
            # Laid in a photo's pixels, stored uncompressed: the image's bytes are searchable.
            "photo": f"CANARY-PHOTO-{self.tag}",
        }

    def concern(self) -> dict[str, Any]:
        v = self.values
        return make_concern(
            setting="care_home",
            location={"postcode": v["location_postcode"], "description": v["location"]},
            subject={
                "given_name": v["given_name"],
                "family_name": v["family_name"],
                "known_as": [v["known_as"]],
                "date_of_birth": v["date_of_birth"],
                "sex": "female",
                "nhs_number": v["nhs_number"],
                "upn": v["upn"],
                "address_postcode": v["address_postcode"],
                "school": v["school"],
                "legal_status": "looked_after",
                "placing_authority": "Northshire",
            },
            child_words=v["child_words"],
            narrative=v["narrative"],
            rationale=v["rationale"],
            indicators=[
                {"code": "missing_episode", "present": "yes", "basis": "observed"},
                {
                    "code": "unexplained_gifts_money",
                    "present": "possible",
                    "basis": "reported",
                    "note": v["indicator_note"],
                },
            ],
            missing={
                "missing_from": v["missing_from"],
                "found_where": v["found_where"],
                "police_risk": "high",
            },
            associated=[
                {
                    "kind": "adult_of_concern",
                    "name": v["adult_name"],
                    "nickname": v["adult_nickname"],
                },
                {"kind": "vehicle", "registration": v["registration"]},
                {"kind": "phone", "number": v["phone"]},
                {"kind": "location", "address": v["address"]},
                {"kind": "online_account", "platform": "snapchat", "handle": v["handle"]},
            ],
            sharing={
                "consent": "not_sought",
                "not_sought_reason": "risk_to_child",
                "protect_identity_of": [v["protect"]],
            },
        )

    def needles(self) -> dict[str, list[bytes]]:
        """Each field's marker in every form it could be stored or logged in."""
        out: dict[str, list[bytes]] = {}
        for name, value in self.values.items():
            forms = {value, value.replace(" ", "")}
            if name == "phone":
                forms = {value.replace(" ", "")[1:]}  # national number without the 0 or +44
            if name == "date_of_birth":
                forms.add(value.replace("-", ""))
            variants: set[bytes] = set()
            for form in forms:
                for cased in (form, form.upper(), form.lower()):
                    variants.add(cased.encode())
                    variants.add(cased.encode().hex().encode())
            out[name] = sorted(variants)
        return out

    def hits(self, where: str, blob: bytes | str) -> list[str]:
        data = blob.encode() if isinstance(blob, str) else blob
        found = []
        for name, forms in self.needles().items():
            if any(form in data for form in forms):
                found.append(f"{name} in {where}")
        return found


def printable(rows: Any) -> str:
    """Rows of a database table as text, bytes shown both raw and as hex."""
    out = []
    for row in rows:
        for value in row:
            if isinstance(value, bytes | bytearray | memoryview):
                raw = bytes(value)
                out.append(raw.decode("latin-1"))
                out.append(raw.hex())
            else:
                out.append(str(value))
    return "\n".join(out)
