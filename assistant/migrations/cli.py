"""`assistant db upgrade` / `assistant db current`: the feedback database's schema by hand.

For deployments with `DB_AUTO_UPGRADE=false` (a migration step before the replicas start) and for
checking which revision a database is at.
"""

from __future__ import annotations

import argparse
import sys

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from assistant import migrations
from assistant.settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Upgrade DATABASE_URL to the newest revision, or print its current one."""
    parser = argparse.ArgumentParser(prog="assistant db", description=main.__doc__)
    parser.add_argument("action", choices=["upgrade", "current"])
    args = parser.parse_args(argv)
    settings = Settings()
    url = make_url(settings.database_url)
    where = url.render_as_string(hide_password=True)
    if url.get_backend_name() == "sqlite" and url.database:
        from pathlib import Path

        Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        if args.action == "upgrade":
            before = migrations.current(engine)
            after = migrations.upgrade(engine)
            print(f"{where}: {before or 'empty'} -> {after} (head {migrations.head()})")
        else:
            print(f"{where}: {migrations.current(engine) or 'empty'} (head {migrations.head()})")
    except SQLAlchemyError as exc:
        print(f"error: {where}: {' '.join(str(exc).split())[:300]}", file=sys.stderr)
        return 3
    finally:
        engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
