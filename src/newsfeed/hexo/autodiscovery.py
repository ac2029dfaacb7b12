"""Feed autodiscovery in the pages Hexo wrote, as hexo-generator-feed's
``lib/autodiscovery.js`` does it, run after ``hexo generate``:

- a ``<link rel="alternate">`` for each site-wide feed (in the order of
  ``Config.formats``) goes just before the ``</head>`` of the first non-empty
  ``<head>`` of every HTML page under ``public/``;
- a page that already announces a feed (any ``type="application/atom+xml"``,
  ``rss+xml`` or ``feed+json``) is left as it is, so a page never gets the tags twice,
  whoever added them (a theme, the plugin, an earlier build);
- a page is rewritten atomically and only when it changes. These pages are Hexo's:
  newsfeed never records, replaces or removes them otherwise;
- a page that is not UTF-8, or has no ``<head>`` with content, is left alone and
  reported.

Unlike the plugin, the ``title`` attribute is escaped (a site title with a quote
does not break the page), and ``<head>`` with attributes counts too.
"""

from __future__ import annotations

import html
import os
import re
import sys
import tempfile
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

from newsfeed.chars import for_terminal
from newsfeed.config import Config

__all__ = [
    "Autodiscovery",
    "announce",
    "autodiscovery_tags",
    "inject_autodiscovery",
    "with_autodiscovery",
]

_MEDIA = {
    "atom": "application/atom+xml",
    "rss": "application/rss+xml",
    "json": "application/feed+json",
}
#: The plugin's test for a page that already announces a feed.
_ANNOUNCED = re.compile(r"""type=['"]?application/(atom|rss|feed)\+(xml|json)['"]?""", re.I)
#: The first ``<head>`` with content (not ``<head></head>``), up to its ``</head>``.
_HEAD = re.compile(r"<head(?:\s[^>]*)?>(?!</head>).+?(</head>)", re.I | re.S)


@dataclass
class Autodiscovery:
    """What one pass over ``public/`` did: the pages it changed, the pages that
    already announced a feed, and the pages it could not use, with the reason."""

    changed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    unusable: list[tuple[str, str]] = field(default_factory=list)


def autodiscovery_tags(config: Config) -> str:
    """The ``<link>`` tags of the site-wide feeds, one per line, as the plugin writes
    them: a root-relative ``href`` (``url_for``), the site title, the media type."""
    root = urllib.parse.urlsplit(config.site_url).path or "/"
    paths = {"atom": config.site_atom_path, "rss": config.site_rss_path, "json": "feed.json"}
    title = html.escape(config.site_title, quote=True)
    return "".join(
        f'<link rel="alternate" href="{html.escape(root + urllib.parse.quote(paths[f]))}" '
        f'title="{title}" type="{_MEDIA[f]}">\n'
        for f in config.formats
    )


def with_autodiscovery(page: str, tags: str) -> str | None:
    """``page`` with ``tags`` before the ``</head>`` of its first non-empty ``<head>``;
    ``page`` itself when it already announces a feed; None when it has no such head."""
    if _ANNOUNCED.search(page):
        return page
    head = _HEAD.search(page)
    if head is None:
        return None
    at = head.start(1)
    return page[:at] + tags + page[at:]


def _pages(public: Path) -> list[Path]:
    """Every HTML page under ``public``, without entering symlinked folders."""
    found: list[Path] = []
    for folder, folders, files in os.walk(public):
        folders.sort()
        found.extend(
            Path(folder, n) for n in sorted(files) if n.lower().endswith((".html", ".htm"))
        )
    return [p for p in found if p.is_file() and not p.is_symlink()]


def _write(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically, keeping its permissions."""
    mode = path.stat().st_mode & 0o7777
    handle, temp = tempfile.mkstemp(prefix=".newsfeed-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        Path(temp).chmod(mode)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def inject_autodiscovery(public: Path, config: Config) -> Autodiscovery:
    """Add the feeds' autodiscovery tags to every page Hexo wrote in ``public`` that
    lacks them (see the module doc). Pages that cannot be read or written are
    reported in the result, never raised."""
    result = Autodiscovery()
    tags = autodiscovery_tags(config)
    for path in _pages(public):
        name = path.relative_to(public).as_posix()
        try:
            page = path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            result.unusable.append((name, f"cannot be read as UTF-8: {exc}"))
            continue
        new = with_autodiscovery(page, tags)
        if new is None:
            result.unusable.append((name, "has no <head> with content"))
        elif new == page:
            result.kept.append(name)
        else:
            try:
                _write(path, new)
            except OSError as exc:
                result.unusable.append((name, f"cannot be written: {exc}"))
                continue
            result.changed.append(name)
    return result


def announce(public: Path, config: Config, *, verbose: bool) -> Autodiscovery:
    """``newsfeed build`` of a Hexo site: :func:`inject_autodiscovery` into ``public``,
    each page it could not use shown on stderr (a warning, never fatal)."""
    done = inject_autodiscovery(public, config) if public.is_dir() else Autodiscovery()
    for name, why in done.unusable:
        line = f"warning: {name}: autodiscovery: {why} (left as it is)"
        print(for_terminal(line), file=sys.stderr)
    if verbose:
        changed, kept = len(done.changed), len(done.kept)
        print(f"autodiscovery: {changed} pages given feed links, {kept} had them")
    return done
