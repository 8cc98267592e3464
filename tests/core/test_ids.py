"""Row ids (``models.new_id``): time-ordered UUIDs whose other bits cannot be guessed."""

from __future__ import annotations

import time
import uuid

from backend.models import new_id


def test_ids_are_version_7_with_the_millisecond_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    made = new_id()
    after = time.time_ns() // 1_000_000
    assert made.version == 7
    assert made.variant == uuid.RFC_4122
    assert before <= made.int >> 80 <= after


def test_ids_made_later_sort_later_as_uuids_and_as_stored_text() -> None:
    # Both engines' orders: PostgreSQL compares the bytes, SQLite the stored hex.
    earlier = [new_id() for _ in range(50)]
    time.sleep(0.002)
    later = [new_id() for _ in range(50)]
    assert max(earlier) < min(later)
    assert max(e.hex for e in earlier) < min(x.hex for x in later)


def test_ids_differ_in_74_random_bits() -> None:
    # Not a counter: besides the time, version and variant, every bit of an id is random,
    # so one id tells nothing of the next made in the same millisecond.
    ids = [new_id() for _ in range(20_000)]
    assert len(set(ids)) == len(ids)
    assert len({made.int >> 80 for made in ids}) < len(ids)  # some share a millisecond
    full = (1 << 74) - 1
    seen_one = seen_zero = 0
    for made in ids:
        bits = (made.int >> 64 & 0xFFF) << 62 | made.int & (1 << 62) - 1
        seen_one |= bits
        seen_zero |= ~bits & full
    assert seen_one == seen_zero == full  # each bit took both values
