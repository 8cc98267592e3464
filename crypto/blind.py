"""Blind indexes: keyed HMAC-SHA256 (RFC 2104, FIPS 198-1) over normalised identifiers.

Records link on equal indexes without any plaintext identifier in an index. The input is
the UTF-8 of ``kind || NUL || normalised value`` so that equal strings of different kinds
(a nickname and a name) never share an index.

Truncation: 128 bits (32 hex characters). A false link joins two different children, which
is a safety hazard, so collisions must be negligible: with n = 10 million records of one
kind, the chance of any collision is about n^2 / 2^129, roughly 1.5e-25 (64 bits would give
about 2.7e-6, which we judge too close for a record that decides who is linked to whom).
Shorter tags would add no privacy: identifiers are low-entropy and their protection is the
key, not the tag length.
"""

from __future__ import annotations

import hmac
from enum import Enum

from crypto.keyring import KeyKind, KeyRing

INDEX_BYTES = 16


class IdentifierKind(str, Enum):
    """Kinds of identifier that are blind-indexed (docs/architecture.md, "The security model")."""

    NAME_DOB = "name_dob"
    GIVEN_DOB = "given_dob"  # a child's given name with date of birth: the family name aside
    PHONETIC_YEAR = "phonetic_year"
    NHS_NUMBER = "nhs_number"
    NICKNAME = "nickname"
    KNOWN_AS_YEAR = "known_as_year"  # a child's known-as name with a year of birth
    PERSON_NAME = "person_name"
    NAME_YEAR = "name_year"  # a child's full name with a year of birth: how a peer is found
    VEHICLE = "vehicle"
    PHONE = "phone"
    POSTCODE = "postcode"
    ADDRESS = "address"
    ONLINE_ACCOUNT = "online_account"


class BlindIndexer:
    """Compute blind indexes under one blind-index key (the current one by default).

    Bind it once per batch of work: it holds the key so each index is a single HMAC.
    """

    __slots__ = ("key_id", "_material")

    def __init__(self, ring: KeyRing, key_id: str | None = None) -> None:
        entry = ring.find(key_id, KeyKind.BLIND) if key_id else ring.current(KeyKind.BLIND)
        if entry is None:
            raise KeyError(f"no blind-index key {key_id}")
        self.key_id = entry.id
        self._material = entry.material

    def __repr__(self) -> str:
        return f"BlindIndexer({self.key_id})"

    def index(self, kind: IdentifierKind, normalised: str) -> str:
        """Return the hex blind index of an already normalised identifier.

        WARNING: pass the output of a ``crypto.normalise`` function, never raw input: raw
        spellings of one identifier give different indexes and the records will not link.
        """
        message = f"{kind._value_}\x00{normalised}".encode()
        return hmac.digest(self._material, message, "sha256")[:INDEX_BYTES].hex()


def blind_index(
    ring: KeyRing, kind: IdentifierKind, normalised: str, *, key_id: str | None = None
) -> str:
    """Return the hex blind index of an already normalised identifier (see BlindIndexer)."""
    return BlindIndexer(ring, key_id).index(kind, normalised)
