"""`newsfeed check OUT`: a built site passes; each corruption is found, with file and line."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from newsfeed import Config, publish
from newsfeed.check import check_site, infer_site_url
from newsfeed.check.finding import Findings
from newsfeed.check.jsonfeed import check_json_feed
from newsfeed.check.text import finding_lines
from newsfeed.cli import main

URL = "https://news.example.org/feeds/"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
SCHEMA = json.loads((Path(__file__).parent / "data" / "jsonfeed-1.1.schema.json").read_text())
LEAF_DIR = "categories/金融/新浪财经/"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("built") / "public"
    publish(SEEDS, out, Config(site_url=URL))
    return out


@pytest.fixture
def site(built: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "public"
    shutil.copytree(built, copy)
    return copy


def category_rss(site: Path) -> Path:
    return next(p for p in sorted(site.rglob("rss.xml")) if p.parent != site)


def test_built_site_passes_and_site_url_is_inferred(site: Path) -> None:
    """A site newsfeed just built is clean, so `check` in CI does not cry wolf."""
    assert infer_site_url(site) == URL
    result = check_site(site)
    assert result.findings == () and result.ok
    # 4 feed folders x (rss, atom, json, index.html), feeds.opml, one article page
    assert result.documents == result.judged == 4 * 4 + 1 + 1
    assert main(["check", str(site), "-q"]) == 0


@pytest.mark.parametrize(
    ("pattern", "replacement", "expected"),
    [
        (r"</channel>", "</chanel>", "not well-formed XML"),
        (r"(<item>.*?)<pubDate>[^<]*</pubDate>", r"\1", "item has no pubDate"),
        (r"<guid[^>]*>[^<]*</guid>", "", "item has no guid"),
        (r'(<enclosure[^>]*)length="\d+"', r'\1length="big"', "enclosure length must be a number"),
        (r'(<enclosure[^>]*) type="[^"]*"', r"\1", "enclosure has no type"),
        (r"(<item>.*?<link>)https://news\.example\.org/feeds/", r"\1/", "item link is relative"),
        (r'src="https://', 'src="//', "protocol-relative"),
    ],
)
def test_rss_corruption_is_reported_with_file_and_line(
    site: Path, pattern: str, replacement: str, expected: str
) -> None:
    """Each broken rule in an RSS file is named, with the file and line to look at."""
    path = category_rss(site)
    text, count = re.subn(
        pattern, replacement, path.read_text(encoding="utf-8"), count=1, flags=re.S
    )
    assert count == 1, pattern
    path.write_text(text, encoding="utf-8")
    findings = check_site(site, URL).findings
    relpath = path.relative_to(site).as_posix()
    assert any(f.path == relpath and expected in f.message for f in findings), findings
    assert all(f.line > 0 for f in findings if f.path == relpath)


@pytest.mark.parametrize("name", ["rss.xml", "atom.xml"])
@pytest.mark.parametrize("element", ["media:content", "media:thumbnail"])
def test_bad_media_url_is_reported(site: Path, name: str, element: str) -> None:
    """Feedly and Inoreader show item images from Media RSS: a relative or
    protocol-relative media URL is a broken picture there, and check must say so."""
    path = site / name
    text = path.read_text(encoding="utf-8")
    text, count = re.subn(f'(<{element} url=")https:', r"\1", text, count=1)
    assert count == 1
    path.write_text(text, encoding="utf-8")
    line = text[: text.index(f'<{element} url="//')].count("\n") + 1
    findings = [f for f in check_site(site, URL).findings if f.path == name]
    assert [(f.line, f.message.split(":")[0]) for f in findings] == [
        (line, "media url is protocol-relative")
    ]


def test_atom_missing_author_and_bad_self_link(site: Path) -> None:
    """An Atom feed without any author, or whose self link points elsewhere, is flagged."""
    path = site / "atom.xml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(f'href="{URL}atom.xml" rel="self"', f'href="{URL}other.xml" rel="self"')
    text = re.sub(r"<author>.*?</author>", "", text, flags=re.S)
    path.write_text(text, encoding="utf-8")
    messages = [f.message for f in check_site(site, URL).findings if f.path == "atom.xml"]
    assert any("is not this file's URL" in m for m in messages), messages
    assert any("entry has no author and neither has the feed" in m for m in messages), messages


def test_non_ascii_url_is_an_error(site: Path) -> None:
    """A raw CJK path in a link is what the W3C validator rejects: check must too."""
    path = category_rss(site)
    text = path.read_text(encoding="utf-8")
    encoded = "%E9%87%91%E8%9E%8D"
    assert encoded in text
    path.write_text(text.replace(encoded, "金融"), encoding="utf-8")
    assert any("not ASCII" in f.message for f in check_site(site, URL).findings)


def test_cli_exit_code_and_listing(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`newsfeed check` exits 1 and lists `file:line: problem` lines when a feed is broken."""
    path = site / "rss.xml"
    path.write_text(re.sub(r"<title>[^<]*</title>", "", path.read_text(encoding="utf-8"), count=1))
    assert main(["check", str(site)]) == 1
    err = capsys.readouterr().err
    assert "rss.xml:" in err and "channel has no title" in err
    assert err.splitlines()[-1].startswith(f"{site}: 1 problem in 18 files (")


def test_check_writes_nothing(site: Path) -> None:
    """Checking is read-only: not one file's bytes or mtime changes."""
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    check_site(site)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in site.rglob("*") if p.is_file()}
    assert before == after


# ------------------------------------------------------------ JSON Feed 1.1

GOOD_FEED = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "t",
    "items": [{"id": "1", "content_html": "<p>x</p>"}],
}
#: Each breaks one rule of JSON Feed 1.1, and the key the checker names for it.
BROKEN_FEEDS = [
    ({**GOOD_FEED, "version": "https://jsonfeed.org/version/1"}, "version"),
    ({"version": GOOD_FEED["version"], "items": []}, "title"),
    ({**GOOD_FEED, "items": [{"id": "1"}]}, "items[0]"),
    ({**GOOD_FEED, "items": [{"content_text": "x"}]}, "items[0]"),
    ({**GOOD_FEED, "items": [{"id": 1, "content_text": "x"}]}, "items[0].id"),
    (
        {**GOOD_FEED, "items": [{"id": "1", "content_text": "x", "date_published": "13 Jul"}]},
        "items[0].date_published",
    ),
    (
        {**GOOD_FEED, "items": [{"id": "1", "content_text": "x", "attachments": [{"url": URL}]}]},
        "items[0].attachments[0]",
    ),
    (
        {**GOOD_FEED, "items": [{"id": "1", "content_text": "x", "image": "//host/a.jpg"}]},
        "items[0].image",
    ),
    ({**GOOD_FEED, "authors": [{}]}, "authors[0]"),
    ({**GOOD_FEED, "authors": {"name": "a"}}, "authors"),
    ({**GOOD_FEED, "author": {"name": "1.0 key, gone in 1.1"}}, "author"),
    ({**GOOD_FEED, "home_page_url": "/relative/"}, "home_page_url"),
    ({**GOOD_FEED, "expired": "no"}, "expired"),
    ({**GOOD_FEED, "hubs": [{"type": "WebSub"}]}, "hubs[0]"),
    ({**GOOD_FEED, "items": {"id": "1"}}, "items"),
]


def json_findings(feed: object) -> list[str]:
    findings = Findings("feed.json")
    check_json_feed(feed, findings)
    return [f.message for f in findings.found]


def test_a_good_json_feed_passes() -> None:
    """A minimal valid JSON Feed is not reported: check must not cry wolf on good feeds."""
    assert json_findings(GOOD_FEED) == []
    extended = {**GOOD_FEED, "_newsfeed": {"any": "thing"}}  # an extension key
    assert json_findings(extended) == []


@pytest.mark.parametrize(("feed", "key"), BROKEN_FEEDS, ids=[k for _, k in BROKEN_FEEDS])
def test_each_json_feed_rule_is_held_and_names_the_key(feed: object, key: str) -> None:
    """A JSON Feed that NetNewsWire or Feedbin would reject is reported, at the key to fix."""
    messages = json_findings(feed)
    assert messages, feed
    assert any(m.startswith((f"{key}:", f"{key} ")) for m in messages), messages


@pytest.mark.parametrize(("feed", "key"), BROKEN_FEEDS, ids=[k for _, k in BROKEN_FEEDS])
def test_the_schema_agrees_with_the_json_feed_rules(feed: object, key: str) -> None:
    """The rules in code and the JSON schema written from the spec reject the same feeds,
    so the stdlib checker is no weaker than a schema engine would be."""
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(feed, SCHEMA, cls=jsonschema.Draft202012Validator)
    jsonschema.validate(GOOD_FEED, SCHEMA, cls=jsonschema.Draft202012Validator)


def test_a_broken_json_feed_in_out_is_reported(site: Path) -> None:
    """A feed.json edited by hand (an item without id) fails `newsfeed check`."""
    path = site / "feed.json"
    feed = json.loads(path.read_text("utf-8"))
    del feed["items"][0]["id"]
    path.write_text(json.dumps(feed), "utf-8")
    findings = check_site(site, URL).findings
    assert [(f.path, f.rule, f.message) for f in findings] == [
        ("feed.json", "jsonfeed", "items[0]: has no id")
    ]


# ------------------------------------------------------------ pages

ARTICLE = "2021/07/13/000_9be51abd28893f66/index.html"


def test_a_page_with_a_script_or_a_leaking_image_is_reported(site: Path) -> None:
    """A page that runs a script or sends the referrer to image hosts breaks the promises
    newsfeed's pages make (no JavaScript, no tracking): check says which and where."""
    path = site / "index.html"
    text = path.read_text("utf-8")
    text = text.replace("</main>", '<script>alert(1)</script><img src="a.png"></main>', 1)
    path.write_text(text, "utf-8")
    line = text[: text.index("<script>alert")].count("\n") + 1
    findings = [(f.line, f.rule, f.message) for f in check_site(site, URL).findings]
    assert (line, "page", "a script (<script type='none'>)") in findings
    assert (line, "page", "<img> without referrerpolicy=\"no-referrer\": 'a.png'") in findings
    # every image counts as the author's (a page repeats an article's images)
    message = "content img@src a.png -> a.png: no such file in OUT (in the article's content)"
    assert (line, "link", message) in findings
    assert len(findings) == 3, findings


def test_an_autodiscovery_link_to_a_missing_or_wrong_feed_is_reported(site: Path) -> None:
    """A page announcing a feed that is not there (or not of that type) leaves a reader's
    subscribe button broken."""
    (site / LEAF_DIR / "atom.xml").unlink()
    path = site / "index.html"
    text = path.read_text("utf-8")
    path.write_text(text.replace(f'href="{URL}feed.json"', f'href="{URL}rss.xml"', 1), "utf-8")
    findings = check_site(site, URL).findings
    targets = {f.target for f in findings if f.rule == "link"}
    assert LEAF_DIR + "atom.xml" in targets
    wrong = [f for f in findings if f.rule == "page" and f.path == "index.html"]
    assert [f.message for f in wrong] == [
        "autodiscovery link to rss.xml announces jsonfeed, which it is not (rss)"
    ]


# ------------------------------------------------------------ links


def test_a_missing_article_page_is_reported_once_per_link(site: Path) -> None:
    """Deleting an article page breaks the item links of every feed: each one is found,
    and the text output says the missing file once."""
    (site / ARTICLE).unlink()
    links = [f for f in check_site(site, URL).findings if f.rule == "link"]
    assert {f.target for f in links} == {ARTICLE}
    # the feeds and pages listing it; not the OPML, which names folders' feeds and pages
    documents = {f.path for f in links}
    assert {"rss.xml", "atom.xml", "feed.json", "index.html"} <= documents
    assert "feeds.opml" not in documents
    lines = finding_lines(tuple(links))
    assert len(lines) == 1 and lines[0].startswith(f"{ARTICLE}: no such file in OUT; ")


def test_relative_and_percent_encoded_links_resolve_as_a_server_maps_them(site: Path) -> None:
    """Links written relative to a page, percent-encoded (CJK folders) or naming a folder
    resolve to the file a static server would send; one that names nothing is reported."""
    page = LEAF_DIR + "index.html"
    path = site / page
    links = (
        '<a href="../index.html">up</a>'  # relative to the page's URL
        '<a href="./">here</a>'  # a folder: its index.html
        f'<a href="{URL}categories/%E9%87%91%E8%9E%8D/">encoded</a>'
        '<a href="/feeds/rss.xml?x=1#top">root-relative, query and fragment</a>'
        '<a href="https://elsewhere.example/missing">external: never fetched</a>'
        '<a href="nothing-here/">broken</a>'
    )
    text = path.read_text("utf-8").replace("</main>", links + "</main>", 1)
    path.write_text(text, "utf-8")
    broken = [f.target for f in check_site(site, URL).findings if f.rule == "link"]
    assert broken == [LEAF_DIR + "nothing-here/index.html"]


def test_a_symlink_out_of_out_is_never_followed(site: Path, tmp_path: Path) -> None:
    """A document that is a symbolic link to a file outside OUT is reported, not read,
    and a link to it does not count as served."""
    secret = tmp_path / "secret.html"
    secret.write_text("<!doctype html><title>secret</title>", "utf-8")
    (site / "leak.html").symlink_to(secret)
    findings = check_site(site, URL).findings
    assert [(f.path, f.rule) for f in findings] == [("leak.html", "read")]
    assert not check_site(site, URL).ok


def test_a_fifo_in_out_never_hangs_the_check(site: Path) -> None:
    """A FIFO named like a feed is reported at once; nothing waits for a writer."""
    os.mkfifo(site / "stuck.xml")
    result = subprocess.run(
        [sys.executable, "-m", "newsfeed", "check", str(site), "--site-url", URL],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "stuck.xml: not a regular file: not read" in result.stderr


# ------------------------------------------------------------ --json


def test_json_output_has_stable_keys(site: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Scripts and CI read `check --json`: its keys and exit codes are what the docs say."""
    assert main(["check", str(site), "--json"]) == 0
    clean = json.loads(capsys.readouterr().out)
    assert clean == {
        "version": 1,
        "ok": True,
        "error": None,
        "out": str(site),
        "site_url": URL,
        "documents": 18,
        "judged": 18,
        "links": clean["links"],
        "problems": [],
    }
    assert clean["links"] > 18
    (site / ARTICLE).unlink()
    assert main(["check", str(site), "--json"]) == 1
    broken = json.loads(capsys.readouterr().out)
    assert broken["ok"] is False and broken["documents"] == 17
    problem = next(p for p in broken["problems"] if p["path"] == "rss.xml")
    assert set(problem) == {"path", "line", "rule", "message", "url", "target", "content"}
    assert problem["rule"] == "link" and problem["target"] == ARTICLE
    assert problem["url"] == URL + ARTICLE.removesuffix("index.html") and problem["line"] > 0
    assert problem["content"] is False


def test_json_output_of_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Checking a folder that is not there is a usage error, said in the JSON too."""
    assert main(["check", str(tmp_path / "nope"), "--json"]) == 2
    data = json.loads(capsys.readouterr().out)
    assert data["ok"] is False and "is not a folder" in data["error"]


# ------------------------------------------------------------ every kind of document

#: (document, pattern, replacement, rule, the start of the message check gives).
CORRUPTIONS = [
    ("rss.xml", r"<pubDate>[^<]*<", "<pubDate>yesterday<", "rss", "pubDate is not an RFC 822"),
    ("rss.xml", r"<channel>", "<channel><title/>", "rss", "channel has no title"),
    ("atom.xml", r"<updated>[^<]*<", "<updated>2021-07-13<", "atom", "updated is not an RFC 3339"),
    ("atom.xml", r"<entry>\s*<id>[^<]*</id>", "<entry>", "atom", "entry has no id"),
    ("feeds.opml", r' text="金融"', "", "opml", "outline has no text"),
    (
        "feeds.opml",
        r'xmlUrl="https://news\.example\.org/feeds/',
        'xmlUrl="',
        "url",
        "outline xmlUrl is relative",
    ),
    (
        ARTICLE,
        r"<!DOCTYPE html>",
        "<!DOCTYPE html PUBLIC '-//W3C//DTD HTML 4.01//EN'>",
        "html",
        "not an HTML5 doctype",
    ),
    (ARTICLE, r'<meta charset="utf-8">', "", "page", "the charset is not declared UTF-8 once"),
    (
        ARTICLE,
        r'<meta http-equiv="Content-Security-Policy"',
        "<meta name=x",
        "page",
        "no Content-Security-Policy",
    ),
    (ARTICLE, r"<title>[^<]*</title>", "<title> </title>", "page", "no title"),
    (ARTICLE, r'"NewsArticle",', '"NewsArticle" ', "page", "the JSON-LD block is not JSON"),
    (ARTICLE, r"<h1", '<h1 onclick="go()"', "page", "<h1> has an event handler (onclick)"),
    (ARTICLE, r'<a href="[^"]*"', '<a href=" javascript:go()"', "page", "<a href> is a script URL"),
    (ARTICLE, r"<h1", "<object></object><h1", "page", "a <object> element"),
    (ARTICLE, r"</h1>", "</h1></span></div>", "html", "Unexpected end tag"),
]


@pytest.mark.parametrize(
    ("document", "pattern", "replacement", "rule", "message"),
    CORRUPTIONS,
    ids=[f"{c[0].rsplit('/', 2)[-2] if '/' in c[0] else c[0]}-{c[4][:24]}" for c in CORRUPTIONS],
)
def test_each_rule_of_each_document_is_held(
    site: Path, document: str, pattern: str, replacement: str, rule: str, message: str
) -> None:
    """Feeds, OPML and pages hand-edited or broken by another tool are reported, each by
    the rule it breaks and at the document to fix, so `check` in CI catches them."""
    path = site / document
    text, count = re.subn(pattern, replacement, path.read_text("utf-8"), count=1)
    assert count == 1, pattern
    path.write_text(text, "utf-8")
    findings = check_site(site, URL).findings
    assert any(
        f.path == document and f.rule == rule and f.message.startswith(message) for f in findings
    ), findings


def test_an_empty_folder_and_an_unknown_site_url_are_said(tmp_path: Path) -> None:
    """Checking nothing is not a pass; without site_url, links cannot be followed: said."""
    empty = check_site(tmp_path)
    assert [(f.path, f.rule) for f in empty.findings] == [(".", "site")]
    assert "no documents" in empty.findings[0].message and not empty.ok
    (tmp_path / "page.html").write_text(
        "<!DOCTYPE html><html><head><meta charset=utf-8><title>t</title>"
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'\">"
        '</head><body><a href="other.html">x</a></body></html>',
        "utf-8",
    )
    result = check_site(tmp_path)
    assert [f.message for f in result.findings] == [
        "site_url unknown (no feed at the top of OUT has a self link): pass it",
        "a@href other.html -> other.html: no such file in OUT",  # relative: still followed
    ]
    assert check_site(tmp_path / "page.html").findings[0].message == "not a folder"


def test_only_what_newsfeed_wrote_is_judged(site: Path) -> None:
    """Another tool's page in OUT (Hexo's, the user's) is a link target, not judged by
    newsfeed's rules; without a manifest, every document is judged."""
    (site / "about.html").write_text("<html><script>x()</script></html>", "utf-8")
    result = check_site(site, URL)
    assert result.ok and result.documents == 19 and result.judged == 18
    (site / ".newsfeed-manifest.json").unlink()
    assert {f.path for f in check_site(site, URL).findings} == {"about.html"}
