"""A loopback HTTP server on a daemon thread: what the test stand-ins (the upstream, the webhook
receiver, the probe target) are built on. Nothing listens beyond 127.0.0.1."""

from __future__ import annotations

import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LoopbackServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def server_bind(self) -> None:  # skip HTTPServer's reverse-DNS lookup of the host
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]


def serve(
    handler: type[BaseHTTPRequestHandler],
    *,
    port: int = 0,
    ports: range | None = None,
    name: str,
    **bind: object,
) -> tuple[LoopbackServer, threading.Thread]:
    """`handler` served on 127.0.0.1:`port` (0: any), or the first free port of `ports`.
    `bind`: class attributes the handler gets (e.g. `owner=self`, the stand-in it answers for)."""
    if bind:
        handler = type(handler.__name__, (handler,), bind)
    server = None
    for candidate in ports if ports is not None else (port,):
        try:
            server = LoopbackServer(("127.0.0.1", candidate), handler)
            break
        except OSError:
            if ports is None:
                raise
    if server is None:
        raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1}")
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name=name, daemon=True
    )
    thread.start()
    return server, thread


def shut_down(server: LoopbackServer | None, thread: threading.Thread | None = None) -> None:
    """Shut `server` down and close its socket (and wait a little for its thread)."""
    if server is not None:
        server.shutdown()
        server.server_close()
    if thread is not None:
        thread.join(timeout=5)


def base_url(server: LoopbackServer | None) -> str:
    """`http://127.0.0.1:<port>` of a started server."""
    if server is None:
        raise RuntimeError("the loopback server is not started")
    return f"http://127.0.0.1:{server.server_address[1]}"
