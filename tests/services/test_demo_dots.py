"""Done when: the Oxford-like scenario, synced by the demo's recorders from three agencies
through the real server, raises the network, repeated-missing and multi-agency alerts in
the MASH inbox with their evidence, and each recorder is told the child is known."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import crypto
from crypto.encoding import b64url_encode
from tests.authenticator import SoftAuthenticator
from tests.live import Client, Server
from tests.scenario import oxford_like
from tests.services.test_demo_escalation import enrolled, queue

RECORDERS = {"police": "PC Sam Okafor", "health": "Priya Shah", "care": "Jordan Ellis"}


@pytest.mark.slow  # over 2 s: the demo recorders enrol and sync one by one
def test_the_demo_recorders_join_the_dots(tmp_path: Path, database_url: str) -> None:
    server = Server(tmp_path / "instance", database_url)
    invites = server.demo_invites()
    server.start(workers=2, threads=4)
    try:
        phones = {}
        for key, name in RECORDERS.items():
            token = next(i["token"] for i in invites if i["name"] == name)
            client, device = Client(server.origin), SoftAuthenticator(origin=server.origin)
            client.enrol(token, device)
            phones[key] = (client, device)
        told: dict[str, list[dict[str, object]]] = {k: [] for k in RECORDERS}
        for who, concern in oxford_like():
            client, device = phones[who]
            kid, key = client.sealing_key()
            challenge = crypto.proof_challenge(concern)
            concern["proof"] = {
                "type": "webauthn",
                "credential": device.get({"challenge": b64url_encode(challenge)}),
            }
            jwe = crypto.seal_envelope(json.dumps(concern).encode(), key, kid=kid)
            status, body = client.call(
                "POST", "/sync", {"envelopes": [{"client_id": concern["client_id"], "jwe": jwe}]}
            )
            assert status == 200, body
            (result,) = body["results"]
            assert result["status"] == "accepted", result
            told[who].append(result)
        for who, results in told.items():
            assert any(r.get("known") for r in results), who
            for r in results:
                for contact in r.get("known", {}).get("contact", []):  # type: ignore[union-attr]
                    assert set(contact) == {"inbox", "agency"}

        mash = enrolled(
            server, invites, next(i["name"] for i in invites if i["inboxes"] == ["MASH"])
        )
        status, body = mash.call("GET", "/alerts")
        assert status == 200, body
        alerts = {a["kind"]: a for a in body["alerts"]}
        assert set(alerts) == {"network", "repeated_missing", "multi_agency"}
        assert all("MASH" in a["inboxes"] for a in alerts.values())
        assert {e["identifier_kind"] for e in alerts["network"]["evidence"]} == {
            "phone",
            "nickname",
        }
        assert len(alerts["network"]["subjects"]) == 3
        assert all(a["evidence"] and a["concerns"] for a in alerts.values())
        pattern = [d for d in queue(mash, "MASH") if str(d["reason"]).startswith("Pattern alert")]
        assert len(pattern) == 3
    finally:
        server.stop()
