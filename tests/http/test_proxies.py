"""A proxy the server was not told about is noticed (ASVS 4.1.3, 15.3.4, 13.1): with
FRONTLINE_TRUSTED_PROXIES at 0 the header is never believed, but its arrival is logged
once per process and recorded, without any address, for ``frontline doctor`` on any host."""

from __future__ import annotations

import json
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from backend.cli import main
from backend.models import DeploymentObservation
from tests.factories import H


def _doctor(config: Any) -> Any:
    env = {
        "FRONTLINE_ENV": config.env,
        "FRONTLINE_INSTANCE": str(config.instance_path),
        "DATABASE_URL": config.database_url,
        "FRONTLINE_SECRET_KEY": config.secret_key,
        "FRONTLINE_TRUSTED_PROXIES": str(config.trusted_proxies),
        "FRONTLINE_REDIS_URL": "",
    }
    return CliRunner(env=env).invoke(main, ["doctor", "--workers", "1"])


def test_4_1_3_an_undeclared_proxy_is_noticed(app, config, sessions, capfd) -> None:  # type: ignore[no-untyped-def]
    before = _doctor(config)
    assert before.exit_code == 0, before.output
    assert "no undeclared proxy seen" in before.output
    capfd.readouterr()
    # Everyone behind the undeclared proxy arrives from its address: one client's sign-in
    # attempts use up the limit for all. The forwarded header itself is still not believed.
    client = app.test_client()
    for n in range(3):
        forwarded = {**H, "X-Forwarded-For": f"203.0.113.{n}"}
        assert client.post("/api/v1/auth/login/begin", headers=forwarded).status_code == 200
        assert client.get("/api/v1/keys", headers=forwarded).status_code == 200
    _, err = capfd.readouterr()
    events = [json.loads(line) for line in err.splitlines() if "config.forwarded_untrusted" in line]
    assert len(events) == 1  # once per process, not once per request
    assert events[0]["level"] == "warning"
    assert "203.0.113" not in err.replace('"route"', "")  # no address logged or kept
    with sessions() as s:
        (row,) = s.scalars(select(DeploymentObservation)).all()
    assert row.name == "forwarded_untrusted"
    after = _doctor(config)
    assert after.exit_code == 1
    assert "FRONTLINE_TRUSTED_PROXIES is 0" in after.output
    assert "203.0.113" not in after.output
