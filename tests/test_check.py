"""`newsfeed check OUT`: a built site passes; each corruption is found, with file and line."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from newsfeed import Config, publish
from newsfeed.check import check_site, infer_site_url
from newsfeed.cli import main

URL = "https://news.example.org/feeds/"
SEEDS = Path(__file__).resolve().parents[1] / "seeds"


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
