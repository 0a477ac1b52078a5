"""Integration fixtures: real databases for every persistence test.

- ``sqlite_url``: a new SQLite file (on tmpfs when available, else the test's tmp dir).
- ``postgres_server`` (session): a throwaway PostgreSQL cluster started from the Debian
  binaries (``/usr/lib/postgresql/*/bin``, installed by ``scripts/ensure-postgres.sh`` if
  missing) in a temp dir, listening only on 127.0.0.1 on a free port, with its unix socket
  in that dir. PostgreSQL refuses to run as root, so when we are root the cluster runs as
  the ``postgres`` system user (or a dedicated ``tgpostgres`` user created if absent).
  Stopped (``pg_ctl stop -m fast``) and deleted at the end of the session. If it cannot
  start, every test that needs it fails with the reason: never skipped.
- ``postgres_url`` (session): one database on that server for the whole session.
- ``fresh_postgres_url``: a new, empty database per test, dropped afterwards.
- ``database_url``: parametrized over ``sqlite`` and ``postgres``, so a test using it runs
  on both backends, each time on a fresh, empty database.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ENSURE_POSTGRES = REPO_ROOT / "scripts" / "ensure-postgres.sh"
_PG_USER = "postgres"  # superuser name inside the cluster (trust auth on 127.0.0.1 only)
_DEDICATED_OS_USER = "tgpostgres"
_SPARE_DATABASES = 2  # created ahead in the background


@dataclass(frozen=True)
class PostgresServer:
    """A running throwaway cluster."""

    host: str
    port: int
    socket_dir: Path
    data_dir: Path
    log_file: Path
    _spare: list[Future[str]] = field(default_factory=list)
    _creator: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-db")
    )

    def url(self, database: str) -> str:
        """SQLAlchemy URL of ``database`` on this server."""
        return f"postgresql+psycopg://{_PG_USER}@{self.host}:{self.port}/{database}"

    def _admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host, port=self.port, user=_PG_USER, dbname="postgres", autocommit=True
        )

    def create_database(self, prefix: str = "tg") -> str:
        """Create an empty database with a unique name and return the name."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
        return name

    def take_fresh_database(self) -> str:
        """An empty database, never used before. The next ones are created in the
        background meanwhile (CREATE DATABASE takes ~0.3 s), so tests rarely wait."""
        name = self._spare.pop(0).result() if self._spare else self.create_database()
        while len(self._spare) < _SPARE_DATABASES:
            self._spare.append(self._creator.submit(self.create_database))
        return name

    def drop_database(self, name: str) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        """Drop the spare databases (before the server stops)."""
        for spare in self._spare:
            with contextlib.suppress(psycopg.Error):
                self.drop_database(spare.result())
        self._spare.clear()
        self._creator.shutdown(wait=True)


def _pg_bin_dir() -> Path | None:
    candidates = glob.glob("/usr/lib/postgresql/*/bin/initdb")

    def version(path: str) -> tuple[int, ...]:
        match = re.search(r"/postgresql/([\d.]+)/", path)
        return tuple(int(p) for p in match.group(1).split(".")) if match else (0,)

    return Path(max(candidates, key=version)).parent if candidates else None


def _ensure_binaries() -> Path:
    bin_dir = _pg_bin_dir()
    if bin_dir is not None:
        return bin_dir
    result = subprocess.run(
        ["bash", str(ENSURE_POSTGRES)], capture_output=True, text=True, check=False
    )
    bin_dir = _pg_bin_dir()
    if bin_dir is None:
        pytest.fail(
            "PostgreSQL server binaries are missing (no /usr/lib/postgresql/*/bin/initdb) "
            f"and {ENSURE_POSTGRES} could not install them (exit {result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}",
            pytrace=False,
        )
    return bin_dir


def _os_user() -> str | None:
    """The OS user to run the server as (``None``: ourselves, when we are not root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", _DEDICATED_OS_USER):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
         _DEDICATED_OS_USER],
        check=True, capture_output=True,
    )
    return _DEDICATED_OS_USER


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _run(command: list[str], user: str | None, cwd: Path) -> subprocess.CompletedProcess[str]:
    full = ["runuser", "-u", user, "--", *command] if user else command
    return subprocess.run(full, capture_output=True, text=True, check=False, cwd=cwd, timeout=120)


def _fail(what: str, result: subprocess.CompletedProcess[str], log_file: Path | None) -> None:
    log = ""
    if log_file is not None and log_file.exists():
        log = "\n--- server log (tail) ---\n" + "\n".join(
            log_file.read_text(errors="replace").splitlines()[-30:]
        )
    pytest.fail(
        f"Could not start the throwaway PostgreSQL server: {what} failed "
        f"(exit {result.returncode}): {' '.join(map(str, result.args))}\n"
        f"{result.stdout}\n{result.stderr}{log}",
        pytrace=False,
    )


def _start(bin_dir: Path, base: Path, user: str | None) -> PostgresServer:
    data_dir, log_file = base / "data", base / "server.log"
    initdb = _run(
        [str(bin_dir / "initdb"), "-D", str(data_dir), "-U", _PG_USER, "-A", "trust",
         "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
        user, base,
    )
    if initdb.returncode != 0:
        _fail("initdb", initdb, None)
    result: subprocess.CompletedProcess[str] | None = None
    for _ in range(3):  # another process may grab the free port first
        port = _free_port()
        options = (
            f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={base} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
            "-c max_connections=200"
        )
        result = _run(
            [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", str(log_file), "-w",
             "-t", "60", "-o", options, "start"],
            user, base,
        )
        if result.returncode == 0:
            return PostgresServer("127.0.0.1", port, base, data_dir, log_file)
    assert result is not None
    _fail("pg_ctl start", result, log_file)
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = _ensure_binaries()
    user = _os_user()
    base = Path(tempfile.mkdtemp(prefix="tradegraph-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    server: PostgresServer | None = None
    try:
        server = _start(bin_dir, base, user)
        yield server
    finally:
        if server is not None:
            server.close()
            _run([str(bin_dir / "pg_ctl"), "-D", str(server.data_dir), "-m", "fast", "-w",
                  "stop"], user, base)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.create_database("tg_session")
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


@pytest.fixture
def fresh_postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    name = postgres_server.take_fresh_database()
    yield postgres_server.url(name)
    postgres_server.drop_database(name)


_TMPFS = Path("/dev/shm")


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    """A new SQLite file, on tmpfs when there is one: same locking and WAL behaviour,
    but fsync (synchronous=FULL) costs nothing, which keeps the suite fast."""
    if _TMPFS.is_dir() and os.access(_TMPFS, os.W_OK):
        directory = Path(tempfile.mkdtemp(prefix="tradegraph-test-", dir=_TMPFS))
        yield f"sqlite:///{directory / 'tradegraph.db'}"
        shutil.rmtree(directory, ignore_errors=True)
    else:
        yield f"sqlite:///{tmp_path / 'tradegraph.db'}"


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgres", marks=pytest.mark.postgres)]
)
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh, empty database on each backend in turn."""
    if request.param == "sqlite":
        return str(request.getfixturevalue("sqlite_url"))
    return str(request.getfixturevalue("fresh_postgres_url"))
