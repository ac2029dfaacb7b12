"""Where one build spends its time: ``newsfeed.publish`` under cProfile, in this process.

    python benchmarks/hotspots.py CASE SOURCE OUT [--jobs N] [--top 25] [--save FILE]

CASE is ``cold`` (OUT emptied first), ``warm`` (a build first, not profiled, then the
profiled one with nothing changed) or ``plus1`` (a build first, then one new post,
the newest, added under SOURCE/added, as ``run.py`` does; removed afterwards). The
build uses the default configuration and ``--jobs`` (default 1: every stage in this
process, so the profile sees all the work; with more, only the main process is
profiled, the workers' share shows as waiting). Prints the functions with the most
time of their own and the most cumulative time; ``--save`` keeps the raw profile
for ``python -m pstats`` or snakeviz. For start-up and imports, which a profile of
``publish`` leaves out, use ``python -X importtime -m newsfeed build SOURCE -o OUT -q``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import shutil
import sys
import time
from pathlib import Path

import newsfeed

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (the generator beside this file)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", choices=("cold", "warm", "plus1"))
    parser.add_argument("source", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", type=Path)
    args = parser.parse_args()
    config = newsfeed.Config(jobs=args.jobs)
    added = args.source / "added"
    shutil.rmtree(added, ignore_errors=True)
    if args.case == "cold":
        shutil.rmtree(args.out, ignore_errors=True)
    else:
        newsfeed.publish(args.source, args.out, config)
    if args.case == "plus1":
        posts = sum(1 for _ in args.source.rglob("*.md"))
        corpus.generate(added, 1, start=posts, newest=True, variant="names")
    profile = cProfile.Profile()
    start = time.perf_counter()
    try:
        report = profile.runcall(newsfeed.publish, args.source, args.out, config)
    finally:
        shutil.rmtree(added, ignore_errors=True)
    seconds = time.perf_counter() - start
    print(f"{args.case}: {seconds:.2f} s (profiled), {len(report.written)} files written")
    if args.save:
        profile.dump_stats(args.save)
    for order in ("tottime", "cumulative"):
        text = io.StringIO()
        pstats.Stats(profile, stream=text).sort_stats(order).print_stats(args.top)
        table = text.getvalue()
        print(table[table.index("   ncalls") :].rstrip() + "\n")  # without the totals


if __name__ == "__main__":
    main()
