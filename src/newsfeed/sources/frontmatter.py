"""Hexo's front matter, through python-frontmatter's handler seam: the only module that
imports python-frontmatter.

:class:`HexoHandler` is a python-frontmatter handler (``detect``, ``split``, ``load``,
``export``, as ``frontmatter.default_handlers`` defines them) for the forms Hexo reads,
leading blank lines allowed:

- ``---`` YAML ``---`` then the body;
- ``;;;`` JSON ``;;;`` (the JSON object's outer braces are optional);
- no opening line: ``key: value`` lines (or JSON) up to the first ``---``/``;;;`` line,
  used only when it loads cleanly as a mapping; otherwise the text has no front matter;
- no front matter at all: the whole text is the body.

An opening ``---``/``;;;`` that is never closed is an error ("front matter is not
closed"): guessing where the front matter ends would publish half of it as the body.

As python-frontmatter's own ``JSONHandler`` keeps the braces it splits on,
:meth:`HexoHandler.split` keeps the separator lines in the front matter it returns:
they say how :meth:`HexoHandler.load` reads it. YAML is read by the quick path
(:mod:`~newsfeed.sources.quick_yaml`), else by the parser
(:mod:`~newsfeed.sources.yaml_data`), else line by line
(:mod:`~newsfeed.sources.recover`: the mapping is then :class:`Recovered`).
"""

from __future__ import annotations

import json
import re
from typing import Any

from frontmatter.default_handlers import BaseHandler

from newsfeed.sources.quick_yaml import quick_yaml
from newsfeed.sources.recover import KEY_LINE, recover
from newsfeed.sources.yaml_data import (
    FrontMatterError,
    InvalidYAML,
    kind_of,
    load_yaml,
    load_yaml_strict,
    to_plain_mapping,
)

__all__ = [
    "MAX_FRONT_MATTER_CHARS",
    "HexoHandler",
    "NoFrontMatter",
    "NoSeparator",
    "Recovered",
    "Unclosed",
]

MAX_FRONT_MATTER_CHARS = 1_000_000
"""Longest front matter accepted, in characters."""

_BLANK_LINES = re.compile(r"(?:[ \t]*\n)*")
_OPEN = re.compile(r"(-{3,}|;{3,})[ \t]*")
_CLOSE = {
    "-": re.compile(r"^-{3,}[ \t]*$", re.MULTILINE),
    ";": re.compile(r"^;{3,}[ \t]*$", re.MULTILINE),
}
_ANY_SEPARATOR = re.compile(r"^(?:-{3,}|;{3,})[ \t]*$", re.MULTILINE)


class NoFrontMatter(ValueError):
    """The text has no front matter: all of it is the body (a ``ValueError``: how a
    python-frontmatter handler's ``split`` says so)."""


class NoSeparator(NoFrontMatter):
    """... and not one separator line: text that goes on might still have some."""


class Unclosed(FrontMatterError):
    """An opening separator line and no closing one (text that goes on might close it)."""


class Recovered(dict[str, object]):
    """Front matter that was not valid YAML, read line by line."""


class HexoHandler(BaseHandler):
    """python-frontmatter handler for Hexo's front matter (see the module's doc).

    ``max_chars`` bounds the front matter (``max_front_matter_chars``). Errors are
    :class:`FrontMatterError` (an unclosed opening line: :class:`Unclosed`), never
    raised for text without front matter.
    """

    FM_BOUNDARY = _ANY_SEPARATOR
    # export() writes JSON, which Hexo reads between ;;; lines.
    START_DELIMITER = END_DELIMITER = ";;;"

    def __init__(self, max_chars: int = MAX_FRONT_MATTER_CHARS) -> None:
        super().__init__()
        self.max_chars = max_chars

    def detect(self, text: str) -> bool:
        """Whether ``text`` starts with front matter of one of Hexo's forms, from its
        lines alone (:meth:`split` has the last word: front matter without an opening
        line must also load)."""
        start, end = _first_line(text)
        if _OPEN.fullmatch(text, start, end) is not None:
            return True
        close = _ANY_SEPARATOR.search(text, start)
        return close is not None and _bare_kind(text[start:end], text[close.start()]) != ""

    def split(self, text: str) -> tuple[str, str]:
        """``(front matter with its separator lines, body)``; leading blank lines before
        either are dropped. Raises :class:`NoFrontMatter` (a ``ValueError``) when there
        is none, :class:`Unclosed` for an opening line never closed."""
        start, end = _first_line(text)
        opening = _OPEN.fullmatch(text, start, end)
        if opening is not None:
            close = _CLOSE[text[start]].search(text, end)
            if close is None:
                word = "---" if text[start] == "-" else ";;;"
                raise Unclosed(f"front matter is not closed: no {word} line after the opening one")
        else:
            close = _ANY_SEPARATOR.search(text, start)
            if close is None:
                raise NoSeparator("no separator line")
            fm = text[start : close.start()]
            if self._load_bare(fm, text[start:end], text[close.start()]) is None:
                raise NoFrontMatter("the lines before the separator are not front matter")
        after = close.end() + 1 if text.startswith("\n", close.end()) else close.end()
        return text[start : close.end()], text[_end_of_blank_lines(text, after) :]

    def load(self, fm: str) -> dict[str, object]:
        """Plain data of front matter that :meth:`split` gave: ``str``, ``None``,
        ``list`` and ``dict``, every scalar a string with HTML entities decoded; a
        :class:`Recovered` mapping when YAML was read line by line."""
        first, _, rest = fm.partition("\n")
        if _OPEN.fullmatch(first) is None:  # Hexo's form without an opening line
            inner = fm[: fm.rfind("\n") + 1]
            loaded = self._load_bare(inner, first, fm[len(inner) : len(inner) + 1])
            if loaded is None:
                raise NoFrontMatter("the lines before the separator are not front matter")
            return loaded
        inner = rest[: rest.rfind("\n") + 1]  # "" when the closing line follows at once
        self._check_size(inner)
        return _load_json(inner) if first[0] == ";" else _load_yaml(inner)

    def export(self, metadata: dict[str, object], **kwargs: object) -> str:
        """``metadata`` as JSON (Hexo's ``;;;`` form): :meth:`load` reads it back as it
        was (but for HTML entities in its text, decoded as in any front matter)."""
        kwargs.setdefault("indent", 2)
        kwargs.setdefault("ensure_ascii", False)
        return json.dumps(metadata, **kwargs)  # type: ignore[arg-type]

    def _load_bare(self, fm: str, first: str, close: str) -> dict[str, object] | None:
        """Front matter without an opening line (``close``: the closing line's first
        character): its plain data, or None when it is not front matter after all."""
        kind = _bare_kind(first, close)
        if not kind:
            return None
        self._check_size(fm)
        return _load_json_strict(fm) if kind == "json" else load_yaml_strict(fm)

    def _check_size(self, fm: str) -> None:
        if len(fm) > self.max_chars:
            raise FrontMatterError(
                f"front matter is too large: {len(fm):,} characters "
                f"(limit {self.max_chars:,}, max_front_matter_chars)"
            )


def _first_line(text: str) -> tuple[int, int]:
    """Where the first line that is not blank starts and ends (at its line end)."""
    start = _end_of_blank_lines(text, 0)
    end = text.find("\n", start)
    return start, len(text) if end < 0 else end


def _end_of_blank_lines(text: str, pos: int) -> int:
    """Where the blank lines (spaces and tabs only) from ``pos`` on end."""
    blank = _BLANK_LINES.match(text, pos)
    return blank.end() if blank else pos


def _bare_kind(first: str, close: str) -> str:
    """How Hexo reads front matter without an opening line, from its first line and
    its closing line's first character: "json", "yaml", or "" (not front matter)."""
    if close == ";" and first.lstrip().startswith(("{", '"')):
        return "json"
    return "yaml" if KEY_LINE.fullmatch(first) else ""


def _parse_json(fm: str) -> Any:
    body = fm.strip()
    if not body.startswith(("{", "[")):
        body = "{" + body + "}"
    return json.loads(body, parse_int=str, parse_float=str, parse_constant=str)


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


def _load_json_strict(fm: str) -> dict[str, object] | None:
    """:func:`_load_json`, or None unless ``fm`` is a JSON mapping."""
    try:
        data = _parse_json(fm)
    except (ValueError, RecursionError):
        return None
    return to_plain_mapping(data, fm) if isinstance(data, dict) else None


def _load_yaml(fm: str) -> dict[str, object]:
    """Plain data of YAML front matter: the quick path when it reads it, else the
    parser, else line by line (:class:`Recovered`)."""
    quick = quick_yaml(fm)
    if quick is not None:
        return quick
    try:
        return load_yaml(fm)
    except InvalidYAML as exc:
        recovered = recover(fm)
        if not recovered:
            raise FrontMatterError(
                f"front matter is not valid YAML and has no key: value lines ({exc})"
            ) from exc
        return Recovered(to_plain_mapping(recovered, fm))
