"""Realistic concerns for benchmarks: names, ages, categories, associated adults, vehicles,
phones and long narratives, sealed with a real WebAuthn proof each."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import crypto
from crypto.encoding import b64url_encode
from tests.authenticator import SoftAuthenticator

GIVEN = [
    "Amelia",
    "Chloe",
    "Jade",
    "Mia",
    "Leah",
    "Ruby",
    "Zara",
    "Kayla",
    "Jordan",
    "Tyler",
    "Kai",
    "Aisha",
    "Maya",
    "Nadia",
    "Ellie",
    "Sophie",
    "Lacey",
    "Demi",
    "Tia",
    "Skye",
]
FAMILY = [
    "Smith",
    "Jones",
    "Khan",
    "Brown",
    "Taylor",
    "Wilson",
    "Evans",
    "Ahmed",
    "Walker",
    "Wright",
    "Hussain",
    "Clarke",
    "Hughes",
    "Green",
    "Patel",
    "Lewis",
    "Hall",
    "Begum",
]
NICK = ["Ricky", "Big Man", "Smiley", "T", "Deano", "Mo", "Jay", "Bruv", "Uncle", "Kev"]
SENTENCES = [
    "She was seen getting into a grey car driven by an adult male.",
    "Staff report she returned after midnight with a new phone and cash.",
    "She said the man buys her food and drinks and lets her stay over.",
    "Two older men were waiting outside the school gates at home time.",
    "He has been missing three times this month and was found in another town.",
    "She has bruising to her arms which she did not explain.",
    "Her friend says she is being sent messages by adults she met online.",
]


def concern_payload(rng: random.Random) -> dict[str, Any]:
    age = rng.randint(8, 17)
    dob = datetime.now(UTC).date() - timedelta(days=age * 365 + rng.randint(0, 364))
    categories = rng.sample(
        [
            "sexual_exploitation",
            "criminal_exploitation",
            "missing",
            "neglect",
            "online_sexual_abuse",
            "physical_abuse",
        ],
        rng.randint(1, 3),
    )
    associated = [
        {
            "kind": "adult_of_concern",
            "nickname": rng.choice(NICK),
            "approx_age": rng.randint(19, 45),
        }
    ]
    if rng.random() < 0.6:
        associated.append(
            {
                "kind": "vehicle",
                "registration": f"{rng.choice('ABCDEFGHKLMN')}"
                f"{rng.choice('ABCDEFGHKLMN')}{rng.randint(10, 75)} "
                f"{''.join(rng.choices('ABCDEFGHJKLMNPRSTUVWXYZ', k=3))}",
            }
        )
    if rng.random() < 0.5:
        associated.append({"kind": "phone", "number": f"07700 9{rng.randint(0, 99999):05d}"})
    return {
        "schema": "frontline.concern/1",
        "client_id": str(uuid.uuid4()),
        "recorded_at": (datetime.now(UTC) - timedelta(minutes=rng.randint(0, 60 * 24 * 30)))
        .replace(microsecond=0)
        .isoformat(),
        "setting": rng.choice(["patrol", "school", "health", "care_home"]),
        "location": {"postcode": "OX4 1AA", "description": "Outside the takeaway"},
        "subject": {
            "given_name": rng.choice(GIVEN),
            "family_name": rng.choice(FAMILY),
            "date_of_birth": dob.isoformat(),
            "sex": rng.choice(["female", "male"]),
            "legal_status": rng.choice(["none_known", "looked_after", "child_in_need"]),
        },
        "categories": categories,
        "source": rng.choice(["observed", "disclosure", "reported_by_other"]),
        "narrative": " ".join(rng.choices(SENTENCES, k=rng.randint(8, 40))),
        "indicators": [{"code": "cars_with_unknown_adults", "present": "yes", "basis": "observed"}],
        "level": rng.choice(["early_help", "child_in_need", "significant_harm"]),
        "rationale": "Pattern of missing episodes and an adult of concern.",
        "associated": associated,
        "actions_taken": ["none"],
        "sharing": {"consent": "not_sought", "not_sought_reason": "risk_to_child"},
    }


def seal_all(
    n: int,
    ring: crypto.KeyRing,
    device: SoftAuthenticator,
    rng: random.Random | None = None,
    *,
    one_child: bool = False,
) -> list[dict[str, str]]:
    """``n`` concerns sealed by one phone (a shared ``rng`` spreads a population over several).
    ``one_child``: every concern is about the same child (the first one's), as a child
    missing again and again is written about."""
    rng = rng or random.Random(7)
    items = []
    child: dict[str, Any] | None = None
    for _ in range(n):
        payload = concern_payload(rng)
        if one_child:
            child = child or payload["subject"]
            payload["subject"] = child
        challenge = crypto.proof_challenge(payload)
        payload["proof"] = {
            "type": "webauthn",
            "credential": device.get({"challenge": b64url_encode(challenge)}),
        }
        items.append(
            {
                "client_id": payload["client_id"],
                "jwe": crypto.seal_to_ring(json.dumps(payload).encode(), ring),
            }
        )
    return items
