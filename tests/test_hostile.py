"""Hostile input through the WHOLE build: load_articles and publish, every case.

Every case is a small folder of posts made here. Whatever a file holds, the build
finishes; every good post is published, every bad one is reported with its file
and reason (files in == published + skipped + drafts), every document written
parses strictly and in feedparser, and nothing is written outside OUT (checks in
``sitecheck.checked_build``). Unit-level coverage of the same inputs lives in
test_sources.py / test_xss.py; this file is about the build as a user runs it.
"""

from __future__ import annotations

import codecs
import json
import logging
import os
import random
import re
import sqlite3
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import feedparser
import lxml.html
import pytest
from lxml import etree

from newsfeed import Article, Config, SiteError, load_articles, publish
from newsfeed.articles import derived_guid
from newsfeed.cache import CACHE_NAME
from newsfeed.cli import main
from newsfeed.normalize.html import MAX_DEPTH
from newsfeed.site import LOCK_NAME, MANIFEST_NAME, lock_out
from newsfeed.sources.files import RACY_NS, racy
from sitecheck import URL, checked_build, snapshot, write_posts
from test_xss import VECTORS, _assert_safe

ROOT = Path(__file__).resolve().parents[1]
NAME = "post.md"
TITLE = "新闻标题：测试"
BODY = "<p>这是一段正文，用来测试编码检测是否正确。第二句话也在这里。</p>\n"
FIRST = "这是一段正文，用来测试编码检测是否正确"  # what a post without a title is titled


def post(
    title: str = TITLE, date: str = "2021-07-13 23:47:03", extra: str = "", body: str = BODY
) -> str:
    return f"---\ntitle: {title}\ndate: {date}\n{extra}---\n{body}"


@dataclass(frozen=True)
class Case:
    """One hostile input: files, what must happen to ``post.md`` and what is reported."""

    id: str
    files: dict[str, bytes | str]
    expect: str  # "published", "skipped" or "draft"
    reported: str = ""  # regex over post.md's problems ("" = must report nothing)
    title: str | None = None  # the exact published title
    config: dict[str, object] = field(default_factory=dict)


def one(data: bytes | str) -> dict[str, bytes | str]:
    return {NAME: data}


def bomb(levels: int = 9) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, levels):
        refs = ", ".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "---\ntitle: boom\n" + "\n".join(lines) + "\n---\nbody"


def key_bomb(levels: int = 40) -> str:
    """A bomb used as a mapping key: 2**levels items once built."""
    lists = ", ".join(f"&a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, levels))
    return f"---\ntitle: boom\n? [&a0 [x, x], {lists}]\n: v\n---\nbody"


def deep_block(depth: int) -> str:
    return "---\ntitle: deep\n" + "".join("  " * i + "a:\n" for i in range(depth)) + "---\nb"


GB_TEXT = post(body="<p>" + "中华人民共和国国务院新闻办公室今天举行发布会。" * 4 + "</p>")
GB18030_NOTED = "the file is not UTF-8.* \\(read it as GB18030, as detected"
BIG5_TITLES = [
    "新聞",
    "臺北市政府今天宣布",
    "蔡英文總統出席活動並致詞",
    "經濟部表示，出口金額創新高。",
]

ENCODINGS = [
    Case("utf8-bom", one(codecs.BOM_UTF8 + post().encode()), "published", title=TITLE),
    Case("utf16", one(post().encode("utf-16")), "published", "not UTF-8", title=TITLE),
    Case(
        "utf16-be", one(codecs.BOM_UTF16_BE + post().encode("utf-16-be")), "published", title=TITLE
    ),
    Case("utf32", one(post().encode("utf-32")), "published", title=TITLE),
    Case(
        "gbk-detected",
        one(GB_TEXT.encode("gbk")),
        "published",
        GB18030_NOTED,
        TITLE,
    ),
    Case(
        "gb18030-detected",
        one(GB_TEXT.encode("gb18030")),
        "published",
        GB18030_NOTED,
        TITLE,
    ),
    # Issue 15 #15: short Big5 text was read as GB18030 (mojibake titles).
    *(
        Case(
            f"big5-detected-{i}",
            one(post(title=t, body=f"<p>{t}</p>").encode("big5")),
            "published",
            "not UTF-8.*read it as BIG5, as detected",
            t,
        )
        for i, t in enumerate(BIG5_TITLES)
    ),
    # ... and one GBK line in a UTF-8 file made the whole file GB18030.
    Case(
        "utf8-with-one-gbk-line",
        one(GB_TEXT.encode() + "\n<p>这一行是GBK编码的文字。</p>\n".encode("gbk")),
        "published",
        "not UTF-8.*read it as UTF-8 and GB18030 \\(1 line\\), as detected",
        TITLE,
    ),
    Case(
        "gbk-configured",
        one(post(title="短").encode("gbk")),
        "published",
        title="短",
        config={"encoding": "gbk"},
    ),
    Case(
        "invalid-utf8-body",
        one(post().encode() + b"\xff\xfe\x80\xc3("),
        "published",
        "not UTF-8.*read it as UTF-8, with 4 undecodable bytes replaced",
    ),
    Case(
        "invalid-utf8-title",
        one(post(title="ab").encode().replace(b"ab", b"a\xff\xfeb")),
        "published",
    ),
    Case("nul-bytes", one(post(title="a\x00b", body="<p>x\x00y</p>")), "published", title="ab"),
    Case("cesu-surrogate", one(post().encode() + b"<p>\xed\xa0\x80</p>"), "published"),
    Case("escaped-lone-surrogate", one(post(title='"a\\ud800b"')), "published"),
    Case(
        "control-chars",
        one(post(title="a\x01\x08\x0b\x0c\x1b\x7fb", body="<p>x\x01\x1fy\x1b</p>")),
        "published",
    ),
    Case("crlf", one(post().replace("\n", "\r\n")), "published", title=TITLE),
    Case("cr-only", one(post().replace("\n", "\r")), "published", title=TITLE),
    Case("mixed-line-ends", one("\r\n---\r\ntitle: t\n\rdate: 2021-01-01\r---\r\nb"), "published"),
    Case("unicode-line-separators", one(post(title="a\u2028b\u0085c")), "published", title="a b c"),
    Case("binary-garbage", one(random.Random(4).randbytes(6000)), "skipped", reported="not text"),
]

STRUCTURE = [
    Case("empty-file", one(b""), "skipped", reported="empty"),
    Case("blank-file", one(" \n\r\n\t\n"), "skipped", reported="empty"),
    Case("bom-only", one(codecs.BOM_UTF8), "skipped", reported="empty"),
    Case("del-byte-only", one(b"\x7f"), "skipped", reported="empty"),
    Case("c1-and-no-break-spaces-only", one("\x80\x9f\xa0\u3000\n"), "skipped", "empty"),
    Case(
        "no-front-matter",
        one("<p>only a body</p>"),
        "published",
        reported="title: missing or empty title \\(used the start of its text: only a body\\)",
        title="only a body",
    ),
    Case(
        "unterminated-yaml", one("---\ntitle: x\ndate: 2021-01-01\n<p>b</p>"), "skipped", "closed"
    ),
    Case("unterminated-json", one(';;;\n"title": "x"\n'), "skipped", reported="closed"),
    Case("list-front-matter", one("---\n- a\n- b\n---\nbody"), "skipped", reported="a list"),
    Case("scalar-front-matter", one("---\njust words\n---\nbody"), "skipped", "single value"),
    Case("json-list-front-matter", one(";;;\n[1, 2]\n;;;\nbody"), "skipped", reported="mapping"),
    Case(
        "front-matter-only", one("---\ntitle: t\ndate: 2021-01-01\n---\n"), "published", title="t"
    ),
    Case("billion-laughs", one(bomb()), "skipped", reported="alias"),
    Case("alias-bomb-as-a-key", one(key_bomb()), "skipped", reported="alias"),
    Case(
        "scalar-alias-inflation",
        one("---\ntitle: &t " + "x" * 5000 + "\n" + "".join(f"k{i}: *t\n" for i in range(500))),
        "skipped",
        reported=".",
    ),
    Case(
        "deep-flow", one("---\ntitle: " + "[" * 5000 + "]" * 5000 + "\n---\nb"), "skipped", "nest"
    ),
    Case("deep-block", one(deep_block(300)), "skipped", reported="nest"),
    Case(
        "deep-json", one(';;;\n{"a": ' + "[" * 5000 + "]" * 5000 + "}\n;;;\nb"), "skipped", "nest"
    ),
    Case(
        "python-object-tag",
        one("---\ntitle: !!python/object/apply:os.system ['touch PWNED']\n---\nb"),
        "published",
        reported=".",
    ),
    Case("duplicate-keys", one("---\ntitle: a\ntitle: b\ndate: 2021-01-01\n---\nb"), "published"),
    # Container aliases are refused outright (that is what defeats alias bombs).
    Case("merge-key", one("---\nx: &x {title: m}\n<<: *x\n---\nb"), "skipped", reported="alias"),
    Case(
        "scalar-alias-once", one("---\nt: &t hello\ntitle: *t\n---\nb"), "published", title="hello"
    ),
    Case(
        "exotic-yaml-tags",
        one(
            "---\ntitle: !!binary aGVsbG8=\ns: !!set {a, b}\no: !!omap [a: 1]\nx: !custom 5\n---\nb"
        ),
        "published",
    ),
    Case("tab-indented-yaml", one("---\ntitle: t\ntags:\n\t- a\n---\nb"), "published", "YAML"),
    Case(
        "60000-keys",
        one("---\n" + "".join(f"k{i}: v\n" for i in range(60000)) + "---\nb"),
        "skipped",
        reported="too large",
    ),
    Case("long-body-line", one(post(body="x" * 1_000_000)), "published"),
    Case("deep-html", one(post(body="<div>" * 20000 + "deep" + "</div>" * 20000)), "published"),
    Case("unclosed-html", one(post(body="<p><b><i><table><tr><td>x<ul><li>y")), "published"),
    Case("cdata-end-in-body", one(post(body="<p>a ]]> b <![CDATA[ c ]]></p>")), "published"),
    Case(
        "10mb-title",
        one(post(title="x" * 10 * 1024 * 1024)),
        "skipped",
        reported="max_front_matter_chars",
    ),
    Case(
        "10mb-title-allowed",
        one(post(title="x" * 10 * 1024 * 1024)),
        "published",
        reported="title.*limit 500",
        title="x" * 499 + "…",
        config={"max_front_matter_chars": 11 * 1024 * 1024},
    ),
    Case(
        "over-configured-size",
        one(post(body="x" * 5000)),
        "skipped",
        reported="over the limit of 4,096 bytes \\(max_file_bytes\\)",
        config={"max_file_bytes": 4096},
    ),
]

VALUES = [
    Case(
        "wrong-types-everywhere",
        one(
            "---\ntitle: {a: b}\ndate: [2021, 1]\nupdated: {a: 1}\ncategories: {x: [y]}\n"
            "tags: {t: 1}\nauthor: [a, b]\npermalink: [x]\nguid: {g: 1}\nheadimg: {u: 1}\n"
            "thumbnail: [1]\ncomments: {}\npublished: [false]\ndescription: [d]\nlang: 5\n---\nb"
        ),
        "published",
        reported="(?s)"
        + "".join(
            f"(?=.*{key}:)"
            for key in (
                "title",
                "date",
                "updated",
                "categories",
                "tags",
                "author",
                "permalink",
                "guid",
                "headimg",
                "thumbnail",
                "comments",
                "published",
                "description",
            )
        ),
        title="b",
    ),
    Case("number-category", one(post(extra="categories: 5\ntags: 2024\n")), "published"),
    Case("list-title", one(post(title="[a, b]")), "published", reported="title", title=FIRST),
    Case(
        "null-everything", one("---\ntitle:\ndate:\ncategories:\ntags:\n---\nb"), "published", "."
    ),
    Case(
        "10000-category-paths",
        one(post(extra="categories:\n" + "".join(f"  - [c{i}]\n" for i in range(10000)))),
        "published",
        reported="10000 category paths",
    ),
    Case(
        "10000-deep-category",
        one(post(extra="categories: [" + ", ".join(f"c{i}" for i in range(10000)) + "]\n")),
        "published",
        reported="levels deep",
    ),
    Case(
        "10000-tags",
        one(post(extra="tags: [" + ", ".join(f"t{i}" for i in range(10000)) + "]\n")),
        "published",
        reported="10000 tags",
    ),
    Case(
        "hostile-title",
        one(post(title='"</title><script>alert(1)</script>]]>&amp; <![CDATA[x]]>"')),
        "published",
        title="</title><script>alert(1)</script>]]>& <![CDATA[x]]>",
    ),
    Case("blank-title", one(post(title='"\\x01 \\t \\u3000"')), "published", "title", title=FIRST),
    Case(
        "hostile-permalinks",
        {
            NAME: post(extra="permalink: javascript:alert(1)\n"),
            "b.md": post(extra="permalink: ../../../../etc/passwd\n"),
            "c.md": post(extra="permalink: //evil.example/x\n"),
            "d.md": post(extra="permalink: 'data:text/html,<script>alert(1)</script>'\n"),
        },
        "published",
        reported=".",
    ),
    Case(
        "hostile-images",
        one(
            post(
                extra="headimg: javascript:alert(1)\nthumbnail: 'data:text/html,x'\n",
                body='<img src="javascript:alert(1)"><img src="vbscript:x">'
                '<img src="data:text/html,x">',
            )
        ),
        "published",
    ),
    Case(
        "guid-clash",
        {NAME: post(extra="guid: same\n"), "z.md": post(extra="guid: same\n")},
        "published",
    ),
    Case(
        "guid-clash-with-derived",
        {NAME: post(), "z.md": post(extra=f"guid: {derived_guid(URL, NAME)}\n")},
        "published",
    ),
    Case("future-date", one(post(date="2999-01-01 00:00:00")), "published", reported="future"),
    Case(
        "future-date-skip-policy",
        one(post(date="2999-01-01 00:00:00")),
        "skipped",
        reported="future",
        config={"date_policy": "skip"},
    ),
    Case("date-1969", one(post(date="1969-07-20 20:17:40")), "published", reported="before"),
    Case("date-year-1", one(post(date="0001-01-01")), "published", reported="date"),
    Case("date-year-9999", one(post(date="9999-12-31 23:59:59")), "published", reported="date"),
    Case("date-negative-epoch", one(post(date="'-62135596800'")), "published"),
    Case("leap-second", one(post(date="2016-12-31T23:59:60Z")), "published"),
    Case("leap-second-rfc2822", one(post(date="Sat, 31 Dec 2016 23:59:60 GMT")), "published"),
    Case("absurd-offset", one(post(date="2021-01-01T00:00:00+99:00")), "published"),
    Case("feb-30", one(post(date="2021-02-30")), "published", reported="date"),
    Case("invalid-date", one(post(date="Invalid Date")), "published", reported="date"),
    # Issue 15 #14: int() refuses over 4,300 digits; the post was dropped.
    Case(
        "5000-digit-date", one(post(date="1" * 5000)), "published", reported="date:.*out of range"
    ),
    Case(
        "4301-digit-updated",
        one(post(extra="updated: " + "2" * 4301 + "\n")),
        "published",
        reported="updated:.*out of range",
    ),
    Case("draft", one(post(extra="published: false\n")), "draft"),
    Case("draft-no", one(post(extra="published: 'no'\n")), "draft"),
]

# Markdown bodies (post.md is Markdown): bad input is said, the rest still publishes.
MARKDOWN = [
    Case(
        "markdown-not-utf8",
        one(
            post(body="# 标题\n\n" + "中华人民共和国国务院新闻办公室今天举行发布会。" * 4).encode(
                "gbk"
            )
        ),
        "published",
        reported="not UTF-8; Hexo would show it garbled.*GB18030",
        title=TITLE,
    ),
    Case("unclosed-tag-plugin", one(post(body="{% blockquote %}\nq\n\nrest")), "published", "end"),
    Case("unclosed-tag-brace", one(post(body="{% asset_img a.jpg\n\nrest")), "published", "closed"),
    Case(
        "asset-img-missing",
        one(post(body="{% asset_img cat.jpg A cat %}\n\ntext")),
        "published",
        reported="cat.jpg.*not in the asset folder",
        config={"post_asset_folder": True},
    ),
    Case("more-in-code", one(post(body="t\n\n```\n<!-- more -->\n```\n")), "published", "more"),
    Case("unknown-tag", one(post(body="{% note %}\nkept\n{% endnote %}")), "published", "note"),
    Case("tag-flood", one(post(body="{% fa x %}" * 5000)), "published", "more than"),
    Case("open-block-bomb", one(post(body="{% quote %}" * 3000 + "{% endquote %}")), "published"),
    Case("unclosed-comment-bomb", one(post(body="{# " * 20000)), "published"),
    Case("backtick-bomb", one(post(body="{% fa %}" + "`a ``b ```c " * 3000)), "published", "fa"),
    Case(
        "include-code-escape",
        one(post(body="{% include_code ../../../etc/passwd %}")),
        "published",
        "include_code",
    ),
    Case(
        "markdown-script",
        one(post(body="[x](javascript:alert(1)) ![y](javascript:alert(1))\n\n<script>x</script>")),
        "published",
    ),
    Case("markdown-nesting-bomb", one(post(body="> " * 5000 + "- " * 5000 + "x")), "published"),
]

CASES = ENCODINGS + STRUCTURE + VALUES + MARKDOWN


def test_there_are_many_hostile_cases() -> None:
    """The suite keeps covering every kind of input the issue lists."""
    assert len(CASES) >= 70
    assert len(HOSTILE_NAMES) >= 25


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_post_through_the_whole_build(tmp_path: Path, case: Case) -> None:
    """A hostile file never crashes the build, is never lost, and is published or reported."""
    src = tmp_path / "src"
    write_posts(src, case.files)
    # A good neighbour must be published whatever the hostile post does.
    write_posts(src, {"zz-good.md": post(title="good neighbour")})
    config = Config(site_url=URL, limit=0, **case.config)  # type: ignore[arg-type]
    build = checked_build(tmp_path, src, config)
    assert any(a.title == "good neighbour" for a in build.load.articles)
    problems = "\n".join(build.problems_of(NAME))
    reason = build.skipped(NAME)
    if case.expect == "skipped":
        assert reason is not None and re.search(case.reported, reason), problems
    elif case.expect == "draft":
        assert reason is None and build.report.drafts == 1
    else:
        assert reason is None, reason
        article = build.article(NAME)
        assert isinstance(article, Article)
        if case.reported:
            assert re.search(case.reported, problems), problems
        if case.title is not None:
            assert article.title == case.title
        assert article.title and "\n" not in article.title
        assert article.link.startswith(URL) or article.link.startswith(("http://", "https://"))
        assert article.link.isascii() and not article.link.startswith("javascript")
        content = article.content.lower()
        for bad in ("<script", "javascript:", "vbscript:", "data:text"):
            assert bad not in content


def test_every_case_together_in_one_build(tmp_path: Path) -> None:
    """A folder holding every hostile file at once: nothing lost, each reported by name."""
    src = tmp_path / "src"
    expected = {"published": 0, "skipped": 0, "draft": 0}
    for case in CASES:
        if case.config:
            continue
        for name, data in case.files.items():
            write_posts(src, {f"{case.id}/{name}": data})
            kind = case.expect if name == NAME else "published"
            expected[kind] += 1
    build = checked_build(tmp_path, src)
    report = build.report
    assert (report.published, len(report.skipped), report.drafts) == (
        expected["published"],
        expected["skipped"],
        expected["draft"],
    )
    guids = [a.guid for a in build.load.articles]
    assert len(set(guids)) == len(guids)
    assert not (tmp_path / "PWNED").exists() and not (ROOT / "PWNED").exists()


def test_python_yaml_tags_never_run_code(tmp_path: Path) -> None:
    """A post cannot make the build run a command through YAML's python tags."""
    src = tmp_path / "src"
    marker = tmp_path / "PWNED"
    write_posts(src, one(f"---\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\nb"))
    build = checked_build(tmp_path, src)
    assert not marker.exists()
    assert "os.system" not in build.article(NAME).title or True  # the text may stay, never run
    assert build.report.published == 1


# ---------------------------------------------------------------- guid clashes


def test_guid_clash_keeps_both_with_distinct_guids_and_reports_it(tmp_path: Path) -> None:
    """Readers key items by guid: a clash would make one of two stories vanish."""
    src = tmp_path / "src"
    write_posts(src, {"a.md": post(extra="guid: same\n"), "b.md": post(extra="guid: same\n")})
    build = checked_build(tmp_path, src)
    (a,) = [x for x in build.load.articles if x.source == "a.md"]
    (b,) = [x for x in build.load.articles if x.source == "b.md"]
    assert a.guid == "same" and b.guid != "same"
    (clash,) = [p for p in build.report.problems if p.field == "guid"]
    assert clash.path == "b.md" and "a.md" in clash.message and b.guid in clash.action
    entries = feedparser.parse((build.out / "rss.xml").read_bytes()).entries
    assert sorted(e.id for e in entries) == sorted([a.guid, b.guid])
    atom = feedparser.parse((build.out / "atom.xml").read_bytes()).entries
    assert len({e.id for e in atom}) == 2


# ---------------------------------------------------------------- hostile category names

HOSTILE_NAMES = [
    "..",
    ".",
    "/",
    "\\",
    "CON",
    "con",
    "NUL.txt",
    "lpt1",
    ".git",
    ".newsfeed-manifest.json",
    ".newsfeed.lock",
    "rss.xml",
    "",
    " ",
    "~",
    "x" * 1000,
    "字" * 1000,
    "../../etc/passwd",
    "a/../../b",
    "..\\..\\windows",
    "C:\\Windows",
    "%2e%2e",
    "\u202eevil",
    "a\x00b",
    "Café",
    unicodedata.normalize("NFD", "Café"),
    "CAFÉ",
    "café",
    "İstanbul",
    "istanbul",
]


def test_hostile_category_names_stay_inside_out(tmp_path: Path) -> None:
    """No category or tag name can put a file outside OUT or on a reserved/hidden name."""
    src = tmp_path / "src"
    for i, name in enumerate(HOSTILE_NAMES):
        quoted = name.replace("\\", "\\\\").replace('"', '\\"').replace("\x00", "\\0")
        write_posts(
            src,
            {
                f"p{i:02d}.md": post(
                    extra=f'categories: ["{quoted}", "{quoted}"]\ntags: ["{quoted}"]\n'
                )
            },
        )
    build = checked_build(tmp_path, src)
    assert build.report.published == len(HOSTILE_NAMES)
    out = build.out.resolve()
    reserved = {"con", "prn", "aux", "nul", "lpt1", "com1"}
    for path in out.rglob("*"):
        rel = path.relative_to(out)
        assert out in path.resolve().parents
        for part in rel.parts[:-1]:
            assert part not in ("", ".", "..") and not part.startswith(".")
            assert "/" not in part and "\\" not in part and "\x00" not in part
            assert part.split(".")[0].lower() not in reserved
            assert len(part.encode()) <= 255
    # NFC and NFD spellings are one category; case variants get their own folders.
    cafe = [p for p in out.glob("categories/*") if p.name.casefold().startswith("caf")]
    sizes = sorted(len(feedparser.parse((p / "rss.xml").read_bytes()).entries) for p in cafe)
    assert sizes == [1, 1, 2]
    assert any("same path" in p.message for p in build.report.problems)


def test_category_map_cannot_escape_out(tmp_path: Path) -> None:
    """Even a configured slug such as '../..' cannot put a feed outside OUT."""
    src = tmp_path / "src"
    write_posts(src, one(post(extra="categories: [a]\ntags: [b]\n")))
    config = Config(site_url=URL, category_map={"a": "../../.."}, tag_map={"b": "/etc"}, limit=0)
    build = checked_build(tmp_path, src, config)
    assert build.report.published == 1
    out = build.out.resolve()
    assert all(out in p.resolve().parents for p in out.rglob("*"))


# ---------------------------------------------------------------- dates at the edges


def test_hostile_file_times_never_lose_the_post(tmp_path: Path) -> None:
    """A post without a date whose file time is absurd is still published or clearly reported."""
    src = tmp_path / "src"
    stamps = {"old.md": -1e9, "zero.md": 0.0, "future.md": 7e9, "far.md": 2.5e11}
    for name, stamp in stamps.items():
        write_posts(src, {name: "---\ntitle: t\n---\n<p>b</p>"})
        os.utime(src / name, (stamp, stamp))
    build = checked_build(tmp_path, src)
    for name in stamps:
        assert build.skipped(name) is None or "date" in " ".join(build.problems_of(name))


def test_leap_second_is_published_at_the_last_second(tmp_path: Path) -> None:
    """A leap second (23:59:60) is read, not rejected, and feeds carry a valid time."""
    src = tmp_path / "src"
    write_posts(src, one(post(date="2016-12-31T23:59:60Z")))
    build = checked_build(tmp_path, src)
    article = build.article(NAME)
    assert isinstance(article, Article)
    assert article.published.isoformat() in (
        "2016-12-31T23:59:59+00:00",
        "2017-01-01T00:00:00+00:00",
    )
    assert not build.problems_of(NAME)


# ---------------------------------------------------------------- size limits


def test_fifty_megabyte_body_is_reported_with_the_limit(tmp_path: Path) -> None:
    """A 50 MB post is refused by size (without being read) and the report names the setting."""
    src = tmp_path / "src"
    src.mkdir()
    with (src / NAME).open("wb") as handle:
        handle.write(post(body="").encode())
        handle.write(b"<p>" + b"x" * (50 * 1024 * 1024) + b"</p>")
    write_posts(src, {"ok.md": post()})
    build = checked_build(tmp_path, src)
    reason = build.skipped(NAME)
    assert reason is not None and "max_file_bytes" in reason and "52,428," in reason
    assert build.report.published == 1


def test_billion_laughs_is_refused_with_bounded_memory(tmp_path: Path) -> None:
    """An alias bomb cannot exhaust the machine's memory (measured in a fresh process)."""
    src = tmp_path / "src"
    write_posts(src, {"bomb.md": bomb(12), "ok.md": post()})
    code = (
        "import resource, sys, tracemalloc\n"
        "from newsfeed import Config, publish\n"
        "tracemalloc.start()\n"
        "r = publish(sys.argv[1], sys.argv[2], Config())\n"
        "peak = tracemalloc.get_traced_memory()[1]\n"
        "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(r.published, len(r.skipped), peak, rss)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(src), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert result.returncode == 0, result.stderr
    published, skipped, peak, maxrss_kib = map(int, result.stdout.split())
    assert (published, skipped) == (1, 1)
    # 9**12 list items would need terabytes; the build stays within a few dozen MB.
    assert peak < 64 * 1024 * 1024, peak
    assert maxrss_kib < 512 * 1024, maxrss_kib


def test_alias_bomb_in_config_yml_is_one_short_line_with_bounded_memory(tmp_path: Path) -> None:
    """A billion-laughs `_config.yml` is refused before it is built: exit 2, one short
    line naming the file, a few dozen MB (it took 24 s and 1.3 GB, and printed a 52 MB
    error, when its lists were built and shown)."""
    site = tmp_path / "site"
    write_posts(site / "source" / "_posts", {NAME: post()})
    config = bomb().removeprefix("---\n").removesuffix("\n---\nbody")
    (site / "_config.yml").write_text(config + "\nfeed:\n  limit: *a8\n", encoding="utf-8")
    code = (
        "import sys, tracemalloc\n"
        "from newsfeed.cli import main\n"
        "tracemalloc.start()\n"
        "code = main(['build', sys.argv[1]])\n"
        "print(code, tracemalloc.get_traced_memory()[1])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(site)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    exit_code, peak = map(int, result.stdout.split())
    assert exit_code == 2
    assert result.stderr.splitlines() == [
        "newsfeed: configuration error: _config.yml: the file uses YAML aliases to repeat "
        "a list or mapping; write the values out instead"
    ]
    assert peak < 64 * 1024 * 1024, peak
    assert not (site / "public").exists()


# ---------------------------------------------------------------- sanitized content, end to end

RSS_CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"
ATOM = "{http://www.w3.org/2005/Atom}"


def published_contents(out: Path) -> dict[str, list[str]]:
    """Every item's HTML content as readers get it: RSS, Atom and JSON Feed."""
    rss = etree.parse(str(out / "rss.xml")).getroot()
    atom = etree.parse(str(out / "atom.xml")).getroot()
    found = {
        "rss": [e.text or "" for e in rss.iter(RSS_CONTENT)],
        "atom": [e.text or "" for e in atom.iter(f"{ATOM}content")],
    }
    if (out / "feed.json").is_file():
        items = json.loads((out / "feed.json").read_bytes())["items"]
        found["json"] = [i.get("content_html", "") for i in items]
    return found


def test_xss_vectors_never_reach_a_published_feed(tmp_path: Path) -> None:
    """Not one cheat-sheet vector survives into what readers render, in any format."""
    src = tmp_path / "src"
    for i, vector in enumerate(VECTORS):
        write_posts(src, {f"x{i:03d}.md": post(title=f"v{i}", body=f"<p>keep {i}</p>{vector}")})
    build = checked_build(tmp_path, src)
    assert build.report.published == len(VECTORS)
    contents = published_contents(build.out)
    surviving = []
    for kind, items in contents.items():
        assert len(items) == len(VECTORS), kind
        for content in items:
            try:
                _assert_safe(content)
            except AssertionError:
                surviving.append((kind, content))
            assert re.search(r"keep \d+", content)
    assert surviving == [], surviving[:3]


def test_content_stays_readable_after_sanitizing(tmp_path: Path) -> None:
    """Paragraphs, images, links, tables, lists and code (with its newlines) reach readers."""
    body = (
        "<p>First <b>bold</b> paragraph.</p><p><img src='https://example.com/a.jpg' alt='A'></p>"
        "<p><a href='https://example.com/x'>a link</a></p>"
        "<table><tr><th>h</th></tr><tr><td>cell</td></tr></table>"
        "<ul><li>one</li><li>two</li></ul><ol><li>first</li></ol>"
        "<pre><code>def f():\n    return 1\n</code></pre>"
    )
    src = tmp_path / "src"
    write_posts(src, one(post(body=body)))
    build = checked_build(tmp_path, src)
    for kind, (content,) in published_contents(build.out).items():
        root = lxml.html.fragment_fromstring(content, create_parent="div")
        tags = {el.tag for el in root.iter()}
        assert {"p", "b", "img", "a", "table", "td", "ul", "ol", "li", "pre", "code"} <= tags, kind
        (code,) = root.iter("code")
        assert code.text_content() == "def f():\n    return 1\n", kind
        (img,) = root.iter("img")
        assert img.get("src") == "https://example.com/a.jpg" and img.get("alt") == "A"
        (link,) = root.iter("a")
        assert link.get("href") == "https://example.com/x" and link.text == "a link"


# ---------------------------------------------------------------- the machine-readable report


def test_cli_report_lists_every_problem_with_file_reason_and_action(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`build --report` lets a cron job see exactly which posts were skipped and why."""
    src = tmp_path / "src"
    write_posts(
        src,
        {
            "good.md": post(),
            "empty.md": b"",
            "bomb.md": bomb(),
            "typed.md": post(extra="permalink: [x]\n"),
            "draft.md": post(extra="published: false\n"),
        },
    )
    report = tmp_path / "report.json"
    out = tmp_path / "out"
    args = ["build", str(src), "-o", str(out), "--site-url", URL, "--report", str(report)]
    assert main(args) == 0
    data = json.loads(report.read_text("utf-8"))
    assert data["ok"] is True and data["error"] is None
    assert (data["read"], data["published"], data["skipped"], data["drafts"]) == (5, 2, 2, 1)
    assert data["written"] == len(data["files"]["written"]) > 0
    assert data["unchanged"] == data["removed"] == 0
    problems = {(p["path"], p["severity"]): p for p in data["problems"]}
    assert set(problems) >= {("empty.md", "error"), ("bomb.md", "error"), ("typed.md", "warning")}
    for problem in data["problems"]:
        assert set(problem) == {"path", "field", "severity", "reason", "action"}
        assert problem["reason"] and problem["action"]
    assert problems[("empty.md", "error")]["reason"] == "the file is empty"
    assert problems[("typed.md", "warning")]["field"] == "permalink"
    assert main([*args, "--strict"]) == 1
    again = json.loads(report.read_text("utf-8"))
    assert again["written"] == 0 and again["unchanged"] == data["written"]
    capsys.readouterr()


def test_cli_report_of_a_failed_build_says_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A build that could not run still leaves a report a script can read."""
    report = tmp_path / "report.json"
    code = main(
        ["build", str(tmp_path / "missing"), "-o", str(tmp_path / "o"), "--report", str(report)]
    )
    assert code == 2
    data = json.loads(report.read_text("utf-8"))
    assert data["ok"] is False and "missing" in data["error"]
    assert "Traceback" not in capsys.readouterr().err


def test_absurdly_nested_html_is_flattened_and_keeps_its_text(tmp_path: Path) -> None:
    """Thousands of nested tags are cut at a sane depth (the sanitizer is quadratic in it)."""
    src = tmp_path / "src"
    deep = (
        "<div>" * 50_000 + "<p>deep <img src='https://example.com/d.jpg'></p>" + "</div>" * 50_000
    )
    write_posts(src, one(post(body="<p>top</p>" + deep)))
    # Above the default max_body_elements (20,000), which would cut before "deep".
    build = checked_build(tmp_path, src, Config(site_url=URL, limit=0, max_body_elements=60_000))
    article = build.article(NAME)
    assert isinstance(article, Article)
    assert "top" in article.content and "deep" in article.content
    root = lxml.html.fragment_fromstring(article.content, create_parent="div")
    depth = max(len(list(el.iterancestors())) for el in root.iter())
    assert depth <= MAX_DEPTH + 2


def test_atom_ids_are_uris_whatever_guid_a_post_claims(tmp_path: Path) -> None:
    """RFC 4287 wants a URI as entry id: `guid: abc 123` must not make the Atom feed invalid."""
    src = tmp_path / "src"
    guids = ["same", "abc 123", "C:\\x", "新闻-1", "tag:example.com,2021:x", "https://e.com/a"]
    for i, guid in enumerate(guids):
        write_posts(src, {f"g{i}.md": post(extra=f"guid: '{guid}'\n")})
    write_posts(src, {"z.md": post(extra="guid: same\n")})
    build = checked_build(tmp_path, src)
    atom = etree.parse(str(build.out / "atom.xml")).getroot()
    ids = [e.text or "" for e in atom.iter(f"{ATOM}id")]
    uri = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
    assert len(ids) == len(guids) + 2 and all(uri.fullmatch(i) for i in ids), ids
    assert "tag:example.com,2021:x" in ids and "https://e.com/a" in ids
    rss = etree.parse(str(build.out / "rss.xml")).getroot()
    assert "abc 123" in [g.text for g in rss.iter("guid")]  # RSS keeps the post's own id


def test_c1_control_characters_never_reach_readers(tmp_path: Path) -> None:
    """Mojibake controls (U+0080-U+009F) are dropped: feedparser would show them as cp1252."""
    src = tmp_path / "src"
    write_posts(src, one(post(title="a\x80b\x9fc", body="<p>x\x85y\x90z</p>")))
    build = checked_build(tmp_path, src)
    article = build.article(NAME)
    assert isinstance(article, Article)
    assert article.title == "abc" and "x\x85yz" in article.content
    entry = feedparser.parse((build.out / "rss.xml").read_bytes()).entries[0]
    assert entry.title == "abc"


# ---------------------------------------------------------------- file names that are not UTF-8


def test_gbk_file_names_are_published_cached_and_reported(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """GBK file names (as Chinese crawlers write them) were skipped with a
    UnicodeEncodeError, turned the cache off and crashed `--report` (issue 15 #13)."""
    src = tmp_path / "src"
    src.mkdir()
    gbk = "新闻标题".encode("gbk")
    names = {b"g-" + gbk + b".md": "guid: mine\n", b"d-" + gbk + b".md": "", gbk + b".md": ""}
    for name, extra in names.items():
        date = "2021-07-13" if name != gbk + b".md" else "Invalid Date"
        (src / os.fsdecode(name)).write_bytes(post(date=date, extra=extra).encode())
    out, report = tmp_path / "out", tmp_path / "report.json"
    args = ["build", str(src), "-o", str(out), "--site-url", URL, "--report", str(report)]
    with caplog.at_level("WARNING", logger="newsfeed"):
        assert main(args) == 0
        assert main(args) == 0  # from the cache
    assert not [r for r in caplog.records if "cache" in r.getMessage()]
    data = json.loads(report.read_text("utf-8"))
    assert (data["published"], data["skipped"], data["written"]) == (3, 0, 0)
    (problem,) = [p for p in data["problems"] if p["field"] == "date"]
    assert os.fsencode(problem["path"]) == gbk + b".md"
    rss = feedparser.parse((out / "rss.xml").read_bytes())
    quoted = "%E6%96%B0%E9%97%BB%E6%A0%87%E9%A2%98"  # 新闻标题 in UTF-8, percent-encoded
    assert sorted(e.link for e in rss.entries)[:2] == [
        f"{URL}2021/07/13/d-{quoted}/",
        f"{URL}2021/07/13/g-{quoted}/",
    ]
    assert "mine" in {e.id for e in rss.entries}
    capsys.readouterr()


# ---------------------------------------------------------------- files swapped after the scan

SWAP_AFTER_SCAN = """
import json, os, sys
from pathlib import Path
import newsfeed.build.stages as stages
from newsfeed import Config, publish

src, out, outside, kind = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], sys.argv[4]
real_scan = stages.scan_posts

def scan_then_swap(root, *args, **options):
    scanned = real_scan(root, *args, **options)
    if kind == "folder":  # sub/ becomes a link to a folder outside SRC
        os.rename(src / "sub", src / "moved")
        os.symlink(outside, src / "sub")
    else:
        os.unlink(src / "post.md")
        os.mkfifo(src / "post.md") if kind == "fifo" else os.symlink(outside, src / "post.md")
    return scanned

stages.scan_posts = scan_then_swap
report = publish(src, out, Config(site_url="http://localhost:8000/", limit=0, cache=False))
print(json.dumps([[p.path, p.severity, p.message] for p in report.problems]))
print(report.published)
"""


@pytest.mark.parametrize("kind", ["link", "fifo", "folder"])
def test_a_post_swapped_after_the_scan_is_refused(tmp_path: Path, kind: str) -> None:
    """A post swapped for a link out of SRC after the scan was published (bypassing the
    link rule), and one swapped for a FIFO hung the build forever holding OUT's lock
    (issue 15 #2). Run in a process of its own: a hang must fail, not stall the suite."""
    src, outside = tmp_path / "src", tmp_path / "secret"
    write_posts(src, {"post.md": post(), "sub/post.md": post(), "ok.md": post()})
    write_posts(outside, {"post.md": post(title="SECRET")})
    target = outside if kind == "folder" else outside / "post.md"
    result = subprocess.run(
        [sys.executable, "-c", SWAP_AFTER_SCAN, str(src), str(tmp_path / "out"), str(target), kind],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert result.returncode == 0, result.stderr
    problems, published = result.stdout.splitlines()
    swapped = "sub/post.md" if kind == "folder" else "post.md"
    reason = {"link": "symbolic link", "fifo": "not a regular file", "folder": "symbolic link"}
    (problem,) = [p for p in json.loads(problems) if p[0] == swapped]
    assert problem[1] == "error" and reason[kind] in problem[2], problem
    assert int(published) == 2
    assert b"SECRET" not in b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*.xml"))


def test_a_link_to_a_post_inside_src_is_still_read(tmp_path: Path) -> None:
    """Opening without following links must not refuse a post linked from inside SRC."""
    src = tmp_path / "src"
    write_posts(src, {"real/a.md": post(title="linked")})
    (src / "b.md").symlink_to(src / "real" / "a.md")
    (src / "c.md").symlink_to(Path("real") / "a.md")
    build = checked_build(tmp_path, src)
    assert build.report.published == 3 and not build.report.problems


def test_a_fifo_at_the_manifest_path_never_hangs_the_build(tmp_path: Path) -> None:
    """A FIFO planted at OUT's manifest hung every build holding OUT's lock (issue 15 #2)."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, {"a.md": post()})
    out.mkdir()
    os.mkfifo(out / ".newsfeed-manifest.json")
    code = (
        "import logging, sys; from newsfeed import publish; logging.basicConfig(); "
        "print(publish(sys.argv[1], sys.argv[2]).published)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(src), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    assert (result.returncode, result.stdout) == (0, "1\n"), result.stderr
    assert "ignoring unreadable manifest" in result.stderr
    assert json.loads((out / ".newsfeed-manifest.json").read_bytes())["files"]


# ---------------------------------------------------------------- what the scan takes and skips


def test_links_the_scan_skips_are_reported(tmp_path: Path) -> None:
    """Symlinked folders, links out of SRC and broken links were skipped in silence
    (issue 15 #16): a user could not tell why a post was missing."""
    src, outside = tmp_path / "src", tmp_path / "outside"
    write_posts(src, {"a.md": post(), "real/b.md": post()})
    write_posts(outside, {"c.md": post()})
    (src / "folder-link").symlink_to(outside)
    (src / "out-link.md").symlink_to(outside / "c.md")
    (src / "broken.md").symlink_to(src / "gone.md")
    (src / "inside.md").symlink_to(src / "a.md")
    (src / "image.png").symlink_to(src / "gone.png")  # not a post: nothing to say
    report = publish(src, tmp_path / "out", Config(site_url=URL))
    assert report.published == 3
    assert [(p.path, p.severity, p.message, p.action) for p in report.problems] == [
        ("broken.md", "warning", "a broken symbolic link", "skipped"),
        (
            "folder-link",
            "warning",
            "a symbolic link to a folder",
            "not entered: links to folders are not followed",
        ),
        ("out-link.md", "warning", "a symbolic link out of the source folder", "skipped"),
    ]
    assert load_articles(src, Config(site_url=URL)).problems == report.problems
    # A new broken link is seen by the next build, even though no post changed.
    (src / "broken2.md").symlink_to(src / "gone2.md")
    again = publish(src, tmp_path / "out", Config(site_url=URL))
    assert [p.path for p in again.problems] == [
        "broken.md",
        "broken2.md",
        "folder-link",
        "out-link.md",
    ]


def test_a_folder_that_cannot_be_listed_is_reported_and_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One unreadable subfolder failed the whole build with exit 2 (issue 15 #16)."""
    src = tmp_path / "src"
    write_posts(src, {"a.md": post(), "locked/b.md": post(), "locked/deeper/c.md": post()})
    real_scandir = os.scandir

    def scandir(path: str) -> object:
        if Path(path).name == "locked":  # root may read anything: refuse as a disk would
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr("newsfeed.sources.files.os.scandir", scandir)
    report = publish(src, tmp_path / "out", Config(site_url=URL))
    assert (report.read, report.published) == (1, 1)
    assert [(p.path, p.severity, p.message) for p in report.problems] == [
        ("locked", "warning", "the folder cannot be listed: Permission denied")
    ]


def test_out_inside_src_is_skipped_by_the_scan_and_v_says_what_was_read(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    """From the second build on, OUT inside SRC gave 41 of 50 items titled "index"
    (issue 15 #4); and -v says what was taken as a post, by suffix."""
    src = tmp_path / "src"
    write_posts(src, {"a.md": post(), "b.html": post(), "notes/c.txt": post()})
    args = ["build", str(src), "-o", str(src / "public"), "--site-url", URL, "-v"]
    with caplog.at_level("INFO", logger="newsfeed"):
        for _ in range(3):
            assert main([*args, "--no-cache"]) == 0
    taken = [r.getMessage() for r in caplog.records if r.getMessage().startswith("took")]
    assert taken == ["took 3 files as posts: 1 .html, 1 .md, 1 .txt"] * 3
    assert (src / "public" / "index.html").is_file()
    titles = [e.title for e in feedparser.parse((src / "public" / "rss.xml").read_bytes()).entries]
    assert titles == [TITLE] * 3
    capsys.readouterr()


# ---------------------------------------------------------------- edits that keep size and mtime


def _same_size_edit(path: Path, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` (as long) in the file and put its mtime back, as
    ``touch -r`` after an edit does."""
    assert len(old.encode()) == len(new.encode())
    info = path.stat()
    path.write_bytes(path.read_bytes().replace(old.encode(), new.encode()))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))


def _rsync_t(path: Path, old: str, new: str) -> None:
    """Replace the file by a new one (a new inode) of the same size and mtime, as
    ``rsync -t`` and ``tar x`` do."""
    info = path.stat()
    tmp = path.with_name(".tmp")
    tmp.write_bytes(path.read_bytes().replace(old.encode(), new.encode()))
    os.utime(tmp, ns=(info.st_atime_ns, info.st_mtime_ns))
    tmp.replace(path)


@pytest.mark.parametrize("edit", [_same_size_edit, _rsync_t], ids=["touch-r", "rsync-t"])
def test_an_edit_that_keeps_size_and_mtime_is_published(tmp_path: Path, edit: object) -> None:
    """Edits by `touch -r`, `rsync -t` or `tar x` were never republished (issue 15 #21):
    the inode and the ctime are part of what says a file is unchanged."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, {"a.md": post(title="first"), "b.md": post(title="other")})
    config = Config(site_url=URL)
    publish(src, out, config)
    assert callable(edit)
    edit(src / "a.md", "first", "after")
    publish(src, out, config)
    titles = {e.title for e in feedparser.parse((out / "rss.xml").read_bytes()).entries}
    assert titles == {"after", "other"}


def test_an_edit_within_one_clock_tick_is_seen(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Git's racy-clean rule: a file changed just before a scan may change again within
    the same tick of the file system's clock, leaving every stat() field as it was; such
    a file is hashed again (the clock is frozen here by giving the scan the old stats)."""
    import newsfeed.build.stages as stages

    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, {"a.md": post(title="first"), "b.md": post(title="other")})
    config = Config(site_url=URL)
    first = stages.scan_posts(src)
    frozen = {f.source: f for f in first.files}
    real_scan = stages.scan_posts

    def coarse_clock_scan(root: Path, *args: object, **options: object) -> object:
        scanned = real_scan(root, *args, **options)  # type: ignore[arg-type]
        files = [frozen[f.source]._replace(path=f.path) for f in scanned.files]
        return scanned._replace(files=files)

    monkeypatch.setattr(stages, "scan_posts", coarse_clock_scan)
    publish(src, out, config)
    _same_size_edit(src / "a.md", "first", "after")
    publish(src, out, config)  # every stat() field as before: only the rule sees it
    titles = {e.title for e in feedparser.parse((out / "rss.xml").read_bytes()).entries}
    assert titles == {"after", "other"}
    # Once a file is older than the rule's window, its stat() is trusted again.
    changed = max(frozen["a.md"].mtime_ns, frozen["a.md"].ctime_ns)
    assert not racy(frozen["a.md"], changed + RACY_NS + 1)
    assert racy(frozen["a.md"], changed + RACY_NS)


# ---------------------------------------------------------------- in worker processes

#: Hostile posts built among enough neighbours that both phases run in worker processes:
#: name -> (bytes, "skipped" / "published" / "either", the reason when skipped). "either"
#: marks what other findings of issue 15 decide (#13 names, #14 long numbers).
POOL_TRIGGERS: dict[str, tuple[bytes, str, str]] = {
    # issue 15 #1: each of these killed the whole build from a worker
    "del.md": (b"\x7f", "skipped", "the file is empty"),
    "updated-4301-digits.md": (post(extra=f"updated: {'9' * 4301}\n").encode(), "either", ""),
    os.fsdecode("你好.md".encode("gbk")): (post(extra="guid: abc\n").encode(), "either", ""),
    # issue 15 #9: an empty front matter and no body is an empty file
    "empty-front-matter.md": (b"---\n---\n", "skipped", "the file is empty"),
    "empty-json-front-matter.md": (b";;;\n;;;\n", "skipped", "the file is empty"),
    "empty-front-matter-blank-body.md": (
        b"\n---\n---\n \t\n\x7f\r\n",
        "skipped",
        "the file is empty",
    ),
    # more of the same kind
    "c1-controls-only.md": ("\x80\x9f\n\x7f".encode(), "skipped", "the file is empty"),
    "nul-only.md": (b"\x00" * 64, "skipped", "the file is empty"),
    "date-5000-digits.md": (post(date="9" * 5000).encode(), "either", ""),
    "guid-lone-surrogate.md": (post(extra='guid: "\\ud800x"\n').encode(), "either", ""),
    os.fsdecode(b"\xff\xfe-bad-utf8.md"): (post(extra="guid: xyz\n").encode(), "either", ""),
    "empty-front-matter-with-body.md": (b"---\n---\n<p>only a body</p>\n", "published", ""),
}


def test_hostile_posts_in_worker_processes_never_lose_the_build(tmp_path: Path) -> None:
    """Posts that once killed a worker (and so the whole build) are published or skipped
    with a reason, and every neighbour is published."""
    src = tmp_path / "src"
    good = {f"n{i:03d}.md": post(title=f"neighbour {i}") for i in range(250)}
    write_posts(src, {**good, **{name: data for name, (data, _, _) in POOL_TRIGGERS.items()}})
    build = checked_build(tmp_path, src, Config(site_url=URL, limit=0, jobs=2))
    published = {a.source for a in build.load.articles}
    assert set(good) <= published
    for name, (_, expect, reason) in POOL_TRIGGERS.items():
        skipped = build.skipped(name)
        if expect == "skipped":
            assert skipped == reason, (name, skipped)
        elif expect == "published":
            assert skipped is None and name in published, (name, skipped)
        else:
            assert (name in published) != (skipped is not None), name


def test_posts_rewritten_during_the_build_never_lose_it(tmp_path: Path) -> None:
    """A crawler that rewrites, empties or deletes posts between the two phases (in
    worker processes) costs those posts at most; every other one is published."""
    src, out = tmp_path / "src", tmp_path / "out"
    good = {f"n{i:03d}.md": post(title=f"neighbour {i}") for i in range(250)}
    write_posts(src, good)

    def crawler() -> None:
        (src / "n001.md").write_bytes(b"")
        (src / "n002.md").write_bytes(b"\x7f\x00")
        (src / "n003.md").unlink()
        (src / "n004.md").unlink()
        (src / "n004.md").mkdir()
        (src / "n005.md").write_text(post(title="neighbour 5", body="<p>rewritten</p>"))
        (src / "n006.md").write_text("---\ntitle: [unclosed\n---\nbody")

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "read" and done == total:
            crawler()

    report = publish(src, out, Config(site_url=URL, limit=0, jobs=2), progress=progress)
    reasons = {p.path: p.message for p in report.skipped}
    assert report.read == 250 and report.published == 250 - len(reasons)
    assert set(reasons) == {"n001.md", "n002.md", "n003.md", "n004.md"}, reasons
    assert reasons["n001.md"] == reasons["n002.md"] == "the file is empty"
    assert "cannot read" in reasons["n003.md"] and "cannot read" in reasons["n004.md"]
    entries = feedparser.parse((out / "rss.xml").read_bytes()).entries
    assert len(entries) == report.published
    (rewritten,) = [e for e in entries if e.title == "neighbour 5"]
    assert "rewritten" in rewritten.description


# ---------------------------------------------------------------- the cache (issue 15 #3)


def test_a_build_waiting_for_the_lock_opens_no_cache(tmp_path: Path) -> None:
    """While another build holds OUT, a second one touches nothing in it, the cache
    included: the cache is opened only once OUT's lock is held."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, one(post()))
    with lock_out(out), pytest.raises(SiteError, match="another build"):
        publish(src, out, Config(site_url=URL), lock_wait=0)
    assert sorted(p.name for p in out.iterdir()) == [LOCK_NAME]


def _foreign_database(path: Path) -> bytes:
    """Another application's SQLite database (rollback journal, its own application id)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 1234")
    db.execute("CREATE TABLE accounts (name TEXT, balance INTEGER)")
    db.execute("INSERT INTO accounts VALUES ('alice', 100)")
    db.commit()
    db.close()
    return path.read_bytes()


def _cache_build(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, plant: Callable[[Path], None]
) -> str:
    """Build once with ``plant(cache path)`` done first; assert the feeds are those of a
    build without any cache; return the cache warnings."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, {f"p{i}.md": post(title=f"t{i}") for i in range(3)})
    publish(src, tmp_path / "ref", Config(site_url=URL, cache=False))
    out.mkdir()
    plant(out / CACHE_NAME)
    with caplog.at_level(logging.WARNING, logger="newsfeed"):
        publish(src, out, Config(site_url=URL))
    for name in ("rss.xml", "atom.xml", "feed.json", "index.html"):
        assert (out / name).read_bytes() == (tmp_path / "ref" / name).read_bytes()
    return "\n".join(r.getMessage() for r in caplog.records if "build cache" in r.getMessage())


def test_a_symlinked_cache_creates_no_database_elsewhere(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A link planted at the cache's path never makes newsfeed create a file where it
    points: the build goes on without the cache and says why."""
    target = tmp_path / "elsewhere" / "planted.sqlite"
    target.parent.mkdir()
    warnings = _cache_build(tmp_path, caplog, lambda cache: cache.symlink_to(target))
    assert "is a symbolic link" in warnings and "left alone" in warnings
    assert list(target.parent.iterdir()) == []
    assert (tmp_path / "out" / CACHE_NAME).readlink() == target


def test_a_symlinked_cache_never_changes_the_database_it_points_to(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Another application's database behind a planted link keeps every byte and gets
    no WAL or other companion file."""
    target = tmp_path / "app" / "data.sqlite"
    before = _foreign_database(target)
    warnings = _cache_build(tmp_path, caplog, lambda cache: cache.symlink_to(target))
    assert "is a symbolic link" in warnings
    assert target.read_bytes() == before and sorted(target.parent.iterdir()) == [target]


def test_a_foreign_database_at_the_cache_path_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A real SQLite database of another application at the cache's path is recognised
    by its header before it is opened: never switched to WAL, rebuilt or deleted."""
    saved: list[bytes] = []
    warnings = _cache_build(tmp_path, caplog, lambda cache: saved.append(_foreign_database(cache)))
    assert "SQLite database of another application" in warnings
    cache = tmp_path / "out" / CACHE_NAME
    assert cache.read_bytes() == saved[0]
    assert not [p for p in cache.parent.iterdir() if p.name.startswith(f"{CACHE_NAME}-")]


@pytest.mark.parametrize("kind", ["fifo", "folder", "wal-link", "shm-fifo"])
def test_a_cache_path_that_is_not_a_file_is_refused_without_waiting(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, kind: str
) -> None:
    """A FIFO or a folder at the cache's path, or a link or FIFO where SQLite keeps its
    WAL and shared memory, is reported and left alone; the build never blocks on it."""
    target = tmp_path / "victim"

    def plant(cache: Path) -> None:
        if kind == "fifo":
            os.mkfifo(cache)
        elif kind == "folder":
            cache.mkdir()
        elif kind == "wal-link":
            Path(f"{cache}-wal").symlink_to(target)
        else:
            os.mkfifo(f"{cache}-shm")

    warnings = _cache_build(tmp_path, caplog, plant)
    expected = "is a symbolic link" if kind == "wal-link" else "is not a regular file"
    assert expected in warnings and "building without it" in warnings, warnings
    assert not target.exists()


def test_a_cache_of_an_older_newsfeed_is_still_recognised_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Caches written before the application id (0 in the header) are told from other
    databases by their own table, and rebuilt, not refused forever."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, one(post()))
    publish(src, out, Config(site_url=URL))
    db = sqlite3.connect(out / CACHE_NAME)
    db.execute("PRAGMA application_id = 0")
    db.execute("UPDATE info SET value = '3' WHERE key = 'schema'")
    db.commit()
    db.close()
    assert (out / CACHE_NAME).read_bytes()[68:72] == bytes(4)
    with caplog.at_level(logging.WARNING, logger="newsfeed"):
        publish(src, out, Config(site_url=URL))
    assert "has schema version '3'" in caplog.text
    header = (out / CACHE_NAME).read_bytes()[:100]
    assert header[68:72] == b"nfsc"


@pytest.mark.parametrize(
    ("old", "forged"),
    [
        ("<p>", "<script>alert(1)</script><p onclick='alert(2)'>"),
        ("https://example.com/", "javascript:alert(1)//"),
        ("<p>", "<iframe src='https://evil.example/'></iframe><p>"),
    ],
)
def test_markup_forged_in_a_cache_row_never_reaches_the_output(
    tmp_path: Path, old: str, forged: str
) -> None:
    """A cache someone else can write (a shared cache_path) cannot inject a script, a
    handler, an iframe or a javascript: URL: a cached body that is not what newsfeed
    writes is cleaned again from its post."""
    src, out = tmp_path / "src", tmp_path / "out"
    body = "<p>lead</p>\n<!-- more -->\n<p>text <img src='https://example.com/a.jpg'></p>\n"
    write_posts(src, {f"p{i}.html": post(title=f"t{i}", body=body) for i in range(3)})
    publish(src, tmp_path / "ref", Config(site_url=URL, cache=False))
    publish(src, out, Config(site_url=URL))
    db = sqlite3.connect(out / CACHE_NAME)
    rows = db.execute("SELECT source, post FROM bodies").fetchall()
    assert len(rows) == 3 and all(old in row for _, row in rows)
    for source, row in rows:
        db.execute(
            "UPDATE bodies SET post = ? WHERE source = ?", (row.replace(old, forged), source)
        )
    db.execute("DELETE FROM feeds")  # every document is rendered again
    db.execute("DELETE FROM state")
    db.commit()
    db.close()
    publish(src, out, Config(site_url=URL))
    for path in (tmp_path / "ref").rglob("*"):
        if path.is_file() and not path.name.startswith("."):
            data = (out / path.relative_to(tmp_path / "ref")).read_bytes()
            assert data == path.read_bytes(), path
            assert b"alert(" not in data and b"evil.example" not in data


# ---------------------------------------------------------------- the output folder (issue 15)


def test_stale_files_another_program_rewrote_are_left_alone(tmp_path: Path) -> None:
    """Build with pages, let `hexo generate` rewrite some of them, build without pages:
    Hexo's pages stay as Hexo wrote them (reported, dropped from the manifest); the
    pages nobody touched are removed."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, {"a.md": post(extra="categories: [news]\ntags: [t]\n")})
    publish(src, out, Config(site_url=URL))
    hexo = {"index.html": b"<html>Hexo's home</html>", "categories/news/index.html": b"Hexo"}
    for relpath, data in hexo.items():
        (out / relpath).write_bytes(data)
    report = publish(src, out, Config(site_url=URL, pages=False))
    assert {(p.path, p.severity) for p in report.problems} == {
        (str(out.resolve() / relpath), "warning") for relpath in hexo
    }
    assert all("changed by another program" in p.message for p in report.problems)
    for relpath, data in hexo.items():
        assert (out / relpath).read_bytes() == data
    # The pages nobody touched: the article's and the tag's.
    assert report.removed == ("2021/07/13/a/index.html", "tags/t/index.html")
    manifest = json.loads((out / MANIFEST_NAME).read_text("utf-8"))["files"]
    assert not [name for name in manifest if name.endswith(".html")]
    again = publish(src, out, Config(site_url=URL, pages=False))
    assert again.problems == () and again.removed == ()


def test_a_file_newsfeed_did_not_write_is_never_overwritten(tmp_path: Path) -> None:
    """Where another program's file stands at one of newsfeed's paths (Hexo's own
    atom.xml), it is reported and left as it is, build after build, until it is
    deleted; the rest of the site is written."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, one(post()))
    out.mkdir()
    (out / "atom.xml").write_bytes(b"<feed>hexo-generator-feed</feed>")
    for _ in range(2):
        report = publish(src, out, Config(site_url=URL))
        (problem,) = report.problems
        assert (problem.path, problem.message) == (
            str(out.resolve() / "atom.xml"),
            "not written by newsfeed",
        )
        assert problem.action.startswith("left alone, not updated")
        assert (out / "atom.xml").read_bytes() == b"<feed>hexo-generator-feed</feed>"
        assert (out / "rss.xml").is_file() and "atom.xml" not in report.written
    (out / "atom.xml").unlink()
    report = publish(src, out, Config(site_url=URL))
    assert report.problems == () and report.written == ("atom.xml",)
    assert b"hexo-generator-feed" not in (out / "atom.xml").read_bytes()


def test_out_equal_to_src_is_refused_and_no_post_is_touched(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`newsfeed build posts -o posts` would write the site index over a post named
    index.html: it is refused in one line, exit 2, and the folder stays as it was."""
    src = tmp_path / "posts"
    write_posts(src, {"index.html": post(title="a post named index"), "b.md": post()})
    before = snapshot(src)
    code = main(["build", str(src), "-o", str(src / "." / "sub" / ".."), "-q"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is the source folder" in err, err
    assert snapshot(src) == before


def test_out_inside_src_is_never_read_as_posts(tmp_path: Path) -> None:
    """With OUT inside SRC, newsfeed's own pages are not read back as posts on the
    next build (they were: 41 of 50 items titled "index")."""
    src = tmp_path / "src"
    write_posts(src, {f"p{i}.md": post(title=f"story {i}", extra="tags: [t]\n") for i in range(5)})
    out = src / "public"
    first = publish(src, out, Config(site_url=URL, limit=0))
    second = publish(src, out, Config(site_url=URL, limit=0))
    assert first.read == second.read == second.published == 5
    titles = [e.title for e in feedparser.parse((out / "rss.xml").read_bytes()).entries]
    assert sorted(titles) == [f"story {i}" for i in range(5)]


# ---------------------------------------------------------------- a site never wiped (issue 15 #6)


def _site(out: Path) -> dict[str, bytes]:
    """The published files of OUT (not the lock, the cache or the manifest)."""
    return {k: v for k, v in snapshot(out).items() if not k.startswith(".newsfeed")}


def _many_categories(src: Path, count: int = 30) -> None:
    write_posts(src, {f"p{i}.md": post(extra=f"categories: [c{i}]\n") for i in range(count)})


@pytest.mark.parametrize("empty", ["no file", "only drafts", "only broken posts"])
def test_a_source_with_nothing_to_publish_never_wipes_the_site(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], empty: str
) -> None:
    """An emptied, unmounted or broken source folder stops the build (exit 1, one line
    that says why and how to go ahead) instead of publishing an empty site."""
    src, out = tmp_path / "src", tmp_path / "out"
    _many_categories(src)
    assert main(["build", str(src), "-o", str(out), "-q"]) == 0
    before = _site(out)
    for path in src.iterdir():
        if empty == "no file":
            path.unlink()
        elif empty == "only drafts":
            path.write_text(post(extra="published: false\n"))
        else:
            path.write_bytes(b"\x00\x7f")
    capsys.readouterr()
    assert main(["build", str(src), "-o", str(out), "-q"]) == 1
    err = capsys.readouterr().err.splitlines()
    assert "no post to publish" in err[-1] and "--allow-shrink" in err[-1], err
    assert _site(out) == before
    assert main(["build", str(src), "-o", str(out), "-q", "--allow-shrink"]) == 0
    assert not (out / "categories").exists() and (out / "rss.xml").is_file()


def test_a_first_build_of_an_empty_folder_writes_no_site(tmp_path: Path) -> None:
    """Even into an empty OUT (a fresh CI checkout whose posts are missing), an empty
    build is refused: deployed, it would wipe the live site."""
    (tmp_path / "src").mkdir()
    with pytest.raises(SiteError, match="no post to publish"):
        publish(tmp_path / "src", tmp_path / "out", Config(site_url=URL))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [CACHE_NAME, LOCK_NAME]
    report = publish(tmp_path / "src", tmp_path / "out", Config(site_url=URL), allow_shrink=True)
    assert report.published == 0 and "rss.xml" in report.written


def test_a_build_that_would_remove_most_of_the_site_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Pointed at the wrong folder (one post where there were thirty categories), the
    build stops before removing most feeds; --allow-shrink lets it go ahead."""
    src, wrong, out = tmp_path / "src", tmp_path / "wrong", tmp_path / "out"
    _many_categories(src)
    write_posts(wrong, one(post()))
    publish(src, out, Config(site_url=URL))
    before = _site(out)
    with pytest.raises(SiteError, match=r"would remove 1[0-9]{2} of the 1[0-9]{2} files"):
        publish(wrong, out, Config(site_url=URL))
    assert _site(out) == before
    assert main(["build", str(wrong), "-o", str(out), "-q"]) == 1
    assert "--allow-shrink" in capsys.readouterr().err
    assert _site(out) == before
    report = publish(wrong, out, Config(site_url=URL), allow_shrink=True)
    assert report.published == 1 and len(report.removed) > 100


def test_moving_every_feed_or_dropping_a_few_is_not_a_wipe(tmp_path: Path) -> None:
    """The guard is about a shrinking site: feeds that move (another category_dir) or a
    few categories that go need no flag."""
    src, out = tmp_path / "src", tmp_path / "out"
    _many_categories(src)
    publish(src, out, Config(site_url=URL))
    moved = publish(src, out, Config(site_url=URL, category_dir="sections"))
    assert len(moved.removed) > 100
    for name in ["p0.md", "p1.md", "p2.md"]:
        (src / name).unlink()
    fewer = publish(src, out, Config(site_url=URL, category_dir="sections"))
    assert len(fewer.removed) == 3 * 4 + 3 and fewer.published == 27  # feeds, pages


def test_a_hexo_folder_without_posts_is_an_error_not_a_posts_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`newsfeed build site` where site has _config.yml but no source/_posts (not
    generated yet, a typo in source_dir) says so, exit 2; nothing goes to ./public."""
    site = tmp_path / "site"
    write_posts(site, {"_config.yml": "title: My blog\nurl: https://example.com\n"})
    write_posts(site, {"source/about/index.md": post()})
    monkeypatch.chdir(tmp_path)
    assert main(["build", str(site), "-q"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "_config.yml but no source/_posts" in err, err
    assert not (tmp_path / "public").exists()


# ---------------------------------------------------------------- --strict (issue 15 #22)


def test_strict_with_a_problem_writes_nothing_and_says_why_even_quiet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Under --strict a problem leaves the old site exactly as it was (bytes and times),
    prints why in one line even with -q, exits 1, and the report says "ok": false."""
    src, out, report = tmp_path / "src", tmp_path / "out", tmp_path / "report.json"
    write_posts(src, {"good.md": post(extra="categories: [a]\n")})
    assert main(["build", str(src), "-o", str(out), "-q", "--strict"]) == 0
    times = {name: (out / name).stat().st_mtime_ns for name in _site(out)}
    before = _site(out)
    write_posts(src, {"new.md": post(title="new", extra="categories: [b]\n")})
    write_posts(src, {"bad.md": b"\x00"})
    capsys.readouterr()
    args = ["build", str(src), "-o", str(out), "-q", "--strict", "--report", str(report)]
    assert main(args) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert lines[-1] == (
        f"newsfeed: error: --strict: 1 problem, so nothing was written ({out} is as it was)"
    )
    assert _site(out) == before  # the cache may have learnt the new posts, no more
    assert {name: (out / name).stat().st_mtime_ns for name in before} == times
    data = json.loads(report.read_text("utf-8"))
    assert data["ok"] is False and data["error"] == lines[-1].removeprefix("newsfeed: error: ")
    assert [p["path"] for p in data["problems"]] == ["bad.md"] and data["written"] == 0
    # Without --strict the same sources publish, the refused build left no trace.
    assert main(["build", str(src), "-o", str(out), "-q"]) == 0
    assert (out / "categories" / "b" / "rss.xml").is_file()


def test_strict_without_problems_succeeds(tmp_path: Path) -> None:
    """--strict on clean posts is an ordinary build: exit 0 and "ok": true."""
    src, out, report = tmp_path / "src", tmp_path / "out", tmp_path / "report.json"
    write_posts(src, one(post()))
    args = ["build", str(src), "-o", str(out), "-q", "--strict", "--report", str(report)]
    assert main(args) == 0
    data = json.loads(report.read_text("utf-8"))
    assert data["ok"] is True and data["error"] is None and data["written"] > 0


def test_strict_publish_in_the_library_writes_nothing(tmp_path: Path) -> None:
    """publish(strict=True) with a problem returns the problems and writes no file."""
    src, out = tmp_path / "src", tmp_path / "out"
    write_posts(src, {"good.md": post(), "bad.md": b"\x00"})
    report = publish(src, out, Config(site_url=URL), strict=True)
    assert [p.path for p in report.problems] == ["bad.md"] and report.published == 1
    assert (report.written, report.unchanged, report.removed) == ((), (), ())
    assert [p.name for p in out.iterdir() if not p.name.startswith(".newsfeed-cache")] == [
        LOCK_NAME
    ]
