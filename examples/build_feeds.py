"""Build the feeds of the project's `seeds/` folder into `./public` and list what was written.

Run from the repository root:  python examples/build_feeds.py
Then serve them:               python -m http.server -d public 8000
and subscribe to http://localhost:8000/rss.xml (or any feed under categories/).
"""

from __future__ import annotations

from pathlib import Path

import newsfeed

HERE = Path(__file__).resolve().parent
SEEDS = HERE.parent / "seeds"
OUT = Path("public")

config = newsfeed.Config(site_url="http://localhost:8000/", site_title="newsfeed demo")
report = newsfeed.publish(SEEDS, OUT, config)

print(f"read {report.read} posts, published {report.published}, skipped {len(report.skipped)}")
for problem in report.problems:
    print(f"  {problem.severity}: {problem}")
for path in report.written:
    print(f"  wrote     {OUT / path}")
for path in report.unchanged:
    print(f"  unchanged {OUT / path}")
for path in report.removed:
    print(f"  removed   {OUT / path}")
