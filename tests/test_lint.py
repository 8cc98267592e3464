"""House rules that tools hold: ruff (with its bandit rules) and mypy on the typed code."""

from __future__ import annotations

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
