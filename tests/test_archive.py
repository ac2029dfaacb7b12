"""RFC 5005 full-history archives (Config.archive): every item reachable, old months stable."""

from __future__ import annotations

import urllib.parse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import feedparser
import pytest

from newsfeed import Config, load_articles, publish
from sitecheck import needs_w3c, w3c_messages

URL = "http://localhost:8000/"
CATEGORY = "categories/新闻/"


def write_post(folder: Path, n: int, when: datetime, category: str = "新闻") -> None:
    text = (
        f"---\ntitle: 'Post {n}'\ncategories:\n - {category}\n"
        f"date: {when.strftime('%Y-%m-%d %H:%M:%S')}\n---\n<p>Body of post {n}.</p>\n"
    )
    (folder / f"post-{n:03d}.md").write_text(text, encoding="utf-8")


@pytest.fixture
def posts(tmp_path: Path) -> Path:
    """30 posts, one every 10 days from January 2021 (about 10 months), plus other noise."""
    folder = tmp_path / "posts"
    folder.mkdir()
    start = datetime(2021, 1, 3, 8, 0, tzinfo=UTC)
    for n in range(30):
        write_post(folder, n, start + timedelta(days=10 * n))
    write_post(folder, 99, start, category="体育")
    return folder


def config(**kw: object) -> Config:
    return Config.from_mapping({"site_url": URL, "archive": True, "limit": 5, **kw})


def local(out: Path, url: str) -> Path:
    assert url.startswith(URL) and url.isascii(), url
    return out / urllib.parse.unquote(url[len(URL) :])


def walk(out: Path, start: str) -> tuple[list[str], list[str]]:
    """Follow prev-archive links from a subscription feed; return entry ids and documents."""
    ids: list[str] = []
    seen: list[str] = []
    url: str | None = URL + urllib.parse.quote(start)
    while url is not None:
        assert url not in seen, f"prev-archive loop at {url}"
        seen.append(url)
        parsed = feedparser.parse(local(out, url).read_bytes())
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        ids.extend(entry.id for entry in parsed.entries)
        prev = [link.href for link in parsed.feed.links if link.rel == "prev-archive"]
        assert len(prev) <= 1
        url = prev[0] if prev else None
    return ids, seen


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
def test_walking_prev_archive_finds_every_article_once(
    tmp_path: Path, posts: Path, name: str
) -> None:
    """A reader following prev-archive from the category feed would miss or repeat stories."""
    out = tmp_path / "out"
    publish(posts, out, config())
    expected = {
        a.guid for a in load_articles(posts, config()).articles if ("新闻",) in a.categories
    }
    ids, documents = walk(out, CATEGORY + name)
    assert len(ids) == len(set(ids)) == 30
    assert set(ids) == expected
    assert len(feedparser.parse(local(out, documents[0]).read_bytes()).entries) == 5
    assert len(documents) > 3  # several monthly archive documents


def test_archive_documents_carry_rfc5005_links(tmp_path: Path, posts: Path) -> None:
    """Readers could not tell an archive from a feed, or find the way back to the current one."""
    out = tmp_path / "out"
    publish(posts, out, config())
    _, documents = walk(out, CATEGORY + "atom.xml")
    subscription, *archives = documents
    for i, url in enumerate(archives):
        data = local(out, url).read_bytes()
        assert b"<fh:archive/>" in data
        links = {ln.rel: ln.href for ln in feedparser.parse(data).feed.links}
        assert links["self"] == url
        assert links["current"] == subscription
        assert "/archive/" in url and url.endswith("/atom.xml")
        assert links["next-archive"] == (archives[i - 1] if i else subscription)
        assert links.get("prev-archive") == (archives[i + 1] if i + 1 < len(archives) else None)
        assert "hub" not in links
    assert b"fh:archive" not in local(out, subscription).read_bytes()


def test_new_post_leaves_complete_archive_months_untouched(tmp_path: Path, posts: Path) -> None:
    """Every new post would rewrite (and make caches refetch) the whole history of a feed."""
    out = tmp_path / "out"
    publish(posts, out, config())
    archive = CATEGORY + "archive/"
    # Newest 5 of 30: 2021-09-10 .. 2021-10-20; the newest archive month is August.
    # A new post pushes 2021-09-10 out of the feed: September gets its first archive
    # document and August, once, its next-archive link.
    write_post(posts, 30, datetime(2021, 10, 30, 8, 0, tzinfo=UTC))
    report = publish(posts, out, config())
    written = {p for p in report.written if p.startswith(archive)}
    assert written == {archive + f"2021-0{m}/{n}" for m in (8, 9) for n in ("rss.xml", "atom.xml")}
    # The next one pushes 2021-09-20 into September: only September changes.
    write_post(posts, 31, datetime(2021, 10, 31, 8, 0, tzinfo=UTC))
    report = publish(posts, out, config())
    written = {p for p in report.written if p.startswith(archive)}
    assert written == {archive + "2021-09/rss.xml", archive + "2021-09/atom.xml"}
    assert len([p for p in report.unchanged if p.startswith(archive)]) == 16
    rebuilt = publish(posts, out, config())
    assert rebuilt.written == ()


def test_category_named_archive_cannot_collide(tmp_path: Path) -> None:
    """A category called 'archive' would overwrite (or be overwritten by) archive documents."""
    folder = tmp_path / "posts"
    folder.mkdir()
    write_post(folder, 1, datetime(2021, 1, 1, tzinfo=UTC), category="archive")
    out = tmp_path / "out"
    publish(folder, out, config())
    (folder_of_category,) = [p.parent for p in (out / "categories").rglob("rss.xml")]
    assert folder_of_category.name.startswith("archive-")


def test_without_archive_nothing_changes(tmp_path: Path, posts: Path) -> None:
    """Sites that did not ask for archives would get extra files and links."""
    out = tmp_path / "out"
    publish(posts, out, Config(site_url=URL, limit=5))
    assert not list(out.rglob("archive"))
    assert b"prev-archive" not in (out / CATEGORY / "atom.xml").read_bytes()


@needs_w3c
def test_archive_documents_pass_the_w3c_validator(tmp_path: Path, posts: Path) -> None:
    """Validators (and strict readers) would reject the archive documents or their links."""
    out = tmp_path / "out"
    publish(posts, out, config(hub="https://hub.example.org/"))
    assert w3c_messages(out, sorted((out / CATEGORY).rglob("*.xml"))) == []
