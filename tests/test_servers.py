"""The real-server fixtures work: redis-server and PostgreSQL answer on loopback, as non-root."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.servers import PostgresServer, RedisServer

pytestmark = pytest.mark.server


def _owner_uid(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("Uid:"):
                return int(line.split()[1])
    raise AssertionError(f"no Uid line for pid {pid}")


def test_redis_set_get(redis_server: RedisServer, redis_url: str) -> None:
    import redis

    assert redis_url == f"redis://127.0.0.1:{redis_server.port}/0"
    client = redis.Redis.from_url(redis_url)
    key = f"test-servers:{uuid.uuid4()}"
    try:
        client.set(key, "tampere", ex=60)
        assert client.get(key) == b"tampere"
        assert client.incr(f"{key}:n") == 1 and client.incr(f"{key}:n") == 2
    finally:
        client.delete(key, f"{key}:n")
        client.close()
    if os.geteuid() == 0:
        assert _owner_uid(redis_server.proc.pid) != 0, "redis-server must not run as root"


def test_postgres_table_roundtrip(postgres_server: PostgresServer, postgres_url: str) -> None:
    from sqlalchemy import create_engine, text

    assert postgres_url.startswith("postgresql+psycopg://")
    engine = create_engine(postgres_url)
    table = f"t_{uuid.uuid4().hex[:8]}"
    try:
        with engine.begin() as conn:
            conn.execute(text(f"CREATE TABLE {table} (id serial PRIMARY KEY, body text NOT NULL)"))
            conn.execute(
                text(f"INSERT INTO {table} (body) VALUES (:a), (:b)"),
                {"a": "kiitos", "b": "tack"},
            )
        with engine.connect() as conn:
            rows = conn.execute(text(f"SELECT id, body FROM {table} ORDER BY id")).all()
            assert [tuple(r) for r in rows] == [(1, "kiitos"), (2, "tack")]
            assert conn.execute(text("SELECT current_database()")).scalar() == "test"
            assert conn.dialect.driver == "psycopg"
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {table}"))
    finally:
        engine.dispose()
    if os.geteuid() == 0:
        assert _owner_uid(postgres_server.proc.pid) != 0, "postgres must not run as root"


def test_stopped_server_is_gone() -> None:
    """A server the fixture code stops is really gone: its pid exits and its folder is removed."""
    server = RedisServer()
    try:
        server.start()
        pid, folder = server.proc.pid, server.dir
        assert folder.exists()
    finally:
        server.stop()
    assert server.proc.poll() is not None
    assert not os.path.exists(f"/proc/{pid}") or _is_zombie_free(pid)
    assert not folder.exists()


def _is_zombie_free(pid: int) -> bool:
    """After wait() the pid may be reused by another process; it is never our redis-server."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmd:
            return b"redis-server" not in cmd.read()
    except FileNotFoundError:
        return True


@pytest.mark.parametrize("server_class", [RedisServer, PostgresServer])
def test_missing_binary_skips_or_fails(monkeypatch, server_class) -> None:
    """Without the binaries: a skip with the reason, or a failure under REQUIRE_TEST_SERVERS=1."""
    import tests.servers as servers

    monkeypatch.setattr(servers, "redis_binary", lambda: None)
    monkeypatch.setattr(servers, "postgres_bindir", lambda: None)
    monkeypatch.delenv(servers.REQUIRE_ENV, raising=False)
    with pytest.raises(pytest.skip.Exception, match="not installed"):
        server_class()
    monkeypatch.setenv(servers.REQUIRE_ENV, "1")
    with pytest.raises(pytest.fail.Exception, match="fails instead of skipping"):
        server_class()
