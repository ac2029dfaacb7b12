"""Read post files (found by :mod:`newsfeed.sources.files`) into :class:`~newsfeed.model.RawPost`.

The composition: bytes (:mod:`~newsfeed.sources.read`) -> text -> front matter split
off and loaded. Front matter, as Hexo reads it (leading blank lines are allowed):

- ``---`` YAML ``---`` then the body;
- ``;;;`` JSON ``;;;`` (the JSON object's outer braces are optional);
- no opening separator: ``key: value`` lines (or JSON) up to the first ``---``/``;;;``
  line. Used only when it loads cleanly as a mapping; otherwise the file has no front
  matter;
- no front matter at all: empty metadata, the whole text is the body.

An opening ``---``/``;;;`` that is never closed is an error ("front matter is not
closed"): guessing where the front matter ends would publish half of it as the body.

YAML that fails to load is recovered line by line (:mod:`~newsfeed.sources.recover`)
and the post is marked ``recovered``.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

from frontmatter.default_handlers import JSONHandler

from newsfeed.config import Config
from newsfeed.errors import ArticleError
from newsfeed.model import FrozenDict, RawPost
from newsfeed.sources.quick_yaml import quick_yaml
from newsfeed.sources.read import check_text, clean_text, decode_raw, read_bytes
from newsfeed.sources.recover import KEY_LINE, recover
from newsfeed.sources.yaml_data import (
    FrontMatterError,
    InvalidYAML,
    kind_of,
    load_yaml,
    load_yaml_strict,
    to_plain_mapping,
)

__all__ = ["MAX_FRONT_MATTER_CHARS", "parse_post", "read_meta", "read_post"]

MAX_FRONT_MATTER_CHARS = 1_000_000
"""Longest front matter accepted, in characters."""

_JSON = JSONHandler()

_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_OPEN = re.compile(r"(-{3,}|;{3,})[ \t]*")
_CLOSE = {
    "-": re.compile(r"^-{3,}[ \t]*$", re.MULTILINE),
    ";": re.compile(r"^;{3,}[ \t]*$", re.MULTILINE),
}
_ANY_CLOSE = re.compile(r"^(?:-{3,}|;{3,})[ \t]*$", re.MULTILINE)


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
    raw = decode_raw(data, config.encoding)
    check_text(raw, source)
    text = clean_text(raw)
    if not text.strip():
        # A crawler that died mid-write; publishing it would give an item with nothing in it.
        raise ArticleError(source, "", "the file is empty")
    meta, body, recovered = _parse(text, source, config.max_front_matter_chars, cleaned=True)
    return RawPost(source=source, meta=meta, body=body, mtime=mtime, recovered=recovered)


_BLANK = re.compile("[\\s\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]*")
_RAW_SEPARATOR = re.compile(r"^[ \t]*(?:-{3,}|;{3,})", re.MULTILINE)
_MAX_PREFIX_TRIES = 4


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
    digest = hashlib.sha256(data).hexdigest()  # faster than blake2b where CPUs have SHA
    text = decode_raw(data, config.encoding)
    if _BLANK.fullmatch(text):
        raise ArticleError(source, "", "the file is empty")
    check_text(text, source)
    meta, _, recovered = parse_post(
        _front_prefix(text), source, max_front_matter_chars=config.max_front_matter_chars
    )
    return RawPost(source=source, meta=meta, body="", mtime=mtime, recovered=recovered), digest


def _front_prefix(text: str) -> str:
    """A prefix of ``text`` (cut after a line end) that :func:`parse_post` reads to the
    same front matter as the whole text, or the whole text.

    Cleaning is character by character, so the cleaned prefix is a prefix of the
    cleaned text; when the closing separator is inside it, it is the first one in the
    whole text too. Candidates are the raw separator-like lines, in order.
    """
    pos = 0
    for _ in range(_MAX_PREFIX_TRIES):
        hit = _RAW_SEPARATOR.search(text, pos)
        if hit is None:
            break
        cut = text.find("\n", hit.end())
        if cut < 0:
            break
        prefix = clean_text(text[: cut + 1])
        start = _LEADING_BLANK_LINES.sub("", prefix)
        first, _, rest = start.partition("\n")
        opening = _OPEN.fullmatch(first)
        closing = _CLOSE[opening.group(1)[0]] if opening else _ANY_CLOSE
        if closing.search(rest if opening else start) is not None:
            return prefix
        pos = cut + 1
    return text


def parse_post(
    text: str, source: str = "<string>", *, max_front_matter_chars: int = MAX_FRONT_MATTER_CHARS
) -> tuple[FrozenDict, str, bool]:
    """Split ``text`` into ``(meta, body, recovered)``.

    ``meta`` holds plain data (str, None, list, dict; every scalar a string, HTML
    entities unescaped). ``recovered`` is true when the YAML was invalid and was read
    line by line. Raises :class:`ArticleError` (``field=""``) for unusable front matter.
    """
    return _parse(text, source, max_front_matter_chars)


def _parse(
    text: str, source: str, limit: int, *, cleaned: bool = False
) -> tuple[FrozenDict, str, bool]:
    """:func:`parse_post`; ``cleaned``: ``text`` went through :func:`clean_text` already."""
    if not cleaned:
        text = clean_text(text)
    try:
        return _split_and_load(text, limit)
    except FrontMatterError as exc:
        raise ArticleError(source, "", str(exc)) from exc


def _split_and_load(text: str, limit: int) -> tuple[FrozenDict, str, bool]:
    start = _LEADING_BLANK_LINES.sub("", text)
    first, _, rest = start.partition("\n")
    opening = _OPEN.fullmatch(first)
    if opening:
        sep = opening.group(1)[0]
        close = _CLOSE[sep].search(rest)
        if close is None:
            word = "---" if sep == "-" else ";;;"
            raise FrontMatterError(
                f"front matter is not closed: no {word} line after the opening one"
            )
        fm, body = rest[: close.start()], rest[close.end() :]
        _check_size(fm, limit)
        body = _LEADING_BLANK_LINES.sub("", body.removeprefix("\n"))
        if sep == ";":
            meta = _load_json(fm)
            recovered = False
        else:
            meta, recovered = _load_yaml(fm)
        return FrozenDict(meta), body, recovered

    # Hexo's second form: front matter without an opening separator.
    close = _ANY_CLOSE.search(start)
    if close is not None:
        fm, body = start[: close.start()], start[close.end() :]
        json_like = first.lstrip().startswith(("{", '"'))
        if (close.group(0)[0] == ";" and json_like) or KEY_LINE.fullmatch(first):
            _check_size(fm, limit)
            loaded = _try_strict(fm, json_like and close.group(0)[0] == ";")
            if loaded is not None:
                return (
                    FrozenDict(loaded),
                    _LEADING_BLANK_LINES.sub("", body.removeprefix("\n")),
                    False,
                )
    return FrozenDict(), text, False


def _check_size(fm: str, limit: int) -> None:
    if len(fm) > limit:
        raise FrontMatterError(
            f"front matter is too large: {len(fm):,} characters "
            f"(limit {limit:,}, max_front_matter_chars)"
        )


def _try_strict(fm: str, is_json: bool) -> dict[str, object] | None:
    """Load front matter found without an opening separator; None unless it is a
    clean mapping (then the text is not front matter after all)."""
    if not is_json:
        return load_yaml_strict(fm)
    try:
        data = _parse_json(fm)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    return to_plain_mapping(data, fm)


def _parse_json(fm: str) -> Any:
    body = fm.strip()
    if not body.startswith(("{", "[")):
        body = "{" + body + "}"
    return _JSON.load(body, parse_int=str, parse_float=str, parse_constant=str)


def _load_json(fm: str) -> dict[str, object]:
    try:
        data = _parse_json(fm)
    except RecursionError as exc:
        raise FrontMatterError("front matter is nested too deeply") from exc
    except ValueError as exc:
        raise FrontMatterError(f"front matter is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise FrontMatterError(
            f"front matter must be a mapping of keys to values, not {kind_of(data)}"
        )
    return to_plain_mapping(data, fm)


def _load_yaml(fm: str) -> tuple[dict[str, object], bool]:
    """Plain data of YAML front matter, and whether it was recovered line by line:
    the quick path when it reads it, else the parser."""
    quick = quick_yaml(fm)
    if quick is not None:
        return quick, False
    try:
        return load_yaml(fm), False
    except InvalidYAML as exc:
        recovered = recover(fm)
        if not recovered:
            raise FrontMatterError(
                f"front matter is not valid YAML and has no key: value lines ({exc})"
            ) from exc
        return to_plain_mapping(recovered, fm), True
