"""The character rules every stage shares: the characters XML 1.0 forbids, the control
characters reading drops as mojibake, what counts as blank text, and escaping text for
a terminal.

The standard library only; imports nothing from newsfeed.
"""

from __future__ import annotations

import re

__all__ = [
    "DISCOURAGED_CONTROLS",
    "DISCOURAGED_CONTROLS_CHARS",
    "REPLACEMENT",
    "TERMINAL_UNSAFE",
    "XML_ILLEGAL",
    "XML_ILLEGAL_CHARS",
    "escape_surrogates",
    "for_terminal",
    "has_surrogates",
    "is_blank",
    "json_for_terminal",
]

# XML 1.0 (fifth edition), production [2]:
#   Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
# Its complement, in three parts:
_CONTROLS = "\x00-\x08\x0b\x0c\x0e-\x1f"  # the C0 controls but tab, line feed and CR
_SURROGATES = "\ud800-\udfff"  # only ever halves of a character, never one
_NONCHARACTERS = "\ufffe\uffff"

XML_ILLEGAL_CHARS = _CONTROLS + _SURROGATES + _NONCHARACTERS
"""The characters XML 1.0 forbids, as the inside of a regular expression's ``[...]``."""
# Written as the few characters it matches: the complement compiles 10x slower (7 ms in
# every process).
XML_ILLEGAL = re.compile(f"[{XML_ILLEGAL_CHARS}]")
"""Matches one character XML 1.0 forbids (everything outside its ``Char``)."""

DISCOURAGED_CONTROLS_CHARS = "\x7f-\x84\x86-\x9f"
"""DEL and the C1 controls but NEL (U+0085, a line break), as the inside of a ``[...]``.

XML 1.0 allows but discourages them (section 2.2). In a post they are mojibake:
feedparser turns them into cp1252 letters and validators flag them, so reading drops
them along with the illegal characters."""
DISCOURAGED_CONTROLS = re.compile(f"[{DISCOURAGED_CONTROLS_CHARS}]")
"""Matches one of :data:`DISCOURAGED_CONTROLS_CHARS`."""

REPLACEMENT = "\ufffd"
"""U+FFFD, which decoding puts for bytes it cannot read: reading drops it (validators
flag it as a bad character, readers show a box)."""

# Whitespace (\s is str.isspace) and what reading drops: lone surrogates (a pair is
# the character it encodes), the other XML-illegal characters, the discouraged controls.
_LONE = "[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]"
_BLANK = re.compile(
    f"(?:[\\s{_CONTROLS}{_NONCHARACTERS}{DISCOURAGED_CONTROLS_CHARS}{REPLACEMENT}]|{_LONE})*"
)


def is_blank(text: str) -> bool:
    """Whether ``text`` holds nothing a reader could see: every character is whitespace
    (``str.isspace``: spaces, tabs, line breaks, NEL, no-break and ideographic spaces...)
    or one that reading drops (the XML-illegal controls, lone surrogates and
    U+FFFE/U+FFFF, DEL and the other C1 controls, U+FFFD). An empty text is blank; a
    zero-width or byte-order-mark character is not (not whitespace).

    Cleaning a text never changes the answer, so it is the same before and after.
    """
    return _BLANK.fullmatch(text) is not None


_LONE_SURROGATE = re.compile(f"[{_SURROGATES}]")


def has_surrogates(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate: how Python reads the bytes of a file name
    that are not UTF-8 (``os.fsdecode``'s ``surrogateescape``), which UTF-8 cannot encode."""
    return not text.isascii() and _LONE_SURROGATE.search(text) is not None


def escape_surrogates(json_text: str) -> str:
    """JSON text (``json.dumps(..., ensure_ascii=False)``) with its lone surrogates written
    as ``\\udcXX`` escapes: then it encodes as UTF-8, and ``json.loads`` gives the same
    surrogates back (a lone surrogate can only stand inside a JSON string)."""
    if not has_surrogates(json_text):
        return json_text
    return _LONE_SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json_text)


# Beyond C0 (which json.dumps always escapes): DEL and C1, the line and paragraph
# separators, and the bidirectional marks, embeddings, overrides and isolates.
_UNSAFE_BEYOND_C0 = "\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069"
TERMINAL_UNSAFE = re.compile(f"[\\x00-\\x1f{_UNSAFE_BEYOND_C0}]")
"""Matches one character a terminal must not receive raw from a file name or a post:
every control character (C0 with tab and line feed, DEL, C1: escape sequences start
with ESC or CSI), the line and paragraph separators, and the bidirectional marks,
embeddings, overrides and isolates (text that reads differently from what it is)."""
_JSON_UNSAFE = re.compile(f"[{_UNSAFE_BEYOND_C0}]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def for_terminal(text: str) -> str:
    """``text`` safe to print: each :data:`TERMINAL_UNSAFE` character written as its
    Python escape (``\\x1b``, ``\\u202e``), so a message stays one line and shows
    what the name really holds."""
    return TERMINAL_UNSAFE.sub(_escaped, text)


def json_for_terminal(text: str) -> str:
    """JSON text with every :data:`TERMINAL_UNSAFE` character written as ``\\uXXXX``:
    the same JSON value (such characters only occur inside strings, where the escape
    means the character), safe to ``cat``. ``json.dumps`` escapes only C0."""
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)
