"""`careline serve --demo` on a fresh data directory comes up and answers /healthz."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_serve_demo_answers_health(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CARELINE_DATA_DIR": str(tmp_path), "CARELINE_DATABASE_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "-m", "gateway.cli", "serve", "--demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status != 200:
            if process.poll() is not None:
                raise AssertionError(f"serve exited early:\n{process.stdout.read()}")  # type: ignore[union-attr]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    status = r.status
            except OSError:
                time.sleep(0.2)
        assert status == 200
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=5) as response:
            assert response.status == 200
        assert (tmp_path / "careline.db").exists()
    finally:
        process.terminate()
        process.communicate(timeout=20)
