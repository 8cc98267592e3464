"""API fuzzing (2.2.1, 1.2.4, 15.3.5, 4.1.1): schemathesis generates valid and invalid
requests for every operation of /api/v1/openapi.json, anonymously and signed in as each kind
of person, and every answer must be no 5xx, a documented status, the documented content type
and a body that matches the documented schema.

Bounded for CI: ``FRONTLINE_FUZZ_EXAMPLES`` examples per operation and mode (default 6) and
``FRONTLINE_FUZZ_SECONDS`` per role (default 40). Hypothesis runs derandomised, so a failure
found here is found again. The counts go to artifacts/fuzz-<engine>.json.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from tests.factories import H, envelope, make_concern, person, sync

pytestmark = pytest.mark.slow  # 4 to 9 s per role: schemathesis runs every operation

EXAMPLES = int(os.environ.get("FRONTLINE_FUZZ_EXAMPLES", "6"))
BUDGET = float(os.environ.get("FRONTLINE_FUZZ_SECONDS", "40"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts"
PARTNERSHIP = "Riverside Safeguarding Children Partnership"
ROLES: dict[str, tuple[str, str, tuple[str, ...]] | None] = {
    "anonymous": None,
    "recorder": ("recorder", "Riverside Police", ()),
    "inbox_member": ("inbox_member", "Riverside Children's Social Care", ("MASH",)),
    "agency_admin": ("agency_admin", PARTNERSHIP, ()),
    "auditor": ("auditor", PARTNERSHIP, ()),
    "partnership_lead": ("partnership_lead", PARTNERSHIP, ("Partnership Leads",)),
}
# Signing out would end the session the rest of the run uses; anonymous callers cover it.
SIGNED_IN_SKIP = {"POST /api/v1/auth/logout"}


def _client(app: Any, role: str) -> Any:
    spec = ROLES[role]
    if spec is None:
        return app.test_client()
    name, agency, inboxes = spec
    client, _, _ = person(app, roles=(name,), agency=agency, inboxes=inboxes, name=f"Fuzz {role}")
    return client


def _explain(exc: BaseException) -> str:
    """The first lines of each failed check (schemathesis groups them)."""
    parts = exc.exceptions if isinstance(exc, BaseExceptionGroup) else [exc]
    return " | ".join(
        " ".join(line.strip() for line in str(p).splitlines()[:4] if line.strip()) for p in parts
    )[:600]


def _record(path: Path, role: str, counts: dict[str, Any]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    found = json.loads(path.read_text()) if path.exists() else {}
    found[role] = counts
    path.write_text(json.dumps(found, indent=1, sort_keys=True))


@pytest.mark.parametrize("role", ROLES)
def test_2_2_1_fuzzing_finds_no_5xx_and_only_documented_answers(app, database_url, role) -> None:  # type: ignore[no-untyped-def]
    # Imported here, not at the top: importing schemathesis takes about 2 s (jsonschema
    # builds its IRI grammars), which every test worker would pay at collection, this test
    # run or not.
    import schemathesis
    from schemathesis import GenerationMode
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    checks = [
        not_a_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    app.extensions["frontline.limiter"].enabled = False  # fuzz the handlers, not the limiter
    recorder, device, _ = person(app, name="Seed recorder")
    sync(recorder, envelope(app, device, make_concern()))  # something for lists to show
    client = _client(app, role)
    token = client.get_cookie("frontline_session")
    cookies = {"frontline_session": token.value} if token is not None else {}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    counts: dict[str, Any] = {"operations": 0, "examples": 0, "statuses": {}, "failures": []}
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        if role != "anonymous" and operation.label in SIGNED_IN_SKIP:
            continue
        if time.monotonic() - started > BUDGET:
            counts["stopped_by_time_cap"] = True
            break
        counts["operations"] += 1
        strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
            GenerationMode.NEGATIVE
        )

        @settings(
            max_examples=EXAMPLES * 2,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        @given(case=strategy)
        def run(case: Any) -> None:
            # The document's cookie scheme makes schemathesis send a session cookie of its own;
            # the signed-in person's real one is put back over it.
            response = case.call(session=client, headers=dict(H), cookies=cookies)
            counts["examples"] += 1
            key = str(response.status_code)
            counts["statuses"][key] = counts["statuses"].get(key, 0) + 1
            case.validate_response(response, checks=checks)

        try:
            run()
        except (Exception, BaseExceptionGroup) as exc:  # schemathesis groups its failures
            counts["failures"].append(f"{operation.label}: {_explain(exc)}")
    engine = "sqlite" if database_url.startswith("sqlite") else "postgresql"
    _record(ARTIFACTS / f"fuzz-{engine}.json", role, counts)
    print(role, json.dumps({k: v for k, v in counts.items() if k != "failures"}))
    assert counts["failures"] == [], "\n\n".join(counts["failures"])
    assert counts["operations"] >= 20
