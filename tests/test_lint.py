"""House rules that tools hold: ruff (with its bandit rules), mypy on the typed code, and
the layering of backend/ (import-linter)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow  # about 7 s on a fresh clone, before mypy has a cache
def test_mypy_finds_nothing() -> None:
    result = _run("mypy", "backend", "crypto")
    assert result.returncode == 0, result.stdout + result.stderr


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    # The console script beside this interpreter: import-linter has no ``python -m`` entry.
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache", "--no-logo"],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_layers_hold() -> None:
    # pyproject.toml's [tool.importlinter] contracts: crypto <- models <- services <-
    # pipeline / http <- cli, Flask only in backend.http, crypto on its own.
    result = _lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 kept, 0 broken" in result.stdout, result.stdout


def test_an_upward_import_breaks_the_layers(tmp_path: Path) -> None:
    # The contracts bite: a copy of the tree where a service reaches up into the pipeline,
    # and another where the core imports Flask, are both refused.
    for name in ("backend", "crypto"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    alerts = tmp_path / "backend" / "services" / "linking" / "alerts.py"
    alerts.write_text(alerts.read_text() + "\nfrom backend.pipeline import route  # noqa\n")
    errors = tmp_path / "backend" / "core" / "errors.py"
    errors.write_text(errors.read_text() + "\nimport flask  # noqa\n")
    result = _lint_imports(tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "backend.services is not allowed to import backend.pipeline" in result.stdout
    assert "backend.services.linking.alerts -> backend.pipeline.route" in result.stdout
    assert "backend.core.errors -> flask" in result.stdout, result.stdout
