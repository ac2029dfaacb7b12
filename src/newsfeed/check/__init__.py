"""``newsfeed check OUT``: the judge of a built site. It reads; it never writes, and
it never fetches anything.

- Every document in OUT (``.xml``, ``.opml``, ``.json``, ``.html``; hidden ones
  skipped) that newsfeed wrote (OUT's manifest says which; every one when there is
  no manifest) is parsed and held to its format's rules: RSS 2.0, Atom 1.0 and OPML
  (:mod:`~newsfeed.check.feeds`), JSON Feed 1.1 (:mod:`~newsfeed.check.jsonfeed`),
  and newsfeed's pages (:mod:`~newsfeed.check.markup`). The other documents of OUT
  (Hexo's own pages, say) are only link targets.
- A feed's self link is the URL it is served at, under ``site_url``: given, or told
  by the feeds at the top of OUT (:func:`infer_site_url`).
- Every internal link of every judged document (:mod:`~newsfeed.check.links`) must
  name a file in OUT, and an autodiscovery link the feed of the kind it announces.
- Nothing follows a symbolic link out of OUT or waits on a FIFO
  (:mod:`~newsfeed.check.files`).

:func:`result_data` is the JSON form (``newsfeed check --json``). Its keys are stable
(new ones may be added; ``version`` changes only when a key's meaning does)::

    {"version": 1, "ok": false, "error": null, "out": "public",
     "site_url": "https://news.example.org/", "documents": 120, "judged": 120,
     "links": 2400,
     "problems": [{"path": "rss.xml", "line": 12, "rule": "link", "message": "...",
                   "url": "https://news.example.org/2021/07/x/", "target":
                   "2021/07/x/index.html", "content": false}]}

``documents`` counts the documents in OUT, ``judged`` those checked against the
rules, ``links`` the internal links followed; each problem has the document's path
in OUT, its line (0: unknown), the rule (:data:`~newsfeed.check.finding.RULES`), the
message, and for a ``link`` the URL as written, the path it names and whether the
author wrote it (``content``: in an article's content, or its image).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from newsfeed.check.documents import Judged, judge
from newsfeed.check.files import Served, find_documents, read_document, written_by_newsfeed
from newsfeed.check.finding import RULES, Finding
from newsfeed.check.links import Link, broken, internal, resolve, served_at
from newsfeed.feeds import output_url

__all__ = [
    "CHECK_VERSION",
    "RULES",
    "CheckResult",
    "Finding",
    "Link",
    "check_site",
    "infer_site_url",
    "internal_links",
    "result_data",
]

CHECK_VERSION = 1
#: Where links are resolved when ``site_url`` is unknown: relative links are still
#: followed; absolute ones are all external.
_NOWHERE = "http://site-url.invalid/"


@dataclass(frozen=True, slots=True)
class CheckResult:
    """What ``newsfeed check`` found in one OUT (see the module's docstring)."""

    out: str
    site_url: str | None
    documents: int
    judged: int
    links: int
    findings: tuple[Finding, ...]

    @property
    def ok(self) -> bool:
        """Whether no problem was found."""
        return not self.findings


@dataclass
class _Run:
    """One check of one OUT: what is known so far."""

    out: Path
    served: Served
    findings: list[Finding] = field(default_factory=list)
    kinds: dict[str, str] = field(default_factory=dict)
    alternates: list[tuple[str, int, str, str]] = field(default_factory=list)
    links: int = 0

    def judge(self, relpath: str) -> Judged | None:
        data = read_document(self.out, relpath)
        if isinstance(data, Finding):
            self.findings.append(data)
            return None
        judged = judge(relpath, data)
        self.kinds[relpath] = judged.kind
        return judged

    def finish(self, judged: Judged | None, site_url: str | None) -> None:
        """Compare the self link, follow the links; keep the findings."""
        if judged is None:
            return
        judged.check_self(site_url)
        self.findings.extend(judged.findings.found)
        base = site_url or _NOWHERE
        links = list(internal(judged.links, base))
        self.links += len(links)
        self.findings.extend(broken(links, self.served))
        relpath = judged.findings.path
        for line, kind, href in judged.alternates:
            target = resolve(href, served_at(base, relpath), base)
            if target is not None:
                self.alternates.append((relpath, line, kind, target))

    def check_alternates(self) -> None:
        """Each autodiscovery link names a feed of the kind it announces."""
        for relpath, line, kind, target in self.alternates:
            found = self.kinds.get(target)
            if found is not None and found != kind:
                message = f"autodiscovery link to {target} announces {kind}, which it is not"
                self.findings.append(Finding(relpath, line, "page", f"{message} ({found})"))


def _from_self_links(judged: dict[str, Judged | None]) -> str | None:
    """``site_url`` as the top-level feeds say it: a self link minus the feed's path."""
    for relpath, found in sorted(judged.items()):
        href = found.self_link[1] if found is not None and found.self_link else None
        tail = output_url("", relpath)  # the file's URL path under site_url
        if href and href.endswith("/" + tail):
            return href[: -len(tail)]
    return None


def _top_level(documents: list[str]) -> list[str]:
    return [d for d in documents if "/" not in d and d.endswith((".xml", ".json"))]


def infer_site_url(out: str | Path) -> str | None:
    """``site_url`` as the feeds at the top of ``out`` say it (their self link minus
    their own path); None when no top-level feed has a usable self link."""
    root = Path(out)
    documents, _ = find_documents(root)
    run = _Run(root, Served(root))
    return _from_self_links({d: run.judge(d) for d in _top_level(documents)})


def check_site(out: str | Path, site_url: str | None = None) -> CheckResult:
    """Judge the built site in ``out`` (``site_url``: by default what its feeds say)."""
    root = Path(out)
    if not root.is_dir():
        return CheckResult(str(out), site_url, 0, 0, 0, (Finding(".", 0, "site", "not a folder"),))
    documents, unreadable = find_documents(root)
    judged = written_by_newsfeed(root, documents)
    run = _Run(root, Served(root), unreadable)
    first = {d: run.judge(d) for d in _top_level(judged)}
    base = _as_folder(site_url) or _from_self_links(first)
    if not documents:
        run.findings.append(Finding(".", 0, "site", "no documents (.xml .opml .json .html)"))
    elif base is None:
        message = "site_url unknown (no feed at the top of OUT has a self link): pass it"
        run.findings.append(Finding(".", 0, "site", message))
    for relpath in judged:
        run.finish(first[relpath] if relpath in first else run.judge(relpath), base)
    run.check_alternates()
    findings = tuple(sorted(run.findings, key=lambda f: (f.path, f.line)))
    return CheckResult(str(out), base, len(documents), len(judged), run.links, findings)


def _as_folder(site_url: str | None) -> str | None:
    if not site_url:
        return None
    return site_url if site_url.endswith("/") else site_url + "/"


def internal_links(out: str | Path, site_url: str) -> list[tuple[Link, str]]:
    """Every internal link of every document in OUT, with the path in OUT it names."""
    root = Path(out)
    documents, _ = find_documents(root)
    run = _Run(root, Served(root))
    found: list[tuple[Link, str]] = []
    for relpath in documents:
        judged = run.judge(relpath)
        if judged is not None:
            found.extend(internal(judged.links, site_url))
    return found


def result_data(result: CheckResult, error: str | None = None) -> dict[str, object]:
    """The JSON form of a check (``error``: why OUT could not be checked at all)."""
    return {
        "version": CHECK_VERSION,
        "ok": result.ok and error is None,
        "error": error,
        "out": result.out,
        "site_url": result.site_url,
        "documents": result.documents,
        "judged": result.judged,
        "links": result.links,
        "problems": [
            {
                "path": f.path,
                "line": f.line,
                "rule": f.rule,
                "message": f.message,
                "url": f.url,
                "target": f.target,
                "content": f.content,
            }
            for f in result.findings
        ],
    }
