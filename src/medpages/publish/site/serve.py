"""Serve a built site on this machine, for the demo and for a look before publishing.

Python's own HTTP server with the site's 404 page; not meant for the open internet (any
static host will serve the built folder as it is).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """Files from the site folder; a missing one gets the site's 404.html with status 404."""

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


def make_site_server(out_dir: Path, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """A server of `out_dir` (port 0: any free port); call `serve_forever` or use `start_site_server`."""
    handler = partial(SiteRequestHandler, directory=str(Path(out_dir).resolve()))
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
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
