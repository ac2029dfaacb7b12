"""Front matter that is not valid YAML, read line by line (a post is then ``recovered``).

Crawlers write front matter with unquoted colons, stray quotes and broken lists; the
fields a person can read in it are kept: top-level ``key: value`` lines, ``- item``
lines (indented or not) under a key with no value, and continuation lines of a
multi-line value (joined with a space). The values are raw text; the caller bounds and
unescapes them (:func:`newsfeed.sources.yaml_data.to_plain_mapping`).
"""

from __future__ import annotations

import re

from newsfeed.sources.yaml_data import load_yaml_value

__all__ = ["KEY_LINE", "recover"]

KEY_LINE = re.compile(r"([A-Za-z_][A-Za-z0-9_-]*)[ \t]*:(?:[ \t]+(.*?))?[ \t]*")
"""A top-level ``key: value`` line (the value may be missing)."""
_ITEM_LINE = re.compile(r"[ \t]*-(?:[ \t]+(.*?))?[ \t]*")
_BLOCK_INDICATOR = re.compile(r"[|>][+-]?[0-9]?[+-]?")
_QUOTES = "'\""


def recover(fm: str) -> dict[str, object]:
    """The fields of invalid YAML front matter, read line by line (see the module's doc);
    empty when no line is a ``key: value`` line."""
    entries: dict[str, list[str]] = {}
    lists: set[str] = set()
    key: str | None = None
    for line in fm.split("\n"):
        stripped = line.strip()
        if not stripped:
            continue
        match = KEY_LINE.fullmatch(line)
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
    return {name: _value(parts, name in lists, fm) for name, parts in entries.items()}


def _value(parts: list[str], is_list: bool, fm: str) -> object:
    """The value of one recovered key from its lines (of front matter ``fm``)."""
    if is_list:
        return [_recover_value(p, fm) for p in parts]
    if not parts:
        return None
    if _BLOCK_INDICATOR.fullmatch(parts[0]):
        joiner = "\n" if parts[0].startswith("|") else " "
        return joiner.join(parts[1:])
    return _recover_value(" ".join(parts), fm)


def _recover_value(value: str, fm: str) -> object:
    value = value.strip()
    if not value:
        return None
    if value[0] in _QUOTES + "[{":
        loaded = load_yaml_value(value, fm)
        wanted = {"[": list, "{": dict}.get(value[0], str)
        if isinstance(loaded, wanted):
            return loaded
    return _unquote(value)


def _unquote(value: str) -> str:
    '''Strip outer quotes the way a person would read them.

    ``"It's"`` -> ``It's``; ``'"hi" there'`` -> ``"hi" there``; a symmetric run of
    quotes around text without that quote (``"""x"""``) is stripped layer by layer.
    '''
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
