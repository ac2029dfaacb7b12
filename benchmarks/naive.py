"""The naive baseline: python-frontmatter + BeautifulSoup on every post + feedgen.

    python benchmarks/naive.py SOURCE OUT

What a first Python version of newsfeed would do: load every post, clean every
body, group by category node, write RSS and Atom for each (50 newest items).
"""

from __future__ import annotations

import sys
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import quote

import frontmatter
from bs4 import BeautifulSoup
from feedgen.feed import FeedGenerator

SITE = "http://localhost:8000/"


def load(path: Path) -> dict[str, object] | None:
    try:
        post = frontmatter.load(path)
        date = parsedate_to_datetime(str(post.get("date")))
    except Exception:
        return None
    soup = BeautifulSoup(post.content, "lxml")
    for tag in soup(["script", "style"]):
        tag.decompose()
    cats = post.get("categories") or []
    paths = cats if cats and isinstance(cats[0], list) else [cats]
    nodes = {tuple(map(str, p[: i + 1])) for p in paths for i in range(len(p))}
    return {"title": str(post.get("title") or path.stem), "date": date.astimezone(UTC),
            "html": str(soup.body or soup), "text": soup.get_text()[:200],
            "link": SITE + quote(path.stem) + "/", "nodes": nodes}  # fmt: skip


def main(source: Path, out: Path) -> None:
    groups: dict[tuple[str, ...], list[dict[str, object]]] = defaultdict(list)
    for path in sorted(source.rglob("*.md")):
        post = load(path)
        if post is None:
            continue
        groups[()].append(post)
        for node in post["nodes"]:  # type: ignore[attr-defined]
            groups[node].append(post)
    for node, posts in groups.items():
        posts.sort(key=lambda p: p["date"], reverse=True)  # type: ignore[arg-type,return-value]
        fg = FeedGenerator()
        url = SITE + "".join(quote(n) + "/" for n in ("categories", *node) if node)
        fg.id(url)
        fg.title(" > ".join(node) or "all")
        fg.link(href=url, rel="alternate")
        fg.description("news")
        fg.updated(datetime(2024, 1, 1, tzinfo=UTC))
        for post in posts[:50]:
            fe = fg.add_entry(order="append")
            fe.id(str(post["link"]))
            fe.title(str(post["title"]))
            fe.link(href=str(post["link"]))
            fe.published(post["date"])  # type: ignore[arg-type]
            fe.content(str(post["html"]), type="html")
            fe.summary(str(post["text"]))
        folder = out.joinpath(*(("categories", *node) if node else ()))
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "rss.xml").write_bytes(fg.rss_str(pretty=True))
        (folder / "atom.xml").write_bytes(fg.atom_str(pretty=True))


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
