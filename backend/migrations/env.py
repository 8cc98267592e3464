"""Alembic environment: runs against the engine handed over by backend.core.migrate."""

from alembic import context

from backend.models import Base

config = context.config
engine = config.attributes["engine"]

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    raw = connection.connection.driver_connection
    if sqlite:
        # A batch change on SQLite rebuilds the table (copy, drop, rename). With foreign
        # keys enforced, dropping a table that other tables' rows refer to fails. SQLite's
        # own procedure: keys off outside the transaction, every key checked before commit.
        raw.execute("PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=sqlite,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
                if broken:
                    raise RuntimeError(f"the migration left rows with broken keys: {broken[:5]}")
    finally:
        if sqlite:
            raw.execute("PRAGMA foreign_keys=ON")
