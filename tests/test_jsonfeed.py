"""JSON Feed 1.1: every feed folder's feed.json, checked against a schema written from the spec."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import replace
from pathlib import Path

import jsonschema
import pytest

from newsfeed import Config, Image, build_feeds, load_articles, publish
from newsfeed.render.jsonfeed import render_json_feed

URL = "http://localhost:8000/"
SCHEMA = json.loads((Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text())
SEED_TITLE = "半月谈评论：赋权基层政权，需增强五大能力"
SEED_IMAGE = (
    "https://n.sinaimg.cn/finance/crawl/784/w550h234/20210714/"
    "e328-47f9d32e4d3b855f48cd72fdd2d33e8f.jpg"
)
SEED_IMAGE_2 = (
    "https://n.sinaimg.cn/finance/crawl/483/w550h733/20210714/"
    "9ed5-939b4132daf54b81c2ec19d5511e0ebf.jpg"
)


def validate(document: object) -> None:
    jsonschema.validate(document, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_schema_rejects_what_the_spec_forbids() -> None:
    """A schema that accepts anything would let broken feeds through every other test."""
    good = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "t",
        "items": [{"id": "1", "content_html": "<p>x</p>"}],
    }
    validate(good)
    broken = [
        {**good, "version": "https://jsonfeed.org/version/1"},
        {**good, "items": [{"id": "1"}]},  # neither content_html nor content_text
        {**good, "items": [{"id": "1", "content_text": "x", "date_published": "13 Jul 2021"}]},
        {**good, "items": [{"id": "1", "content_text": "x", "attachments": [{"url": URL}]}]},
        {**good, "items": [{"id": "1", "content_text": "x", "image": "//host/a.jpg"}]},
        {**good, "authors": [{}]},
        {**good, "author": "1.0's author is an object, not a string"},
        {**good, "author": {}},
        {**good, "author": {"name": "1.0's key alone, without 1.1's authors"}},
    ]
    for document in broken:
        with pytest.raises(jsonschema.ValidationError):
            validate(document)


def test_seed_feeds_are_valid_json_feed_with_every_field(tmp_path: Path, seeds_dir: Path) -> None:
    """Readers that speak JSON Feed (NetNewsWire, Feedbin) get the article with all its parts."""
    out = tmp_path / "public"
    publish(seeds_dir, out, Config(site_url=URL))
    documents = sorted(out.rglob("feed.json"))
    assert len(documents) == 4  # the site-wide feed and three category levels
    for path in documents:
        data = path.read_bytes()
        document = json.loads(data)
        validate(document)
        served = urllib.parse.quote(path.relative_to(out).as_posix())
        assert document["feed_url"] == URL + served
        (item,) = document["items"]
        assert item["title"] == SEED_TITLE
        assert item["url"].startswith(URL) and item["id"].startswith("urn:uuid:")
        assert item["image"] == SEED_IMAGE
        assert item["attachments"] == [  # every image, lead first; sizes unknown: left out
            {"url": SEED_IMAGE, "mime_type": "image/jpeg"},
            {"url": SEED_IMAGE_2, "mime_type": "image/jpeg"},
        ]
        assert item["date_published"] == "2021-07-13T23:47:03+00:00"
        assert item["date_modified"] == "2021-07-13T23:47:03+00:00"
        assert item["authors"] == [{"name": "新浪财经"}]
        assert item["author"] == {"name": "新浪财经"}  # for JSON Feed 1.0 readers
        assert document["author"] == {"name": "newsfeed"}
        assert "金融 > 新浪财经 > 新浪财经－国內" in item["tags"]
        assert item["summary"].startswith("原标题：赋权基层政权")
        assert 'referrerpolicy="no-referrer"' in item["content_html"]
        assert document["home_page_url"] == document["feed_url"].removesuffix("feed.json")


def test_dates_are_in_the_site_zone_with_its_offset(seeds_dir: Path) -> None:
    """A Shanghai site's JSON Feed said every date in UTC (issue 14): the same instant,
    written as the site says it."""
    config = Config(site_url=URL, timezone="Asia/Shanghai")
    result = load_articles(seeds_dir, config)
    feed = build_feeds(result.articles, config).feeds[0]
    (item,) = json.loads(render_json_feed(feed, config, URL + "feed.json"))["items"]
    assert item["date_published"] == item["date_modified"] == "2021-07-14T07:47:03+08:00"


def test_bytes_are_deterministic_utf8_with_trailing_newline(seeds_dir: Path) -> None:
    """Rebuilds must not rewrite feed.json (readers refetch, caches break) when nothing changed."""
    config = Config(site_url=URL)
    result = load_articles(seeds_dir, config)
    feed = build_feeds(result.articles, config).feeds[0]
    first = render_json_feed(feed, config, URL + "feed.json")
    again = render_json_feed(
        build_feeds(result.articles, config).feeds[0], config, URL + "feed.json"
    )
    assert first == again
    assert first.endswith(b"}\n") and not first.endswith(b"\n\n")
    assert SEED_TITLE.encode() in first  # UTF-8, not \\u escapes
    keys = list(json.loads(first))
    assert keys[:4] == ["version", "title", "home_page_url", "feed_url"]
    assert keys[-1] == "items"


def test_sizes_are_given_only_when_known_and_hubs_are_announced(seeds_dir: Path) -> None:
    """A made-up size_in_bytes of 0 would tell readers the image is empty."""
    config = Config(site_url=URL, hub="https://hub.example.org/")
    (article,) = load_articles(seeds_dir, config).articles
    known = Image("https://img.example.org/a.png", "image/png", length=4321)
    article = replace(article, lead_image=known, images=(known, *article.images))
    feed = build_feeds([article], config).feeds[0]
    document = json.loads(render_json_feed(feed, config, URL + "feed.json"))
    validate(document)
    assert document["hubs"] == [{"type": "WebSub", "url": "https://hub.example.org/"}]
    (item,) = document["items"]
    assert item["image"] == known.url
    assert item["attachments"] == [
        {"url": known.url, "mime_type": "image/png", "size_in_bytes": 4321},
        {"url": SEED_IMAGE, "mime_type": "image/jpeg"},
        {"url": SEED_IMAGE_2, "mime_type": "image/jpeg"},
    ]


def test_real_corpus_feeds_are_all_valid(tmp_path: Path, corpus_dir: Path) -> None:
    """Real, messy posts (odd titles, no images, many categories) still give valid JSON Feed."""
    out = tmp_path / "public"
    publish(corpus_dir, out, Config(site_url=URL))
    documents = sorted(out.rglob("feed.json"))
    rss = sorted(out.rglob("rss.xml"))
    assert len(documents) == len([p for p in rss if "archive" not in p.parts]) > 5
    for path in documents:
        document = json.loads(path.read_bytes())
        validate(document)
        assert document["items"], path
        for item in document["items"]:
            assert item["title"].strip() and item["content_html"] is not None


def test_content_off_keeps_the_body_out_of_json_feed_as_of_rss_and_atom(
    tmp_path: Path, seeds_dir: Path
) -> None:
    """With `content = false` no feed format leaks the full article: JSON Feed items
    carry the summary only, as RSS and Atom do (issue 15 #8)."""
    out = tmp_path / "public"
    publish(seeds_dir, out, Config(site_url=URL, content=False, pages=False))
    feeds = sorted(p for p in out.rglob("*") if p.name in ("feed.json", "rss.xml", "atom.xml"))
    assert len(feeds) == 12
    for path in feeds:  # the body's images and markup, which the summary has none of
        assert b"referrerpolicy" not in path.read_bytes(), path
    for path in out.rglob("feed.json"):
        document = json.loads(path.read_bytes())
        validate(document)
        (item,) = document["items"]
        assert "content_html" not in item
        assert item["content_text"].startswith("原标题：赋权基层政权，需增强五大能力")
        assert item["content_text"] == item["summary"]
