"""The crawled posts (``.md`` files whose bodies are HTML) publish what they published
before Markdown rendering: the same visible text, the same images, in order.

``tests/data/visible-baseline.json`` is what readers saw then, per article of the seed,
of tests/data/posts, of the repository's own corpus (tests/data/corpus) and of the real
corpus (../shared/corpus/real): it was written once by ``tests/data/visible_baseline.py``
run on the code before Markdown rendering (its docstring says how), never by the code
under test.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import OWN_CORPUS
from newsfeed import Config, load_articles
from newsfeed.normalize.text import html_to_text

DATA = Path(__file__).resolve().parent / "data"
BASELINE: dict[str, dict[str, object]] = json.loads(
    (DATA / "visible-baseline.json").read_text("utf-8")
)
CONFIG = Config(site_url="https://example.org/blog/", limit=0, jobs=1)


def _seen(name: str, folder: Path) -> dict[str, dict[str, object]]:
    return {
        f"{name}/{article.source}": {
            "text": html_to_text(article.content),
            "images": [image.url for image in article.images],
        }
        for article in load_articles(folder, CONFIG).articles
    }


def _expected(name: str) -> dict[str, dict[str, object]]:
    return {key: value for key, value in BASELINE.items() if key.startswith(name + "/")}


def test_the_baseline_covers_every_kind_of_post() -> None:
    """The comparison is over real posts: the seed, the shaped posts and the corpus."""
    names = {key.split("/", 1)[0] for key in BASELINE}
    assert names == {"seeds", "posts", "corpus", "own"}
    assert sum(key.endswith(".md") for key in BASELINE) >= 45


def test_seed_and_shaped_posts_show_what_they_showed(seeds_dir: Path) -> None:
    """The seed (HTML) and the corpus-shaped .md posts lose no word and no image."""
    assert _seen("seeds", seeds_dir) == _expected("seeds")
    assert _seen("posts", DATA / "posts") == _expected("posts")


def test_real_crawled_posts_show_what_they_showed(corpus_dir: Path) -> None:
    """Every crawled .md post (indented HTML, comments, styles, boilerplate) reads the
    same as a Markdown post as it did as HTML: text and images."""
    name = "own" if corpus_dir == OWN_CORPUS else "corpus"
    seen = _seen(name, corpus_dir)
    expected = _expected(name)
    assert sorted(seen) == sorted(expected)
    for key, value in expected.items():
        assert seen[key]["images"] == value["images"], key
        assert seen[key]["text"] == value["text"], key


@pytest.mark.parametrize("name", ["a.md", "a.html"])
def test_indented_html_reads_the_same_in_both_languages(tmp_path: Path, name: str) -> None:
    """The crawler's shape (HTML indented after blank lines) gives one text either way."""
    body = (
        "<div>\n<p>原标题：测试</p>\n\n            <!-- 文末二维码 start -->\n"
        "            <style>\n.a&#123;color:red&#125;\n            </style>\n"
        '            <div class="appendQr_wrap"><img src="https://n.sinaimg.cn/q.png"></div>\n'
        '\n             <a href="https://example.com/x">链接</a>\n</div>\n'
    )
    (tmp_path / name).write_text(f"---\ntitle: t\ndate: 2021-07-13\n---\n{body}", "utf-8")
    (article,) = load_articles(tmp_path, CONFIG).articles
    assert html_to_text(article.content) == "原标题：测试 链接"
