"""A local HTTP server on 127.0.0.1 (ephemeral port, in a thread) standing in for files.grouplens.org."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass
class LocalServer:
    url: str
    root: Path
    requests: list[str] = field(default_factory=list)


@pytest.fixture
def serve() -> Iterator[Callable[..., LocalServer]]:
    """``serve(folder)`` starts a server for that folder and returns its LocalServer (url ends in /).

    ``serve(folder, truncate=True)`` announces each file's full length but sends only its first half
    and closes the connection, like a download cut off mid-way.
    """
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(root: Path, truncate: bool = False) -> LocalServer:
        state = LocalServer(url="", root=root)

        class Handler(http.server.SimpleHTTPRequestHandler):
            def do_GET(self) -> None:
                state.requests.append(self.path)
                if not truncate:
                    super().do_GET()
                    return
                body = (root / self.path.lstrip("/")).read_bytes()
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True

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
def silent_url() -> Iterator[str]:
    """A URL on a port that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"


@pytest.fixture
def dead_url() -> str:
    """A URL on a local port with nothing listening: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/"
