"""Front matter of the common shape, read without the YAML parser (nor importing it).

Most posts (the seed, every crawler post of the corpus) have front matter of one
simple shape: top-level ``key: value`` lines, and lists under a key as ``- item``
lines, an item being a value or a flow list of quoted names (Hexo's category
paths). For that shape the YAML parser costs several times what the lines do, on
every post of every cold build; :func:`quick_yaml` reads it line by line and
leaves anything else (comments, anchors, tags, block scalars, continuation lines,
escapes, other flow collections) to the parser (:mod:`newsfeed.sources.yaml_data`).
tests/test_sources.py checks that whatever it reads, it reads exactly as the parser
does.
"""

from __future__ import annotations

import re

from newsfeed.sources.read import clean_scalar

__all__ = ["NULL_WORDS", "quick_yaml"]

NULL_WORDS = frozenset({"", "~", "null", "Null", "NULL"})
"""The plain scalars YAML reads as null (the only type front matter resolves)."""

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
    """Front matter outside the shape :func:`quick_yaml` reads (internal)."""


def _quick_scalar(raw: str) -> object:
    """The plain data of one :data:`_VALUE`, as the parser and the bounded walk make it."""
    first = raw[0]
    if first == "'" or first == '"':
        return clean_scalar(raw[1:-1])
    if first == "[":
        return [_quick_scalar(item) for item in _QUICK_FLOW_ITEMS.findall(raw, 1)]
    if _QUICK_REFUSED.search(raw):
        raise _NotQuick
    return None if raw in NULL_WORDS else clean_scalar(raw)


def quick_yaml(fm: str) -> dict[str, object] | None:
    """The plain data of ``fm``, exactly as the parser path gives it
    (:func:`newsfeed.sources.yaml_data.load_yaml`), when it has the common simple shape
    (see above); else None."""
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
                if key in NULL_WORDS:
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
