"""Done when: the demo constable's concern reaches the demo inboxes, climbs to the
partnership's leads when nobody acknowledges it, and the constable's list says so —
over the real server, its API and its command line."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from tests.authenticator import SoftAuthenticator
from tests.live import Client, Server
from tests.pipeline.test_races_and_kills import _batch


def enrolled(server: Server, invites: list[dict[str, str]], name: str) -> Client:
    token = next(i["token"] for i in invites if i["name"] == name)
    client = Client(server.origin)
    client.enrol(token, SoftAuthenticator(origin=server.origin))
    return client


def queue(client: Client, inbox: str) -> list[dict[str, object]]:
    status, body = client.call("GET", "/inboxes")
    assert status == 200, body
    inbox_id = next(i["id"] for i in body["inboxes"] if i["name"] == inbox)
    status, page = client.call("GET", f"/inboxes/{inbox_id}/deliveries")
    assert status == 200, page
    return page["items"]  # type: ignore[no-any-return]


@pytest.mark.slow  # about 5 s: the demo seeded and swept through every step
def test_demo_concern_escalates_to_the_partnership_leads(tmp_path: Path, database_url: str) -> None:
    server = Server(tmp_path / "instance", database_url)
    invites = server.demo_invites()
    server.start(workers=1, threads=4)
    try:
        token = next(i["token"] for i in invites if i["name"] == "PC Sam Okafor")
        constable = Client(server.origin)
        device = SoftAuthenticator(origin=server.origin)
        constable.enrol(token, device)
        (envelope,) = _batch(constable, device, 1)
        status, body = constable.call("POST", "/sync", {"envelopes": [envelope]})
        assert status == 200, body
        (result,) = body["results"]
        assert result["status"] == "accepted"
        concern_id = result["concern_id"]

        mash_name = next(i["name"] for i in invites if i["inboxes"] == ["MASH"])
        mash = enrolled(server, invites, mash_name)
        (delivery,) = queue(mash, "MASH")
        assert delivery["concern_id"] == concern_id
        assert delivery["level"] == "significant_harm"

        # Nobody acknowledges. Sweep as the clock passes each hour's deadline.
        ack_due = datetime.fromisoformat(str(delivery["ack_due"]))
        for hours in (1, 2, 3):
            at = (ack_due + timedelta(hours=hours - 1, minutes=1)).strftime("%Y-%m-%dT%H:%M:%S%z")
            swept = json.loads(server.cli("escalate", "--at", at))
            assert swept["escalations"] > 0, (hours, swept)

        lead = enrolled(server, invites, "Dr Helen Marsh")
        reached = queue(lead, "Partnership Leads")
        assert {d["concern_id"] for d in reached} == {concern_id}
        assert all(d["step"] == 3 for d in reached)
        assert all("overdue" in str(d["reason"]) for d in reached)
        status, opened = lead.call("GET", f"/concerns/{concern_id}?purpose=escalation_review")
        assert status == 200, opened

        status, mine = constable.call("GET", "/concerns/mine")
        assert status == 200, mine
        (item,) = mine["items"]
        told = item["deliveries"]
        routed = {d["inbox"] for d in told if d["kind"] == "routed"}
        assert routed == {
            "Missing Persons",
            "Missing Coordinator",
            "MASH",
            "Child Exploitation Team",
        }
        assert all(
            d["status"] == "escalated" and d["escalated_at"] for d in told if d["kind"] == "routed"
        )
        assert "Partnership Leads" in {d["inbox"] for d in told if d["kind"] == "escalation"}
    finally:
        server.stop()
