"""Read post files (found by :mod:`newsfeed.sources.files`) into :class:`~newsfeed.model.RawPost`.

The composition: the file's bytes (:mod:`~newsfeed.sources.read`), decoded, refused
when blank or binary, cleaned; then the front matter split off and loaded by
:class:`~newsfeed.sources.frontmatter.HexoHandler` (whose doc says which forms Hexo
reads). Front matter that cannot be used becomes an :class:`ArticleError` with the
file's path, here and nowhere else.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path

from newsfeed.chars import REPLACEMENT, is_blank
from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.model import FrozenDict, RawPost
from newsfeed.sources.files import markup_of
from newsfeed.sources.frontmatter import (
    MAX_FRONT_MATTER_CHARS,
    HexoHandler,
    NoFrontMatter,
    NoSeparator,
    Recovered,
    Unclosed,
)
from newsfeed.sources.read import Decoded, check_text, clean_text, decode_text, read_bytes
from newsfeed.sources.yaml_data import FrontMatterError

__all__ = ["digest_of", "meta_of", "parse_post", "read_meta", "read_post"]

# A line that may be a separator once cleaned (read_meta's candidate ends of front matter).
_RAW_SEPARATOR = re.compile(r"^[ \t]*(?:-{3,}|;{3,})", re.MULTILINE)
_LEADING_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")
_MAX_PREFIX_TRIES = 4


@lru_cache(maxsize=8)
def _handler(max_chars: int) -> HexoHandler:
    return HexoHandler(max_chars)


def read_post(
    path: str | Path, root: Path, config: Config, *, source: str | None = None
) -> RawPost:
    """Read one post file; ``source`` is its POSIX path relative to ``root`` (computed
    unless given).

    Raises :class:`ArticleError` (``field=""``) for a file that cannot be used at all:
    unreadable, empty, larger than ``config.max_file_bytes``, or front matter that is not a
    mapping, not closed, or too large/deep/aliased.
    """
    source, data, mtime = read_bytes(path, root, config, source)
    decoded = _text(data, source, config)
    text = clean_text(decoded.text)
    meta, body, recovered = _parse(text, source, _handler(config.max_front_matter_chars))
    _refuse_empty(meta, body, source)
    return RawPost(
        source=source,
        meta=meta,
        body=body,
        mtime=mtime,
        recovered=recovered,
        markup=markup_of(source),
        encoding=decoded.encoding,
        guessed_encoding=decoded.guessed,
    )


def read_meta(
    path: str | Path, root: Path, config: Config, *, source: str | None = None
) -> tuple[RawPost, str]:
    """Read only the front matter of one post: the same ``meta`` as :func:`read_post`,
    an empty ``body``, and a content hash of the file's bytes.

    Cheap: the body is neither cleaned nor split off, only the first few KB of the
    text are looked at when they hold the whole front matter. Raises like
    :func:`read_post`.
    """
    source, data, mtime = read_bytes(path, root, config, source)
    return meta_of(data, source, mtime, config), digest_of(data)


def digest_of(data: bytes) -> str:
    """The content hash of a post file's bytes, which keys the build cache."""
    return hashlib.sha256(data).hexdigest()  # faster than blake2b where CPUs have SHA


def meta_of(data: bytes, source: str, mtime: float, config: Config) -> RawPost:
    """The :func:`read_meta` of bytes read already. Raises like :func:`read_post`."""
    decoded = _text(data, source, config)
    handler = _handler(config.max_front_matter_chars)
    meta, _ = _front(decoded.text, source, handler, _split_prefix)
    if not meta:  # rare: only then is the whole body looked at (it may be cut short)
        _refuse_empty(meta, _front(clean_text(decoded.text), source, handler, _split)[1], source)
    return RawPost(
        source=source,
        meta=FrozenDict(meta),
        body="",
        mtime=mtime,
        recovered=isinstance(meta, Recovered),
        markup=markup_of(source),
        encoding=decoded.encoding,
        guessed_encoding=decoded.guessed,
    )


def _text(data: bytes, source: str, config: Config) -> Decoded:
    """The text of a post file's bytes, not yet cleaned; both phases refuse the same
    files: blank ones (:func:`newsfeed.chars.is_blank`; undecodable bytes are not
    blank but binary), then binary ones."""
    decoded = decode_text(data, config.encoding)
    if is_blank(decoded.text) and REPLACEMENT not in decoded.text:
        # A crawler that died mid-write; publishing it would give an item with nothing in it.
        raise ArticleError(source, "", "the file is empty")
    check_text(decoded.text, source)
    return decoded


def _refuse_empty(meta: Mapping[str, object], body: str, source: str) -> None:
    """Refuse a post of an empty front matter and a blank body (``---\\n---\\n``) as
    :func:`_text` refuses a blank file: neither holds anything to publish."""
    if not meta and is_blank(body):
        raise ArticleError(source, "", "the file is empty")


def _split_prefix(text: str, handler: HexoHandler) -> tuple[str, str] | None:
    """:func:`_split` of the cleaned ``text``, cleaning only a prefix of it when that
    holds the whole front matter (the body is then cut short).

    Cleaning is character by character, so the cleaned prefix (cut after a line end) is
    a prefix of the cleaned text; when its split needs no more text (it found the
    closing line, or no front matter before a separator line), the first separator
    lines are the same in the whole text, and so is the front matter. Candidate cuts
    are the raw separator-like lines after the first line with anything in it (which
    opens the front matter, if anything does, and never closes it), in order.
    """
    first = _LEADING_BLANK_LINES.match(text)
    pos = text.find("\n", first.end() if first else 0) + 1
    for _ in range(_MAX_PREFIX_TRIES):
        hit = _RAW_SEPARATOR.search(text, pos) if pos else None
        if hit is None:
            break
        cut = text.find("\n", hit.end())
        if cut < 0:
            break
        try:
            return handler.split(clean_text(text[: cut + 1]))
        except (Unclosed, NoSeparator):  # the front matter may go on past the cut
            pos = cut + 1
        except NoFrontMatter:
            return None
    return _split(clean_text(text), handler)


def _split(text: str, handler: HexoHandler) -> tuple[str, str] | None:
    """``(front matter, body)`` of ``text``, None when it has no front matter."""
    try:
        return handler.split(text)
    except NoFrontMatter:
        return None


def _front(
    text: str,
    source: str,
    handler: HexoHandler,
    split: Callable[[str, HexoHandler], tuple[str, str] | None],
) -> tuple[dict[str, object], str]:
    """``(meta, body)`` of ``text`` split by ``split`` and loaded by ``handler``; the
    body is all of ``text`` when it has no front matter. Raises :class:`ArticleError`
    for front matter that cannot be used."""
    try:
        parts = split(text, handler)
        if parts is None:
            return {}, text
        return handler.load(parts[0]), parts[1]
    except FrontMatterError as exc:
        raise ArticleError(source, "", str(exc)) from exc


def parse_post(
    text: str, source: str = "<string>", *, max_front_matter_chars: int = MAX_FRONT_MATTER_CHARS
) -> tuple[FrozenDict, str, bool]:
    """Split ``text`` into ``(meta, body, recovered)``.

    ``meta`` holds plain data (str, None, list, dict; every scalar a string, HTML
    entities unescaped). ``recovered`` is true when the YAML was invalid and was read
    line by line. Raises :class:`ArticleError` (``field=""``) for unusable front matter.
    """
    return _parse(clean_text(text), source, _handler(max_front_matter_chars))


def _parse(text: str, source: str, handler: HexoHandler) -> tuple[FrozenDict, str, bool]:
    """:func:`parse_post` of text cleaned already."""
    meta, body = _front(text, source, handler, _split)
    return FrozenDict(meta), body, isinstance(meta, Recovered)
