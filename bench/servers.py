"""What `make bench` runs against: gunicorn servers, a scratch database, wrk, and their CPU.

Loopback only. Each server is a real `gunicorn` with two sync workers (the Procfile's web
process); wrk is Debian's, driven by `signed.lua` with pre-signed Twilio-shaped requests.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from twilio.request_validator import RequestValidator

ROOT = Path(__file__).resolve().parents[1]
BENCH = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
BASE = "https://hotline.bench"
TOKEN = "bench-auth-token-0123456789abcdef"
ACCOUNT = "AC" + "b" * 32
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def production_env(database_url: str, redis_url: str, instance: Path) -> dict[str, str]:
    """The environment of a production web process, with bench secrets."""
    return {
        **os.environ,
        "HOTLINE_ENV": "production",
        "SECRET_KEY": "bench-secret-key-not-for-anything-else",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "PUBLIC_BASE_URL": BASE,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "HOTLINE_INSTANCE_PATH": str(instance),
    }


@dataclass
class Server:
    """A gunicorn master and its workers, on a loopback port."""

    name: str
    process: subprocess.Popen[bytes]
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in children.read_text().split()]

    def cpu_seconds(self) -> float:
        """User + system CPU of the workers so far (the master only supervises)."""
        total = 0
        for pid in self.workers():
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def rss_mb(self) -> float:
        """The largest resident set among the workers."""
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(int(line.split()[1]) / 1024)
        return max(sizes, default=0.0)

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def start_gunicorn(name: str, app: str, env: Mapping[str, str], workers: int = 2) -> Server:
    """gunicorn with the web process's settings, returned once every worker is warm."""
    port = free_port()
    ready = Path(tempfile.mkdtemp(prefix=f"hotline-bench-{name}-"))
    command = [
        str(VENV_BIN / "gunicorn"),
        "--config",
        str(BENCH / "gunicorn_ready.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--log-level",
        "warning",
        app,
    ]
    process = subprocess.Popen(command, env={**env, "BENCH_READY_DIR": str(ready)}, cwd=ROOT)
    server = Server(name, process, port)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name}: gunicorn exited with {process.returncode}")
        if len(list(ready.iterdir())) >= workers:
            return server
        time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"{name}: gunicorn's workers were not ready within 60 s")


def call_params(index: int, **extra: str) -> dict[str, str]:
    """A Twilio-shaped inbound call webhook, one CallSid per index."""
    caller = f"+336{10000000 + index % 5000:08d}"
    return {
        "AccountSid": ACCOUNT,
        "ApiVersion": "2010-04-01",
        "CallSid": f"CA{index:032x}",
        "CallStatus": "ringing",
        "Called": "+33184880000",
        "Caller": caller,
        "Direction": "inbound",
        "From": caller,
        "To": "+33184880000",
        **extra,
    }


def write_requests(path: Path, target: str, rows: Iterable[dict[str, str]]) -> Path:
    """Pre-signed requests for wrk, one per line: path, body, signature."""
    validator = RequestValidator(TOKEN)
    with path.open("w") as out:
        for params in rows:
            signature = validator.compute_signature(BASE + target, params)
            out.write(f"{target}\t{urlencode(params)}\t{signature}\n")
    return path


def wrk(
    url: str, requests_file: Path, connections: int, seconds: int, first_line: int = 0
) -> dict[str, float]:
    """One wrk run from `first_line` of the file on; its JSON line, plus req/s."""
    threads = min(connections, 2)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "10s",
        "-s",
        str(BENCH / "signed.lua"),
        url,
        "--",
        str(requests_file),
        str(threads),
        str(first_line),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(row for row in output.splitlines() if row.startswith("{"))
    result: dict[str, float] = json.loads(line)
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def scratch_folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="hotline-bench-"))
