"""Read post files (found by :mod:`newsfeed.sources.files`) into :class:`~newsfeed.model.RawPost`.

The only module that imports python-frontmatter, PyYAML and charset-normalizer.

Front matter, as Hexo reads it (leading blank lines are allowed):

- ``---`` YAML ``---`` then the body;
- ``;;;`` JSON ``;;;`` (the JSON object's outer braces are optional);
- no opening separator: ``key: value`` lines (or JSON) up to the first ``---``/``;;;``
  line. Used only when it loads cleanly as a mapping; otherwise the file has no front
  matter;
- no front matter at all: empty metadata, the whole text is the body.

An opening ``---``/``;;;`` that is never closed is an error ("front matter is not
closed"): guessing where the front matter ends would publish half of it as the body.

YAML is loaded with every implicit type removed except null, so every scalar stays the
text that was written (``2024``, ``false``, dates...). YAML that fails to load is
recovered line by line (``key: value`` and ``- item`` lines) and the post is marked
``recovered``.
"""

from __future__ import annotations

import codecs
import hashlib
import html
import os
import re
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from frontmatter.default_handlers import JSONHandler, YAMLHandler

from newsfeed.config import Config
from newsfeed.errors import ArticleError, ConfigError
from newsfeed.model import FrozenDict, RawPost

__all__ = [
    "MAX_DEPTH",
    "MAX_FRONT_MATTER_CHARS",
    "MAX_NODES",
    "clean_text",
    "decode",
    "parse_post",
    "read_meta",
    "read_post",
    "read_yaml_mapping",
]

MAX_DEPTH = 20
"""Deepest nesting of lists/mappings accepted in front matter."""
MAX_NODES = 100_000
"""Most values (scalars, lists, mappings, keys) accepted in one front matter."""
MAX_FRONT_MATTER_CHARS = 1_000_000
"""Longest front matter accepted, in characters."""

_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
_YAML_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StringLoader(_YAML_BASE):  # type: ignore[misc]
    """Safe YAML loader that resolves plain scalars to strings (or null), nothing else.

    The document is composed by the (C) parser; instead of PyYAML's Python
    constructor, which would only turn every scalar back into its text, the node
    tree is read directly: several times faster, and tags cannot construct objects.
    """

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        # Only null is resolved implicitly; everything else stays a string (fast path
        # for the C parser, which asks for every scalar).
        if kind is yaml.ScalarNode and implicit[0]:
            return _NULL_TAG if value in _NULL_WORDS else _STR_TAG
        return str(super().resolve(kind, value, implicit))

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        return None if node is None else _plain_node(node, {})


def _plain_node(node: yaml.Node, made: dict[int, Any]) -> Any:
    """Plain data of one YAML node. A node met again (an alias) gives the same object,
    as PyYAML's constructor does, so the bounded walk can refuse alias repetition."""
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == _NULL_TAG else node.value
    known = made.get(id(node))
    if known is not None:
        return known
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        made[id(node)] = items
        items.extend(_plain_node(child, made) for child in node.value)
        return items
    mapping: dict[str, Any] = {}
    made[id(node)] = mapping
    for key_node, value_node in node.value:
        key = _plain_node(key_node, made)
        mapping["" if key is None else key if isinstance(key, str) else repr(key)] = _plain_node(
            value_node, made
        )
    return mapping


_StringLoader.yaml_implicit_resolvers = {
    first: kept
    for first, resolvers in _YAML_BASE.yaml_implicit_resolvers.items()
    if (kept := [(tag, rx) for tag, rx in resolvers if tag == _NULL_TAG])
}

_YAML = YAMLHandler()
_JSON = JSONHandler()

# XML-illegal characters, and the C1 controls XML 1.0 (2.2) discourages: in a post they
# are mojibake, feedparser turns them into cp1252 letters and validators flag them.
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Anything clean_text changes: a CR, an illegal character, a lone surrogate.
_UNCLEAN = re.compile("[\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff\ud800-\udfff]")
_LEADING_BLANK_LINES = re.compile(r"\A(?:[ \t]*\n)+")
_OPEN = re.compile(r"(-{3,}|;{3,})[ \t]*")
_CLOSE = {
    "-": re.compile(r"^-{3,}[ \t]*$", re.MULTILINE),
    ";": re.compile(r"^;{3,}[ \t]*$", re.MULTILINE),
}
_ANY_CLOSE = re.compile(r"^(?:-{3,}|;{3,})[ \t]*$", re.MULTILINE)
_KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*")
_ITEM_LINE = re.compile(r"[ \t]*-(?:[ \t]+(.*?))?[ \t]*")
_BLOCK_INDICATOR = re.compile(r"[|>][+-]?[0-9]?[+-]?")
_QUOTES = "'\""
_GB_LEEWAY = 0.1


# ---------------------------------------------------------------------------- site config


def read_yaml_mapping(path: Path) -> dict[str, object]:
    """Load a YAML configuration file (Hexo's ``_config.yml``) as a mapping.

    Unlike front matter, values keep normal YAML typing (``20`` is an int, ``true`` a
    bool), as Hexo itself reads them; the loader is the same safe one (no tags that
    build objects). An empty file is an empty mapping. Raises :class:`ConfigError`
    (key: the file name) with the line and column of a syntax error, or when the
    file cannot be read or is not a mapping.
    """
    name = Path(path).name
    try:
        text = decode(Path(path).read_bytes())
    except OSError as exc:
        raise ConfigError(name, f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = yaml.load(text, Loader=_YAML_BASE)  # a safe loader (C or Python)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(name, f"invalid YAML{where}: {exc.problem}", str(path)) from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise ConfigError(name, f"invalid YAML: {exc}", str(path)) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(name, f"must be a mapping, not {_kind(data)}", str(path))
    return {str(key): value for key, value in data.items()}


def read_post(
    path: str | Path, root: Path, config: Config, *, source: str | None = None
) -> RawPost:
    """Read one post file; ``source`` is its POSIX path relative to ``root`` (computed
    unless given).

    Raises :class:`ArticleError` (``field=""``) for a file that cannot be used at all:
    unreadable, empty, larger than ``config.max_file_bytes``, or front matter that is not a
    mapping, not closed, or too large/deep/aliased.
    """
    source, data, mtime = _read_bytes(path, root, config, source)
    raw = _decode_raw(data, config.encoding)
    _check_text(raw, source)
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
    source, data, mtime = _read_bytes(path, root, config, source)
    digest = hashlib.sha256(data).hexdigest()  # faster than blake2b where CPUs have SHA
    text = _decode_raw(data, config.encoding)
    if _BLANK.fullmatch(text):
        raise ArticleError(source, "", "the file is empty")
    _check_text(text, source)
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


def _read_bytes(
    path: str | Path, root: Path, config: Config, source: str | None
) -> tuple[str, bytes, float]:
    """``(source, bytes, mtime)`` of one post file, within ``config.max_file_bytes``."""
    if source is None:
        try:
            source = Path(path).relative_to(root).as_posix()
        except ValueError:
            source = Path(path).as_posix()
    limit = config.max_file_bytes
    try:
        # A bare descriptor: a file object costs as much again as the system calls.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
        try:
            stat = os.fstat(fd)
            if stat.st_size > limit:
                raise ArticleError(source, "", _too_large(stat.st_size, limit))
            # Sized to the file (it may still grow): reading ``limit`` bytes at once
            # would allocate all of them, and a buffered read copies every byte twice.
            data = _read_upto(fd, stat.st_size + 1)
            if len(data) > stat.st_size:
                data += _read_upto(fd, limit + 1 - len(data))
        finally:
            os.close(fd)
    except OSError as exc:
        raise ArticleError(source, "", f"cannot read the file: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise ArticleError(source, "", _too_large(len(data), limit))
    return source, data, stat.st_mtime


def _read_upto(fd: int, size: int) -> bytes:
    """Up to ``size`` bytes of a file descriptor: fewer only at its end."""
    data = os.read(fd, size)
    while 0 < len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            break
        data += more
    return data


def _too_large(size: int, limit: int) -> str:
    return f"file is {size:,} bytes, over the limit of {limit:,} bytes (max_file_bytes)"


# ---------------------------------------------------------------------------- text


#: A file where more than this share of the characters are undecodable or control
#: characters is binary (an image saved as .md, say), not a post with a few bad bytes.
BINARY_SHARE = 0.1
_NOT_TEXT = re.compile("[\ufffd\x00-\x08\x0e-\x1f]")


def _check_text(text: str, source: str) -> None:
    """Refuse binary files: publishing one would give an item of replacement characters."""
    if len(text) < 64:
        return
    sample = min(len(text), 1024)  # a binary file is binary from its first bytes
    bad = len(_NOT_TEXT.findall(text, 0, sample))
    if bad > BINARY_SHARE * sample:
        raise ArticleError(
            source,
            "",
            f"the file is not text: {bad:,} of its first {sample:,} characters "
            "are undecodable bytes or control characters (set `encoding` if it is text)",
        )


def decode(data: bytes, encoding: str | None = None) -> str:
    """Bytes to clean text (see :func:`clean_text`)."""
    return clean_text(_decode_raw(data, encoding))


def _decode_raw(data: bytes, encoding: str | None = None) -> str:
    """Bytes to text, not yet cleaned.

    With ``encoding`` given it is used (undecodable bytes become U+FFFD). Otherwise a
    UTF-8/16/32 byte-order mark decides; else strict UTF-8; else charset-normalizer's
    best guess (GBK/GB18030, Big5, Shift JIS...); else UTF-8 with U+FFFD replacements.
    """
    if encoding is not None:
        text = data.decode(encoding, errors="replace")
    elif data.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        text = data.decode("utf-32", errors="replace")
    elif data.startswith(codecs.BOM_UTF8):
        text = data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="replace")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            text = _guess(data)
    return text.removeprefix("\ufeff")


def _guess(data: bytes) -> str:
    """charset-normalizer's best guess, leaning to GB18030 (the corpus is Chinese) when
    that reads about as cleanly: files with little non-ASCII text are otherwise often
    taken for Shift JIS or CP949."""
    import charset_normalizer  # only for files that are not UTF-8: loaded when needed

    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    chinese = next((m for m in matches if m.encoding == "gb18030"), None)
    if chinese is not None and (best is None or chinese.chaos <= best.chaos + _GB_LEEWAY):
        best = chinese
    if best is not None:
        return str(best)
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return data.decode("utf-8", errors="replace")


def clean_text(text: str) -> str:
    """Normalize line ends to LF, drop XML-1.0-illegal characters (keeping tab and
    newline) and C1 controls, and replace lone surrogates with U+FFFD."""
    if _UNCLEAN.search(text) is None:  # nearly always: one scan instead of four
        return text
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ILLEGAL.sub("", text)
    if _SURROGATE.search(text):
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


# ---------------------------------------------------------------------------- parse


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
    start = _LEADING_BLANK_LINES.sub("", text)
    first, _, rest = start.partition("\n")
    opening = _OPEN.fullmatch(first)
    if opening:
        sep = opening.group(1)[0]
        close = _CLOSE[sep].search(rest)
        if close is None:
            word = "---" if sep == "-" else ";;;"
            raise ArticleError(
                source, "", f"front matter is not closed: no {word} line after the opening one"
            )
        fm, body = rest[: close.start()], rest[close.end() :]
        _check_size(fm, source, limit)
        body = _LEADING_BLANK_LINES.sub("", body.removeprefix("\n"))
        if sep == ";":
            meta = _load_json(fm, source)
            recovered = False
        else:
            meta, recovered = _load_yaml(fm, source)
        return FrozenDict(meta), body, recovered

    # Hexo's second form: front matter without an opening separator.
    close = _ANY_CLOSE.search(start)
    if close is not None:
        fm, body = start[: close.start()], start[close.end() :]
        json_like = first.lstrip().startswith(("{", '"'))
        if (close.group(0)[0] == ";" and json_like) or _KEY_LINE.fullmatch(first):
            _check_size(fm, source, limit)
            loaded = _try_strict(fm, json_like and close.group(0)[0] == ";", source)
            if loaded is not None:
                return (
                    FrozenDict(loaded),
                    _LEADING_BLANK_LINES.sub("", body.removeprefix("\n")),
                    False,
                )
    return FrozenDict(), text, False


def _check_size(fm: str, source: str, limit: int) -> None:
    if len(fm) > limit:
        raise ArticleError(
            source,
            "",
            f"front matter is too large: {len(fm):,} characters "
            f"(limit {limit:,}, max_front_matter_chars)",
        )


def _try_strict(fm: str, is_json: bool, source: str) -> dict[str, object] | None:
    """Load front matter found without an opening separator; None unless it is a
    clean mapping (then the text is not front matter after all)."""
    try:
        data = _parse_json(fm) if is_json else _YAML.load(fm, Loader=_StringLoader)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    return _to_plain_mapping(data, fm, source)


def _parse_json(fm: str) -> Any:
    body = fm.strip()
    if not body.startswith(("{", "[")):
        body = "{" + body + "}"
    return _JSON.load(body, parse_int=str, parse_float=str, parse_constant=str)


def _load_json(fm: str, source: str) -> dict[str, object]:
    try:
        data = _parse_json(fm)
    except RecursionError as exc:
        raise ArticleError(source, "", "front matter is nested too deeply") from exc
    except ValueError as exc:
        raise ArticleError(source, "", f"front matter is not valid JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise ArticleError(
            source, "", f"front matter must be a mapping of keys to values, not {_kind(data)}"
        )
    return _to_plain_mapping(data, fm, source)


def _compose(fm: str) -> yaml.Node | None:
    """The YAML node tree of ``fm``, composed by the (C) parser."""
    loader = _StringLoader(fm)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


# -- the common shape, without the YAML parser ---------------------------------------
#
# Most posts (the seed, every crawler post of the corpus) have front matter of one
# simple shape: top-level ``key: value`` lines, and lists under a key as ``- item``
# lines, an item being a value or a flow list of quoted names (Hexo's category
# paths). For that shape the YAML parser costs several times what the lines do, on
# every post of every cold build; :func:`_quick_yaml` reads it line by line and
# hands anything else (comments, anchors, tags, block scalars, continuation lines,
# escapes, other flow collections) to the parser. tests/test_sources.py checks that
# whatever it reads, it reads exactly as the parser does.

_Q1 = r"'[^'\n]*'"  # single-quoted, no quote inside
_Q2 = r'"[^"\\\n]*"'  # double-quoted, no escape or quote inside
# A plain scalar: no indicator or blank first, no tab; ": ", " #" and a final ":" are
# refused after the match (YAML reads them as mapping values or comments). In a flow
# list, no flow indicator, colon or hash at all.
_PLAIN = r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^\t]*?"
_FLOW_PLAIN = r"[^\s\-?:,\[\]{}#&*!|>'\"%@`][^,\[\]{}:#\t]*?"
_FLOW_ITEM = rf"(?:{_Q1}|{_Q2}|{_FLOW_PLAIN})"
_FLOW = rf"\[ *(?:{_FLOW_ITEM}(?: *, *{_FLOW_ITEM})*)? *\]"
_VALUE = rf"({_Q1}|{_Q2}|{_FLOW}|{_PLAIN})"
_QUICK_KEY = re.compile(rf"([A-Za-z_][A-Za-z0-9_-]*):(?: +{_VALUE})? *")
_QUICK_ITEM = re.compile(rf"( *)- +{_VALUE} *")
_QUICK_FLOW_ITEMS = re.compile(rf" *({_FLOW_ITEM}) *(?:,|\]$)")
# Line breaks YAML knows besides LF, a BOM it refuses inside a document, tabs.
_QUICK_UNSAFE = re.compile("[\t\r\x85\u2028\u2029\ufeff]")
_QUICK_REFUSED = re.compile(r": |:$| #")
#: Longer front matter goes to the parser (which enforces the size limits).
_QUICK_MAX_LINES = 200


class _NotQuick(Exception):
    """Front matter outside the shape :func:`_quick_yaml` reads (internal)."""


def _quick_scalar(raw: str) -> object:
    """The plain data of one :data:`_VALUE`, as the parser and ``_Walk`` make it."""
    first = raw[0]
    if first == "'" or first == '"':
        return _text(raw[1:-1])
    if first == "[":
        return [_quick_scalar(item) for item in _QUICK_FLOW_ITEMS.findall(raw, 1)]
    if _QUICK_REFUSED.search(raw):
        raise _NotQuick
    return None if raw in _NULL_WORDS else _text(raw)


def _quick_yaml(fm: str) -> dict[str, object] | None:
    """The plain data of ``fm``, exactly as :func:`_load_yaml_parsed` gives it, when it
    has the common simple shape (see above); else None."""
    lines = fm.split("\n")
    if len(lines) > _QUICK_MAX_LINES or _QUICK_UNSAFE.search(fm):
        return None
    data: dict[str, object] = {}
    open_key: str | None = None  # a key with no value yet: a list may follow
    items: list[object] | None = None
    indent = ""
    try:
        for line in lines:
            if not line.strip(" "):  # blank (YAML takes other spaces for text)
                continue
            key_line = _QUICK_KEY.fullmatch(line)
            if key_line is not None:
                key, value = key_line.groups()
                if key in _NULL_WORDS:
                    return None
                data[key] = None if value is None else _quick_scalar(value)
                open_key, items = (key if value is None else None), None
                continue
            item_line = _QUICK_ITEM.fullmatch(line)
            if item_line is None:
                return None
            item_indent, item = item_line.groups()
            if items is None:
                if open_key is None:
                    return None
                items, indent = [], item_indent
                data[open_key], open_key = items, None
            elif item_indent != indent:
                return None
            items.append(_quick_scalar(item))
    except _NotQuick:
        return None
    return data


def _load_yaml(fm: str, source: str) -> tuple[dict[str, object], bool]:
    quick = _quick_yaml(fm)
    if quick is not None:
        return quick, False
    return _load_yaml_parsed(fm, source)


def _load_yaml_parsed(fm: str, source: str) -> tuple[dict[str, object], bool]:
    """:func:`_load_yaml` through the YAML parser (any front matter)."""
    try:
        node = _compose(fm)
    except RecursionError as exc:
        raise ArticleError(source, "", "front matter is nested too deeply") from exc
    except (yaml.YAMLError, ValueError) as exc:
        if "nesting depth" in str(exc):
            raise ArticleError(source, "", "front matter is nested too deeply") from exc
        recovered = _recover(fm)
        if not recovered:
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ArticleError(
                source, "", f"front matter is not valid YAML and has no key: value lines ({first})"
            ) from exc
        return _to_plain_mapping(recovered, fm, source), True
    if node is None:
        return {}, False
    if not isinstance(node, yaml.MappingNode):
        kind = _kind(_plain_node(node, {}))
        raise ArticleError(
            source, "", f"front matter must be a mapping of keys to values, not {kind}"
        )
    # Straight from the node tree to plain data: one walk, with the same limits.
    return _to_plain_mapping(node, fm, source), False


def _kind(data: object) -> str:
    if isinstance(data, list):
        return "a list"
    return f"a single value ({str(data)[:40]!r})"


# ---------------------------------------------------------------------------- plain data


class _Limit(Exception):
    """Front matter exceeds a limit (internal; becomes ArticleError)."""


class _Walk:
    """Turns loaded front matter (plain data, or a YAML node tree) into plain data in
    one bounded walk."""

    def __init__(self, max_chars: int) -> None:
        self.nodes = 0
        self.chars = 0
        self.max_chars = max_chars
        self.seen: set[int] = set()

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Limit(f"front matter is too large: more than {MAX_NODES:,} values")

    def value(self, value: object, depth: int) -> object:
        self.count()
        if isinstance(value, dict | list | tuple | set | frozenset):
            if depth > MAX_DEPTH:
                raise _Limit(f"front matter is nested deeper than {MAX_DEPTH} levels")
            if value:
                if id(value) in self.seen:
                    raise _Limit(
                        "front matter uses YAML aliases to repeat a list or mapping; "
                        "write the values out instead"
                    )
                self.seen.add(id(value))
            if isinstance(value, dict):
                return {self.key(k): self.value(v, depth + 1) for k, v in value.items()}
            return [self.value(v, depth + 1) for v in value]
        if value is None:
            return None
        return self.text(_scalar_text(value))

    def node(self, node: yaml.Node, depth: int) -> object:
        """:meth:`value` of the data a YAML node stands for (see ``_plain_node``)."""
        self.count()
        if isinstance(node, yaml.ScalarNode):
            return None if node.tag == _NULL_TAG else self.text(node.value)
        if depth > MAX_DEPTH:
            raise _Limit(f"front matter is nested deeper than {MAX_DEPTH} levels")
        if node.value:
            if id(node) in self.seen:  # an alias of a list or mapping met before
                raise _Limit(
                    "front matter uses YAML aliases to repeat a list or mapping; "
                    "write the values out instead"
                )
            self.seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            return [self.node(child, depth + 1) for child in node.value]
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = None if key_node.tag == _NULL_TAG else key_node.value
            else:  # a list or mapping as a key: its text, as _plain_node gives it
                key = repr(_plain_node(key_node, {}))
            mapping[self.key(key)] = self.node(value_node, depth + 1)
        return mapping

    def key(self, key: object) -> str:
        self.nodes += 1
        return "" if key is None else self.text(_scalar_text(key))

    def text(self, raw: str) -> str:
        self.chars += len(raw)
        if self.chars > self.max_chars:
            raise _Limit("front matter expands to far more text than it contains (YAML aliases?)")
        return _text(raw)


def _text(raw: str) -> str:
    """A scalar of front matter as text: HTML entities decoded, cleaned."""
    if "&" not in raw and raw.isprintable():  # nothing to unescape or clean (fast path)
        return raw
    return clean_text(html.unescape(raw))


def _scalar_text(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


def _to_plain_mapping(
    data: dict[Any, Any] | yaml.MappingNode, fm: str, source: str
) -> dict[str, object]:
    walk = _Walk(max_chars=len(fm) + 1024)
    try:
        plain = walk.node(data, 0) if isinstance(data, yaml.Node) else walk.value(data, 0)
    except _Limit as exc:
        raise ArticleError(source, "", str(exc)) from exc
    except RecursionError as exc:
        raise ArticleError(source, "", "front matter is nested too deeply") from exc
    assert isinstance(plain, dict)
    return plain


# ---------------------------------------------------------------------------- recovery


def _recover(fm: str) -> dict[str, object]:
    """Read invalid YAML line by line: top-level ``key: value`` lines, ``- item`` lines
    (indented or not) under a key with no value, and continuation lines of a multi-line
    value (joined with a space)."""
    entries: dict[str, list[str]] = {}
    lists: set[str] = set()
    key: str | None = None
    for line in fm.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        match = _KEY_LINE.fullmatch(line)
        if match:
            key = match.group(1)
            value = match.group(2)
            entries[key] = [value] if value else []
            lists.discard(key)
            continue
        if key is None:
            continue
        parts = entries[key]
        item = _ITEM_LINE.fullmatch(line)
        if item and (key in lists or not parts):
            lists.add(key)
            parts.append(item.group(1) or "")
        elif key in lists:
            if parts:
                parts[-1] = f"{parts[-1]} {stripped}".strip()
        elif not stripped.startswith("#"):
            parts.append(stripped)
    result: dict[str, object] = {}
    for name, parts in entries.items():
        if name in lists:
            result[name] = [_recover_value(p) for p in parts]
        elif not parts:
            result[name] = None
        elif _BLOCK_INDICATOR.fullmatch(parts[0]):
            joiner = "\n" if parts[0].startswith("|") else " "
            result[name] = joiner.join(parts[1:])
        else:
            result[name] = _recover_value(" ".join(parts))
    return result


def _recover_value(value: str) -> object:
    value = value.strip()
    if not value:
        return None
    if value[0] in _QUOTES + "[{":
        try:
            loaded = _YAML.load(value, Loader=_StringLoader)
        except (yaml.YAMLError, ValueError, RecursionError):
            loaded = None
        wanted = {"[": list, "{": dict}.get(value[0], str)
        if isinstance(loaded, wanted):
            return loaded
    return _unquote(value)


def _unquote(value: str) -> str:
    (
        """Strip outer quotes the way a person would read them.

    ``"It's"`` -> ``It's``; ``'"hi" there'`` -> ``"hi" there``; a symmetric run of
    quotes around text without that quote (``"""
        "x"
        """``) is stripped layer by layer.
    """
    )
    for _ in range(8):
        if len(value) < 2 or value[0] not in _QUOTES or value[-1] != value[0]:
            return value
        quote = value[0]
        lead = len(value) - len(value.lstrip(quote))
        if lead == len(value):
            return ""
        trail = len(value) - len(value.rstrip(quote))
        width = min(lead, trail)
        inner = value[width:-width]
        if quote in inner:
            return value[1:-1]
        value = inner
    return value
