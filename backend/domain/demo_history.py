"""The demo's history: one child at Oakview Children's Home, her profile with one photo,
and two past missing episodes with their return interviews (docs/contract.md, "The demo
partnership"). Made-up people and places; the records are the documents a phone seals,
without their proofs, dated from ``now``.

Everything carries a fixed client_id, so the records are the same records on every run.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from backend.domain.demo import Persona
from backend.models import RoleName

HOME = "Oakview Children's Home"
_IDS = uuid.UUID("5d1b1a52-7c1e-4f0e-9a41-0d3e6c2f8b10")  # the history's namespace


def fixed_id(name: str) -> str:
    """The fixed client_id (or profile_id) of one of the history's records."""
    return str(uuid.uuid5(_IDS, name))


# Who recorded the history: people of the demo partnership who are not among those it
# invites. Their passkeys are made for the seeding alone, then revoked.
CARE_WORKER = Persona("history-care-worker", "Sophie Lang", HOME, (RoleName.RECORDER,))
COORDINATOR = Persona(
    "history-missing-coordinator",
    "Nia Bramwell",
    "Riverside Children's Social Care",
    (RoleName.INBOX_MEMBER,),
    ("Missing Coordinator",),
)

CHILD_NAME = "Ruby Ashworth"
CHILD = {
    "given_name": "Ruby",
    "family_name": "Ashworth",
    "date_of_birth": "2011-09-14",
    "sex": "female",
    "legal_status": "looked_after",
    "placing_authority": "Riverside",
}
DEE = {
    "kind": "adult_of_concern",
    "nickname": "Dee",
    "approx_age": 25,
    "description": "white man, short bleached hair, drives a silver hatchback",
}
CAR = {"kind": "vehicle", "registration": "RV19 KXT", "description": "silver Ford Fiesta"}
PHOTO_ID = fixed_id("photo")
PROFILE_ID = fixed_id("profile")


@dataclass(frozen=True)
class Record:
    """One record of the history: who sends it and what it says (``concern_of`` names the
    episode whose opening concern a return interview is about)."""

    name: str
    author: Persona
    document: dict[str, Any]
    concern_of: str | None = None


def _at(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _concern(name: str, recorded: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "schema": "frontline.concern/1",
        "client_id": fixed_id(name),
        "recorded_at": _at(recorded),
        "setting": "care_home",
        "location": {"description": HOME},
        "subject": CHILD,
        "categories": ["missing"],
        "sharing": {"consent": "not_sought", "not_sought_reason": "risk_to_child"},
        **fields,
    }


def _missing(name: str, reported: datetime, risk: str, narrative: str) -> dict[str, Any]:
    return _concern(
        name,
        reported + timedelta(minutes=10),
        source="observed",
        narrative=narrative,
        level="significant_harm",
        rationale="A looked-after child missing overnight, believed to be with adults.",
        missing={"missing_from": HOME, "reported_at": _at(reported), "police_risk": risk},
        actions_taken=["emergency_services_called"],
    )


def _found(
    name: str, reported: datetime, found_at: datetime, risk: str, **fields: Any
) -> dict[str, Any]:
    where, with_whom, how = fields.pop("found")
    return _concern(
        name,
        found_at + timedelta(hours=1),
        source="reported_by_other",
        missing={
            "missing_from": HOME,
            "reported_at": _at(reported),
            "found_at": _at(found_at),
            "found_where": where,
            "found_with": with_whom,
            "returned_how": how,
            "police_risk": risk,
        },
        actions_taken=["taken_home"],
        **fields,
    )


def _interview(name: str, offered: datetime, **fields: Any) -> dict[str, Any]:
    return {
        "schema": "frontline.return_interview/1",
        "client_id": fixed_id(name),
        "recorded_at": _at(fields.get("held_at") or offered + timedelta(hours=2)),
        "offered_at": _at(offered),
        "independent": True,
        **{k: _at(v) if isinstance(v, datetime) else v for k, v in fields.items()},
    }


def records(now: datetime, photo_sha256: str) -> list[Record]:
    """The history in the order it happened, dated back from ``now``; the profile names
    its photo by ``photo_sha256``."""
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    first = day - timedelta(days=35) + timedelta(hours=22)  # about five weeks ago
    first_found = first + timedelta(hours=14)  # at noon the next day
    second = day - timedelta(days=10) + timedelta(hours=17)  # ten days ago
    second_found = second + timedelta(hours=30)  # at 23:00 the next day
    return [
        Record(
            "episode-1-missing",
            CARE_WORKER,
            _missing(
                "episode-1-missing",
                first,
                "medium",
                "Last seen: 21:15 at the front door, grey puffer jacket, alone. Ruby was "
                "not back for 22:00. Her phone goes to voicemail. Staff searched the grounds "
                "and the park and phoned her friends; nobody has seen her.",
            ),
        ),
        Record(
            "episode-1-found",
            CARE_WORKER,
            _found(
                "episode-1-found",
                first,
                first_found,
                "medium",
                found=(
                    "Riverside retail park, getting out of a silver car",
                    "an adult man she called Dee, about 25",
                    "Brought back to the home by police",
                ),
                narrative="Police found Ruby at 12:00 getting out of a silver car at the "
                "retail park. The driver, an adult man she calls Dee, drove off. Ruby was "
                "tired and hungry and had a new phone she would not explain.",
                child_words="Dee looks after me. He's not like you lot.",
                level="significant_harm",
                rationale="Found with an unknown adult man in a car, with an unexplained "
                "phone: possible exploitation.",
                indicators=[
                    {"code": "cars_with_unknown_adults", "present": "yes", "basis": "reported"},
                    {"code": "found_with_unknown_adults", "present": "yes", "basis": "reported"},
                    {
                        "code": "unexplained_gifts_money",
                        "present": "possible",
                        "basis": "observed",
                        "note": "a new phone",
                    },
                ],
                associated=[DEE, CAR],
            ),
        ),
        Record(
            "episode-1-return-interview",
            COORDINATOR,
            _interview(
                "episode-1-return-interview",
                first_found + timedelta(hours=20),
                outcome="held",
                held_at=first_found + timedelta(hours=40),
                narrative="Held at school, away from the home. Ruby said Dee picks her up "
                "near the retail park in his silver Fiesta (RV19 KXT) and takes her to a flat "
                "where older boys give her vapes and phone credit. She does not think she "
                "owes him anything yet.",
                child_words="It's just somewhere to go. The home is boring.",
                push_factors=["placement"],
                pull_factors=["adults_of_concern", "gifts_money_substances"],
                associated=[DEE, CAR],
            ),
            concern_of="episode-1-missing",
        ),
        Record("profile-version-1", CARE_WORKER, profile(now, photo_sha256)),
        Record(
            "episode-2-missing",
            CARE_WORKER,
            _missing(
                "episode-2-missing",
                second,
                "high",
                "Last seen: 16:40 leaving school, black hoodie, with two older girls. Ruby "
                "did not come home. Her second time missing in five weeks; her phone is off.",
            ),
        ),
        Record(
            "episode-2-found",
            CARE_WORKER,
            _found(
                "episode-2-found",
                second,
                second_found,
                "high",
                found=(
                    "a flat above the shops on Canal Street",
                    "two older girls; no adult seen",
                    "Walked back to the home on her own",
                ),
                narrative="Ruby walked back in at 23:00, 30 hours after she went. She said "
                "she had been at a friend's flat on Canal Street and would say no more.",
                level="child_in_need",
                rationale="Back safe, but a second long episode; the coordinator follows it.",
            ),
        ),
        Record(
            "episode-2-return-interview",
            COORDINATOR,
            _interview(
                "episode-2-return-interview",
                second_found + timedelta(hours=18),
                outcome="declined",
                narrative="Offered an independent interview at the home and again by phone. "
                "Ruby declined both times; she said she would talk to her key worker instead.",
                push_factors=[],
                pull_factors=["friends"],
            ),
            concern_of="episode-2-missing",
        ),
    ]


def profile(now: datetime, photo_sha256: str) -> dict[str, Any]:
    """The profile the home keeps, updated after the first episode; its review is due."""
    recorded = now.replace(microsecond=0) - timedelta(days=28)
    return {
        "schema": "frontline.profile/1",
        "client_id": fixed_id("profile-version-1"),
        "profile_id": PROFILE_ID,
        "recorded_at": _at(recorded),
        "subject": CHILD,
        "description": {
            "height_cm": 157,
            "build": "slim",
            "hair": "auburn, long, usually tied back",
            "eyes": "green",
            "distinguishing_features": "small scar through her left eyebrow",
            "usual_clothing": "grey hooded puffer jacket, black leggings, white trainers, "
            "a small black crossbody bag",
            "languages": "English",
        },
        "health": {
            "needs": "asthma: she must have her inhaler",
            "medication": "salbutamol inhaler as needed",
            "allergies": "penicillin",
        },
        "associates": [DEE],
        "places": [
            {
                "name": "Riverside retail park",
                "description": "the car park behind the cinema",
            }
        ],
        "phones": ["07700 900874"],
        "accounts": [{"platform": "Snapchat", "handle": "ruby.ash11"}],
        "photos": [
            {
                "attachment": PHOTO_ID,
                "sha256": photo_sha256,
                "taken_at": _at(recorded - timedelta(hours=1)),
                "caption": "Taken at the home (a stand-in: the demo has no real photo)",
            }
        ],
        "review_due": (recorded + timedelta(days=90)).date().isoformat(),
    }
