"""Statements per envelope: what the pipeline asks of the database for each concern it takes.

Syncs concerns about many children (``bench/workload.py``, one phone) through the real
pipeline in process (``backend.pipeline.ingest``), in batches of 50 after a warm-up, and
counts every statement sent to the database, grouped by its text. Prints the statements per
envelope in all, then each kind of statement per envelope, most frequent first: where
batching steps together would save round trips. A count, not a time: it is the same on a
busy machine as on a quiet one, so before and after can be compared across runs. On SQLite
the ``BEGIN IMMEDIATE`` and the busy-timeout pragmas the write wait sends itself
(``backend/core/db.py``) go round SQLAlchemy and are not counted: two and four an envelope.

Run: .venv/bin/python bench/statements.py [--concerns 200] [--engines sqlite,postgresql]
     [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--top 40]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import traceback
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from backend.pipeline.ingest import Context, ingest  # noqa: E402
from backend.services.identity.webauthn_rp import RelyingParty  # noqa: E402
from bench.ingest import fresh_database, setup  # noqa: E402
from bench.workload import seal_all  # noqa: E402

WARM_UP, BATCH = 100, 50


def count(
    engine_name: str, pg_admin: str, concerns: int, top: int, where: bool, one_child: bool
) -> None:
    with tempfile.TemporaryDirectory() as work:
        url, drop = fresh_database(engine_name, pg_admin, Path(work))
        try:
            _count(url, Path(work), engine_name, concerns, top, where, one_child)
        finally:
            drop()


def _caller() -> str:
    """The innermost function of ours that sent a statement (the helpers in core/db.py
    left out): where a statement comes from, when ``--where`` asks."""
    for frame in reversed(traceback.extract_stack()):
        path = frame.filename.replace("\\", "/")
        if "/backend/" in path and not path.endswith("/core/db.py"):
            return f"{path.rsplit('/backend/', 1)[1]}:{frame.name}"
    return "?"


def _count(
    url: str,
    work: Path,
    engine_name: str,
    concerns: int,
    top: int,
    where: bool,
    one_child: bool,
) -> None:
    _app, state, device, env = setup(url, work)
    items = seal_all(WARM_UP + concerns, state.keyring, device, one_child=one_child)
    ctx = Context(
        sessions=state.sessions,
        ring=state.keyring,
        rp=RelyingParty(id="localhost", origins=list(state.config.origins)),
    )
    me = env["me"]
    who = {"user_id": uuid.UUID(me["user"]["id"]), "passkey_id": uuid.UUID(me["passkeys"][0]["id"])}
    ingest(ctx, items[:WARM_UP], **who)  # the first concerns make the children and rows
    sent: Counter[str] = Counter()

    def counted(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        # Savepoints counted as one statement each, whatever their number.
        shown = re.sub(r"sa_savepoint_\d+", "sa_savepoint_N", re.sub(r"\s+", " ", statement))[:100]
        sent[f"{_caller():45} {shown[:55]}" if where else shown] += 1

    event.listen(state.engine, "before_cursor_execute", counted)
    for i in range(WARM_UP, WARM_UP + concerns, BATCH):
        results = ingest(ctx, items[i : i + BATCH], **who)
        assert all(r.status == "accepted" for r in results), results[0]
    event.remove(state.engine, "before_cursor_execute", counted)
    state.engine.dispose()
    print(f"\n{engine_name}: {sum(sent.values()) / concerns:.1f} statements per envelope")
    for statement, n in sent.most_common(top):
        print(f"  {n / concerns:5.2f}  {statement}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--concerns", type=int, default=200)
    parser.add_argument("--engines", default="sqlite")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument(
        "--where", action="store_true", help="name the function that sent each statement"
    )
    parser.add_argument(
        "--one-child", action="store_true", help="every concern about the same child"
    )
    args = parser.parse_args()
    for engine_name in args.engines.split(","):
        count(engine_name, args.pg, args.concerns, args.top, args.where, args.one_child)


if __name__ == "__main__":
    main()
