"""The demo partnership of docs/contract.md: agencies, inboxes, and the people to invite."""

from __future__ import annotations

from dataclasses import dataclass

from backend.models import AgencyKind, RoleName

PARTNERSHIP = "Riverside Safeguarding Children Partnership"

AGENCIES: list[tuple[str, AgencyKind, list[str]]] = [
    (
        "Riverside Police",
        AgencyKind.POLICE,
        ["Police Control Room", "Child Exploitation Team", "Missing Persons"],
    ),
    ("Riverside Children's Social Care", AgencyKind.SOCIAL_CARE, ["MASH", "Missing Coordinator"]),
    ("Riverside Health", AgencyKind.HEALTH, ["Safeguarding Nurses"]),
    ("Northfield Academy", AgencyKind.EDUCATION, ["Designated Safeguarding Lead"]),
    ("Oakview Children's Home", AgencyKind.CARE_HOME, ["Home Manager"]),
    (PARTNERSHIP, AgencyKind.PARTNERSHIP, ["Partnership Leads"]),
]


@dataclass(frozen=True)
class Persona:
    """A demo person: a stable key, a name, an agency, roles and inboxes."""

    key: str
    name: str
    agency: str
    roles: tuple[RoleName, ...]
    inboxes: tuple[str, ...] = ()


_NAME_POOL = (
    "Aisha Rahman",
    "Ben Carter",
    "Chloe Evans",
    "Daniel Kowalski",
    "Ella Thompson",
    "Farah Begum",
    "George Mensah",
    "Hannah Price",
    "Imran Qureshi",
    "Jade Williams",
    "Kieran Doyle",
    "Laura Nguyen",
    "Marcus Reid",
    "Nadia Hussain",
    "Owen Clarke",
    "Paula Fernandes",
    "Rachel Adeyemi",
    "Simon Walsh",
    "Tara Lewis",
    "Usman Malik",
    "Vicky Harper",
    "Will Osei",
    "Yasmin Ali",
    "Zoe Patel",
    "Adam Brooks",
    "Bethan Jones",
    "Callum Fraser",
    "Dina Kaur",
    "Ethan Moore",
    "Fiona Grant",
    "Grace Okoro",
)


def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())


def personas() -> list[Persona]:
    """Return everyone the demo invites, recorders first."""
    names = iter(_NAME_POOL)
    people = [
        Persona("constable", "PC Sam Okafor", "Riverside Police", (RoleName.RECORDER,)),
        Persona("school-nurse", "Priya Shah", "Riverside Health", (RoleName.RECORDER,)),
        Persona("care-worker", "Jordan Ellis", "Oakview Children's Home", (RoleName.RECORDER,)),
    ]
    for agency, kind, inboxes in AGENCIES:
        for inbox in inboxes:
            people.append(
                Persona(
                    f"{_slug(inbox)}-member",
                    next(names),
                    agency,
                    (RoleName.INBOX_MEMBER,),
                    (inbox,),
                )
            )
            people.append(
                Persona(
                    f"{_slug(inbox)}-supervisor",
                    next(names),
                    agency,
                    (RoleName.INBOX_MEMBER, RoleName.INBOX_SUPERVISOR),
                    (inbox,),
                )
            )
        if kind is not AgencyKind.PARTNERSHIP:
            people.append(
                Persona(f"{_slug(agency)}-lead", next(names), agency, (RoleName.AGENCY_LEAD,))
            )
        people.append(
            Persona(f"{_slug(agency)}-admin", next(names), agency, (RoleName.AGENCY_ADMIN,))
        )
    people.append(
        Persona(
            "partnership-lead",
            "Dr Helen Marsh",
            PARTNERSHIP,
            (RoleName.PARTNERSHIP_LEAD,),
            ("Partnership Leads",),
        )
    )
    people.append(Persona("auditor", "Morgan Hale", PARTNERSHIP, (RoleName.AUDITOR,)))
    return people
