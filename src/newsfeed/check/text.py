"""``newsfeed check``'s findings as lines for a person: one per problem, except that
a missing file every feed links to is said once, with how many links name it and
where the first one is (the JSON form keeps every link)."""

from __future__ import annotations

from collections import defaultdict

from newsfeed.check.finding import Finding

__all__ = ["finding_lines", "summary"]

#: Links to one missing file listed by place before the rest are only counted.
SHOWN_PLACES = 3


def _plural(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _missing(target: str, links: list[Finding]) -> str:
    whose = " in an article's content" if all(f.content for f in links) else ""
    places = [f"{f.path}:{f.line}" if f.line else f.path for f in links]
    shown = ", ".join(places[:SHOWN_PLACES])
    more = f" and {len(places) - SHOWN_PLACES} more" if len(places) > SHOWN_PLACES else ""
    return (
        f"{target}: no such file in OUT; {_plural(len(links), 'link')}{whose} name it "
        f"({links[0].url}), from {shown}{more}"
    )


def finding_lines(findings: tuple[Finding, ...] | list[Finding]) -> list[str]:
    """Every finding as a line (``path:line: message``); the broken links grouped by
    the file they name, after the rest."""
    lines = [str(f) for f in findings if f.rule != "link"]
    by_target: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.rule == "link":
            by_target[finding.target].append(finding)
    lines.extend(_missing(target, links) for target, links in sorted(by_target.items()))
    return lines


def summary(out: str, findings: tuple[Finding, ...], documents: int, links: int) -> str:
    """The last line: what was checked, and how many problems were found (a missing
    file is one problem, however many links name it)."""
    problems = len(finding_lines(findings))
    broken = sum(1 for f in findings if f.rule == "link")
    if broken:
        followed = f" ({broken} of {_plural(links, 'link')} broken)"
    else:
        followed = f" ({_plural(links, 'link')} followed)" if links else ""
    if problems:
        return f"{out}: {_plural(problems, 'problem')} in {_plural(documents, 'file')}{followed}"
    return f"{out}: {_plural(documents, 'file')} checked{followed}, no problems"
