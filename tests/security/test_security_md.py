"""SECURITY.md is kept true: a line for every requirement id of the checklist, every test it
names exists, the limits it documents are the code's; dependencies are pinned with hashes and
none of the pins has a known vulnerability."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "SECURITY.md").read_text(encoding="utf-8")
IDS = (Path(__file__).with_name("asvs_ids.txt")).read_text().split()
ROW = re.compile(r"^\| (WA-\d+|\d+\.\d+\.\d+) \| (met|partly|gap|ops|n/a) \| (.+) \| (.+) \|$")
CITED = re.compile(r"(tests/[\w/]+\.py)::(test_\w+)")


def _rows() -> dict[str, tuple[str, str, str]]:
    rows: dict[str, tuple[str, str, str]] = {}
    for line in DOC.splitlines():
        match = ROW.match(line)
        if match:
            assert match.group(1) not in rows, f"{match.group(1)} has two lines"
            rows[match.group(1)] = (match.group(2), match.group(3), match.group(4))
    return rows


def test_every_requirement_id_has_one_line() -> None:
    rows = _rows()
    assert len(IDS) == len(set(IDS)) == 207
    assert sorted(set(IDS) - set(rows)) == []
    assert sorted(set(rows) - set(IDS)) == []
    for rid, (status, how, proof) in rows.items():
        assert how.strip(), rid
        if status in ("met", "partly"):
            assert proof.strip() != "—", f"{rid} is {status} with no proof"


def test_every_test_named_exists() -> None:
    missing = []
    for path, name in sorted(set(CITED.findall(DOC))):
        source = ROOT / path
        if not source.exists() or not re.search(rf"^def {name}\(", source.read_text(), re.M):
            missing.append(f"{path}::{name}")
    assert missing == []


def test_the_documented_limits_are_the_codes() -> None:
    import crypto
    from backend.core.config import Config
    from backend.core.jsontext import MAX_DEPTH
    from backend.http.csp_reports import MAX_BYTES as MAX_CSP_BYTES
    from backend.http.limits import CREDENTIAL_FAILURES, LIMITS
    from backend.pipeline.ingest import MAX_ENVELOPES
    from backend.schemas.concern import MAX_ASSOCIATED, TEXT_LIMIT
    from backend.services.identity.invites import INVITE_TTL
    from backend.services.identity.recovery import RECOVERY_TTL
    from backend.services.identity.sessions import DEFAULT_TIMEOUTS
    from backend.services.identity.step_up import WINDOW as STEP_UP_WINDOW

    def row(what: str) -> str:
        found = [line for line in DOC.splitlines() if line.startswith(f"| {what} |")]
        assert len(found) == 1, what
        return found[0]

    assert f"| {MAX_ENVELOPES} (more" in row("envelopes per sync request")
    assert f"| {MAX_DEPTH} levels" in row("JSON nesting")
    assert f"| {crypto.MAX_ENVELOPE_BYTES // 1024} KiB" in row("one envelope")
    assert f"| {Config.max_request_bytes // 2**20} MiB" in row("request body")
    assert f"{TEXT_LIMIT:,} characters" in row("narrative, child's words")
    assert f"| {MAX_ASSOCIATED} per concern" in row("associated people and things")
    assert f"| {LIMITS['api.enrol_begin'].split('/')[0]} per minute" in row(
        "enrolment begin / finish"
    )
    assert LIMITS["api.enrol_begin"] == LIMITS["api.enrol_finish"]
    assert f"| {LIMITS['api.login_begin'].split('/')[0]} per minute" in row(
        "sign-in begin / finish"
    )
    assert f"| {LIMITS['api.sync'].split('/')[0]} per minute per person" in row("sync requests")
    reading = row("chronology, access reviews")
    for endpoint in ("api.chronology", "api.audit_subject", "api.audit_person"):
        assert f"| {LIMITS[endpoint].split('/')[0]} per minute per person" in reading
    assert f"| {int(INVITE_TTL.total_seconds() // 3600)} hours" in row("invitation lifetime")
    assert f"| {LIMITS['csp.csp_report'].split('/')[0]} per minute per client address, " in row(
        "CSP violation reports"
    )
    assert f"{MAX_CSP_BYTES // 1024} KiB each" in row("CSP violation reports")
    assert f"| {int(RECOVERY_TTL.total_seconds() // 3600)} hours" in row("recovery ticket lifetime")
    assert f"| {LIMITS['api.step_up_begin'].split('/')[0]} per minute per person" in row(
        "step-up begin / finish"
    )
    assert LIMITS["api.step_up_begin"] == LIMITS["api.step_up_finish"]
    per_passkey = CREDENTIAL_FAILURES
    assert f"| {per_passkey.amount} per {per_passkey.GRANULARITY.name}, " in row(
        "failed sign-ins with one passkey"
    )
    assert f"| {int(STEP_UP_WINDOW.total_seconds() // 60)} min in" in row("step-up lasts")

    def span(seconds: float) -> str:
        return f"{int(seconds // 3600)} h" if seconds >= 3600 else f"{int(seconds // 60)} min"

    timeouts = row("session idle / absolute")
    for role in ("recorder", "inbox_member", "agency_admin"):
        idle, absolute = DEFAULT_TIMEOUTS[role]
        text = f"{span(idle.total_seconds())} / {span(absolute.total_seconds())}"
        assert text in timeouts, (role, text)


def _pins(name: str = "requirements-test.txt") -> dict[str, str]:
    text = (ROOT / name).read_text()
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)", text, re.M))
    return {re.sub(r"[-_.]+", "-", k).lower(): v for k, v in pins.items()}


@pytest.mark.parametrize(
    ("name", "groups"),
    [("requirements.txt", ("runtime",)), ("requirements-test.txt", ("runtime", "test"))],
)
def test_dependencies_are_pinned_with_hashes(name: str, groups: tuple[str, ...]) -> None:
    import tomllib

    text = (ROOT / name).read_text()
    assert "file://" not in text  # no machine's own package folders
    for block in re.split(r"\n(?=[A-Za-z0-9_.-]+==)", text)[1:]:
        assert "--hash=sha256:" in block, block.split("\n", 1)[0]
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = list(project["dependencies"])
    if "test" in groups:
        wanted += project["optional-dependencies"]["test"]
    pins = _pins(name)
    for requirement in wanted:
        dist = re.split(r"[\[<>=!~ ;]", requirement, maxsplit=1)[0]
        assert re.sub(r"[-_.]+", "-", dist).lower() in pins, f"{dist} is not pinned in {name}"


def _project_json(name: str) -> dict | None:  # type: ignore[type-arg]
    try:
        with urllib.request.urlopen(f"https://pypi.org/pypi/{name}/json", timeout=20) as r:
            return json.loads(r.read())  # type: ignore[no-any-return]
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return None
        raise


@pytest.mark.slow  # about 15 s: asks the registry about every pin
def test_15_2_1_no_pinned_dependency_has_a_known_vulnerability() -> None:
    """pip-audit asks the registry for each pinned version's advisories, which this network's
    registry does not serve; the project pages it does serve list the advisories that affect
    each project's newest release. A pin at the newest release is audited by that list; a
    yanked pin fails; a pin behind the newest is named as not auditable here."""
    try:
        urllib.request.urlopen("https://pypi.org/pypi/pip/json", timeout=20).close()
    except OSError as exc:
        pytest.skip(f"the registry's project pages are unreachable: {exc}")
    vulnerable, yanked, behind = [], [], []
    pins = _pins()
    for name, version in sorted(pins.items()):
        data = _project_json(name)
        if data is None:
            behind.append(f"{name} (no project page)")
            continue
        files = data["releases"].get(version, [])
        if files and all(f.get("yanked") for f in files):
            yanked.append(f"{name}=={version}")
        if data["info"]["version"] != version:
            behind.append(f"{name}=={version} (newest {data['info']['version']})")
            continue
        found = [v["id"] for v in data.get("vulnerabilities", []) if not v.get("withdrawn")]
        if found:
            vulnerable.append(f"{name}=={version}: {', '.join(found)}")
    print(f"{len(pins) - len(behind)} of {len(pins)} pins audited; not auditable here: {behind}")
    assert vulnerable == []
    assert yanked == []
