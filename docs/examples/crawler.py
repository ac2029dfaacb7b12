"""A crawler's side of newsfeed: save each fetched item as a Hexo post, then publish
the batch. Bad posts are reported, never raised.

The front matter is written by ``yaml.safe_dump``, never by string formatting: a title
such as ``It's "quoted"``, ``a: b`` or one starting with ``@``, ``-`` or ``#``, and a
category such as ``IT 之家, 热榜`` are YAML syntax when pasted into a template, and
would come out mangled, split or dropped.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml  # PyYAML, installed with newsfeed

import newsfeed

log = logging.getLogger("crawler")
CONFIG = newsfeed.Config(
    site_url="https://news.example.org/",
    timezone="Asia/Shanghai",
    image_proxy="https://images.weserv.nl/?url={url}",
)


def save(item: dict[str, Any], posts: Path) -> Path:
    """Write one item as a post: ``title`` (text), ``date`` (an aware datetime),
    ``categories`` (the levels of one category path, outermost first), ``url`` (the
    article's address: it names the file) and ``html`` (the body)."""
    published: datetime = item["date"]
    front = {
        "title": item["title"],
        "date": published.isoformat(),
        "categories": list(item["categories"]),
    }
    text = "---\n" + yaml.safe_dump(front, allow_unicode=True, sort_keys=False) + "---\n"
    path = posts / f"{hashlib.sha256(item['url'].encode('utf-8')).hexdigest()[:16]}.md"
    staged = path.with_name(path.name + ".part")  # not a post until it is complete
    staged.write_text(text + item["html"] + "\n", encoding="utf-8")
    staged.replace(path)
    return path


def publish_batch(posts: Path, out: Path) -> newsfeed.BuildReport:
    """Build the feeds of every saved post into ``out`` (only what changed is written)."""
    report = newsfeed.publish(posts, out, CONFIG)
    for problem in report.problems:  # each names its file and field
        log.warning("%s", problem)
    log.info("%d feed files changed", len(report.written))
    return report


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)  # newsfeed logs to the "newsfeed" logger
    posts = Path("source/_posts")
    posts.mkdir(parents=True, exist_ok=True)
    save(
        {
            "title": 'It\'s "quoted": a title',
            "date": datetime.fromisoformat("2021-04-02T22:29:51+08:00"),
            "categories": ["新媒体", "IT 之家, 热榜"],
            "url": "https://example.org/news/1",
            "html": "<p>The body, as fetched.</p>",
        },
        posts,
    )
    publish_batch(posts, Path("public"))
