"""Real `redis-server` and PostgreSQL processes on free loopback ports, for tests that need them.

Both servers refuse to run as root, and CI runs as root, so under root each server runs as the
unprivileged `nobody` (via `setpriv`, which execs: the pid we hold is the server's own) in a fresh
temporary directory that user owns. Debian keeps PostgreSQL's binaries off PATH, under
/usr/lib/postgresql/<version>/bin, so they are looked up there too.

A missing binary skips the test with the reason, unless `REQUIRE_TEST_SERVERS=1` (set by `.ci/run`),
where it fails instead: CI installs both servers, so a skip there would hide a broken install.
Every server is stopped by its pid at the end of the session (and at interpreter exit, as a
backstop).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REQUIRE_ENV = "REQUIRE_TEST_SERVERS"
UNPRIVILEGED_USER = "nobody"
START_TIMEOUT_S = 60.0

_running: set[subprocess.Popen] = set()


def servers_required() -> bool:
    """True where a missing server must fail the run (CI), not skip the test."""
    return os.environ.get(REQUIRE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def unavailable(reason: str) -> None:
    """Skip with the reason, or fail with it when the servers are required."""
    if servers_required():
        pytest.fail(f"{reason} ({REQUIRE_ENV} is set, so this fails instead of skipping)")
    pytest.skip(reason)


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (a copy of conftest's, which imports this module)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def redis_binary() -> Path | None:
    """`redis-server` on PATH or where Debian puts it."""
    found = shutil.which("redis-server") or shutil.which("redis-server", path="/usr/sbin:/usr/bin")
    return Path(found) if found else None


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name)) or (0,)


def postgres_bindir() -> Path | None:
    """The folder holding `initdb` and `postgres`: PATH first, then Debian's newest version."""
    on_path = shutil.which("initdb")
    if on_path and (Path(on_path).parent / "postgres").exists():
        return Path(on_path).parent
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=_version_key)
    for initdb in reversed(candidates):
        if (initdb.parent / "postgres").exists():
            return initdb.parent
    return None


def _as_unprivileged() -> tuple[list[str], int | None, int | None]:
    """The command prefix that drops root, and the uid/gid that must own the server's files."""
    if os.geteuid() != 0:
        return [], None, None
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        unavailable(
            "running as root and `setpriv` (util-linux) is missing, so servers cannot drop root"
        )
    user = pwd.getpwnam(UNPRIVILEGED_USER)
    prefix = [
        setpriv,
        f"--reuid={user.pw_uid}",
        f"--regid={user.pw_gid}",
        "--clear-groups",
        "--",
    ]
    return prefix, user.pw_uid, user.pw_gid


def _workdir(name: str, uid: int | None, gid: int | None) -> Path:
    """A private folder directly under the system temp dir (pytest's tmp is root-only, mode 700)."""
    path = Path(tempfile.mkdtemp(prefix=f"test-{name}-"))
    if uid is not None and gid is not None:
        os.chown(path, uid, gid)
    return path


def _stop(proc: subprocess.Popen, sig: int = signal.SIGTERM, timeout: float = 20.0) -> None:
    """Stop one server by its pid: the polite signal first, SIGKILL if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proc.pid, signal.SIGKILL)
            proc.wait(10)
    _running.discard(proc)


@atexit.register
def _stop_leftovers() -> None:
    for proc in list(_running):
        _stop(proc, signal.SIGKILL, 5)


def _tail(path: Path, chars: int = 2000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except OSError:
        return ""


class RedisServer:
    """`redis-server` on 127.0.0.1:<free port>, no persistence, as an unprivileged user."""

    def __init__(self) -> None:
        binary = redis_binary()
        if binary is None:
            unavailable("redis-server is not installed (apt-get install redis-server)")
        self.binary = binary
        self.prefix, uid, gid = _as_unprivileged()
        self.dir = _workdir("redis", uid, gid)
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        import redis

        self.port = free_port()
        log = self.dir / "redis.log"
        cmd = [
            str(self.binary),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.dir),
            "--save", "",
            "--appendonly", "no",
            "--daemonize", "no",
            "--logfile", str(log),
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            self.prefix + cmd, cwd=self.dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        _running.add(self.proc)
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                err = self.proc.stderr.read().decode(errors="replace") if self.proc.stderr else ""
                raise RuntimeError(
                    f"redis-server exited ({self.proc.returncode}): {err}{_tail(log)}"
                )
            try:
                client = redis.Redis.from_url(self.url, socket_timeout=1)
                if client.ping():
                    client.close()
                    return self
            except redis.exceptions.ConnectionError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"redis-server not ready in {START_TIMEOUT_S}s: {_tail(log)}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, signal.SIGTERM)
        shutil.rmtree(self.dir, ignore_errors=True)


class PostgresServer:
    """PostgreSQL (`initdb` + `postgres`) on 127.0.0.1:<free port>, trust auth, one database."""

    database = "test"
    user = "postgres"

    def __init__(self) -> None:
        bindir = postgres_bindir()
        if bindir is None:
            unavailable(
                "PostgreSQL is not installed (apt-get install postgresql; no initdb on PATH "
                "or under /usr/lib/postgresql/*/bin)"
            )
        self.bindir = bindir
        self.prefix, uid, gid = _as_unprivileged()
        self.dir = _workdir("postgres", uid, gid)
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """SQLAlchemy URL with the psycopg 3 driver."""
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def _env(self) -> dict[str, str]:
        return {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "HOME": str(self.dir)}

    def start(self) -> PostgresServer:
        import psycopg

        data = self.dir / "data"
        init = subprocess.run(
            [
                *self.prefix,
                str(self.bindir / "initdb"),
                "-D", str(data),
                "-U", self.user,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
            cwd=self.dir,
            env=self._env(),
            capture_output=True,
            text=True,
        )  # fmt: skip
        if init.returncode != 0:
            raise RuntimeError(f"initdb failed ({init.returncode}): {init.stderr[-2000:]}")
        self.port = free_port()
        log = self.dir / "postgres.log"
        cmd = [
            str(self.bindir / "postgres"),
            "-D", str(data),
            "-p", str(self.port),
            "-k", str(self.dir),  # the unix socket lives in our folder, not /var/run/postgresql
            "-c", "listen_addresses=127.0.0.1",
            "-c", "fsync=off",
            "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off",
        ]  # fmt: skip
        with log.open("wb") as out:
            self.proc = subprocess.Popen(
                self.prefix + cmd, cwd=self.dir, env=self._env(), stdout=out, stderr=out
            )
        _running.add(self.proc)
        admin = f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres"
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"postgres exited ({self.proc.returncode}): {_tail(log)}")
            try:
                with psycopg.connect(admin, connect_timeout=2, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{self.database}"')
                return self
            except psycopg.OperationalError:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"postgres not ready in {START_TIMEOUT_S}s: {_tail(log)}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc, signal.SIGINT)  # SIGINT is PostgreSQL's "fast" shutdown
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    """One real redis-server for the session (flush what you write, or use your own keys)."""
    server = RedisServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def redis_url(redis_server: RedisServer) -> str:
    """redis://127.0.0.1:PORT/0 of the session's real redis-server."""
    return redis_server.url


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One real PostgreSQL for the session, with an empty database `test`."""
    server = PostgresServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """postgresql+psycopg://postgres@127.0.0.1:PORT/test of the session's real PostgreSQL."""
    return postgres_server.url
