"""The ``newsfeed`` command. Shows reports; never a traceback unless ``--debug``.

Exit codes: 0 done (also with reported problems), 1 problems under ``--strict`` or
a failed build, 2 a usage or configuration error.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.errors import ConfigError, NewsfeedError, SourceError
from newsfeed.model import BuildReport
from newsfeed.pipeline import Progress, publish
from newsfeed.report import report_data, write_report

log = logging.getLogger("newsfeed")

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_USAGE, f"newsfeed: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="newsfeed", description="Publish Hexo news posts as feeds.")
    parser.add_argument("--version", action="version", version=f"newsfeed {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    build = sub.add_parser("build", help="build the feeds of a folder of posts")
    build.add_argument("source", type=Path, help="folder of posts (Markdown with front matter)")
    build.add_argument(
        "-o", "--out", type=Path, default=Path("public"), help="output folder (default: ./public)"
    )
    build.add_argument("--site-url", help="URL the output folder is served at")
    build.add_argument("--limit", type=int, help="items per feed (0: all)")
    build.add_argument("--timezone", help="time zone of dates without an offset")
    build.add_argument("--strict", action="store_true", help="exit 1 when any post has a problem")
    build.add_argument(
        "--report", type=Path, metavar="FILE", help="also write a JSON report of every problem"
    )
    build.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    build.add_argument("-v", "--verbose", action="store_true", help="print every problem")
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
    serve = sub.add_parser("serve", help="preview an output folder on this machine over HTTP")
    serve.add_argument("out", type=Path, nargs="?", default=Path("public"), help="output folder")
    serve.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0: any)")
    serve.add_argument("--host", default="127.0.0.1", help="address (default: 127.0.0.1)")
    serve.add_argument("--debug", action="store_true", help="log every request, show tracebacks")
    return parser


def _config(args: argparse.Namespace) -> Config:
    overrides = {
        key: value
        for key, value in (
            ("site_url", args.site_url),
            ("limit", args.limit),
            ("timezone", args.timezone),
            ("hub", args.hub),
            ("archive", args.archive),
            ("probe_images", args.probe_images),
        )
        if value is not None
    }
    config = Config.from_mapping(overrides)
    if args.ping and not config.hub:
        raise ConfigError("hub", "--ping needs a hub: pass --hub URL or set hub")
    return config


def _ping(report: BuildReport, config: Config, quiet: bool) -> None:
    """WebSub: tell the hub about the changed feeds; a failure is shown, never fatal."""
    from newsfeed.websub import ping_hub, topic_urls

    assert config.hub is not None
    topics = topic_urls(report.written, config)
    if not topics:
        if not quiet:
            print(f"no feed changed: {config.hub} not pinged")
        return
    failures = ping_hub(config.hub, topics)
    for failure in failures:
        print(f"newsfeed: WebSub ping failed: {failure}", file=sys.stderr)
    if not failures and not quiet:
        print(f"pinged {config.hub} with {len(topics)} changed feeds")


def _progress(quiet: bool) -> Progress | None:
    if quiet or not sys.stderr.isatty():
        return None
    last = {"stage": ""}

    def show(stage: str, done: int, total: int) -> None:
        if done == total or done % 200 == 0 or stage != last["stage"]:
            end = "\n" if done == total else ""
            sys.stderr.write(f"\r{stage:>5}: {done}/{total}{end}")
            sys.stderr.flush()
            last["stage"] = stage

    return show


def _print_report(report: BuildReport, out: Path, verbose: bool, quiet: bool) -> None:
    skipped = report.skipped
    warnings = len(report.problems) - len(skipped)
    if not quiet:
        print(
            f"read {report.read} posts: {report.published} published, "
            f"{len(skipped)} skipped, {report.drafts} drafts, {warnings} warnings"
        )
        print(
            f"{out}: {len(report.written)} files written, {len(report.unchanged)} unchanged, "
            f"{len(report.removed)} removed"
        )
    for problem in skipped:
        print(f"skipped {problem}", file=sys.stderr)
    if verbose and not quiet:
        for problem in report.problems:
            if problem.severity == "warning":
                print(f"warning {problem}", file=sys.stderr)
    elif warnings and not quiet:
        print(f"({warnings} warnings: run with -v to list them)", file=sys.stderr)


def _save_report(args: argparse.Namespace, report: BuildReport | None, error: str | None) -> bool:
    """Write ``--report FILE`` when asked; False (after saying why) when it cannot."""
    if args.report is None:
        return True
    try:
        write_report(args.report, report_data(report, args.source, args.out, error))
    except NewsfeedError as exc:
        if args.debug:
            raise
        print(f"newsfeed: error: {exc}", file=sys.stderr)
        return False
    return True


def _serve(args: argparse.Namespace) -> int:
    """``newsfeed serve``: runs until Ctrl-C."""
    from newsfeed.serve import make_server, server_url

    if not args.out.is_dir():
        print(f"newsfeed: error: {args.out} is not a folder (build it first)", file=sys.stderr)
        return EXIT_USAGE
    try:
        server = make_server(args.out, args.host, args.port)
    except NewsfeedError as exc:
        if args.debug:
            raise
        print(f"newsfeed: error: {exc}", file=sys.stderr)
        return EXIT_PROBLEMS
    url = server_url(server)
    print(f"serving {args.out} at {url} (Ctrl-C to stop); start with {url}index.html", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.CRITICAL,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if args.command == "serve":
        return _serve(args)
    try:
        config = _config(args)
        report = publish(args.source, args.out, config, progress=_progress(args.quiet))
    except (ConfigError, SourceError) as exc:
        if args.debug:
            raise
        kind = "configuration error" if isinstance(exc, ConfigError) else "error"
        print(f"newsfeed: {kind}: {exc}", file=sys.stderr)
        _save_report(args, None, f"{kind}: {exc}")
        return EXIT_USAGE
    except NewsfeedError as exc:
        if args.debug:
            raise
        print(f"newsfeed: error: {exc}", file=sys.stderr)
        _save_report(args, None, str(exc))
        return EXIT_PROBLEMS
    _print_report(report, args.out, args.verbose, args.quiet)
    if args.ping:
        _ping(report, config, args.quiet)
    if not _save_report(args, report, None):
        return EXIT_PROBLEMS
    if args.strict and report.problems:
        return EXIT_PROBLEMS
    return EXIT_OK
