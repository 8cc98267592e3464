"""Code-mode checks a grep can hold (1.2.3, 1.2.4, 1.2.5, 1.3.2, 1.3.7, 1.5.2, 3.2.2, 3.5.5,
11.3.1, 11.4.1, 11.5.1, 12.3.2, 15.3.7, 3.3.4): calls that must never appear in the server,
the crypto package or the phone app. Ruff's bandit rules (S) run in tests/test_lint.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYTHON = [p for d in ("backend", "crypto") for p in (ROOT / d).rglob("*.py")]
MIGRATIONS = ROOT / "backend" / "migrations"
JS = sorted((ROOT / "pwa").glob("*.js"))

FORBIDDEN_PY = {
    "1.5.2 insecure deserialisation": (
        r"\bimport pickle\b|\bpickle\.|\bmarshal\.loads|yaml\.load\("
    ),
    "1.3.7 templates from strings": r"render_template_string|jinja2\.Template\(|\bTemplate\(",
    "1.2.5 shell commands": r"shell\s*=\s*True|os\.system\(|os\.popen\(",
    "1.3.2 dynamic code": r"(?<![\w.])(eval|exec)\(",
    "1.2.4 SQL from f-strings": r"(text|execute|exec_driver_sql)\(\s*f[\"']",
    "1.2.4 SQL from % or format": (
        r"(text|execute)\([\"'][^\"']*(%s|\{\})[^\"']*[\"']\s*(%|\.format)"
    ),
    "11.4.1 weak hashes": r"hashlib\.(md5|sha1)\b|hashes\.(MD5|SHA1)\b",
    "11.3.1 ECB or PKCS#1 v1.5 encryption": r"modes\.ECB|MODE_ECB|padding\.PKCS1v15\(\)\s*\)",
    "11.5.1 predictable randomness": r"^\s*(import random|from random import)",
    "12.3.2 unverified TLS": r"verify\s*=\s*False|CERT_NONE|check_hostname\s*=\s*False",
    "15.3.7 request.values": r"request\.values",
    "3.3.4 remember-me cookies": r"remember\s*=\s*True",
    "1.2.3 unescaped markup": r"Markup\(|\|\s*safe\b",
    "1.2.3 JSON by hand": r"[\"']\{\"[a-z_]+\":\s*%",
    # SQLite's schema is trusted (the audit log's generated columns call its JSON
    # functions): it must find no function of ours to call, nor an extension to load.
    "1.2.4 SQL functions a schema could reach": (
        r"\.create_(function|aggregate|window_function|collation)\(|enable_load_extension"
    ),
}
FORBIDDEN_JS = {
    "3.2.2 HTML sinks": r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write",
    "1.3.2 dynamic code": r"(?<![\w.])eval\(|new Function\(|set(Timeout|Interval)\(\s*['\"`]",
    "15.3.6 prototype pollution": r"__proto__|constructor\.prototype",
    "14.3.3 plain browser storage": (
        r"(localStorage|sessionStorage)(\.(setItem|getItem)|\[)|document\.cookie"
    ),
}


def _hits(files: list[Path], pattern: str, *, skip: Path | None = None) -> list[str]:
    rx = re.compile(pattern, re.MULTILINE)
    found = []
    for path in files:
        if skip is not None and skip in path.parents:
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if rx.search(line) and "noqa" not in line:
                found.append(f"{path.relative_to(ROOT)}:{n}: {line.strip()}")
    return found


@pytest.mark.parametrize("rule", sorted(FORBIDDEN_PY))
def test_python_never_calls(rule: str) -> None:
    # Migrations name their own triggers in DDL (no input reaches them).
    assert _hits(PYTHON, FORBIDDEN_PY[rule], skip=MIGRATIONS) == []


@pytest.mark.parametrize("rule", sorted(FORBIDDEN_JS))
def test_the_phone_app_never_calls(rule: str) -> None:
    assert _hits(JS, FORBIDDEN_JS[rule]) == []


def test_3_5_5_every_message_listener_checks_its_origin() -> None:
    for path in JS:
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(
            r"addEventListener\('message', \(event\) => \{\n((.*\n){3})", text
        ):
            assert "event.origin" in match.group(1), f"{path.name}: {match.group(1)}"


def test_the_rules_can_fire(tmp_path: Path) -> None:
    """Each rule matches the thing it forbids (a rule that cannot fail checks nothing)."""
    samples = {
        "1.5.2 insecure deserialisation": "data = pickle.loads(blob)",
        "1.3.7 templates from strings": "render_template_string(body)",
        "1.2.5 shell commands": "subprocess.run(cmd, shell=True)",
        "1.3.2 dynamic code": "eval(source)",
        "1.2.4 SQL from f-strings": 'session.execute(f"SELECT {x}")',
        "1.2.4 SQL from % or format": "conn.execute('SELECT %s' % name)",
        "11.4.1 weak hashes": "hashlib.md5(b'')",
        "11.3.1 ECB or PKCS#1 v1.5 encryption": "Cipher(algorithms.AES(k), modes.ECB())",
        "11.5.1 predictable randomness": "import random",
        "12.3.2 unverified TLS": "requests.get(url, verify=False)",
        "15.3.7 request.values": "who = request.values['user']",
        "3.3.4 remember-me cookies": "login_user(user, remember=True)",
        "1.2.3 unescaped markup": "Markup(user_text)",
        "1.2.3 JSON by hand": """body = '{"name": %s}' % name""",
        "1.2.4 SQL functions a schema could reach": "dbapi.create_function('f', 1, f)",
    }
    assert set(samples) == set(FORBIDDEN_PY)
    for rule, line in samples.items():
        sample = tmp_path / "sample.py"
        sample.write_text(line + "\n")
        assert re.search(FORBIDDEN_PY[rule], line, re.MULTILINE), rule
    js = {
        "3.2.2 HTML sinks": "el.innerHTML = text;",
        "1.3.2 dynamic code": "setTimeout('go()', 10);",
        "15.3.6 prototype pollution": "target.__proto__ = x;",
        "14.3.3 plain browser storage": "localStorage.setItem('k', v);",
    }
    assert set(js) == set(FORBIDDEN_JS)
    for rule, line in js.items():
        assert re.search(FORBIDDEN_JS[rule], line), rule


def test_13_3_1_no_private_key_or_secret_is_committed() -> None:
    """Secrets come from the key ring file or the environment at run time, never the repo.
    (Published test vectors under tests/vectors are public by design.)"""
    import subprocess

    tracked = subprocess.run(
        ["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False
    ).stdout.split()
    if not tracked:
        pytest.skip("not a git checkout")
    rx = re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----|FRONTLINE_SECRET_KEY\s*=\s*['\"][^'\"]{16,}"
        r"|\"d\"\s*:\s*\"[A-Za-z0-9_-]{40,}\""
    )
    found = []
    for name in tracked:
        if name.startswith(("tests/vectors/", "tests/")) or not name.endswith(
            (".py", ".js", ".json", ".toml", ".md", ".cfg", ".ini", ".env", ".txt", ".sh")
        ):
            continue
        text = (ROOT / name).read_text(encoding="utf-8", errors="replace")
        found += [f"{name}: {m.group(0)[:30]}" for m in rx.finditer(text)]
    assert found == []
