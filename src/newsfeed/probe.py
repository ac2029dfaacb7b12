"""Enclosure sizes (``Config.probe_images``): ask image servers, once per image. Stdlib only.

RSS ``enclosure`` wants a ``length`` in bytes and posts never say it; ``0`` means
unknown. With ``probe_images`` each image that reaches a feed is asked about once in
its life: a ``HEAD`` request (a ``GET`` with ``Range: bytes=0-0`` when the server
refuses HEAD with 405/501), whose ``Content-Length`` (or the total of
``Content-Range``) becomes ``Image.length`` and whose ``Content-Type`` becomes the
media type when it is a real ``image/*`` type. No body is read.

Answers are kept in :class:`ProbeStore` (``.newsfeed-probes.json`` in OUT; the
interface is small so it can move into the SQLite build cache). A failure (time
out, refused, 4xx/5xx) leaves the length at 0, is reported once as a warning
:class:`Problem`, and is retried after :data:`RETRY_AFTER` seconds.

Probes run in threads of the parent process, each bounded by ``probe_timeout``.
"""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.errors import SiteError
from newsfeed.model import Article, Feed, Image, Problem
from newsfeed.safe_read import read_regular
from newsfeed.site import atomic_write

__all__ = ["PROBES_NAME", "Probe", "ProbeStore", "probe_feeds", "probe_url"]

log = logging.getLogger("newsfeed")

PROBES_NAME = ".newsfeed-probes.json"
RETRY_AFTER = 24 * 3600
#: A probe store larger than this is not one newsfeed wrote.
_MAX_STORE_BYTES = 256 * 1024 * 1024
WORKERS = 8
_IMAGE_TYPE = re.compile(r"image/[a-z0-9][a-z0-9.+-]*")
_RANGE_TOTAL = re.compile(r"bytes\s+[\d*-]+/(\d+)")


@dataclass(frozen=True, slots=True)
class Probe:
    """What one image server said: ``length`` (0 unknown), ``media_type`` ("" unknown).

    ``error`` is empty on success; ``probed_at`` is seconds since the epoch.
    """

    length: int
    media_type: str
    error: str
    probed_at: float

    @property
    def ok(self) -> bool:
        return not self.error


def _answer(url: str, length: str | None, content_range: str | None, kind: str | None) -> Probe:
    size = 0
    total = _RANGE_TOTAL.match(content_range or "")
    if total:
        size = int(total.group(1))
    elif length and length.strip().isdigit():
        size = int(length.strip())
    media = (kind or "").split(";")[0].strip().lower()
    return Probe(size, media if _IMAGE_TYPE.fullmatch(media) else "", "", time.time())


def probe_url(url: str, timeout: float) -> Probe:
    """Ask the server of ``url`` for the image's size and type; never raises."""
    headers = {"User-Agent": f"newsfeed/{__version__} (enclosure size probe)"}
    attempts = [
        urllib.request.Request(url, method="HEAD", headers=headers),
        urllib.request.Request(url, method="GET", headers={**headers, "Range": "bytes=0-0"}),
    ]
    error = ""
    for request in attempts:
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                return _answer(
                    url,
                    answer.headers.get("Content-Length"),
                    answer.headers.get("Content-Range"),
                    answer.headers.get("Content-Type"),
                )
        except urllib.error.HTTPError as exc:
            error = f"HTTP {exc.code} {exc.reason}"
            if request.get_method() == "HEAD" and exc.code in (405, 501):
                continue  # HEAD refused: ask for one byte instead
            break
        except (urllib.error.URLError, OSError, ValueError) as exc:
            error = str(getattr(exc, "reason", exc)) or type(exc).__name__
            break
    return Probe(0, "", error, time.time())


class ProbeStore:
    """Probe answers by image URL, kept as JSON in OUT (one file, written atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data: dict[str, Probe] = {}
        self._dirty = False
        try:
            raw = json.loads(read_regular(path, _MAX_STORE_BYTES))  # never a FIFO or a link
            for url, (length, media, error, when) in raw["images"].items():
                self._data[url] = Probe(int(length), str(media), str(error), float(when))
        except FileNotFoundError:
            pass
        except (OSError, ValueError, KeyError, TypeError):
            log.warning("ignoring unreadable probe store %s", path)

    def get(self, url: str) -> Probe | None:
        """The stored answer for ``url``, or None when it must be (re)probed."""
        probe = self._data.get(url)
        if probe is None or (not probe.ok and time.time() - probe.probed_at > RETRY_AFTER):
            return None
        return probe

    def put(self, url: str, probe: Probe) -> None:
        self._data[url] = probe
        self._dirty = True

    def save(self) -> None:
        if not self._dirty:
            return
        images = {
            url: [p.length, p.media_type, p.error, round(p.probed_at)]
            for url, p in sorted(self._data.items())
        }
        data = json.dumps({"version": 1, "images": images}, indent=0).encode() + b"\n"
        try:
            atomic_write(self.path, data)
        except SiteError as exc:
            log.warning("cannot save probe store %s: %s", self.path, exc)
        self._dirty = False


def _images(article: Article) -> Iterable[Image]:
    for image in (article.lead_image, article.thumbnail, *article.images):
        if image is not None:
            yield image


def _sized(image: Image | None, known: Mapping[str, Probe]) -> Image | None:
    probe = known.get(image.url) if image is not None else None
    if image is None or probe is None or not probe.ok:
        return image
    return replace(
        image, length=probe.length or image.length, media_type=probe.media_type or image.media_type
    )


def _with_sizes(article: Article, known: Mapping[str, Probe]) -> Article:
    return replace(
        article,
        lead_image=_sized(article.lead_image, known),
        thumbnail=_sized(article.thumbnail, known),
        images=tuple(i for i in (_sized(i, known) for i in article.images) if i is not None),
    )


def _apply(feed: Feed[Article], articles: Mapping[str, Article]) -> Feed[Article]:
    return replace(
        feed,
        items=tuple(articles[a.source] for a in feed.items),
        archives=tuple(_apply(page, articles) for page in feed.archives),
    )


def _pages(feed: Feed[Article]) -> Iterable[Feed[Article]]:
    yield feed
    for page in feed.archives:
        yield from _pages(page)


def probe_feeds(
    feeds: list[Feed[Article]], config: Config, store: ProbeStore
) -> tuple[list[Feed[Article]], list[Problem]]:
    """Fill in the size and type of every image that reaches a feed; probe new ones.

    Returns the feeds with sized images and a warning for each image that could
    not be probed this time.
    """
    articles = {a.source: a for feed in feeds for page in _pages(feed) for a in page.items}
    first_use: dict[str, str] = {}
    for source in sorted(articles):
        for image in _images(articles[source]):
            first_use.setdefault(image.url, source)
    todo = [url for url in first_use if store.get(url) is None]
    problems: list[Problem] = []
    if todo:
        log.info("probing %d images", len(todo))
        with ThreadPoolExecutor(max_workers=min(WORKERS, len(todo))) as pool:
            answers = pool.map(lambda u: probe_url(u, config.probe_timeout), todo)
            for url, probe in zip(todo, answers, strict=True):
                store.put(url, probe)
                if not probe.ok:
                    problems.append(
                        Problem(
                            first_use[url],
                            "images",
                            f"cannot get the size of {url}: {probe.error}",
                            "warning",
                            "enclosure length left 0",
                        )
                    )
        store.save()
    known = {url: p for url in first_use if (p := store.get(url)) is not None}
    sized = {source: _with_sizes(a, known) for source, a in articles.items()}
    return [_apply(feed, sized) for feed in feeds], problems
