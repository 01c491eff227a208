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


@contextlib.contextmanager
def forwarding_proxy(upstream: str) -> Iterator[str]:
    """URL of a reverse proxy in front of `upstream` (http://127.0.0.1:PORT) that does what
    deploy/nginx-casuswijzer.conf does for what a page needs: forward GET requests and the
    WebSocket upgrade, with the client's address added in X-Forwarded-For. A browser's own
    extra headers are no stand-in: Chromium does not send them on the WebSocket handshake,
    where Streamlit reads `st.context.headers`. Runs tornado (Streamlit's server) on its own
    thread and loop."""
    import asyncio
    import threading

    import tornado.httpclient
    import tornado.httpserver
    import tornado.web
    import tornado.websocket

    ws_upstream = upstream.replace("http://", "ws://", 1)
    hop = {"connection", "upgrade", "keep-alive", "transfer-encoding", "content-length", "host"}

    def forwarded(request) -> dict[str, str]:
        headers = {k: v for k, v in request.headers.get_all() if k.lower() not in hop}
        prior = request.headers.get("X-Forwarded-For")
        headers["X-Forwarded-For"] = f"{prior}, {request.remote_ip}" if prior else request.remote_ip
        return headers

    class Forward(tornado.websocket.WebSocketHandler):
        upstream_ws = None

        async def get(self, *args, **kwargs):
            if self.request.headers.get("Upgrade", "").lower() == "websocket":
                return await super().get(*args, **kwargs)
            client = tornado.httpclient.AsyncHTTPClient()
            resp = await client.fetch(
                tornado.httpclient.HTTPRequest(
                    upstream + self.request.uri,
                    headers=forwarded(self.request),
                    follow_redirects=False,
                    decompress_response=False,
                ),
                raise_error=False,
            )
            self.set_status(resp.code, resp.reason)
            self.clear_header("Content-Type")  # tornado's default, else sent twice
            for k, v in resp.headers.get_all():
                if k.lower() not in hop:
                    self.add_header(k, v)
            if resp.body:
                self.write(resp.body)

        def select_subprotocol(self, subprotocols):
            return subprotocols[0] if subprotocols else None

        async def open(self, *args, **kwargs):
            self.set_nodelay(True)
            protocols = [
                p.strip()
                for p in self.request.headers.get("Sec-WebSocket-Protocol", "").split(",")
                if p.strip()
            ]
            headers = {
                k: v for k, v in forwarded(self.request).items() if not k.lower().startswith("sec-")
            }
            self.upstream_ws = await tornado.websocket.websocket_connect(
                tornado.httpclient.HTTPRequest(ws_upstream + self.request.uri, headers=headers),
                subprotocols=protocols or None,
                max_message_size=1 << 30,
            )
            asyncio.ensure_future(self._pipe_back())

        async def _pipe_back(self):
            while True:
                msg = await self.upstream_ws.read_message()
                if msg is None:
                    self.close()
                    return
                await self.write_message(msg, binary=isinstance(msg, bytes))

        async def on_message(self, message):
            if self.upstream_ws is not None:
                await self.upstream_ws.write_message(message, binary=isinstance(message, bytes))

        def on_close(self):
            if self.upstream_ws is not None:
                self.upstream_ws.close()

    port = free_port()
    ready = threading.Event()
    state: dict = {}

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        app = tornado.web.Application([(r"/.*", Forward)], websocket_max_message_size=1 << 30)
        server = tornado.httpserver.HTTPServer(app)
        server.listen(port, "127.0.0.1")
        state.update(loop=loop, server=server)
        ready.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not ready.wait(10):
        raise TimeoutError(f"the forwarding proxy did not start on port {port}")
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop = state["loop"]
        loop.call_soon_threadsafe(state["server"].stop)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
