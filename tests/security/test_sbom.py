"""A CycloneDX SBOM from the hash-pinned lockfiles (ASVS 15.1.2), made in CI and written to
``artifacts/``: every pinned package is a component with its version, purl and hashes.
The PWA has no third-party JavaScript (plain ES modules of ours, no bundler, no npm
packages), which the test also holds, so its SBOM names Frontline alone."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _pins(name: str) -> dict[str, tuple[str, set[str]]]:
    """Each pinned package: its version and the SHA-256 hashes the lockfile allows."""
    text = (ROOT / name).read_text()
    pins = {}
    for block in re.split(r"\n(?=[A-Za-z0-9])", text):
        pin = re.match(r"([A-Za-z0-9_.-]+)==([^\s;\\]+)", block)
        if pin:
            hashes = set(re.findall(r"--hash=sha256:([0-9a-f]{64})", block))
            pins[_norm(pin.group(1))] = (pin.group(2), hashes)
    return pins


@pytest.mark.slow  # about 6 s per lockfile: runs cyclonedx-py
@pytest.mark.parametrize("lockfile", ["requirements.txt", "requirements-test.txt"])
def test_15_1_2_an_sbom_names_every_pinned_package_with_its_hashes(lockfile: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    out = ARTIFACTS / f"sbom-{lockfile.removesuffix('.txt')}.cdx.json"
    cli = Path(sys.executable).with_name("cyclonedx-py")
    subprocess.run(
        [
            str(cli),
            "requirements",
            str(ROOT / lockfile),
            "--pyproject",
            str(ROOT / "pyproject.toml"),
            "--of",
            "JSON",
            "--sv",
            "1.6",
            "--output-reproducible",
            "--validate",
            "-o",
            str(out),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    bom = json.loads(out.read_text())
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] == "1.6"
    assert bom["metadata"]["component"]["name"] == "frontline"
    found = {_norm(c["name"]): c for c in bom["components"]}
    pins = _pins(lockfile)
    assert set(found) == set(pins)
    for name, (version, allowed) in pins.items():
        component = found[name]
        assert component["version"] == version, name
        assert component["purl"] == f"pkg:pypi/{name}@{version}", name
        (dist,) = [r for r in component["externalReferences"] if r["type"] == "distribution"]
        hashes = {h["content"] for h in dist["hashes"] if h["alg"] == "SHA-256"}
        assert allowed, name
        assert hashes == allowed, name


def test_15_1_2_the_pwa_has_no_third_party_javascript() -> None:
    pwa = ROOT / "pwa"
    assert not (ROOT / "package.json").exists()
    assert not list(pwa.rglob("node_modules"))
    seen = 0
    for path in pwa.rglob("*.js"):
        source = path.read_text(encoding="utf-8")
        # ``from '…'``, ``import('…')`` and ``import '…'``; not the word "from" in a string.
        imports = r"""(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]"""
        for target in re.findall(imports, source, re.M):
            # Only our own files, by relative or root path: nothing fetched from elsewhere.
            assert target.startswith(("./", "/")), (path.name, target)
            assert "//" not in target, (path.name, target)
            seen += 1
    assert seen > 50  # the pattern finds the app's own imports
    html = (pwa / "index.html").read_text(encoding="utf-8")
    for src in re.findall(r"""src=['"]([^'"]+)['"]""", html):
        assert src.startswith("/"), src
        assert not src.startswith("//"), src
