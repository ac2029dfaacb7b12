"""Plain-text helpers: XML-illegal characters, text of sanitized HTML, summaries.

Pure standard library; no HTML parser is needed because the HTML handled here is
the serialized output of the sanitizer (quoted attributes, escaped text).
"""

from __future__ import annotations

import html
import re
import unicodedata

from newsfeed.chars import XML_ILLEGAL

__all__ = ["MORE", "first_sentence", "html_to_text", "strip_illegal_xml", "summarize"]

#: Hexo's excerpt marker (its ``excerpt`` filter): the first one in a post's HTML ends
#: the excerpt.
MORE = re.compile(r"<!-- ?more ?-->", re.IGNORECASE)

# Tags whose boundaries separate words when the markup is flattened to text.
_BLOCK_TAGS = (
    "address|article|aside|blockquote|br|caption|dd|div|dl|dt|figcaption|figure|footer|"
    "h[1-6]|header|hr|li|ol|p|pre|section|table|tbody|td|tfoot|th|thead|tr|ul|video|audio|"
    "iframe|picture|img"
)
# A tag of serialized, sanitized HTML: attribute values are always double-quoted.
_TAG = re.compile(r'<(/?)([a-zA-Z][a-zA-Z0-9]*)(?:[^">]|"[^"]*")*>')
_BLOCK = re.compile(rf"(?:{_BLOCK_TAGS})", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)

# Share of a Latin cut that may be given up to end on a word boundary.
_WORD_SLACK = 0.2
_ELLIPSIS = "…"


def strip_illegal_xml(text: str) -> str:
    """Remove characters that XML 1.0 forbids (:data:`newsfeed.chars.XML_ILLEGAL`);
    tabs, newlines and CRs stay."""
    if XML_ILLEGAL.search(text) is None:
        return text
    return XML_ILLEGAL.sub("", text)


def _tag_to_separator(match: re.Match[str]) -> str:
    return " " if _BLOCK.fullmatch(match.group(2)) else ""


def html_to_text(markup: str) -> str:
    """Plain text of sanitized HTML: blocks separated by spaces, entities decoded.

    Whitespace runs (including U+3000 and no-break spaces) collapse to one space.
    """
    stripped = _TAG.sub(_tag_to_separator, _COMMENT.sub("", markup))
    return strip_illegal_xml(" ".join(html.unescape(stripped).split()))


def _is_wide(char: str) -> bool:
    return unicodedata.east_asian_width(char) in ("W", "F")


def _is_trailing_junk(char: str) -> bool:
    return char.isspace() or unicodedata.category(char).startswith("P")


def summarize(text: str, limit: int, delimiter: str = "") -> str:
    """At most ``limit`` characters of ``text``, whitespace collapsed, cut with '…'.

    With a ``delimiter`` (hexo-generator-feed's ``content_limit_delim``) a text longer
    than ``limit`` is cut just before the last ``delimiter`` within its first ``limit``
    characters, when there is one. Otherwise Latin text is cut at a word boundary when
    one lies within the last fifth; CJK text (no spaces) is cut at the limit.
    Trailing punctuation is dropped before the ellipsis, which counts toward the limit.
    The text is plain, so a cut never falls inside a tag or an entity.
    """
    flat = " ".join(strip_illegal_xml(text).split())
    if limit <= 0:
        return ""
    if len(flat) <= limit:
        return flat
    found = flat.rfind(delimiter, 0, limit) if delimiter else -1
    if found > 0 and _trimmed(flat[:found]):
        return _trimmed(flat[:found]) + _ELLIPSIS
    cut = limit - len(_ELLIPSIS)
    # Never separate a base character from its combining marks.
    while cut > 0 and unicodedata.combining(flat[cut]):
        cut -= 1
    head = flat[:cut]
    if head and not flat[cut].isspace() and not _is_wide(head[-1]) and not _is_wide(flat[cut]):
        space = head.rfind(" ")
        if space > 0 and space >= cut - max(1, int(cut * _WORD_SLACK)):
            head = head[:space]
    return (_trimmed(head) or head) + _ELLIPSIS


def _trimmed(head: str) -> str:
    """``head`` without its trailing spaces and punctuation."""
    end = len(head)
    while end > 0 and _is_trailing_junk(head[end - 1]):
        end -= 1
    return head[:end]


# The end of a sentence: CJK full stops and marks anywhere, Latin ones before a space
# or the end (so "3.5" or "e.g.x" do not end one).
_SENTENCE_END = re.compile(r"[。！？]+[”」』）)]?|[.!?…]+[\"'”’)]?(?=\s|$)")


#: A sentence ends no sooner than this: "e.g. this" or "Dr. Who" is one sentence.
_MIN_SENTENCE = 8


def first_sentence(text: str, limit: int) -> str:
    """The first sentence of ``text`` (at least a few characters long), whitespace
    collapsed, without a closing full stop (a question or an exclamation mark stays),
    cut cleanly by :func:`summarize` when it is longer than ``limit``. Empty when
    ``text`` holds nothing but space."""
    flat = " ".join(strip_illegal_xml(text).split())
    end = _SENTENCE_END.search(flat, _MIN_SENTENCE - 1)
    sentence = flat[: end.end()] if end else flat
    if sentence.endswith(("。", ".")) and not sentence.endswith(".."):
        sentence = sentence[:-1].rstrip()
    return summarize(sentence, limit)
