"""What ``newsfeed check`` finds: one :class:`Finding` per problem, and the
:class:`Findings` of one document that the rules add to.

A finding names its ``rule`` (a stable word, for scripts reading ``--json``):

- ``site``: OUT itself (not a folder, no documents, no ``site_url`` to follow links by);
- ``read``: a document that cannot be read (a symbolic link out of OUT, a FIFO or
  another file that is not a regular one, too large, permission denied);
- ``xml``, ``json``, ``html``: a document that does not parse (XML, JSON), or parses
  with markup errors (HTML);
- ``rss``, ``atom``, ``opml``, ``jsonfeed``: a rule of that format is broken;
- ``url``: a URL a feed must give absolute (and ASCII) is not;
- ``self``: a feed's self link (JSON Feed: ``feed_url``) is not the URL it is served at;
- ``page``: a page breaks a rule of newsfeed's pages (a script, an image that sends
  the referrer, an autodiscovery link to something that is not that feed);
- ``link``: an internal link (under ``site_url``) that no file in OUT serves.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["RULES", "Finding", "Findings"]

#: Every rule, in the order the module docstring explains them.
RULES = (
    "site",
    "read",
    "xml",
    "json",
    "html",
    "rss",
    "atom",
    "opml",
    "jsonfeed",
    "url",
    "self",
    "page",
    "link",
)


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: the document (its path in OUT; ``.`` for OUT itself), the line
    (0 when unknown: JSON is one line, so its findings name the key instead), the
    rule broken and what is wrong. A ``link`` finding also gives the link as written
    (``url``), the path in OUT it names (``target``) and whether the author wrote it
    (``content``: a link in an article's content, or its image)."""

    path: str
    line: int
    rule: str
    message: str
    url: str = ""
    target: str = ""
    content: bool = False

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Findings:
    """The findings of one document, as its rules add them."""

    path: str
    found: list[Finding] = field(default_factory=list)

    def add(self, element: Any, rule: str, message: str) -> None:
        """A finding at ``element`` (an lxml element, or None: no line)."""
        line = getattr(element, "sourceline", None) or 0
        self.found.append(Finding(self.path, line, rule, message))

    def at(self, line: int, rule: str, message: str) -> None:
        """A finding at a known line (0: unknown)."""
        self.found.append(Finding(self.path, line, rule, message))
