"""Our ``crypto`` is the one imported, not a same-named package from the index."""

from pathlib import Path

import crypto


def test_crypto_is_ours() -> None:
    assert getattr(crypto, "FRONTLINE_CRYPTO", False) is True
    assert Path(crypto.__file__).resolve().parent == Path(__file__).resolve().parents[2] / "crypto"


def test_only_crypto_imports_cryptography_and_it_imports_no_flask_or_sql() -> None:
    root = Path(__file__).resolve().parents[2]
    for path in (root / "backend").rglob("*.py"):
        assert "import cryptography" not in path.read_text(), path
        assert "from cryptography" not in path.read_text(), path
    for path in (root / "crypto").rglob("*.py"):
        text = path.read_text()
        for banned in ("flask", "sqlalchemy"):
            assert f"import {banned}" not in text.lower(), path
            assert f"from {banned}" not in text.lower(), path
