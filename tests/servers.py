"""A real Joinery server for tests that need one: `joinery demo --no-serve`, then `joinery serve`.

The browser journeys (tests/browser/) and the kill -9 tests (tests/faults/) use these helpers.
The server runs in its own process group with its own database: a fresh PostgreSQL database
when DATABASE_URL points at PostgreSQL, otherwise a SQLite file in a temporary directory. It
never touches pytest-django's test database.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

REPO = Path(__file__).resolve().parents[1]
_databases = itertools.count(1)


def is_postgres(url: str) -> bool:
    return url.startswith(("postgres://", "postgresql://", "pgsql://"))


def joinery_command() -> str:
    for candidate in (Path(sys.executable).parent / "joinery", REPO / ".venv" / "bin" / "joinery"):
        if candidate.exists():
            return str(candidate)
    found = shutil.which("joinery")
    if not found:
        pytest.fail("The `joinery` command is not installed in this environment (pip install -e .).")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the database the server uses ----------------------------------------------------------

def _libpq_url(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql"))


@contextlib.contextmanager
def server_database(var_dir: Path, prefix: str = "joinery_browser_") -> Iterator[str]:
    """Yield a DATABASE_URL for the server: a fresh PostgreSQL database, or a SQLite file.

    The PostgreSQL database is `<prefix><pid>_<n>`: unique per test process (xdist-safe).
    """
    url = os.environ.get("DATABASE_URL", "")
    if not is_postgres(url):
        yield f"sqlite:///{var_dir / 'joinery.sqlite3'}"
        return
    import psycopg

    parts = urlsplit(url)
    name = f"{prefix}{os.getpid()}_{next(_databases)}"
    admin_url = _libpq_url(urlunsplit(parts._replace(path="/postgres")))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield urlunsplit(parts._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(var_dir: Path, database_url: str, **extra: str) -> dict[str, str]:
    """The environment `joinery demo` and `joinery serve` run in (production settings)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "JOINERY_FAULT_"))}
    env.update({
        "JOINERY_VAR_DIR": str(var_dir),
        "DATABASE_URL": database_url,
        "JOINERY_DEMO": "1",
        "DJANGO_SETTINGS_MODULE": "joinery.settings.base",
        "JOINERY_EMAIL_VERIFICATION": "mandatory",
        "JOINERY_WORKERS": "2",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra)
    return env


def load_demo(env: dict[str, str]) -> None:
    """`joinery demo --no-serve`: migrate and load the demo network into the server's database."""
    demo = subprocess.run([joinery_command(), "demo", "--no-serve"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300)
    if demo.returncode != 0:
        pytest.fail(f"`joinery demo --no-serve` failed ({demo.returncode}):\n{demo.stdout[-3000:]}\n"
                    f"{demo.stderr[-3000:]}")


def run_joinery(env: dict[str, str], *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run a `joinery` command against the server's database; return what it printed."""
    return subprocess.run([joinery_command(), *argv], env=env, cwd=REPO, capture_output=True, text=True,
                          timeout=timeout)


# --- the server -----------------------------------------------------------------------------

@dataclass
class LiveServer:
    url: str
    log: Path
    process: subprocess.Popen

    def log_tail(self, lines: int = 60) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no server log)"

    def kill9(self) -> None:
        """SIGKILL the whole process group at once: `joinery serve`, the gunicorn master, its workers."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)

    def stop(self) -> None:
        stop_server(self.process)


def wait_for_health(server: LiveServer, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"`joinery serve` exited with code {server.process.returncode}:\n{server.log_tail()}")
        try:
            with urllib.request.urlopen(server.url + "/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    pytest.fail(f"`joinery serve` did not answer /healthz within {timeout:.0f} s:\n{server.log_tail()}")


def stop_server(process: subprocess.Popen) -> None:
    """Stop `joinery serve` (it stops its gunicorn and worker); then its process group if needed."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        pass
    # The server was started in a session of its own: what is left in that group is ours.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def _die_with_parent() -> None:
    """In the server's process: get SIGTERM if pytest dies without tearing down (Linux only)."""
    with contextlib.suppress(Exception):
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def start_server(env: dict[str, str], log: Path, *, with_worker: bool = True, wait: bool = True) -> LiveServer:
    """`joinery serve` on a free local port, in a session (process group) of its own."""
    port = free_port()
    argv = [joinery_command(), "serve", "--bind", f"127.0.0.1:{port}"] + (["--with-worker"] if with_worker else [])
    with log.open("ab") as log_file:
        process = subprocess.Popen(argv, env=env, cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT,
                                   start_new_session=True, preexec_fn=_die_with_parent)
    server = LiveServer(url=f"http://127.0.0.1:{port}", log=log, process=process)
    if wait:
        try:
            wait_for_health(server)
        except BaseException:
            stop_server(process)
            raise
    return server
