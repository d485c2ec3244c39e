"""A local HTTP server on 127.0.0.1 (ephemeral port, in a thread) standing in for files.grouplens.org."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class LocalServer:
    url: str
    root: Path
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def serve() -> Iterator[callable]:  # type: ignore[valid-type]
    """``serve(folder)`` starts a server for that folder and returns its LocalServer (url ends in /)."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(root: Path) -> LocalServer:
        state = LocalServer(url="", root=root)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                state.requests.append(self.path)
                super().do_GET()

            def log_message(self, *_: object) -> None:  # keep test output clean
                return None

        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Handler, directory=str(root))
        )
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        state.url = f"http://127.0.0.1:{server.server_address[1]}/"
        return state

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def dead_url() -> str:
    """A URL on a local port with nothing listening: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
