"""The design lives in the repository: every document a file names exists here.

A comment that cites a document nobody can open (a contract or design note kept elsewhere)
rots silently, and the reader is left to guess the rule it stands for. So every tracked file
that names a ``.md`` document, or links to a path, must name one inside this repository;
and a test file or helper named anywhere (``tests/http/test_headers.py``) must still be
there, since tests move with the code they test.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEXT = {".py", ".md", ".js", ".mjs", ".html", ".toml", ".txt", ".css", ".mako", ".cfg", ".json"}
SKIP_DIRS = ("tests/vectors/",)  # captured bytes, not prose
DOCS = ("architecture.md", "api.md", "contract.md", "operations.md")
DOMAIN = ("indicators.md", "routing.md", "language.md")

# A document named in prose or code: `docs/contract.md`, `SECURITY.md`, `../api.md`.
DOCUMENT = re.compile(r"(?<![\w.*/\[-])((?:\.\.?/)*[\w-]+(?:/[\w.-]+)*\.md)\b")
# A Markdown link's target, in Markdown files: [text](target#anchor). The link's text is
# read as a label, not as a path.
LINK = re.compile(r"\]\(([^)\s#]+)(?:#[^)\s]*)?\)")
# A path that climbs out of its folder: ../something.
CLIMB = re.compile(r"(?<![\w.])((?:\.\./)+[\w.-][\w./-]*)")
# A file of the test tree named in prose or code: `tests/http/test_headers.py::test_…`.
TEST_FILE = re.compile(r"(?<![\w./-])(tests/[\w./-]*[\w-]\.(?:py|mjs|js|json|txt))\b")
# An absolute path into someone's machine rather than into the repository.
MACHINE = re.compile(r"(?<![\w.:/])/(?:work|home|Users|root)/[\w./-]+")


def _files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode != 0:
        pytest.skip("not a git checkout: the tracked files are unknown")
    names = sorted(set(listed.stdout.split()))
    return [
        n
        for n in names
        if Path(n).suffix in TEXT
        and not n.startswith(SKIP_DIRS)
        and n != "tests/test_docs.py"  # its patterns and examples are not references
        and (ROOT / n).is_file()
    ]


def _resolves(source: str, target: str) -> bool:
    """True when ``target`` names a file inside the repository, read from ``source``'s folder
    (Markdown links) or from the repository's root (paths in comments)."""
    for base in ((ROOT / source).parent, ROOT):
        path = (base / target).resolve()
        if path.is_relative_to(ROOT) and path.exists():
            return True
    return False


def _problems(name: str, text: str) -> list[str]:
    found = []
    for number, line in enumerate(text.splitlines(), 1):
        where = f"{name}:{number}"
        links = LINK.findall(line) if name.endswith(".md") else []
        for target in dict.fromkeys(DOCUMENT.findall(line) + links):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not _resolves(name, target):
                found.append(f"{where}: {target} is not a file in the repository")
        for target in TEST_FILE.findall(line):
            if not (ROOT / target).is_file():
                found.append(f"{where}: {target} is not a file in the repository")
        for target in CLIMB.findall(line):
            if not (ROOT / name).parent.joinpath(target).resolve().is_relative_to(ROOT):
                found.append(f"{where}: {target} points outside the repository")
        found += [f"{where}: {m} is a path on someone's machine" for m in MACHINE.findall(line)]
    return found


def test_every_document_named_exists_in_the_repository() -> None:
    problems = []
    for name in _files():
        problems += _problems(name, (ROOT / name).read_text(encoding="utf-8", errors="replace"))
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize(
    "line",
    [
        '"""Schemas of the key set (CONTRACT.md, GET /api/v1/keys)."""',
        "// which indicators to offer (../shared/domain/indicators.md).",
        "Read `../shared/DESIGN.md` first.",
        "See [the design](../../design.md).",
        "# the matrix of routing.md",
        "see /home/someone/notes/STYLE.md",
    ],
)
def test_a_reference_outside_the_repository_is_caught(line: str) -> None:
    # The check is only as good as its patterns: each way of pointing outside is seen.
    assert _problems("backend/example.py", line) != []


@pytest.mark.parametrize(
    "line",
    [
        "# the default matrix of docs/domain/routing.md",
        'see `SECURITY.md`, "Keys"',
        "| 5.1.1 | n/a | a concern is structured text (docs/contract.md) | — |",
    ],
)
def test_a_reference_inside_the_repository_passes(line: str) -> None:
    assert _problems("backend/example.py", line) == []


def test_the_design_documents_are_here() -> None:
    for name in DOCS:
        assert (ROOT / "docs" / name).is_file(), name
    for name in DOMAIN:
        assert (ROOT / "docs" / "domain" / name).is_file(), name


def test_the_deployment_settings_example_names_only_real_settings() -> None:
    """deploy/frontline.env.example is what operators copy: a misspelt name there would be
    silently ignored by the servers."""
    readme = (ROOT / "README.md").read_text()
    example = (ROOT / "deploy" / "frontline.env.example").read_text()
    names = re.findall(r"^([A-Z_]+)=", example, flags=re.MULTILINE)
    assert "FRONTLINE_SECRET_KEY" in names
    unit = (ROOT / "deploy" / "systemd" / "frontline.service").read_text()
    for name in names:
        # Every name is in the README's table, or one the units themselves read.
        assert f"`{name}`" in readme or "${" + name + "}" in unit, name
