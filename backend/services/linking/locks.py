"""The names of the locks linking takes (``backend.core.db.db_lock``), and their order."""

from __future__ import annotations

import uuid
from collections.abc import Iterable


def link_lock(partnership_id: uuid.UUID) -> str:
    """The partnership's lock (``backend.core.db.db_lock``), until the transaction ends:
    shared by everyone linking a concern, so they go on side by side; exclusive for the
    MASH's merges, splits and match decisions and for moving a routed delivery, which
    change records that any link may read.

    Linking then locks what the concern touches, narrowly: each of its identifiers
    (``key_locks``), then each child record its strong keys found (``subject_lock``, in
    ``subjects._db_strong``). Two concerns wait for each other only when they share an identifier
    or a child: two first concerns about one child share its keys, six children seen in
    one car share the car, and two concerns that find one child by different keys share
    the child. Every linker takes them in that order, each set sorted (no deadlock)."""
    return f"link:{partnership_id}"


def key_locks(partnership_id: uuid.UUID, keys: Iterable[tuple[str, str]]) -> list[str]:
    """The locks of a concern's identifiers, (kind, blind index) each: blind indexes, never
    a name or a number (and PostgreSQL holds only a hash of each lock's name)."""
    return [f"key:{partnership_id}:{kind}:{index}" for kind, index in keys]


def subject_lock(subject_id: uuid.UUID) -> str:
    return f"subject:{subject_id}"
