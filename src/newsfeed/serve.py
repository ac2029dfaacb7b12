"""``newsfeed serve``: a local preview server for an output folder. Stdlib only.

- Binds ``127.0.0.1`` by default: a preview, not a public web server.
- Sends each document with its real type and ``charset=utf-8`` (RSS, Atom, JSON
  Feed, OPML, HTML), so feed readers and validators see what a real host sends.
- Sends ``ETag`` (a hash of the bytes) and ``Last-Modified``; a conditional GET
  (``If-None-Match``, else ``If-Modified-Since``) is answered ``304``.
- Serves only plain files inside OUT: no dotfiles (the manifest, the lock, the
  cache), no path that leaves OUT (``..``, symbolic links pointing out), no
  directory listings. A folder is served as its ``index.html``.
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import logging
import posixpath
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from newsfeed.errors import SiteError

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "content_type",
    "make_server",
    "serve",
    "server_url",
]

log = logging.getLogger("newsfeed")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000

CONTENT_TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    ".json": "application/feed+json; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".svg": "image/svg+xml",
}


def content_type(name: str) -> str:
    """The ``Content-Type`` of a file name (feed names first, then extensions)."""
    for suffix, kind in CONTENT_TYPES.items():
        if name.endswith(suffix):
            return kind
    return "application/octet-stream"


class _Handler(http.server.BaseHTTPRequestHandler):
    server_version = "newsfeed-serve"
    root: Path  # set on the subclass made by make_server
    _redirected: bool = False

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._respond(with_body=True)

    def do_HEAD(self) -> None:
        self._respond(with_body=False)

    def _locate(self) -> Path | None:
        """The file the request path names inside root, or None when it may not be served."""
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path, errors="strict")
        if not path.startswith("/") or "\x00" in path or "\\" in path:
            return None
        parts = [p for p in posixpath.normpath(path).split("/") if p]
        if any(p.startswith(".") for p in path.split("/") if p):
            return None  # dotfiles and dot-folders, and any '..'
        target = self.root.joinpath(*parts)
        try:
            resolved = target.resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if resolved != self.root and self.root not in resolved.parents:
            return None  # a symbolic link pointing out of OUT
        if resolved.is_dir():
            if not path.endswith("/"):
                self._redirect(path + "/")
                return None
            resolved = resolved / "index.html"
        return resolved if resolved.is_file() else None

    def _redirect(self, path: str) -> None:
        self.send_response(301)
        self.send_header("Location", urllib.parse.quote(path))
        self.send_header("Content-Length", "0")
        self.end_headers()
        self._redirected = True

    def _respond(self, with_body: bool) -> None:
        self._redirected = False
        try:
            target = self._locate()
        except UnicodeDecodeError:
            target = None
        if self._redirected:
            return
        if target is None:
            self.send_error(404, "Not Found")
            return
        try:
            data = target.read_bytes()
            mtime = target.stat().st_mtime
        except OSError:
            self.send_error(404, "Not Found")
            return
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        modified = datetime.fromtimestamp(int(mtime), UTC)
        status = 304 if self._not_modified(etag, modified) else 200
        self.send_response(status)
        self.send_header("Content-Type", content_type(target.name))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.format_datetime(modified, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        if status == 304:
            self.end_headers()
            return
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if with_body:
            self.wfile.write(data)

    def _not_modified(self, etag: str, modified: datetime) -> bool:
        """RFC 9110 section 13.1: If-None-Match wins over If-Modified-Since."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match is not None:
            tags = [t.strip().removeprefix("W/") for t in if_none_match.split(",")]
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return modified <= when


def make_server(
    out_dir: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT
) -> http.server.ThreadingHTTPServer:
    """A server for ``out_dir`` bound to ``host:port`` (port 0 picks a free one), not started.

    Raises :class:`SiteError` when the folder does not exist or the address is taken.
    """
    root = Path(out_dir).resolve()
    if not root.is_dir():
        raise SiteError(f"cannot serve {out_dir}: not a folder (build it first)", path=out_dir)
    handler = type("Handler", (_Handler,), {"root": root})
    try:
        return http.server.ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise SiteError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc


def server_url(server: http.server.ThreadingHTTPServer) -> str:
    """The base URL a server made by :func:`make_server` answers at."""
    host, port = server.server_address[:2]
    shown = f"[{host!s}]" if ":" in str(host) else str(host)
    return f"http://{shown}:{port}/"


def serve(out_dir: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> None:
    """Serve ``out_dir`` until interrupted (Ctrl-C)."""
    server = make_server(out_dir, host, port)
    try:
        server.serve_forever()
    finally:
        server.server_close()
