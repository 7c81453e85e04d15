"""Load generators for the benchmark, each run as a child process so its CPU use can be measured.

* closed loop: ``wrk`` (Debian package) with a Lua script that rotates over many request paths;
  when wrk is missing, this module's own asyncio client in closed-loop mode.
* open loop: this module's asyncio client sends at a fixed rate and times every request from its
  INTENDED send time, so a slow server shows up as queueing delay (no coordinated omission).

    python -m bench.load open   --port 8765 --rate 1000 --duration 10 --paths paths.txt --connections 64
    python -m bench.load closed --port 8765 --duration 10 --paths paths.txt --connections 16
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- the server under test


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """granian (WSGI) serving the project, as ``./chirp run`` does; ``env`` adds variables.

    DEBUG is off, as in production: with it on, Django re-reads every template on each render (no
    cached loader) and keeps a log of every query, which would measure the development set-up.
    """

    def __init__(
        self, port: int, workers: int | None = None, env: dict[str, str] | None = None, drop: tuple[str, ...] = ()
    ):
        self.port, self.workers = port, workers
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "twitter_site.settings", "DEBUG": "0", **(env or {})}
        if workers:  # else the default of ./chirp run
            self.env["CHIRP_WEB_WORKERS"] = str(workers)
        for name in drop:
            self.env.pop(name, None)
        self.process: subprocess.Popen | None = None

    def __enter__(self):
        from twitter_site.launcher import granian_command

        args = granian_command(host="127.0.0.1", port=self.port, extra=("--log-level", "warning"))
        self.process = subprocess.Popen(args, cwd=BASE_DIR, env=self.env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("granian did not start")

    def __exit__(self, *exc):
        stop_group(self.process, 10)


def stop_group(process: subprocess.Popen | None, timeout: float) -> None:
    """Stop a child started with ``start_new_session`` and its children: SIGTERM, then SIGKILL."""
    if process and process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


# --------------------------------------------------------------------------- a tiny HTTP/1.1 client


def split_line(line: str) -> tuple[str, dict[str, str]]:
    """Return (path, headers) of a request line: ``path`` or ``path<TAB>bearer token``."""
    path, _, token = line.partition("\t")
    return path, ({"Authorization": f"Bearer {token}"} if token else {})


async def _request(reader, writer, host: str, line: str) -> int:
    path, headers = split_line(line)
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}\r\nAccept: application/json\r\n{extra}\r\n".encode())
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    match = re.search(rb"content-length:\s*(\d+)", lower)
    if match:
        await reader.readexactly(int(match.group(1)))
    elif b"transfer-encoding: chunked" in lower:
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    return status


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _summary(latencies: list[float], errors: int, sent: int, elapsed: float) -> dict:
    ms = [x * 1000 for x in latencies]
    return {
        "sent": sent,
        "completed": len(latencies),
        "errors": errors,
        "seconds": round(elapsed, 2),
        "req_per_s": round(len(latencies) / elapsed, 1) if elapsed else 0.0,
        "p50_ms": round(_percentile(ms, 50), 2),
        "p99_ms": round(_percentile(ms, 99), 2),
        "p999_ms": round(_percentile(ms, 99.9), 2),
        "max_ms": round(max(ms), 2) if ms else float("nan"),
    }


async def open_loop(host: str, port: int, paths: list[str], rate: float, duration: float, connections: int) -> dict:
    """Send ``rate`` requests a second for ``duration`` s; latency counts from the intended send time."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue = asyncio.Queue()
    latencies: list[float] = []
    errors = 0

    async def worker():
        nonlocal errors
        reader, writer = await asyncio.open_connection(host, port)
        while True:
            item = await queue.get()
            if item is None:
                writer.close()
                return
            intended, path = item
            try:
                status = await _request(reader, writer, host, path)
            except (OSError, asyncio.IncompleteReadError):
                errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            latencies.append(loop.time() - intended)
            if status != 200:
                errors += 1

    workers = [asyncio.create_task(worker()) for _ in range(connections)]
    total = int(rate * duration)
    start = loop.time() + 0.05
    for k in range(total):
        intended = start + k / rate
        delay = intended - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        queue.put_nowait((intended, paths[k % len(paths)]))
    for _ in workers:
        queue.put_nowait(None)
    try:
        await asyncio.wait_for(asyncio.gather(*workers), timeout=duration * 3 + 30)
    except TimeoutError:
        errors += total - len(latencies)
    return _summary(latencies, errors, total, loop.time() - start) | {"rate": rate, "connections": connections}


async def closed_loop(host: str, port: int, paths: list[str], duration: float, connections: int) -> dict:
    """Keep ``connections`` requests in flight for ``duration`` s (fallback when wrk is missing)."""
    loop = asyncio.get_running_loop()
    latencies: list[float] = []
    errors = 0
    counter = 0
    deadline = loop.time() + duration

    async def worker(offset: int):
        nonlocal errors, counter
        reader, writer = await asyncio.open_connection(host, port)
        while loop.time() < deadline:
            counter += 1
            sent = loop.time()
            status = await _request(reader, writer, host, paths[(offset + counter) % len(paths)])
            latencies.append(loop.time() - sent)
            if status != 200:
                errors += 1
        writer.close()

    start = loop.time()
    await asyncio.gather(*(worker(i * 7) for i in range(connections)))
    return _summary(latencies, errors, len(latencies), loop.time() - start) | {"connections": connections}


# --------------------------------------------------------------------------- child processes


@dataclass
class Measured:
    result: dict
    cpu_seconds: float
    wall_seconds: float

    @property
    def cpu_share(self) -> float:
        """Return the generator's CPU use as a share of the machine (all cores)."""
        return self.cpu_seconds / self.wall_seconds / (os.cpu_count() or 1) if self.wall_seconds else 0.0


def _run_child(args: list[str]) -> tuple[str, float]:
    """Run a generator to completion; return its output and wall time (its CPU: RUSAGE_CHILDREN)."""
    started = time.monotonic()
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = process.communicate()
    wall = time.monotonic() - started
    if process.returncode != 0:
        raise RuntimeError(f"load generator failed ({process.returncode}): {err[-2000:]}")
    return out, wall


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


_WRK_SCRIPT = """
local requests = {}
-- Built in init: wrk sets the Host header just before calling it (a request formatted earlier has none).
init = function(args)
  for line in io.lines("%s") do
    local path, token = line:match("^([^\t]*)\t?(.*)$")
    local headers = nil
    if token ~= "" then headers = {["Authorization"] = "Bearer " .. token} end
    requests[#requests + 1] = wrk.format("GET", path, headers)
  end
end
local i = 0
request = function()
  i = i %% #requests + 1
  return requests[i]
end
"""


def _wrk_ms(text: str, label: str) -> float:
    match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_closed(host: str, port: int, paths: list[str], duration: float, connections: int) -> Measured:
    """Run a closed-loop measurement with wrk (or the asyncio client) and measure its CPU."""
    with tempfile.TemporaryDirectory() as folder:
        paths_file = os.path.join(folder, "paths.txt")
        with open(paths_file, "w") as handle:
            handle.write("\n".join(paths) + "\n")
        before = _children_cpu()
        wrk = shutil.which("wrk")
        if wrk:
            script = os.path.join(folder, "rotate.lua")
            with open(script, "w") as handle:
                handle.write(_WRK_SCRIPT % paths_file)
            args = [wrk, "-t1", f"-c{connections}", f"-d{max(1, round(duration))}s", "--latency", "-s", script]
            out, wall = _run_child([*args, f"http://{host}:{port}"])
            requests = re.search(r"Requests/sec:\s+([\d.]+)", out)
            errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
            socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
            result = {
                "tool": "wrk",
                "connections": connections,
                "req_per_s": float(requests.group(1)) if requests else 0.0,
                "p50_ms": _wrk_ms(out, "50%"),
                "p99_ms": _wrk_ms(out, "99%"),
                "errors": (int(errors.group(1)) if errors else 0)
                + (sum(int(x) for x in socket_errors.groups()) if socket_errors else 0),
            }
        else:
            args = [sys.executable, "-m", "bench.load", "closed", "--host", host, "--port", str(port)]
            args += ["--duration", str(duration), "--connections", str(connections), "--paths", paths_file]
            out, wall = _run_child(args)
            result = json.loads(out) | {"tool": "asyncio"}
        return Measured(result, _children_cpu() - before, wall)


def run_open(host: str, port: int, paths: list[str], rate: float, duration: float, connections: int) -> Measured:
    """Run an open-loop measurement in a child process and measure its CPU."""
    with tempfile.TemporaryDirectory() as folder:
        paths_file = os.path.join(folder, "paths.txt")
        with open(paths_file, "w") as handle:
            handle.write("\n".join(paths) + "\n")
        before = _children_cpu()
        args = [sys.executable, "-m", "bench.load", "open", "--host", host, "--port", str(port), "--rate", str(rate)]
        args += ["--duration", str(duration), "--connections", str(connections), "--paths", paths_file]
        out, wall = _run_child(args)
        return Measured(json.loads(out) | {"tool": "asyncio open loop"}, _children_cpu() - before, wall)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load")
    parser.add_argument("mode", choices=["open", "closed"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--paths", required=True)
    parser.add_argument("--rate", type=float, default=100)
    parser.add_argument("--duration", type=float, default=5)
    parser.add_argument("--connections", type=int, default=16)
    options = parser.parse_args(argv)
    with open(options.paths) as handle:
        paths = [line.strip() for line in handle if line.strip()]
    if options.mode == "open":
        coro = open_loop(options.host, options.port, paths, options.rate, options.duration, options.connections)
    else:
        coro = closed_loop(options.host, options.port, paths, options.duration, options.connections)
    print(json.dumps(asyncio.run(coro)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
