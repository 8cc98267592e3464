"""A list's 'next' cursor that is not one the server gave is a 400, never a 500: garbage,
and one carrying a time without its offset (every cursor given carries one)."""

from __future__ import annotations

import base64

import pytest

from tests.factories import person
from tests.http.test_missing_episodes import reader
from tests.services.concerns.test_inbox import C, inbox_id, worker

SOME_ID = "0b7e5c1e-4d2a-4f55-9a51-3f0c2d9e8a10"
NAIVE = f"2024-01-01T00:00:00|{SOME_ID}"  # a time without its offset
RANKED = f"1|2024-01-01T00:00:00|{SOME_ID}"


def _cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


@pytest.mark.parametrize("raw", ["nonsense", NAIVE, RANKED], ids=["garbage", "naive", "ranked"])
def test_a_cursor_not_given_by_the_server_is_a_400(app, raw: str) -> None:  # type: ignore[no-untyped-def]
    recorder = person(app, name="PC Cursor")[0]
    mash = worker(app, C, "MASH")
    coordinator = reader(app, C, "Missing Coordinator")
    lists = [
        (recorder, "/api/v1/concerns/mine"),
        (mash, f"/api/v1/inboxes/{inbox_id(mash, 'MASH')}/deliveries"),
        (coordinator, "/api/v1/episodes"),
    ]
    for client, path in lists:
        r = client.get(f"{path}?next={_cursor(raw)}")
        assert (r.status_code, r.get_json()["code"]) == (400, "request.bad_cursor"), path
