"""The ``newsfeed`` command. Shows reports; never a traceback unless ``--debug``.

Exit codes: 0 done (also with reported problems), 1 problems under ``--strict`` (then
nothing is written), a failed build, or a build refused because it would publish no
post or remove most of the site (``--allow-shrink`` lets it), 2 a usage or
configuration error (OUT equal to SRC, a Hexo site without posts...).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from newsfeed.build.stages import Progress, publish
from newsfeed.cli_output import TerminalFormatter, not_a_problem, say, say_json, toml_value
from newsfeed.cli_parser import EXIT_USAGE, parser
from newsfeed.config import Config
from newsfeed.errors import ConfigError, NewsfeedError, SiteError, SourceError
from newsfeed.model import BuildReport
from newsfeed.report import report_data, write_report
from newsfeed.settings import Settings, parse_value, resolve

log = logging.getLogger("newsfeed")


def _count(number: int, noun: str) -> str:
    """``1 post``, ``2 posts``: a count with its noun in the right number."""
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


EXIT_OK, EXIT_PROBLEMS = 0, 1


def _flags(args: argparse.Namespace) -> dict[str, object]:
    """Configuration values given as flags (absent flags of a subcommand count as unset)."""
    given = vars(args)
    return {
        key: given.get(name)
        for key, name in (
            ("site_url", "site_url"),
            ("limit", "limit"),
            ("timezone", "timezone"),
            ("hub", "hub"),
            ("archive", "archive"),
            ("probe_images", "probe_images"),
            ("jobs", "jobs"),
            ("cache", "cache"),
        )
        if given.get(name) is not None
    }


def _config(args: argparse.Namespace) -> Config:
    overrides = _flags(args)
    config = _settings(args, overrides).config
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
            say(f"no feed changed: {config.hub} not pinged")
        return
    failures = ping_hub(config.hub, topics)
    for failure in dict.fromkeys(failures):  # every batch of feeds fails alike: say it once
        say(f"newsfeed: WebSub ping failed: {failure}", err=True)
    if not failures and not quiet:
        say(f"pinged {config.hub} with {_count(len(topics), 'changed feed')}")


_STAGES = {"read": "reading front matter", "clean": "cleaning bodies", "write": "rendering feeds"}


def _progress(quiet: bool) -> Progress | None:
    """A rich progress bar on stderr, only on a terminal and never with ``--quiet``."""
    if quiet or not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TimeRemainingColumn
    from rich.progress import Progress as Bars

    bars = Bars(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    tasks: dict[str, Any] = {}

    def show(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            if not tasks:
                bars.start()
            tasks[stage] = bars.add_task(_STAGES.get(stage, stage), total=total)
        bars.update(tasks[stage], completed=done, total=total)
        if done >= total:  # a finished stage leaves the screen
            bars.remove_task(tasks.pop(stage))
            if not tasks:
                bars.stop()

    return show


def _print_report(report: BuildReport, out: Path, verbose: bool, quiet: bool) -> None:
    skipped = report.skipped
    warnings = len(report.problems) - len(skipped)
    if not quiet:
        say(
            f"read {_count(report.read, 'post')}: {report.published} published, "
            f"{len(skipped)} skipped, {_count(report.drafts, 'draft')}, "
            f"{_count(warnings, 'warning')}"
        )
        say(
            f"{out}: {_count(len(report.written), 'file')} written, "
            f"{len(report.unchanged)} unchanged, {len(report.removed)} removed"
        )
    for problem in skipped:
        say(problem.line(), err=True)
    if verbose and not quiet:
        for problem in report.problems:
            if problem.severity == "warning":
                say(problem.line(), err=True)
    elif warnings and not quiet:
        say(f"({_count(warnings, 'warning')}: run with -v to list them)", err=True)


def _site_folder(path: Path, site_url: str | None) -> tuple[Path, str | None]:
    """The output folder ``path`` names (a Hexo site: its public folder) and the
    ``site_url`` it was built for, when given or told by the Hexo site."""
    if not (path / "_config.yml").is_file():
        return path, site_url
    settings = resolve(path)
    if settings.hexo is None:
        raise SourceError(f"{path} has a _config.yml but no source/_posts folder", path=path)
    if settings.origins.get("site_url", "default") != "default":  # the site's url + root
        site_url = site_url or settings.config.site_url
    return settings.hexo.public_dir, site_url


def _serve(args: argparse.Namespace) -> int:
    """``newsfeed serve``: runs until Ctrl-C."""
    from newsfeed.check import infer_site_url
    from newsfeed.serve import make_server, server_url

    try:
        out, site_url = _site_folder(args.out, args.site_url)
        if not out.is_dir():
            say(f"newsfeed: error: {out} is not a folder (build it first)", err=True)
            return EXIT_USAGE
        site_url = site_url or infer_site_url(out)
        server = make_server(out, args.host, args.port, site_url)
    except NewsfeedError as exc:
        if args.debug:
            raise
        say(f"newsfeed: error: {exc}", err=True)
        return EXIT_USAGE if isinstance(exc, SourceError | ConfigError) else EXIT_PROBLEMS
    url = server_url(server)
    built = f"; built for {site_url}" if site_url else "; site_url unknown: at /"
    say(f"serving {out} at {url} (Ctrl-C to stop{built})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def _report_problem(report: Path | None) -> str | None:
    """Why ``--report FILE`` cannot be written, found before the build rather than after."""
    if report is None:
        return None
    if report.is_dir():
        return f"--report {report} is a folder; give a file name"
    if not report.parent.is_dir():
        return f"--report {report}: the folder {report.parent} does not exist"
    if not os.access(report if report.exists() else report.parent, os.W_OK):
        return f"--report {report} cannot be written (permission denied)"
    return None


def _save_report(args: argparse.Namespace, report: BuildReport | None, error: str | None) -> bool:
    """Write ``--report FILE`` when asked; False (after saying why) when it cannot."""
    if args.report is None:
        return True
    try:
        write_report(args.report, report_data(report, args.source, args.out, error))
    except NewsfeedError as exc:
        if args.debug:
            raise
        say(f"newsfeed: error: {exc}", err=True)
        return False
    return True


def _settings(args: argparse.Namespace, flags: dict[str, object]) -> Settings:
    """The layered configuration; for a Hexo site, also its posts and public folders."""
    flags, names = dict(flags), {}
    for item in vars(args).get("set") or []:
        key, sep, text = item.partition("=")
        if not sep:
            raise ConfigError(key, f"--set needs KEY=VALUE, got {item!r}")
        flags[key.strip()] = parse_value(key.strip(), text)
        names[key.strip()] = f"--set {item.strip()}"
    site = vars(args).setdefault("site", args.source)  # SOURCE as given (a Hexo site?)
    settings = resolve(site, flags=flags, config_file=vars(args).get("config"), flag_names=names)
    if settings.hexo is None and args.command == "build" and (site / "_config.yml").is_file():
        raise SourceError(
            f"{site} has a _config.yml but no source/_posts folder: give a Hexo site "
            "with its posts, or the folder of the posts itself",
            path=site,
        )
    vars(args)["hexo_site"] = settings.hexo
    if settings.hexo is not None and args.command == "build":
        log.info("Hexo site %s: posts in %s", settings.hexo.root, settings.hexo.posts_dir)
        args.source = settings.hexo.posts_dir
        args.out = args.out or settings.hexo.public_dir
    if vars(args).get("out", ...) is None:
        args.out = Path("public")
    return settings


_LOG_HANDLER: logging.Handler | None = None


def _setup_logging(args: argparse.Namespace) -> None:
    """``--debug``: everything, with tracebacks; ``-v``: info; ``-q``: errors only."""
    global _LOG_HANDLER
    options = vars(args)
    debug = bool(options.get("debug"))
    if debug:
        level = logging.DEBUG
    elif options.get("verbose"):
        level = logging.INFO
    elif options.get("quiet"):
        level = logging.ERROR
    else:
        level = logging.WARNING
    handler: logging.Handler
    if sys.stderr.isatty():
        from rich.logging import RichHandler

        handler = RichHandler(show_time=False, show_path=debug, markup=False)
        handler.setFormatter(TerminalFormatter("%(message)s"))
    else:
        handler = logging.StreamHandler()
        handler.setFormatter(TerminalFormatter("newsfeed: %(levelname)s: %(message)s"))
    if not debug:
        handler.addFilter(not_a_problem)
    logger = logging.getLogger("newsfeed")
    if _LOG_HANDLER is not None:
        logger.removeHandler(_LOG_HANDLER)
    logger.addHandler(handler)
    logger.setLevel(level)
    _LOG_HANDLER = handler


def _show_config(args: argparse.Namespace) -> int:
    """``newsfeed config``: the effective configuration and where each value came from."""
    settings = _settings(args, _flags(args))
    if settings.hexo is not None:
        hexo = settings.hexo
        say(f"# Hexo site {hexo.root}: posts {hexo.posts_dir}, output {hexo.public_dir}")
    for path in settings.files:
        say(f"# read {path}")
    width = max(len(key) for key in settings.origins)
    for key, origin in settings.origins.items():
        value = getattr(settings.config, key)
        line = f"{key:<{width}} = {toml_value(value)}" if value is not None else f"# {key} (unset)"
        say(f"{line}  # {origin}")
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    """``newsfeed check``: judge a built site; exit 1 when anything is wrong."""
    from newsfeed.check import check_site, result_data
    from newsfeed.check.text import finding_lines, summary

    out, site_url = _site_folder(args.out, args.site_url)
    result = check_site(out, site_url)
    error = None if out.is_dir() else f"{out} is not a folder (build it first)"
    if args.json:
        say_json(result_data(result, error))
    if error:
        say(f"newsfeed: error: {error}", err=True)
        return EXIT_USAGE
    if args.json:
        return EXIT_OK if result.ok else EXIT_PROBLEMS
    for line in finding_lines(result.findings):
        say(line, err=True)
    last = summary(str(out), result.findings, result.documents, result.links)
    if not result.ok:
        say(last, err=True)
        return EXIT_PROBLEMS
    if not args.quiet:
        say(last)
    return EXIT_OK


def _watch(args: argparse.Namespace) -> int:
    """``build --watch``: rebuild after every change until Ctrl-C."""
    from newsfeed.watch import watch_and_rebuild

    source, out = args.source, args.out
    settings = _settings(args, _flags(args))
    watched = [source, *settings.files]

    def rebuild(changed: set[str]) -> None:
        try:
            config = _settings(args, _flags(args)).config  # config files may have changed
            report = _publish(args, source, out, config)
        except NewsfeedError as exc:
            say(f"newsfeed: error: {exc} (still watching)", err=True)
            return
        _print_report(report, out, args.verbose, args.quiet)

    if not args.quiet:
        say(f"watching {source} for changes (Ctrl-C to stop)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):  # Ctrl-C: a clean stop
        watch_and_rebuild(watched, rebuild, ignore=[out])
    if not args.quiet:
        say("stopped watching")
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    try:
        return _main(argv)
    except BrokenPipeError:  # e.g. `newsfeed config | head`: the reader went away
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        say("newsfeed: interrupted", err=True)
        return 130


def _main(argv: Sequence[str] | None) -> int:
    args = parser().parse_args(argv)
    _setup_logging(args)
    if args.command == "serve":
        return _serve(args)
    if args.command in ("config", "check"):
        try:
            return _show_config(args) if args.command == "config" else _check(args)
        except NewsfeedError as exc:
            if args.debug:
                raise
            kind = "configuration error" if isinstance(exc, ConfigError) else "error"
            say(f"newsfeed: {kind}: {exc}", err=True)
            return EXIT_USAGE
    problem = _report_problem(args.report)
    if problem is not None:
        say(f"newsfeed: error: {problem}", err=True)
        return EXIT_USAGE
    try:
        config = _config(args)
        if args.out.exists() and not args.out.is_dir():  # before the cache tries it
            raise SiteError(f"cannot write into {args.out}: it is a file, not a folder")
        report = _publish(args, args.source, args.out, config)
    except (ConfigError, SourceError) as exc:
        if args.debug:
            raise
        kind = "configuration error" if isinstance(exc, ConfigError) else "error"
        say(f"newsfeed: {kind}: {exc}", err=True)
        _save_report(args, None, str(exc))
        return EXIT_USAGE
    except NewsfeedError as exc:
        if args.debug:
            raise
        say(f"newsfeed: error: {exc}", err=True)
        _save_report(args, None, str(exc))
        return EXIT_PROBLEMS
    return _after_build(args, config, report)


def _after_build(args: argparse.Namespace, config: Config, report: BuildReport) -> int:
    """Show the report of a build, and what follows it (autodiscovery, ping, watch)."""
    _print_report(report, args.out, args.verbose, args.quiet)
    failure = _strict_failure(report, args.out) if args.strict else None
    if failure:
        say(f"newsfeed: error: {failure}", err=True)  # even with -q
    elif vars(args).get("hexo_site") is not None and config.autodiscovery:
        from newsfeed.hexo.autodiscovery import announce  # Hexo site mode only

        announce(args.out, config, verbose=args.verbose and not args.quiet)
    if not _save_report(args, report, failure):
        return EXIT_PROBLEMS
    if args.ping:
        _ping(report, config, args.quiet)
    if args.watch:
        return _watch(args)
    return EXIT_PROBLEMS if failure else EXIT_OK


def _publish(args: argparse.Namespace, source: Path, out: Path, config: Config) -> BuildReport:
    """:func:`publish` with the build's flags."""
    return publish(
        source,
        out,
        config,
        progress=_progress(args.quiet),
        allow_shrink=args.allow_shrink,
        strict=args.strict,
    )


def _strict_failure(report: BuildReport, out: Path) -> str | None:
    """Why a ``--strict`` build failed, or None when it did not."""
    if not report.problems:
        return None
    count = _count(len(report.problems), "problem")
    if report.written or report.unchanged or report.removed:  # a build that changed nothing
        return f"--strict: {count}"
    return f"--strict: {count}, so nothing was written ({out} is as it was)"
