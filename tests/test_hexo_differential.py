"""The differential test: tests/data/hexo-site built by real Hexo with hexo-generator-feed
3.0.0 (the reference) and by newsfeed after the plugin is removed (the migration).

Both builds read the same files (copied with their modification times, so Hexo's
``updated_option: mtime`` gives both the same dates). Hexo runs with ``TZ=UTC``: the
plugin's dates shift with the build machine's time zone (a known bug). Every known
difference is asserted as such, with the plugin's bug named.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from newsfeed.cli import main

SITE = Path(__file__).parent / "data" / "hexo-site"
ATOM = "{http://www.w3.org/2005/Atom}"
#: Posts whose date carries its own offset or zone.
EXPLICIT_ZONE = {"with-offset", "crawler-sina", "crawler-oschina"}
MARKDOWN_POSTS = {"hello-markdown", "with-description", "excluded", "with-offset"}


def _node_modules() -> Path:
    """The site's pinned node packages (npm ci once), or skip saying why not."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not installed: the differential test needs real Hexo")
    modules = SITE / "node_modules"
    if not (modules / "hexo" / "package.json").is_file():
        done = subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=SITE, capture_output=True, text=True
        )
        if done.returncode != 0:
            pytest.skip(f"npm ci failed, so real Hexo cannot run here: {done.stderr[-500:]}")
    return modules


def _hexo_generate(site: Path) -> None:
    env = {**os.environ, "TZ": "UTC"}
    done = subprocess.run(
        ["node", "node_modules/hexo/bin/hexo", "generate"],
        cwd=site,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _copy(target: Path, modules: Path) -> Path:
    shutil.copytree(SITE, target, ignore=shutil.ignore_patterns("node_modules", "public"))
    (target / "node_modules").symlink_to(modules, target_is_directory=True)
    return target


@pytest.fixture(scope="module")
def builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the plugin's public/, newsfeed's public/): the same site, both ways."""
    modules = _node_modules()
    base = tmp_path_factory.mktemp("differential")
    reference = _copy(base / "reference", modules)
    _hexo_generate(reference)
    ours = _copy(base / "ours", modules)
    package = json.loads((ours / "package.json").read_text(encoding="utf-8"))
    del package["dependencies"]["hexo-generator-feed"]  # the migration: the plugin goes
    (ours / "package.json").write_text(json.dumps(package), encoding="utf-8")
    _hexo_generate(ours)
    assert not (ours / "public" / "atom.xml").exists()
    assert main(["build", str(ours), "-q"]) == 0
    return reference / "public", ours / "public"


def _entries(public: Path) -> list[ET.Element]:
    return ET.parse(public / "atom.xml").getroot().findall(f"{ATOM}entry")


def _items(public: Path) -> list[ET.Element]:
    return ET.parse(public / "rss2.xml").getroot().findall("channel/item")


def _name(entry: ET.Element) -> str:
    return entry.findtext(f"{ATOM}id", "").rstrip("/").rsplit("/", 1)[-1]


def _second(text: str) -> datetime:
    return (
        datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC).replace(microsecond=0)
    )


def _visible(html: str) -> str:
    return " ".join(BeautifulSoup(html, "html.parser").get_text(" ").split())


def _plain_code(html: str) -> str:
    """Hexo's code blocks as newsfeed writes them (the known difference): highlight.js's
    figure (a gutter of line numbers beside the code, cut into spans) as plain
    ``<pre><code>`` of the same lines."""
    soup = BeautifulSoup(html, "html.parser")
    for figure in soup.select("figure.highlight"):
        pre, code = soup.new_tag("pre"), soup.new_tag("code")
        code.string = "\n".join(line.get_text() for line in figure.select("td.code .line"))
        pre.append(code)
        figure.replace_with(pre)
    return str(soup)


def test_the_feeds_are_where_the_plugin_wrote_them(builds: tuple[Path, Path]) -> None:
    """Subscribers of atom.xml and rss2.xml find their feeds at the same URLs after the move."""
    reference, ours = builds
    for name in ("atom.xml", "rss2.xml"):
        assert (reference / name).is_file() and (ours / name).is_file()
    assert not (ours / "rss.xml").exists() and not (ours / "feed.json").exists()  # feed.type


def test_same_items_in_the_same_order_with_the_same_ids(builds: tuple[Path, Path]) -> None:
    """Migrating announces nothing new: every id, guid and link is the plugin's, in its order."""
    reference, ours = builds
    ids = [e.findtext(f"{ATOM}id") for e in _entries(reference)]
    assert len(ids) == 7  # hidden, ignored, skip_render, future, unpublished, draft: left out
    assert [e.findtext(f"{ATOM}id") for e in _entries(ours)] == ids
    for ref, mine in zip(_entries(reference), _entries(ours), strict=True):
        assert mine.find(f"{ATOM}link").get("href") == ref.find(f"{ATOM}link").get("href")
        assert mine.findtext(f"{ATOM}title") == ref.findtext(f"{ATOM}title")
    for ref, mine in zip(_items(reference), _items(ours), strict=True):
        assert mine.findtext("guid") == ref.findtext("guid")
        assert mine.findtext("link") == ref.findtext("link")
        assert mine.findtext("title") == ref.findtext("title")


def test_dates_match_to_the_second_but_the_plugins_offset_bug(builds: tuple[Path, Path]) -> None:
    """Readers see the same published and updated times; a date's own offset is kept."""
    reference, ours = builds
    for ref, mine in zip(_entries(reference), _entries(ours), strict=True):
        for field in ("published", "updated"):
            theirs, got = _second(ref.findtext(ATOM + field)), _second(mine.findtext(ATOM + field))
            if field == "published" and _name(ref) in EXPLICIT_ZONE:
                # The plugin's bug: a date with its own offset or zone (a YAML timestamp
                # `+02:00`, an RFC 2822 `GMT`) is shifted again by timezone (Asia/Shanghai).
                assert theirs == got - timedelta(hours=8), _name(ref)
                continue
            assert got == theirs, (_name(ref), field)
    (offset,) = [e for e in _entries(ours) if _name(e) == "with-offset"]
    assert _second(offset.findtext(f"{ATOM}published")) == datetime(2024, 3, 6, 8, tzinfo=UTC)


def test_categories_and_tags_with_their_hexo_pages(builds: tuple[Path, Path]) -> None:
    """Each category level and tag is filed with the URL of its Hexo page, as the plugin does."""
    reference, ours = builds
    for ref, mine in zip(_entries(reference), _entries(ours), strict=True):
        theirs = {(c.get("term"), c.get("scheme")) for c in ref.findall(f"{ATOM}category")}
        got = {(c.get("term"), c.get("scheme")) for c in mine.findall(f"{ATOM}category")}
        assert got == theirs, _name(ref)
    for ref, mine in zip(_items(reference), _items(ours), strict=True):
        theirs = {(c.text, c.get("domain")) for c in ref.findall("category")}
        assert {(c.text, c.get("domain")) for c in mine.findall("category")} == theirs


def test_feed_level_fields(builds: tuple[Path, Path]) -> None:
    """Title, subtitle, description, id, links, icon and author are the plugin's."""
    reference, ours = builds
    ref, mine = ET.parse(reference / "atom.xml").getroot(), ET.parse(ours / "atom.xml").getroot()
    for tag in ("title", "subtitle", "id", "icon", "author/" + ATOM + "name"):
        assert mine.findtext(ATOM + tag) == ref.findtext(ATOM + tag), tag
    links = {
        (link.get("rel") or "alternate", link.get("href")) for link in ref.findall(f"{ATOM}link")
    }
    assert links <= {(link.get("rel"), link.get("href")) for link in mine.findall(f"{ATOM}link")}
    assert _second(mine.findtext(f"{ATOM}updated")) == _second(ref.findtext(f"{ATOM}updated"))
    ref_rss, my_rss = (ET.parse(p / "rss2.xml").getroot().find("channel") for p in builds)
    for tag in ("title", "link", "description", "image/url"):
        assert my_rss.findtext(tag) == ref_rss.findtext(tag), tag


def test_descriptions_whole_and_text_summaries(builds: tuple[Path, Path]) -> None:
    """A front-matter description is the summary whole; other summaries are text, not cut HTML."""
    reference, ours = builds
    for ref, mine in zip(_entries(reference), _entries(ours), strict=True):
        summary = mine.findtext(f"{ATOM}summary")
        if _name(ref) == "with-description":
            assert summary == ref.findtext(f"{ATOM}summary")
        elif _name(ref).startswith("crawler"):
            # The plugin's bug: content_limit cuts the raw HTML (`<div><p cms-style=...`).
            assert ref.findtext(f"{ATOM}summary").lstrip().startswith("<div>")
            assert "<" not in summary and summary.split()[0] in _visible(
                mine.findtext(ATOM + "content")
            )


def test_crawler_posts_publish_the_same_visible_text(builds: tuple[Path, Path]) -> None:
    """Crawler posts (raw HTML in .md files) show readers the same article as Hexo's feed."""
    reference, ours = builds
    for ref, mine in zip(_entries(reference), _entries(ours), strict=True):
        if not _name(ref).startswith("crawler"):
            continue
        theirs, got = (
            _visible(ref.findtext(f"{ATOM}content")),
            _visible(mine.findtext(ATOM + "content")),
        )
        assert got == theirs, _name(ref)


def test_markdown_posts_publish_the_same_visible_text_and_images(builds: tuple[Path, Path]) -> None:
    """Markdown posts are rendered as Hexo renders them: same text, same image URLs (code
    blocks without highlight.js's line-number gutter)."""
    reference, ours = builds
    for ref, mine in zip(_entries(reference), _entries(ours), strict=True):
        if _name(ref) not in MARKDOWN_POSTS:
            continue
        theirs, got = ref.findtext(f"{ATOM}content") or "", mine.findtext(ATOM + "content") or ""
        assert _visible(got) == _visible(_plain_code(theirs)), _name(ref)
        images = re.compile(r'<img[^>]*src="([^"]+)"')
        resolved = {u if "://" in u else "https://example.org" + u for u in images.findall(theirs)}
        assert set(images.findall(got)) == resolved, _name(ref)


def test_enclosure_of_the_front_matter_image(builds: tuple[Path, Path]) -> None:
    """`image:` is the enclosure, at url + root + path, with a real media type (not the bugs)."""
    reference, ours = builds
    cover = "https://example.org/blog/img/cover.png"
    (ref,) = [e for e in _entries(reference) if _name(e) == "with-description"]
    (mine,) = [e for e in _entries(ours) if _name(e) == "with-description"]
    # The plugin writes <content src type="image">, which replaces the entry's content.
    assert ref.find(f"{ATOM}content[@src]").get("src") == cover
    links = mine.findall(f"{ATOM}link[@rel='enclosure']")
    assert (links[0].get("href"), links[0].get("type")) == (cover, "image/png")
    (ref_item,) = [i for i in _items(reference) if "with-description" in i.findtext("link")]
    (my_item,) = [i for i in _items(ours) if "with-description" in i.findtext("link")]
    # The plugin's bugs: url + image (a double slash, no root handling), type="image", no length.
    assert ref_item.find("enclosure").attrib == {
        "url": "https://example.org/blog//img/cover.png",
        "type": "image",
    }
    assert my_item.find("enclosure").attrib == {"url": cover, "length": "0", "type": "image/png"}


def test_autodiscovery_tags_in_hexos_pages(builds: tuple[Path, Path]) -> None:
    """Every page Hexo wrote announces the feeds exactly as the plugin's pages did."""
    reference, ours = builds
    pages = sorted(p.relative_to(reference) for p in reference.rglob("*.html"))
    assert len(pages) == 7
    for page in pages:
        theirs = (reference / page).read_text(encoding="utf-8")
        assert (ours / page).read_text(encoding="utf-8") == theirs, page
    assert main(["build", str(ours.parent), "-q"]) == 0  # again: never twice
    for page in pages:
        assert (ours / page).read_text(encoding="utf-8").count('rel="alternate"') == 2
