"""Load and faults, bounded (2.3.3, 2.3.4, 16.5.2): phones sync at once to the production
server with several workers on PostgreSQL while a worker is SIGKILLed and the database goes
away and comes back (its connections cut and refused for two seconds, as in a restart, but
only its own database: ``load.restart_postgres``); afterwards every envelope is exactly
one concern, none lost and none doubled, and the server answered again without an
operator. ``bench/load.py`` runs it at 200 phones.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live import Server
from tests.load import enrol_phones, outcome, prepare, run_load, seal

pytestmark = pytest.mark.slow  # load: a multi-worker server, a killed worker, a database outage


def test_2_3_3_2_3_4_a_killed_worker_and_a_restarted_database_lose_and_double_nothing(  # type: ignore[no-untyped-def]
    tmp_path: Path, database_url: str
) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("the fault drill restarts PostgreSQL; SQLite's own crash test is above")
    server = Server(
        tmp_path / "instance",
        database_url,
        FRONTLINE_TRUSTED_PROXIES="1",
        FRONTLINE_LOG_LEVEL="WARNING",
        FRONTLINE_RECEIPT_LEASE_SECONDS="3",  # what a dying worker held is taken up sooner
    )
    prepare(server)
    server.start(workers=3, threads=4)
    try:
        phones = enrol_phones(server, 16)
        seal(phones, 4)
        run = run_load(phones, server, faults={"kill_worker": 0.4, "restart_postgres": 1.2})
    finally:
        server.stop()
    found = outcome(database_url, phones)
    assert found["lost"] == []
    assert found["doubled"] == []
    assert found["unsettled"] == 0
    assert found["concerns"] == found["sent"] == 64
    assert found["kept"] == []  # each quarantined envelope was taken up again and accepted
    assert found["phones_agree"]
    assert run.recovery("kill_worker") is not None
    assert run.recovery("restart_postgres") is not None
