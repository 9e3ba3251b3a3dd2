"""Alembic migrations of the feedback and answer-log database (SQLite or PostgreSQL).

`upgrade(engine)` brings any database to the newest revision: an empty one gets the whole schema,
one made by the pre-Alembic `create_all` is adopted (the first revision only creates what is
missing and folds duplicate votes into one, as the upsert would). The API and the bot run it at
start-up unless `DB_AUTO_UPGRADE=false`; `assistant db upgrade` runs it by hand. On PostgreSQL a
transaction-scoped advisory lock makes replicas that start together upgrade one after another.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

HERE = Path(__file__).resolve().parent
# Any constant: the advisory lock replicas take while one of them upgrades PostgreSQL.
PG_LOCK_KEY = 1_301_301


def _config(connection=None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["connection"] = connection
    return config


def head() -> str:
    """The newest revision the code knows."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current(engine: Engine) -> str | None:
    """The database's revision (None before the first upgrade)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> str | None:
    """Apply every migration up to `revision` in one transaction; returns the new revision."""
    from alembic import command

    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_LOCK_KEY})
        command.upgrade(_config(conn), revision)
    return current(engine)


def tables(engine: Engine) -> set[str]:
    """The tables the database holds (tests, diagnostics)."""
    return set(inspect(engine).get_table_names())


__all__ = ["current", "head", "upgrade"]
