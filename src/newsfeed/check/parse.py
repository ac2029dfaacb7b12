"""Documents to trees for the checker: the one module of :mod:`newsfeed.check` that
imports lxml. XML is parsed strictly (no recovery, no network, no entity expansion),
as a strict reader would; HTML as browsers are lenient, but its markup errors (an end
tag that closes nothing) are told.
"""

from __future__ import annotations

from typing import Any

import lxml.html
from lxml import etree

__all__ = ["Unparsable", "doctype", "parse_fragment", "parse_page", "parse_xml"]

_XML = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
#: libxml2 before 2.14 does not know HTML5's elements (``article``, ``time``...)
#: and says so; that is no error of the page.
_UNKNOWN_TAG = 801


class Unparsable(Exception):
    """A document that does not parse: the line (0 when unknown) and why."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_xml(data: bytes) -> Any:
    """The root element of an XML document; :class:`Unparsable` when it is not
    well-formed."""
    try:
        return etree.fromstring(data, _XML)
    except etree.XMLSyntaxError as exc:
        raise Unparsable(exc.lineno or 0, f"not well-formed XML: {exc.msg}") from exc


def parse_page(data: bytes) -> tuple[Any, list[tuple[int, str]]]:
    """The root element of an HTML page (UTF-8), and its markup errors (line,
    message); :class:`Unparsable` when nothing parses."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Unparsable(0, f"not UTF-8 (byte {exc.start})") from exc
    parser = lxml.html.HTMLParser(encoding="utf-8", no_network=True)
    try:
        root = lxml.html.document_fromstring(data, parser=parser)
    except (etree.ParserError, ValueError) as exc:
        raise Unparsable(0, f"not an HTML page: {exc}") from exc
    errors = [
        (entry.line, entry.message)
        for entry in parser.error_log
        if entry.level >= etree.ErrorLevels.ERROR and entry.type != _UNKNOWN_TAG
    ]
    return root, errors


def doctype(root: Any) -> str:
    """The document type declaration of a parsed page (empty when it has none)."""
    return str(root.getroottree().docinfo.doctype or "")


def parse_fragment(markup: str) -> Any | None:
    """An element holding the parsed HTML ``markup`` (the content of a feed item);
    None when there is nothing to parse."""
    if not markup.strip():
        return None
    try:
        return lxml.html.fragment_fromstring(markup, create_parent="div")
    except (etree.ParserError, ValueError):
        return None
