"""Write ``visible-baseline.json``: what readers saw of the HTML posts before Markdown.

Run once with the code from before Markdown rendering, from the repository root, with
../shared beside it: the seed, tests/data/posts and the real corpus were recorded with
c3bca0b (the commit this file was added on top of), the repository's own corpus
(tests/data/corpus, which came later) with 7d82075 (main before Markdown was merged):

    git worktree add /tmp/before c3bca0b     # or 7d82075, for the own corpus
    PYTHONPATH=/tmp/before/src python tests/data/visible_baseline.py [NAME...]

For every article of those folders (or of the folders NAMEd: seeds, posts, corpus,
own) it records the visible text of the published content and the URLs of its body
images, in order, into visible-baseline.json (other entries are kept).
tests/test_markdown_corpus.py compares today's output with it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from newsfeed import Config, load_articles
from newsfeed.normalize.text import html_to_text

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
FOLDERS = {
    "seeds": ROOT / "seeds",
    "posts": HERE / "posts",
    "corpus": ROOT.parent / "shared" / "corpus" / "real",
    "own": HERE / "corpus",
}
CONFIG = Config(site_url="https://example.org/blog/", limit=0, jobs=1)


def main(names: list[str]) -> None:
    target = HERE / "visible-baseline.json"
    baseline: dict[str, dict[str, object]] = {}
    if names and target.is_file():
        baseline = json.loads(target.read_text("utf-8"))
    for name, folder in FOLDERS.items():
        if names and name not in names:
            continue
        for article in load_articles(folder, CONFIG).articles:
            baseline[f"{name}/{article.source}"] = {
                "text": html_to_text(article.content),
                "images": [image.url for image in article.images],
            }
    text = json.dumps(baseline, ensure_ascii=False, indent=1, sort_keys=True)
    target.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
