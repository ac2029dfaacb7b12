"""Goldens: the exact bytes newsfeed publishes, checked byte for byte.

- The seed (``seeds/``) built with a fixed configuration: every RSS, Atom and JSON Feed
  document, in ``tests/goldens/seed/``.
- Posts shaped like the real corpus's messes (``tests/data/posts/``): each one's
  ``Article`` as JSON, in ``tests/goldens/articles/``, and the site's feeds built from
  them, in ``tests/goldens/posts/``.

When output changes on purpose, run ``pytest tests/test_goldens.py --update-goldens``
and review the diff of ``tests/goldens/`` like code: every changed line is a change
readers will see.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path

import pytest

from newsfeed import Article, Config, load_article, publish

HERE = Path(__file__).resolve().parent
GOLDENS = HERE / "goldens"
POSTS = HERE / "data" / "posts"
#: The fixed configuration of every golden: a site under a path, a time zone for dates
#: without one, a WebSub hub; the rest is the defaults.
CONFIG = Config(
    site_url="https://news.example.org/blog/",
    site_title="Golden News",
    site_description="The goldens' site",
    author="Golden Desk",
    timezone="Asia/Shanghai",
    hub="https://hub.example.org/",
    cache=False,
)
#: The file time of posts without a usable date (2021-06-01 00:00:00 UTC).
MTIME = 1_622_505_600
FEED_NAMES = ("rss.xml", "atom.xml", "feed.json")
#: The seed's article page: at its permalink, dated in the site's time zone (Asia/Shanghai).
SEED_PAGE = "2021/07/14/000_9be51abd28893f66/index.html"


def compare(folder: Path, found: dict[str, bytes], update: bool) -> None:
    """``found`` (relative path -> bytes) equals the files under ``folder``, or, with
    ``--update-goldens``, becomes them."""
    if update:
        for path in sorted(folder.rglob("*"), reverse=True):
            if path.is_file():
                path.unlink()
            elif path.is_dir():
                path.rmdir()
        for rel, data in found.items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        return
    goldens = {p.relative_to(folder).as_posix(): p for p in folder.rglob("*") if p.is_file()}
    assert sorted(found) == sorted(goldens), "documents differ: run --update-goldens, review"
    for rel, data in found.items():
        # As text first, for a readable diff; then byte for byte.
        assert data.decode("utf-8") == goldens[rel].read_text("utf-8"), rel
        assert data == goldens[rel].read_bytes(), rel


def test_seed_feeds_are_byte_identical_to_the_goldens(
    tmp_path: Path, seeds_dir: Path, update_goldens: bool
) -> None:
    """Any change to what subscribers receive (and to the article's own page) shows up
    here, to be reviewed, never by accident."""
    out = tmp_path / "out"
    publish(seeds_dir, out, CONFIG)
    found = {
        p.relative_to(out).as_posix(): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.name in FEED_NAMES
    }
    assert len(found) >= 3
    found[SEED_PAGE] = (out / SEED_PAGE).read_bytes()
    compare(GOLDENS / "seed", found, update_goldens)


def copy_posts(folder: Path) -> Path:
    """The corpus-shaped posts in ``folder``, with a fixed file time."""
    folder.mkdir()
    for post in sorted(POSTS.glob("*.md")):
        copy = folder / post.name
        copy.write_bytes(post.read_bytes())
        os.utime(copy, (MTIME, MTIME))  # posts without a usable date fall back to it
    return folder


def test_corpus_shaped_posts_give_the_golden_site_feeds(
    tmp_path: Path, update_goldens: bool
) -> None:
    """What subscribers of the whole site receive for the messy posts, in every format:
    summaries, dates, enclosures and cleaned HTML as the engine (and its cache) give them."""
    out = tmp_path / "out"
    publish(copy_posts(tmp_path / "posts"), out, CONFIG)
    found = {name: (out / name).read_bytes() for name in FEED_NAMES}
    compare(GOLDENS / "posts", found, update_goldens)


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):  # Article.extra: the rest of the front matter
        return dict(value)
    raise TypeError(f"not JSON: {value!r}")


def article_json(article: Article) -> bytes:
    """An article's every field, as stable JSON."""
    fields = dataclasses.asdict(article)
    text = json.dumps(fields, default=_plain, ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def test_corpus_shaped_posts_give_the_golden_articles(tmp_path: Path, update_goldens: bool) -> None:
    """A change in how a messy real-world post is read (title, dates, images, links,
    cleaned HTML) shows up here, field by field."""
    posts = copy_posts(tmp_path / "posts")
    found = {
        post.stem + ".json": article_json(load_article(post, CONFIG, root=posts))
        for post in sorted(posts.glob("*.md"))
    }
    assert len(found) >= 4
    compare(GOLDENS / "articles", found, update_goldens)


@pytest.mark.parametrize("name", FEED_NAMES)
def test_goldens_hold_every_seed_feed_format(name: str) -> None:
    """A golden set that lost a format would silently stop guarding it."""
    assert (GOLDENS / "seed" / name).is_file()
    assert len(list((GOLDENS / "seed").rglob(name))) > 1
