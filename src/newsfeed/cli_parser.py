"""The ``newsfeed`` command's arguments: one small function per subcommand.

Errors are usage errors (exit 2) printed after the usage line, as ``newsfeed: error: ...``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from newsfeed._version import __version__
from newsfeed.chars import for_terminal

__all__ = ["EXIT_USAGE", "parser"]

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"newsfeed: error: {for_terminal(message)}\n")


def parser() -> argparse.ArgumentParser:
    """The whole command line: ``build``, ``serve``, ``config`` and ``check``."""
    top = _Parser(prog="newsfeed", description="Publish Hexo news posts as feeds.")
    top.add_argument("--version", action="version", version=f"newsfeed {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)
    _build(sub.add_parser("build", help="build the feeds of a folder of posts"))
    _serve(sub.add_parser("serve", help="preview an output folder on this machine over HTTP"))
    _config(sub.add_parser("config", help="show the effective configuration and its sources"))
    _check(sub.add_parser("check", help="judge a built site: every document and internal link"))
    return top


def _build(build: argparse.ArgumentParser) -> None:
    build.add_argument("source", type=Path, help="a Hexo site (with _config.yml) or posts folder")
    build.add_argument(
        "-o", "--out", type=Path, help="output folder (default: SITE/public or ./public)"
    )
    build.add_argument("--watch", action="store_true", help="rebuild whenever the posts change")
    _config_flags(build)
    _value_flags(build)
    build.add_argument("--strict", action="store_true", help="any problem: write nothing, exit 1")
    build.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even when no post is left or most published files would go",
    )
    build.add_argument(
        "--report", type=Path, metavar="FILE", help="also write a JSON report of every problem"
    )
    loudness = build.add_mutually_exclusive_group()
    loudness.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    loudness.add_argument("-v", "--verbose", action="store_true", help="print every problem")
    build.add_argument("--debug", action="store_true", help="show tracebacks")
    build.add_argument("--hub", help="WebSub hub announced in every feed")
    build.add_argument(
        "--ping", action="store_true", help="tell the hub which feeds changed (needs a hub)"
    )
    build.add_argument(
        "--archive", action="store_true", default=None, help="RFC 5005 archives of every item"
    )
    build.add_argument(
        "--probe-images",
        action="store_true",
        default=None,
        help="ask image servers for sizes and types (cached)",
    )
    build.add_argument(
        "-j", "--jobs", type=int, metavar="N", help="worker processes (default 0: every core)"
    )
    build.add_argument(
        "--no-cache",
        dest="cache",
        action="store_false",
        default=None,
        help="ignore and do not update the build cache (OUT/.newsfeed-cache.sqlite)",
    )


def _port(text: str) -> int:
    """A TCP port: 0 (any free one) to 65535."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is not a port (0-65535; 0: any free one)")
    return port


def _site_url(text: str) -> str:
    """An absolute http(s) URL (the address a site is served at)."""
    if not text.startswith(("http://", "https://")) or "//" not in text[:8] or not text[8:]:
        raise argparse.ArgumentTypeError(f"not an absolute http(s) URL: {text!r}")
    return text


def _serve(serve: argparse.ArgumentParser) -> None:
    serve.add_argument(
        "out", type=Path, nargs="?", default=Path("public"), help="output folder or Hexo site"
    )
    serve.add_argument("--port", type=_port, default=8000, help="port (default: 8000; 0: any)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument(
        "--site-url",
        type=_site_url,
        help="URL OUT was built for: the site answers at its path (default: from its feeds)",
    )
    serve.add_argument("--debug", action="store_true", help="log every request, show tracebacks")


def _config(config: argparse.ArgumentParser) -> None:
    config.add_argument("source", type=Path, nargs="?", default=Path(), help="site or posts")
    _value_flags(config)
    config.add_argument("--debug", action="store_true", help="show tracebacks")
    _config_flags(config)


def _check(check: argparse.ArgumentParser) -> None:
    check.add_argument(
        "out", type=Path, nargs="?", default=Path("public"), help="output folder or Hexo site"
    )
    check.add_argument(
        "--site-url", type=_site_url, help="URL OUT is served at (default: from its feeds)"
    )
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    check.add_argument("--debug", action="store_true", help="show tracebacks")


def _value_flags(parser: argparse.ArgumentParser) -> None:
    """The configuration keys that have a flag of their own, shared by build and config."""
    parser.add_argument("--site-url", help="URL the output folder is served at")
    parser.add_argument("--limit", type=int, help="items per feed (0: all)")
    parser.add_argument("--timezone", help="time zone of dates without an offset")


def _config_flags(parser: argparse.ArgumentParser) -> None:
    """Flags that choose the configuration, shared by ``build`` and ``config``."""
    parser.add_argument(
        "--config", type=Path, metavar="FILE", help="newsfeed.toml or pyproject.toml to read"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="set any configuration key (repeatable), e.g. --set content=false",
    )
