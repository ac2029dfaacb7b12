"""The build cache's entries: model values as JSON text and back.

A model value is stored as the JSON list of its fields, in the order of
``dataclasses.fields``, each converted by the rule for its type (:func:`_rule`). So
the codec follows the model: a new field is stored and read back with no change here,
and a field of a type without a rule fails when this module is imported, never
silently. The order may change with the code; the cache starts over when the code
changes (its fingerprint holds the code), and its ``SCHEMA_VERSION`` changes when the
shape of an entry does.

Decoding shares equal names, category paths and authors between entries (phase one
keeps the key of every post in memory), within a bounded table.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from datetime import datetime
from types import UnionType
from typing import Any, Literal, TypeVar, Union, get_args, get_origin, get_type_hints

from newsfeed.chars import escape_surrogates
from newsfeed.model import ArticleMeta, Body, FrozenDict, PostKey, Problem, freeze_mapping

__all__ = ["decode_entry", "decode_post", "encode_entry", "encode_post"]

_Convert = Callable[[Any], Any]
_SHARED: dict[Any, Any] = {}
_MAX_SHARED = 100_000
#: Text fields that many posts share a value of: decoded into one object per value.
_SHARED_FIELDS = frozenset({"author", "media_type"})

T = TypeVar("T")


def _shared(value: T) -> T:
    """One object for equal values (names, category paths), within a bounded table."""
    found = _SHARED.get(value)
    if found is not None:
        return found  # type: ignore[no-any-return]
    if len(_SHARED) < _MAX_SHARED:
        _SHARED[value] = value
    return value


def _names(data: Any) -> tuple[str, ...]:
    names = tuple(data)
    found: tuple[str, ...] | None = _SHARED.get(names)  # the whole value seen before
    return found if found is not None else _shared(tuple(map(_shared, names)))


def _categories(data: Any) -> tuple[tuple[str, ...], ...]:
    # Many posts share names and paths: share the objects too, so that 100k posts in
    # memory cost what they must (phase one keeps every key). A value seen before is
    # found whole, in one look-up.
    paths = tuple(map(tuple, data))
    found: tuple[tuple[str, ...], ...] | None = _SHARED.get(paths)
    if found is not None:
        return found
    return _shared(tuple(_shared(tuple(map(_shared, path))) for path in paths))


def _last(decode: _Convert) -> _Convert:
    """``decode``, giving the same object again when the data repeats the last call's
    (``updated`` is mostly ``published``, the thumbnail mostly the lead image)."""
    last: list[Any] = [object(), None]

    def run(data: Any) -> Any:
        if data != last[0]:
            last[1] = decode(data)
            last[0] = data
        return last[1]

    return run


def _optional(convert: _Convert | None) -> _Convert | None:
    if convert is None:
        return None
    return lambda value: None if value is None else convert(value)


def _each(convert: _Convert | None, into: Callable[[Any], Any]) -> _Convert | None:
    if convert is None:
        return None
    return lambda values: into(map(convert, values))


def _rule(hint: Any, name: str) -> tuple[_Convert | None, _Convert | None]:
    """How a field of type ``hint`` goes to JSON and back (None: as it is)."""
    args = get_args(hint)
    if hint in (str, bool, int, float) or get_origin(hint) is Literal:
        return None, _shared if name in _SHARED_FIELDS else None
    if hint is datetime:
        return datetime.isoformat, _last(datetime.fromisoformat)
    if hint is FrozenDict:  # nested mappings go to JSON through _plain
        return None, freeze_mapping
    if dataclasses.is_dataclass(hint):
        codec = _Codec(hint)
        return codec.encode, _last(codec.decode)
    if get_origin(hint) in (Union, UnionType) and len(args) == 2 and type(None) in args:
        encode, decode = _rule(next(a for a in args if a is not type(None)), name)
        return _optional(encode), _optional(decode)
    if get_origin(hint) is tuple and len(args) == 2 and args[1] is Ellipsis:
        if args[0] is str:
            return None, _names
        if args[0] == tuple[str, ...]:
            return None, _categories
        encode, decode = _rule(args[0], name)
        return _each(encode, list), _each(decode, tuple)
    raise TypeError(f"the cache has no rule for field {name!r} of type {hint!r}")


class _Codec:
    """A dataclass as the JSON list of its fields, and back.

    Both directions are compiled from the fields into one small function each (as
    ``dataclasses`` makes ``__init__``): phase one decodes the key of every post on
    every build, and a loop over the fields would cost a fifth more.
    """

    def __init__(self, cls: Any) -> None:
        hints = get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]
        rules = [_rule(hints[name], name) for name in names]
        scope: dict[str, Any] = {"cls": cls}
        stored, values = [], []
        for i, (name, (encode, decode)) in enumerate(zip(names, rules, strict=True)):
            scope[f"encode{i}"], scope[f"decode{i}"] = encode, decode
            stored.append(f"encode{i}(value.{name})" if encode else f"value.{name}")
            values.append(f"decode{i}(v{i})" if decode else f"v{i}")
        unpack = "".join(f"v{i}, " for i in range(len(names)))
        exec(  # the source is made of field names only
            f"def encode(value):\n    return [{', '.join(stored)}]\n"
            f"def decode(data):\n    {unpack}= data\n    return cls({', '.join(values)})\n",
            scope,
        )
        self.encode: Callable[[Any], list[Any]] = scope["encode"]
        #: Raises ValueError when ``data`` does not hold one value per field.
        self.decode: Callable[[Any], Any] = scope["decode"]


_KEY = _Codec(PostKey)
_META = _Codec(ArticleMeta)
_BODY = _Codec(Body)
_PROBLEM = _Codec(Problem)
#: What a damaged entry can raise while it is decoded.
_DAMAGED = (KeyError, TypeError, ValueError, AttributeError)


def _plain(value: object) -> object:
    """JSON for what ``json`` does not know: the mappings of a frozen ``extra``."""
    if isinstance(value, FrozenDict):
        return dict(value)
    raise TypeError(f"cannot store {type(value).__name__} in the cache")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_plain)


#: ``json.loads`` adds two regular expression matches (for whitespace the codec never
#: writes) to every call: entries are decoded with ``raw_decode``, which does not.
_DECODE = json.JSONDecoder().raw_decode


def _loads(text: str) -> Any:
    """``json.loads`` of an entry the codec wrote (no whitespace around the value);
    ValueError for anything else."""
    data, end = _DECODE(text)
    if end != len(text):
        raise ValueError(f"extra data at {end}")
    return data


def _dumps(value: object) -> str:
    # A file name that is not UTF-8 (a source, a problem's path) holds lone surrogates.
    return escape_surrogates(_ENCODER.encode(value))


def encode_entry(kind: str, key: PostKey | None = None, problems: Iterable[Problem] = ()) -> str:
    """One phase-one outcome as JSON: ``kind`` is ``ok``, ``draft``, ``error`` or
    ``undated`` (a post whose fallback date is chosen later; never kept in the cache)."""
    data: dict[str, Any] = {"k": kind, "p": [_PROBLEM.encode(p) for p in problems]}
    if key is not None:
        data["m"] = _KEY.encode(key)
    return _dumps(data)


def decode_entry(text: str) -> tuple[str, PostKey | None, list[Problem]]:
    """The inverse of :func:`encode_entry`. Raises ValueError on anything unexpected."""
    try:
        data = _loads(text)
        kind = data["k"]
        problems = [_PROBLEM.decode(p) for p in data["p"]]
        key = _KEY.decode(data["m"]) if "m" in data else None
    except _DAMAGED as exc:
        raise ValueError(f"unreadable cache entry: {exc}") from exc
    if kind not in ("ok", "draft", "error", "undated") or (kind == "ok") != (key is not None):
        raise ValueError("unreadable cache entry")
    return kind, key, problems


def encode_post(meta: ArticleMeta, problems: Iterable[Problem], body: Body) -> str:
    """One phase-two outcome as JSON: the whole front matter, its problems, the body."""
    data = {"m": _META.encode(meta), "p": [_PROBLEM.encode(p) for p in problems]}
    data["b"] = _BODY.encode(body)
    return _dumps(data)


def decode_post(text: str) -> tuple[ArticleMeta, list[Problem], Body]:
    """The inverse of :func:`encode_post`. Raises ValueError on anything unexpected."""
    try:
        data = _loads(text)
        meta = _META.decode(data["m"])
        problems = [_PROBLEM.decode(p) for p in data["p"]]
        body = _BODY.decode(data["b"])
    except _DAMAGED as exc:
        raise ValueError(f"unreadable cache entry: {exc}") from exc
    return meta, problems, body
