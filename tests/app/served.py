"""Helpers for the tests that serve the app and drive it in headless Chromium."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from pipeline.core.config import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
# Flags for a closed network: no background connections, no updates (docs: shared OFFLINE notes).
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The page has finished its script run.
DONE = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def free_port() -> int:
    """A free TCP port on the loopback address."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    """Wait until `url` answers 200, failing early when `proc` has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:3]} exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"no answer on {url} within {timeout} s")


def stop(proc: subprocess.Popen) -> None:
    """End a served process: terminate, and kill it if it has not gone in 15 s."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=15)


@contextlib.contextmanager
def serve(root: Path, log_path: Path, src: Path | None = None) -> Iterator[str]:
    """URL of the app served on work directory `root`; stopped whatever happens.
    `src`: serve the code of another checkout (its folder on PYTHONPATH), e.g. for a bench."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "CASUSWIJZER_WORKDIR": str(root), "PYTHONUNBUFFERED": "1"}
    env.pop("CASUSWIJZER_PARAMS", None)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    log = open(log_path, "w", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        # the product's own entry point: `casuswijzer app` becomes the Streamlit server
        [sys.executable, "-m", "pipeline.cli", "app", "--workdir", str(root), "--port", str(port)],
        cwd=src or PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_for(f"{url}/_stcore/health", proc)
        yield url
    finally:
        stop(proc)
        log.close()
