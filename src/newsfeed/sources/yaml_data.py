"""YAML to plain data, within bounds: the only module that imports PyYAML.

Front matter is loaded with every implicit type removed except null, so every scalar
stays the text that was written (``2024``, ``false``, dates...). The document is
composed by the (C) parser and its node tree is read in one bounded walk to plain data
(``str``, ``None``, ``list``, ``dict``): at most :data:`MAX_DEPTH` levels and
:data:`MAX_NODES` values, no list or mapping repeated through an alias (what defeats
alias bombs), and no more text than was written. JSON front matter and front matter
recovered line by line are plain data already; :func:`to_plain_mapping` bounds them by
the same walk.

Hexo's ``_config.yml`` (:func:`read_yaml_mapping`) keeps YAML's usual types, as Hexo
reads it.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from newsfeed.errors import ConfigError
from newsfeed.sources.quick_yaml import NULL_WORDS
from newsfeed.sources.read import clean_scalar, decode

__all__ = [
    "MAX_DEPTH",
    "MAX_NODES",
    "FrontMatterError",
    "InvalidYAML",
    "kind_of",
    "load_yaml",
    "load_yaml_strict",
    "load_yaml_value",
    "read_yaml_mapping",
    "to_plain_mapping",
]

MAX_DEPTH = 20
"""Deepest nesting of lists/mappings accepted in front matter."""
MAX_NODES = 100_000
"""Most values (scalars, lists, mappings, keys) accepted in one front matter."""

_NULL_TAG = "tag:yaml.org,2002:null"
_STR_TAG = "tag:yaml.org,2002:str"
_YAML_BASE: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_NESTED = "front matter is nested too deeply"


class FrontMatterError(Exception):
    """Front matter that cannot be used; the message says why (internal: the reader
    of the post adds its path and raises :class:`~newsfeed.errors.ArticleError`)."""


class InvalidYAML(FrontMatterError):
    """Front matter that is not valid YAML; the message is the parser's first line."""


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
            return _NULL_TAG if value in NULL_WORDS else _STR_TAG
        return str(super().resolve(kind, value, implicit))


_StringLoader.yaml_implicit_resolvers = {
    first: kept
    for first, resolvers in _YAML_BASE.yaml_implicit_resolvers.items()
    if (kept := [(tag, rx) for tag, rx in resolvers if tag == _NULL_TAG])
}


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


def _compose(fm: str) -> yaml.Node | None:
    """The YAML node tree of ``fm``, composed by the (C) parser."""
    loader = _StringLoader(fm)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def load_yaml(fm: str) -> dict[str, object]:
    """Plain data of YAML front matter, through the parser.

    Raises :class:`InvalidYAML` when ``fm`` is not valid YAML (it may still be
    recovered line by line), :class:`FrontMatterError` when it is nested too deeply,
    is not a mapping or is beyond the walk's limits.
    """
    try:
        node = _compose(fm)
    except RecursionError as exc:
        raise FrontMatterError(_NESTED) from exc
    except (yaml.YAMLError, ValueError) as exc:
        if "nesting depth" in str(exc):
            raise FrontMatterError(_NESTED) from exc
        raise InvalidYAML(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    if node is None:
        return {}
    if not isinstance(node, yaml.MappingNode):
        kind = _node_kind(node)
        raise FrontMatterError(f"front matter must be a mapping of keys to values, not {kind}")
    # Straight from the node tree to plain data: one walk, with the same limits.
    return to_plain_mapping(node, fm)


def load_yaml_strict(fm: str) -> dict[str, object] | None:
    """:func:`load_yaml`, or None unless ``fm`` is valid YAML holding a mapping (text
    that may or may not be front matter: then it is not)."""
    try:
        node = _compose(fm)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    return to_plain_mapping(node, fm)


def load_yaml_value(text: str, fm: str) -> object:
    """Plain data of one YAML value of front matter ``fm``, its scalars as written
    (unescaped later, by the walk); None when it is not valid YAML. Raises
    :class:`FrontMatterError` beyond the walk's limits for ``fm``."""
    try:
        node = _compose(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
    if node is None:
        return None
    _bounded(node, fm)  # first, so that building the data is bounded too
    return _plain_node(node, {})


def _node_kind(node: yaml.Node) -> str:
    """:func:`kind_of` the data a list or scalar node stands for, without building it."""
    if isinstance(node, yaml.ScalarNode):
        return kind_of(None if node.tag == _NULL_TAG else node.value)
    return kind_of([])


def kind_of(data: object) -> str:
    """What ``data`` is, for a message saying it should have been a mapping."""
    if isinstance(data, list):
        return "a list"
    return f"a single value ({str(data)[:40]!r})"


# ---------------------------------------------------------------------------- plain data


class _Limit(Exception):
    """Front matter exceeds a limit (internal; becomes FrontMatterError)."""


class _Walk:
    """Turns loaded front matter (plain data, or a YAML node tree) into plain data in
    one bounded walk."""

    def __init__(self, max_chars: int, subject: str = "front matter") -> None:
        self.subject = subject
        self.nodes = 0
        self.chars = 0
        self.max_chars = max_chars
        self.seen: set[int] = set()

    def count(self) -> None:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _Limit(f"{self.subject} is too large: more than {MAX_NODES:,} values")

    def value(self, value: object, depth: int) -> object:
        self.count()
        if isinstance(value, dict | list | tuple | set | frozenset):
            if depth > MAX_DEPTH:
                raise _Limit(f"{self.subject} is nested deeper than {MAX_DEPTH} levels")
            if value:
                if id(value) in self.seen:
                    raise _Limit(self.repeated())
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
            raise _Limit(f"{self.subject} is nested deeper than {MAX_DEPTH} levels")
        if node.value:
            if id(node) in self.seen:  # an alias of a list or mapping met before
                raise _Limit(self.repeated())
            self.seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            return [self.node(child, depth + 1) for child in node.value]
        mapping: dict[str, object] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = None if key_node.tag == _NULL_TAG else key_node.value
            else:  # a list or mapping as a key: its text, as _plain_node gives it, once
                self.node(key_node, depth + 1)  # walked like any value: within the limits
                key = repr(_plain_node(key_node, {}))
            mapping[self.key(key)] = self.node(value_node, depth + 1)
        return mapping

    def repeated(self) -> str:
        return (
            f"{self.subject} uses YAML aliases to repeat a list or mapping; "
            "write the values out instead"
        )

    def key(self, key: object) -> str:
        self.nodes += 1
        return "" if key is None else self.text(_scalar_text(key))

    def text(self, raw: str) -> str:
        self.chars += len(raw)
        if self.chars > self.max_chars:
            raise _Limit(
                f"{self.subject} expands to far more text than it contains (YAML aliases?)"
            )
        return clean_scalar(raw)


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


def to_plain_mapping(data: dict[Any, Any] | yaml.MappingNode, fm: str) -> dict[str, object]:
    """Plain data of a loaded mapping (or of a YAML mapping node), bounded: raises
    :class:`FrontMatterError` beyond the limits (see the module's doc). ``fm`` is the
    text it was loaded from."""
    plain = _bounded(data, fm)
    assert isinstance(plain, dict)
    return plain


def _bounded(data: object, fm: str) -> object:
    """Plain data of loaded data or of a YAML node, in one walk bounded for front
    matter ``fm``."""
    walk = _Walk(max_chars=len(fm) + 1024)
    try:
        return walk.node(data, 0) if isinstance(data, yaml.Node) else walk.value(data, 0)
    except _Limit as exc:
        raise FrontMatterError(str(exc)) from exc
    except RecursionError as exc:
        raise FrontMatterError(_NESTED) from exc


# ---------------------------------------------------------------------------- site config


def read_yaml_mapping(path: Path) -> dict[str, object]:
    """Load a YAML configuration file (Hexo's ``_config.yml``) as a mapping.

    Unlike front matter, values keep normal YAML typing (``20`` is an int, ``true`` a
    bool), as Hexo itself reads them; the loader is the same safe one (no tags that
    build objects). An empty file is an empty mapping. Raises :class:`ConfigError`
    (key: the file name) with the line and column of a syntax error, or when the
    file cannot be read or is not a mapping, or is beyond the limits front matter has
    (:data:`MAX_DEPTH`, :data:`MAX_NODES`, no list or mapping repeated through an
    alias: an alias bomb is refused before it is built, in one short line).
    """
    name = Path(path).name
    try:
        text = decode(Path(path).read_bytes())
    except OSError as exc:
        raise ConfigError(name, f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        data = _load_config(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise ConfigError(name, f"invalid YAML{where}: {exc.problem}", str(path)) from exc
    except (yaml.YAMLError, ValueError, RecursionError) as exc:
        raise ConfigError(name, f"invalid YAML: {exc}", str(path)) from exc
    except _Limit as exc:
        raise ConfigError(name, str(exc), str(path)) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(name, f"must be a mapping, not {kind_of(data)}", str(path))
    return {str(key): value for key, value in data.items()}


def _load_config(text: str) -> object:
    """The data of a YAML configuration file, typed (a safe loader, C or Python); the
    node tree is walked first, so that a list or mapping repeated through an alias (an
    alias bomb) is refused before anything is built."""
    loader = _YAML_BASE(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _Walk(max_chars=len(text) + 1024, subject="the file").node(node, 0)
        return loader.construct_document(node)
    finally:
        loader.dispose()
