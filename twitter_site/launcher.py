"""Start everything Chirp needs, or run its tests, from one command (see ./chirp).

./chirp run        services, migrations, demo data, web (HTTP + WebSocket), Celery worker + beat
./chirp test       the same set-up, then the whole pytest suite (extra args go to pytest)
./chirp bench ...  the benchmark (see docs/benchmarks.md)
./chirp manage ... any manage.py command with the services up
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from twitter_site.embedded import BASE_DIR, data_dir, ensure_services, stop_services

HTTP_PORT = int(os.environ.get("CHIRP_PORT", "8000"))
WS_PORT = int(os.environ.get("CHIRP_WS_PORT", str(HTTP_PORT + 1)))
HOST = os.environ.get("CHIRP_HOST", "127.0.0.1")
PY = sys.executable
BIN = Path(PY).parent


def web_workers() -> int:
    """Return how many WSGI processes serve HTTP: ``CHIRP_WEB_WORKERS``, by default one per core (at least 2)."""
    return int(os.environ.get("CHIRP_WEB_WORKERS") or max(2, os.cpu_count() or 2))


def web_threads() -> int:
    """Return the Python threads per WSGI process: ``CHIRP_WEB_THREADS``, by default 1."""
    return int(os.environ.get("CHIRP_WEB_THREADS") or 1)


def granian_command(*, host: str, port: int, extra: tuple[str, ...] = ()) -> list[str]:
    """Return the command of the WSGI server, the same for ``./chirp run`` and the benchmarks.

    One Python thread per process: the hot reads hold the GIL nearly all the time (Redis answers
    in microseconds), and granian's default of up to 256 threads a process made them contend for
    it: on the t100k home timeline, 2 processes x 1 thread served ~5,500 req/s against ~4,200 with
    2 threads and ~3,400 with the default (docs/benchmarks.md). PostgreSQL runs on the same cores,
    so a process waiting on it does not leave a core idle; raise the variables for slow backends.
    """
    return [
        str(BIN / "granian"),
        "--interface",
        "wsgi",
        "--host",
        host,
        "--port",
        str(port),
        "--workers",
        str(web_workers()),
        "--blocking-threads",
        str(web_threads()),
        "--no-ws",
        *extra,
        "twitter_site.wsgi:application",
    ]


def say(message: str) -> None:
    print(f"==> {message}", flush=True)


def manage(*args: str, check: bool = True) -> int:
    return subprocess.run([PY, "manage.py", *args], cwd=BASE_DIR, check=check).returncode


def services_up() -> dict[str, str]:
    started = ensure_services()
    for name in ("DATABASE_URL", "REDIS_URL"):
        origin = "embedded" if name in started else "from the environment"
        say(f"{name} {origin}: {os.environ[name]}")
    return started


def chromium_path() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


# --------------------------------------------------------------------------- run


def run() -> int:
    started = services_up()
    children: list[subprocess.Popen] = []

    def shutdown(*_):
        say("Stopping…")
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        deadline = time.time() + 10
        for child in children:
            try:
                child.wait(max(0.1, deadline - time.time()))
            except subprocess.TimeoutExpired:
                child.kill()
        if os.environ.get("CHIRP_KEEP_SERVICES") != "1":
            stop_services(started)
        say("Stopped.")
        sys.exit(0)

    signal.signal(signal.SIGINT, shutdown)
    signal.signal(signal.SIGTERM, shutdown)
    try:
        say("Migrating the database")
        manage("migrate", "--no-input", "-v", "0")
        manage("seed_demo", "--if-empty")
        os.environ.setdefault("WEBSOCKET_ORIGIN", f":{WS_PORT}")
        beat_schedule = str(data_dir() / "celerybeat-schedule")
        static = ("--static-path-route", "/static", "--static-path-mount", str(BASE_DIR / "static"))
        commands = {
            "web (HTTP)": granian_command(host=HOST, port=HTTP_PORT, extra=static),
            "web (WebSocket)": [str(BIN / "daphne"), "-b", HOST, "-p", str(WS_PORT), "twitter_site.asgi:application"],
            "celery worker": [
                str(BIN / "celery"),
                "-A",
                "twitter_site",
                "worker",
                "-Q",
                "default,fanout,ranking,media",
                "--concurrency",
                os.environ.get("CHIRP_CELERY_CONCURRENCY", "2"),
                "--loglevel",
                "WARNING",
            ],
            "celery beat": [
                str(BIN / "celery"),
                "-A",
                "twitter_site",
                "beat",
                "--schedule",
                beat_schedule,
                "--loglevel",
                "WARNING",
            ],
        }
        for name, command in commands.items():
            say(f"Starting {name}")
            children.append(subprocess.Popen(command, cwd=BASE_DIR))
        time.sleep(2)
        print(
            f"\n  Chirp is running at  http://{HOST}:{HTTP_PORT}/\n"
            "  Demo login:          username demo, password chirp-demo-2026\n"
            f"  API docs:            http://{HOST}:{HTTP_PORT}/api/docs/\n"
            f"  Moderation (admin):  http://{HOST}:{HTTP_PORT}/admin/  (username admin, password chirp-admin-2026)\n"
            "  Ctrl-C stops everything.\n",
            flush=True,
        )
        while True:
            for child, name in zip(children, commands):
                if child.poll() is not None:
                    say(f"{name} exited with {child.returncode}; stopping everything")
                    shutdown()
            time.sleep(1)
    except subprocess.CalledProcessError as error:
        print(f"Set-up failed: {error}", file=sys.stderr)
        for child in children:
            child.terminate()
        stop_services(started)
        return 1


# --------------------------------------------------------------------------- test


def test(args: list[str]) -> int:
    os.environ["CHIRP_TESTING"] = "1"
    started = services_up()
    try:
        browser = chromium_path()
        if browser:
            os.environ["CHROMIUM"] = browser
            say(f"Browser tests use {browser}")
        else:
            bar = "!" * 78
            print(
                f"\n{bar}\n!! No Chromium found (/usr/bin/chromium): the browser tests will be SKIPPED.\n"
                f"!! Install it with: apt-get install chromium   (.ci/run does, and requires them)\n{bar}\n",
                flush=True,
            )
        return subprocess.run([PY, "-m", "pytest", *args], cwd=BASE_DIR).returncode
    finally:
        if os.environ.get("CHIRP_KEEP_SERVICES") != "1":
            stop_services(started)


def passthrough(kind: str, args: list[str]) -> int:
    started = services_up()
    try:
        if kind == "bench":
            return subprocess.run([PY, "manage.py", "bench", *args], cwd=BASE_DIR).returncode
        return subprocess.run([PY, "manage.py", *args], cwd=BASE_DIR).returncode
    finally:
        if os.environ.get("CHIRP_KEEP_SERVICES") != "1":
            stop_services(started)


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("run", "test", "bench", "manage"):
        print(__doc__)
        return 2
    command, rest = argv[0], argv[1:]
    if command == "run":
        return run()
    if command == "test":
        return test(rest)
    return passthrough(command, rest)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
