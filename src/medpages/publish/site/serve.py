"""Serve a built site on this machine, for the demo and for a look before publishing.

Python's own HTTP server with the site's 404 page; not meant for the open internet (any
static host will serve the built folder as it is), but it must not fall over on a bad path, a
burst of requests or idle connections: a listen queue of 128 (Python's 5 made a burst wait
for the kernel's SYN retries, seconds), connections closed after `IDLE_TIMEOUT` idle seconds,
folders never listed, a path the file system cannot hold (a NUL) answered 400.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

IDLE_TIMEOUT = 10.0  # seconds a connection may send nothing before it is closed
LISTEN_QUEUE = 128


class SiteServer(ThreadingHTTPServer):
    """A thread per connection, a long listen queue, and no traceback for a client that left."""

    daemon_threads = True
    request_queue_size = LISTEN_QUEUE
    idle_timeout = IDLE_TIMEOUT

    def handle_error(self, request, client_address) -> None:  # type: ignore[no-untyped-def]
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the client went away or went quiet: nothing to report
        super().handle_error(request, client_address)


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Files from the site folder; a missing one, or a folder without an index, gets the site's
    404.html with status 404."""

    # HTTP/1.0, a connection per request: measured with 50 clients, keep-alive (HTTP/1.1) was
    # slower here (50 threads holding connections, taking turns at the GIL), not faster.
    timeout = IDLE_TIMEOUT

    def send_head(self):  # type: ignore[no-untyped-def]
        try:
            return super().send_head()
        except ValueError:  # "embedded null byte": no file can have that name
            self.send_error(400, "Bad request path")
            return None

    def list_directory(self, path):  # type: ignore[no-untyped-def]
        self.send_error(404)  # never a listing of the site's folders
        return None

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


def make_site_server(out_dir: Path, host: str = "127.0.0.1", port: int = 0, *,
                     idle_timeout: float = IDLE_TIMEOUT) -> ThreadingHTTPServer:
    """A server of `out_dir` (port 0: any free port); call `serve_forever` or use `start_site_server`."""
    handler = type("SiteFolderHandler", (SiteRequestHandler,), {"timeout": idle_timeout})
    server = SiteServer((host, port), partial(handler, directory=str(Path(out_dir).resolve())))
    server.idle_timeout = idle_timeout
    return server


def site_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"


def start_site_server(out_dir: Path, host: str = "127.0.0.1", port: int = 0) -> tuple[ThreadingHTTPServer, str]:
    """Serve `out_dir` in a background thread; returns the server (call `shutdown()`) and its URL."""
    server = make_site_server(out_dir, host, port)
    threading.Thread(target=server.serve_forever, name="medpages-site", daemon=True).start()
    return server, site_url(server)


def serve_site(out_dir: Path, host: str = "127.0.0.1", port: int = 8000, say: Callable[[str], None] = print) -> None:
    """Serve `out_dir` until Ctrl-C, after printing its URL; on any free port when `port` is taken."""
    try:
        server = make_site_server(out_dir, host, port)
    except OSError as error:
        if port == 0:
            raise
        server = make_site_server(out_dir, host, 0)
        say(f"Port {port} is not free ({error.strerror or error}): using another.")
    say(f"Serving {Path(out_dir).resolve()} at {site_url(server)}  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
