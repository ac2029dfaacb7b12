"""``newsfeed serve``: a local preview server for an output folder. Stdlib only.

- Binds ``127.0.0.1`` by default: a preview, not a public web server.
- Sends each document with its real type and ``charset=utf-8`` (RSS, Atom, JSON
  Feed, OPML, HTML), so feed readers and validators see what a real host sends.
- Sends ``ETag`` (a hash of the bytes) and ``Last-Modified``; a conditional GET
  (``If-None-Match``, else ``If-Modified-Since``) is answered ``304``.
- Serves only plain files inside OUT: no dotfiles (the manifest, the lock, the
  cache), no path that leaves OUT (``..``, symbolic links pointing out), no FIFO
  (never waits on one), no directory listings. A folder is served as its
  ``index.html``.
- Serves the site at its real path: built for ``https://x.org/a/b/``, the site
  answers at ``/a/b/`` (``site_path``) and ``/`` redirects there, so that every
  root-relative link works as it will on the real host (:func:`site_path_of`).
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import logging
import posixpath
import socket
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

from newsfeed.errors import SiteError
from newsfeed.safe_read import read_regular

__all__ = [
    "CONTENT_TYPES",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "content_type",
    "make_server",
    "serve",
    "server_url",
    "site_path_of",
]

log = logging.getLogger("newsfeed")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
#: A file larger than this is not served (newsfeed writes none so large).
MAX_SERVED_BYTES = 1 << 30

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
    site_path: str = "/"  # the path the site answers at (decoded), ends with "/"
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
        if path != self.site_path and path in ("/", self.site_path[:-1]):
            # To the site: 302 from "/" (a preview's address, not for caching)
            self._redirect(self.site_path, 302 if path == "/" else 301)
            return None
        if not path.startswith(self.site_path):
            return None
        path = "/" + path[len(self.site_path) :]
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
                self._redirect(self.site_path + path[1:] + "/")
                return None
            resolved = resolved / "index.html"
        return resolved if resolved.is_file() else None

    def _redirect(self, path: str, status: int = 301) -> None:
        self.send_response(status)
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
            data = read_regular(target, MAX_SERVED_BYTES)
            mtime = target.stat().st_mtime
        except OSError:  # gone, a FIFO put there meanwhile, too large
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


def site_path_of(site_url: str | None) -> str:
    """The path a site built for ``site_url`` answers at (decoded, with its slashes):
    ``/a/b/`` for ``https://x.org/a/b/``; ``/`` when ``site_url`` is None."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(site_url or "/").path)
    return "/" + path.strip("/") + "/" if path.strip("/") else "/"


class _Server6(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6


def make_server(
    out_dir: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    site_url: str | None = None,
) -> http.server.ThreadingHTTPServer:
    """A server for ``out_dir`` bound to ``host:port`` (port 0 picks a free one), not
    started; the site answers at the path of ``site_url`` (:func:`site_path_of`).

    Raises :class:`SiteError` when the folder does not exist or the address cannot
    be listened on (taken, unknown, a port outside 0-65535).
    """
    root = Path(out_dir).resolve()
    if not root.is_dir():
        raise SiteError(f"cannot serve {out_dir}: not a folder (build it first)", path=out_dir)
    attributes = {"root": root, "site_path": site_path_of(site_url)}
    handler = type("Handler", (_Handler,), attributes)
    server = _Server6 if ":" in host else http.server.ThreadingHTTPServer
    try:
        return server((host, port), handler)
    except (OSError, OverflowError, UnicodeError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise SiteError(f"cannot listen on {host}:{port}: {reason}") from exc


def server_url(server: http.server.ThreadingHTTPServer) -> str:
    """The URL the site of a server made by :func:`make_server` answers at."""
    host, port = server.server_address[:2]
    shown = f"[{host!s}]" if ":" in str(host) else str(host)
    path = urllib.parse.quote(getattr(server.RequestHandlerClass, "site_path", "/"))
    return f"http://{shown}:{port}{path}"


def serve(
    out_dir: str | Path,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    site_url: str | None = None,
) -> None:
    """Serve ``out_dir`` until interrupted (Ctrl-C)."""
    server = make_server(out_dir, host, port, site_url)
    try:
        server.serve_forever()
    finally:
        server.server_close()
