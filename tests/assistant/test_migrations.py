"""Alembic migrations of the feedback database: an empty SQLite and PostgreSQL database upgrade
to the schema the models describe (no difference left), a second upgrade changes nothing, and
`assistant db upgrade` does the same from the command line."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from assistant import migrations
from assistant.feedback import FeedbackStore, metadata


def test_empty_database_upgrades_to_the_models(database_url):
    store = FeedbackStore(database_url, auto_upgrade=False)  # creates the SQLite folder only
    store.close()
    engine = create_engine(database_url)
    try:
        assert migrations.current(engine) is None
        assert migrations.upgrade(engine) == migrations.head() == "0001"
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []  # the migrated schema is exactly what the models say
        unique = {ix["name"]: bool(ix["unique"]) for ix in inspect(engine).get_indexes("feedback")}
        assert unique.get("uq_feedback_answer_id") is True
        assert migrations.upgrade(engine) == "0001"  # idempotent
    finally:
        engine.dispose()


def test_store_upgrades_at_start_unless_told_not_to(database_url):
    manual = FeedbackStore(database_url, auto_upgrade=False)
    engine = create_engine(database_url)
    try:
        assert migrations.current(engine) is None and "answers" not in migrations.tables(engine)
        manual.close()
        store = FeedbackStore(database_url)
        assert migrations.current(engine) == migrations.head()
        assert store.count() == {"answers": 0, "feedback": 0}
        store.close()
    finally:
        engine.dispose()


def test_db_upgrade_command(database_url, monkeypatch, capsys):
    from assistant.cli import main

    monkeypatch.setenv("DATABASE_URL", database_url)
    FeedbackStore(database_url, auto_upgrade=False).close()
    assert main(["db", "current"]) == 0
    assert "empty (head 0001)" in capsys.readouterr().out
    assert main(["db", "upgrade"]) == 0
    assert "empty -> 0001" in capsys.readouterr().out
    assert main(["db", "current"]) == 0
    assert ": 0001 (head 0001)" in capsys.readouterr().out
