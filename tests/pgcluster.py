"""A throwaway PostgreSQL cluster for the tests (issue 21): Debian's server binaries, a data
directory in a temporary folder, a free loopback port, stopped and deleted afterwards.

PostgreSQL refuses to run as root, so when the tests run as root (as on these machines) initdb
and pg_ctl run as the `postgres` user Debian's package creates, and the temporary folder is
handed to it. Local socket connections are trusted (only the owner can reach the socket folder);
TCP connections need the password, so the URL the tests use looks like a real one
(`postgresql://postgres:<password>@127.0.0.1:<port>/<db>`) and a test can check that the password
appears in no output.

`stop()` / `start()` / `restart()` take the same server down and up again on the same port and
data: the "database goes away and comes back" tests. `kill()` stops it without a clean shutdown.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import free_port

POSTGRES_USER = "postgres"  # the OS user Debian's postgresql package creates, and the superuser name
PORTS = range(18400, 18450)  # our own range (issue 12's benches use 18300-18399)
INSTALL_HINT = (
    "the PostgreSQL tests need Debian's PostgreSQL server. Run `make test` (it installs it) or "
    "`apt-get install postgresql`; set SKIP_POSTGRES_TESTS=1 to skip them deliberately."
)


def find_bindir() -> Path | None:
    """The newest PostgreSQL server binaries: $PG_BINDIR, else /usr/lib/postgresql/<n>/bin."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    found = [p for p in Path("/usr/lib/postgresql").glob("*/bin") if (p / "pg_ctl").is_file()]
    found.sort(key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    return found[-1] if found else None


def require_postgres() -> Path:
    """The bindir; skip when SKIP_POSTGRES_TESTS=1, else fail loudly when PostgreSQL is missing."""
    if os.environ.get("SKIP_POSTGRES_TESTS") == "1":
        pytest.skip("SKIP_POSTGRES_TESTS=1")
    bindir = find_bindir()
    if bindir is None:
        pytest.fail(f"PostgreSQL is missing: {INSTALL_HINT}", pytrace=False)
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.fail("psycopg is not installed: pip install -r requirements.txt", pytrace=False)
    return bindir


class PgCluster:
    """One PostgreSQL server in a temporary directory. `url(db)` is its TCP URL (with password)."""

    def __init__(self, bindir: Path, port: int | None = None) -> None:
        self.bindir = bindir
        self.port = port or free_port(PORTS)
        self.password = secrets.token_hex(12)
        self.root = Path(tempfile.mkdtemp(prefix="chutes-pg-"))
        self.data, self.log = self.root / "data", self.root / "server.log"
        self._as_root = os.geteuid() == 0
        if self._as_root:
            # initdb needs the data dir's parent traversable and the folder owned by its user
            user = pwd.getpwnam(POSTGRES_USER)
            os.chown(self.root, user.pw_uid, user.pw_gid)
        self.running = False

    # ------------------------------------------------------------------------ lifecycle
    def init(self) -> PgCluster:
        pwfile = self.root / "pwfile"
        pwfile.write_text(self.password + "\n", encoding="utf-8")
        self._chown(pwfile)
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            POSTGRES_USER,
            "--pwfile",
            str(pwfile),
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",  # a throwaway cluster: no fsync on init
        )
        pwfile.unlink()
        return self

    def start(self, timeout: float = 60.0) -> None:
        """Start (or start again, on the same port and data) and wait until it accepts connections."""
        # fsync off: the OS page cache survives a server crash (only a machine crash loses it).
        # synchronous_commit stays on: `kill()` must lose no committed transaction.
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100"
        )
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            options,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
        )
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """Stop the server: "fast" (clients disconnected, clean shutdown) or "immediate" (a crash)."""
        if self.running:
            self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")
            self.running = False

    def kill(self) -> None:
        """The database going away without warning (recovery runs on the next start)."""
        self.stop("immediate")

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)

    # ------------------------------------------------------------------------ databases
    def url(self, database: str = "postgres", *, password: bool = True) -> str:
        secret = f":{self.password}" if password else ""
        return f"postgresql://{POSTGRES_USER}{secret}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str | None = None) -> str:
        """A new empty database (a fresh name unless given); its URL."""
        import psycopg

        name = name or f"t_{secrets.token_hex(6)}"
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            raise ValueError(f"not a plain database name: {name!r}")
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except OSError:
            return ""

    # ------------------------------------------------------------------------ plumbing
    def _chown(self, path: Path) -> None:
        if self._as_root:
            user = pwd.getpwnam(POSTGRES_USER)
            os.chown(path, user.pw_uid, user.pw_gid)

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self._as_root:
            cmd = ["runuser", "-u", POSTGRES_USER, "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=self.root, timeout=120)
        if done.returncode != 0:
            raise subprocess.CalledProcessError(
                done.returncode, cmd, done.stdout, f"{done.stderr}\n--- server log ---\n{self.log_text()}"
            )


@contextlib.contextmanager
def throwaway_cluster(bindir: Path | None = None) -> Iterator[PgCluster]:
    """An initialised, started cluster; stopped and deleted on exit."""
    bindir = bindir or find_bindir()
    if bindir is None:
        raise RuntimeError(f"PostgreSQL is missing: {INSTALL_HINT}")
    cluster = PgCluster(bindir)
    try:
        cluster.init()
        for attempt in range(3):
            try:
                cluster.start()
                break
            except subprocess.CalledProcessError:
                if attempt == 2:  # another process took the port between our check and the start
                    raise
                cluster.port = free_port(PORTS)
        yield cluster
    finally:
        cluster.destroy()


def wait_until(predicate, timeout: float = 10.0, interval: float = 0.05) -> bool:  # type: ignore[no-untyped-def]
    """Poll `predicate` until it is truthy (True) or `timeout` seconds pass (False)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(interval)
