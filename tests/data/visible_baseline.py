"""Write ``visible-baseline.json``: what readers saw of the HTML posts before Markdown.

Run once with the code from before Markdown rendering (the commit this file was added
on top of, c3bca0b), from the repository root, with ../shared beside it:

    git worktree add /tmp/before c3bca0b
    PYTHONPATH=/tmp/before/src python tests/data/visible_baseline.py

For every article of the seed, of tests/data/posts and of the real corpus it records
the visible text of the published content and the URLs of its body images, in order.
tests/test_markdown_corpus.py compares today's output with it.
"""

from __future__ import annotations

import json
from pathlib import Path

from newsfeed import Config, load_articles
from newsfeed.normalize.text import html_to_text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FOLDERS = {
    "seeds": ROOT / "seeds",
    "posts": HERE / "posts",
    "corpus": ROOT.parent / "shared" / "corpus" / "real",
}
CONFIG = Config(site_url="https://example.org/blog/", limit=0, jobs=1)


def main() -> None:
    baseline: dict[str, dict[str, object]] = {}
    for name, folder in FOLDERS.items():
        for article in load_articles(folder, CONFIG).articles:
            baseline[f"{name}/{article.source}"] = {
                "text": html_to_text(article.content),
                "images": [image.url for image in article.images],
            }
    text = json.dumps(baseline, ensure_ascii=False, indent=1, sort_keys=True)
    (HERE / "visible-baseline.json").write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
