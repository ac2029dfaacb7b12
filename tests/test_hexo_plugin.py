"""hexo-generator-feed's semantics and Hexo's own rules, without node: the cases of the
plugin's test/index.js (3.0.0) that concern output, ported, and Hexo's post rules."""

from __future__ import annotations

import os
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from newsfeed import Config, publish
from newsfeed.cli import main
from newsfeed.hexo.autodiscovery import autodiscovery_tags, inject_autodiscovery, with_autodiscovery
from newsfeed.hexo.plugin import feed_paths
from newsfeed.hexo.site import hexo_values
from newsfeed.sources.files import PostRules, post_files

ATOM = "{http://www.w3.org/2005/Atom}"

# The plugin's test posts: (name, date as epoch ms, extra front matter, body); its
# dates (1e8 ms, in 1970) moved to 1e12 ms (2001), which newsfeed finds plausible.
T = 1e12
POSTS = {
    "foo": (T, "", "<h6>TestHTML</h6>"),
    "bar": (T + 1000, "", "bar"),
    "baz": (T - 1000, "image: test.png\n", "baz"),
    "date": (T - 2000, "", "date"),
    "updated": (T - 2000, "updated: 2001-09-09T01:46:50Z\n", "updated"),
}


def _site(root: Path, url: str, feed: str, site_root: str = "/") -> Path:
    posts = root / "source" / "_posts"
    posts.mkdir(parents=True)
    config = f"title: Test\nurl: {url}\nroot: {site_root}\nupdated_option: date\nfeed:\n{feed}"
    (root / "_config.yml").write_text(config, encoding="utf-8")
    for name, (ms, extra, body) in POSTS.items():
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000))
        text = f"---\ntitle: {name}\ndate: {stamp}\n{extra}---\n{body}\n"
        (posts / f"{name}.md").write_text(text, encoding="utf-8")
    return root


def _atom(public: Path, name: str = "atom.xml") -> ET.Element:
    return ET.parse(public / name).getroot()


def test_type_atom_limit_and_order(tmp_path: Path) -> None:
    """`type: atom`, `limit: 3`: the three newest posts, newest first, in atom.xml only."""
    site = _site(tmp_path / "s", "http://localhost", "  type: atom\n  limit: 3\n")
    assert main(["build", str(site), "-q"]) == 0
    titles = [e.findtext(f"{ATOM}title") for e in _atom(site / "public").findall(f"{ATOM}entry")]
    assert titles == ["bar", "foo", "baz"]
    assert not (site / "public" / "rss2.xml").exists()


def test_type_rss2_and_limit_zero(tmp_path: Path) -> None:
    """`type: rss2`, `limit: 0`: every post, in rss2.xml only."""
    site = _site(tmp_path / "s", "http://localhost", "  type: rss2\n  limit: 0\n")
    assert main(["build", str(site), "-q"]) == 0
    items = ET.parse(site / "public" / "rss2.xml").getroot().findall("channel/item")
    assert len(items) == 5
    assert not (site / "public" / "atom.xml").exists()


def test_html_is_preserved_in_the_content(tmp_path: Path) -> None:
    """The post's HTML reaches the feed's content (the plugin's 'Preserves HTML')."""
    site = _site(tmp_path / "s", "http://localhost", "  type: atom\n  content: true\n")
    assert main(["build", str(site), "-q"]) == 0
    (foo,) = [e for e in _atom(site / "public") if e.findtext(f"{ATOM}title") == "foo"]
    assert "<h6>TestHTML</h6>" in foo.findtext(f"{ATOM}content", "")


@pytest.mark.parametrize(
    ("url", "root", "expected"),
    [
        ("http://localhost/", "/", "http://localhost/"),
        ("http://localhost/blog", "/blog/", "http://localhost/blog/"),
        ("http://localhost/blog", "/blog", "http://localhost/blog/"),
        ("http://localhost/blog/", "/blog/", "http://localhost/blog/"),
        ("http://localhost/blog/", "/blog", "http://localhost/blog/"),
        ("http://localhost/b/l/o/g", "/", "http://localhost/b/l/o/g/"),
    ],
)
def test_feed_id_is_the_site_url(tmp_path: Path, url: str, root: str, expected: str) -> None:
    """The Atom feed id is the site URL, however url and root are written (plugin's cases)."""
    site = _site(tmp_path / "s", url, "  type: atom\n", root)
    assert main(["build", str(site), "-q"]) == 0
    assert _atom(site / "public").findtext(f"{ATOM}id") == expected


def test_image_is_a_full_link_enclosure(tmp_path: Path) -> None:
    """`image: test.png` is an enclosure at the site URL, in Atom and RSS alike."""
    site = _site(tmp_path / "s", "http://localhost/blog", "  type: [atom, rss2]\n", "/blog/")
    assert main(["build", str(site), "-q"]) == 0
    (baz,) = [e for e in _atom(site / "public") if e.findtext(f"{ATOM}title") == "baz"]
    assert baz.find(f"{ATOM}link[@rel='enclosure']").get("href") == "http://localhost/blog/test.png"
    items = ET.parse(site / "public" / "rss2.xml").getroot().findall("channel/item")
    (item,) = [i for i in items if i.findtext("title") == "baz"]
    assert item.find("enclosure").get("url") == "http://localhost/blog/test.png"


@pytest.mark.parametrize(
    ("url", "root", "expected"),
    [
        ("http://example.com", "/", "http://example.com/icon.svg"),
        ("http://example.com/blog", "/blog/", "http://example.com/blog/icon.svg"),
    ],
)
def test_icon(tmp_path: Path, url: str, root: str, expected: str) -> None:
    """`icon` is a full URL under the site, as Atom icon and RSS image (no icon: none)."""
    site = _site(tmp_path / "s", url, "  type: [atom, rss2]\n  icon: icon.svg\n", root)
    assert main(["build", str(site), "-q"]) == 0
    assert _atom(site / "public").findtext(f"{ATOM}icon") == expected
    channel = ET.parse(site / "public" / "rss2.xml").getroot().find("channel")
    assert channel.findtext("image/url") == expected
    bare = _site(tmp_path / "b", url, "  type: atom\n", root)
    assert main(["build", str(bare), "-q"]) == 0
    assert _atom(bare / "public").find(f"{ATOM}icon") is None


def test_path_follows_the_order_of_type() -> None:
    """`type: [rss2, atom]` with two paths: RSS goes to the first, Atom to the second."""
    paths = feed_paths({"type": ["rss2", "atom"], "path": ["rss-awesome.xml", "atom-awesome"]})
    assert paths == {"site_rss_path": "rss-awesome.xml", "site_atom_path": "atom-awesome.xml"}


def test_updated_date_or_the_date(tmp_path: Path) -> None:
    """A post's updated is its front-matter `updated`, else its date (plugin's two cases)."""
    site = _site(tmp_path / "s", "http://localhost", "  type: atom\n")
    assert main(["build", str(site), "-q"]) == 0
    entries = {e.findtext(f"{ATOM}title"): e for e in _atom(site / "public")}
    date = entries["date"]
    assert date.findtext(f"{ATOM}updated") == date.findtext(f"{ATOM}published")
    assert entries["updated"].findtext(f"{ATOM}updated").startswith("2001-09-09T01:46:50")


def test_enable_false_leaves_the_plugins_options_out() -> None:
    """`enable: false` turns the plugin off: its type, limit and autodiscovery do not apply."""
    values, _ = hexo_values({"feed": {"enable": False, "type": "rss2", "limit": 3}})
    assert values["autodiscovery"] is False
    assert "formats" not in values and "limit" not in values


# ------------------------------------------------------------------ autodiscovery


PAGE = "<html><head><title>x</title></head><body></body></html>"


def _tags(**kw: object) -> str:
    return autodiscovery_tags(Config(site_title="Hexo", formats=("atom",), **kw))  # type: ignore[arg-type]


def test_autodiscovery_default_and_root() -> None:
    """One tag per feed before </head>, its href under the site's root (plugin cases)."""
    tag = '<link rel="alternate" href="/atom.xml" title="Hexo" type="application/atom+xml">\n'
    assert with_autodiscovery(PAGE, _tags()) == PAGE.replace("</head>", tag + "</head>")
    assert 'href="/blog/atom.xml"' in _tags(site_url="http://x.org/blog/")


def test_autodiscovery_rss2_and_both() -> None:
    """`rss2` gives the RSS media type; both types give two tags, in the order of type."""
    rss = autodiscovery_tags(Config(site_title="Hexo", formats=("rss",), site_rss_path="rss2.xml"))
    assert 'href="/rss2.xml" title="Hexo" type="application/rss+xml"' in rss
    both = autodiscovery_tags(Config(site_title="Hexo", formats=("atom", "rss")))
    assert both.index("atom+xml") < both.index("rss+xml") and both.count("<link") == 2


def test_autodiscovery_never_twice_and_first_non_empty_head() -> None:
    """A page that announces a feed is kept; an empty <head></head> is passed over."""
    announced = PAGE.replace("</head>", '<link type="application/atom+xml"></head>')
    assert with_autodiscovery(announced, _tags()) == announced
    page = "<head></head><head>\n<title>a</title>\n</head><head><b></b></head>"
    out = with_autodiscovery(page, _tags())
    assert out is not None and out.count("<link") == 1
    assert out.index("<link") < out.index("</head><head><b>")
    assert with_autodiscovery("<html><body>no head</body></html>", _tags()) is None


def test_autodiscovery_leaves_unusable_pages_and_reports_them(tmp_path: Path) -> None:
    """A page that is not UTF-8 or has no head is left byte for byte and reported."""
    (tmp_path / "good.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "latin1.html").write_bytes("<head><title>é</title></head>".encode("latin-1"))
    (tmp_path / "bare.html").write_text("<p>no head</p>", encoding="utf-8")
    done = inject_autodiscovery(tmp_path, Config(site_title="Hexo", formats=("atom",)))
    assert done.changed == ["good.html"]
    assert sorted(name for name, _ in done.unusable) == ["bare.html", "latin1.html"]
    assert (tmp_path / "bare.html").read_text(encoding="utf-8") == "<p>no head</p>"
    again = inject_autodiscovery(tmp_path, Config(site_title="Hexo", formats=("atom",)))
    assert again.changed == [] and again.kept == ["good.html"]


# ------------------------------------------------------------------ Hexo's rules


def _post(path: Path, title: str, date: str = "2024-01-01 00:00:00", extra: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"---\ntitle: {title}\ndate: {date}\n{extra}---\n<p>{title}</p>\n", "utf-8")


def test_hidden_ignore_and_skip_render(tmp_path: Path) -> None:
    """Hexo's hidden paths, ignore and skip_render leave files out, as Hexo does."""
    for name in ("a.md", "_b.md", "_dir/c.md", "d/.e.md", "skip/f.md", "g.md", "sub/h.md"):
        _post(tmp_path / name, name)
    rules = PostRules(hidden=True, ignore=("**/skip/**",), skip_render=("_posts/g.md",))
    found = [f.source for f in post_files(tmp_path, rules)]
    assert found == ["a.md", "sub/h.md"]
    default = [f.source for f in post_files(tmp_path)]
    assert default == ["_b.md", "_dir/c.md", "a.md", "g.md", "skip/f.md", "sub/h.md"]


def test_future_false_schedules_and_a_warm_build_notices(tmp_path: Path) -> None:
    """A post dated later is held back, reported as scheduled, and published once due."""
    src, out = tmp_path / "src", tmp_path / "out"
    _post(src / "now.md", "Now")
    due = int(time.time()) + 3
    soon = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(due))
    _post(src / "soon.md", "Soon", soon)
    config = Config(future=False, timezone="UTC", formats=("atom",))
    report = publish(src, out, config)
    assert report.published == 1
    assert [p.field for p in report.problems] == ["date"]
    assert "scheduled" in report.problems[0].message
    assert b"Soon" not in (out / "atom.xml").read_bytes()
    while time.time() <= due:  # wait for the post's time, not for a build
        time.sleep(0.2)
    again = publish(src, out, config)  # no file changed, but the post's time has come
    assert again.published == 2 and b"Soon" in (out / "atom.xml").read_bytes()


def test_future_false_schedules_posts_not_updates(tmp_path: Path) -> None:
    """`future: false` holds back a post dated later; an `updated` in the future is a
    mistake, not a schedule: warned, and the item's updated is its published date."""
    src, out = tmp_path / "src", tmp_path / "out"
    _post(src / "a.md", "A", "2024-01-01 00:00:00", "updated: 2099-01-01 00:00:00\n")
    config = Config(future=False, timezone="UTC", formats=("atom",))
    report = publish(src, out, config)
    assert report.published == 1
    (problem,) = report.problems
    assert (problem.field, problem.action) == ("updated", "used the published date")
    atom = (out / "atom.xml").read_text("utf-8")
    assert "<updated>2024-01-01T00:00:00+00:00</updated>" in atom and "2099" not in atom


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("-date", ["c", "b", "a"]),
        ("date", ["a", "b", "c"]),
        ("title", ["a", "b", "c"]),
        ("-title", ["c", "b", "a"]),
        ("-updated", ["a", "c", "b"]),
    ],
)
def test_order_by(tmp_path: Path, order_by: str, expected: list[str]) -> None:
    """Hexo's order_by orders every feed: by date, title or updated, either way."""
    _post(tmp_path / "src" / "a.md", "a", "2024-01-01 00:00:00", "updated: 2024-06-01 00:00:00\n")
    _post(tmp_path / "src" / "b.md", "b", "2024-01-02 00:00:00")
    _post(tmp_path / "src" / "c.md", "c", "2024-01-03 00:00:00")
    config = Config(order_by=order_by, formats=("atom",), cache=False)
    publish(tmp_path / "src", tmp_path / "out", config)
    titles = [e.findtext(f"{ATOM}title") for e in _atom(tmp_path / "out").findall(f"{ATOM}entry")]
    assert titles == expected


def test_updated_option_mtime(tmp_path: Path) -> None:
    """`updated_option: mtime` dates an unchanged-in-front-matter post by its file's mtime."""
    _post(tmp_path / "src" / "a.md", "a", "2024-01-01 00:00:00")
    stamp = 1_720_000_000  # 2024-07-03T09:46:40Z
    os.utime(tmp_path / "src" / "a.md", (stamp, stamp))
    config = Config(updated_option="mtime", formats=("atom",))
    publish(tmp_path / "src", tmp_path / "out", config)
    (entry,) = _atom(tmp_path / "out").findall(f"{ATOM}entry")
    assert entry.findtext(f"{ATOM}updated") == "2024-07-03T09:46:40+00:00"
