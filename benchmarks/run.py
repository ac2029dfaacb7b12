"""Time newsfeed against Hugo and the naive baseline on generated corpora, 1k to 1M posts.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--repeat 5] [--big-repeat 3]
                             [--work DIR] [--results FILE]
    python benchmarks/run.py --sizes 1000000 --big-repeat 1 --work /work/bench-data
    python benchmarks/run.py --plot [RESULTS.json ...]   # redraw benchmarks/scaling.svg

Every measure is a whole process, timed from start to exit, with its peak resident
memory (the largest process of its tree, from ``wait4``) and its CPU time (user and
system, of the process and the workers it waited for). For each size:

- ``naive``: the baseline of ``benchmarks/naive.py`` (every body through BeautifulSoup);
- ``hugo``: Hugo (``hugo`` on PATH) on the feed-only site of ``../shared/bench/hugo-site``,
  fresh each time (``cp -r hugo-site site; cp -al CORPUS site/content/posts``);
- ``cold``: ``python -m newsfeed build`` into an empty output folder (no cache);
- ``warm``: newsfeed again, nothing changed;
- ``+1 post``: newsfeed after one new post was added (the newest, as a crawler adds);
- with ``--pages``, ``no pages``: newsfeed cold with ``pages = false``, taking turns
  with ``cold``, instead of the baselines.

The baselines and ``cold`` take turns (naive, hugo, cold, naive, hugo, cold...), so
that the builds of a ratio see the same moments of a machine whose speed drifts. Above
``--baselines-up-to`` posts (100k) neither Hugo (about 40 GB of memory at 1M) nor the
naive baseline runs. Hugo reads a flat ``categories: [a, b]`` as two sibling
categories, Hexo and newsfeed as one nested path: so newsfeed and the baseline read
the corpus variant ``names`` (``[[a], [b]]``) and Hugo the variant ``hugo``, the same
posts and bodies (``benchmarks/corpus.py``), and the run checks that both tools wrote
the same category feeds. Prints a Markdown table (medians, the ratio of each build's
time to Hugo's and the speed-up over the baseline, both also per pair of the same
round, peak RSS, CPU, the load average before each run) and saves every run in a
JSON file that ``--plot`` draws. Child processes run without
``PYTHONDONTWRITEBYTECODE``, as a user's would: each reads its cached bytecode.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (the generator beside this file)

HUGO_SITE = HERE.parent.parent / "shared" / "bench" / "hugo-site"
#: Bytes on disk per generated post, file system blocks included (about 13 GB at 1M).
DISK_PER_POST = 13_500
#: Child processes read their bytecode from __pycache__ and write it when missing.
CHILD_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Measure:
    size: int
    build: str
    seconds: list[float] = field(default_factory=list)
    peaks: list[float] = field(default_factory=list)  # MB, the largest process of the tree
    cpu: list[float] = field(default_factory=list)  # user + system, the process tree
    loads: list[float] = field(default_factory=list)  # 1-minute load average before each run

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        return max(self.peaks)


@dataclass
class Build:
    name: str
    cmd: list[str]
    before: Callable[[int], None] | None = None  # called with the round's number


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user and system, with the worker
    processes it waited for) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=CHILD_ENV)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def corpus_for(work: Path, size: int, variant: str = "names") -> Path:
    """The corpus of ``size`` posts in ``variant``, generated once (a stamp marks it done)."""
    folder = work / f"corpus-{size}-{variant}"
    stamp = folder / ".complete"
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        free = shutil.disk_usage(work).free
        if free < size * DISK_PER_POST * 1.1:
            raise SystemExit(
                f"{size:,} posts need about {size * DISK_PER_POST / 1e9:.1f} GB in {work}, "
                f"which has {free / 1e9:.1f} GB free: pass --work on a larger disk"
            )
        print(f"generating {size} posts ({variant}) in {folder}", file=sys.stderr)
        corpus.generate(folder, size, variant=variant)
        stamp.touch()
    return folder


def newsfeed(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "newsfeed", "build", str(source), "-o", str(out), "-q"]


def take_turns(size: int, repeat: int, *builds: Build) -> list[Measure]:
    """Run each build ``repeat`` times, taking turns: on a machine whose speed drifts,
    builds compared with each other then see the same moments."""
    measures = [Measure(size, b.name) for b in builds]
    for i in range(repeat):
        for build, m in zip(builds, measures, strict=True):
            if build.before is not None:
                build.before(i)
            m.loads.append(os.getloadavg()[0])
            seconds, peak, cpu = run(build.cmd)
            m.seconds.append(seconds)
            m.peaks.append(peak)
            m.cpu.append(cpu)
            print(
                f"  {size:>7} {build.name:<9} {seconds:7.2f} s {peak:7.1f} MB {cpu:7.2f} s CPU"
                f"  (load {m.loads[-1]:.2f})",
                file=sys.stderr,
            )
    return measures


def fresh(folder: Path) -> Callable[[int], None]:
    """A ``before`` that removes ``folder``: the build starts from nothing."""
    return lambda _: shutil.rmtree(folder, ignore_errors=True)


def hugo_build(work: Path, size: int, hugo_site: Path) -> tuple[Build, Path]:
    """Hugo's build of the ``hugo`` variant, on a fresh copy of the site each time; and
    the folder it writes."""
    source = corpus_for(work, size, "hugo")
    site = work / f"hugo-{size}"

    def setup(_: int) -> None:
        shutil.rmtree(site, ignore_errors=True)
        shutil.copytree(hugo_site, site, copy_function=shutil.copyfile)
        for folder, _dirs, _files in os.walk(site):
            os.chmod(folder, 0o755)  # noqa: PTH101  (the shared copy is read-only)
        (site / "content").mkdir(exist_ok=True)
        subprocess.run(["cp", "-al", str(source), str(site / "content" / "posts")], check=True)

    return Build("hugo", ["hugo", "--quiet", "--source", str(site)], setup), site / "public"


def _feed_title(path: Path) -> str:
    match = re.search(r"<title>(.*?)</title>", path.read_text("utf-8"), re.S)
    return html.unescape(match.group(1)) if match else ""


def category_feeds(hugo_public: Path, out: Path) -> dict[str, Any]:
    """The categories Hugo and newsfeed each wrote a feed for, by name (their folder
    names differ: Hugo lower-cases and drops some punctuation)."""
    theirs = {
        _feed_title(f).removesuffix(" on Bench")
        for f in (hugo_public / "categories").glob("*/index.xml")
    }
    ours = {_feed_title(f).split(": ", 1)[-1] for f in (out / "categories").rglob("rss.xml")}
    return {
        "hugo": len(theirs),
        "hugo_files": sum(1 for _ in (hugo_public / "categories").rglob("*.xml")),
        "newsfeed": len(ours),
        "newsfeed_tag_feeds": sum(1 for _ in (out / "tags").rglob("rss.xml")),
        "only_hugo": sorted(theirs - ours),
        "only_newsfeed": sorted(ours - theirs),
    }


def measure_size(
    work: Path, size: int, repeat: int, baselines: bool, hugo_site: Path | None, pages: bool
) -> tuple[list[Measure], dict[str, Any] | None]:
    """Every build of one size, and (when Hugo ran) the category feeds each tool wrote."""
    source = corpus_for(work, size)
    added = source / "added"
    shutil.rmtree(added, ignore_errors=True)
    out = work / f"out-{size}"
    cold = Build("cold", newsfeed(source, out), fresh(out))
    turns: list[Build] = []
    public = None
    if pages:
        bare = work / f"bare-{size}"
        off = [*newsfeed(source, bare), "--set", "pages=false"]
        turns.append(Build("no pages", off, fresh(bare)))
    elif baselines:
        naive_out = work / f"naive-{size}"
        naive = [sys.executable, str(HERE / "naive.py"), str(source), str(naive_out)]
        turns.append(Build("naive", naive, fresh(naive_out)))
        if hugo_site is not None:
            hugo, public = hugo_build(work, size, hugo_site)
            turns.append(hugo)
    results = take_turns(size, repeat, *turns, cold)
    feeds = category_feeds(public, out) if public is not None else None
    results += take_turns(size, repeat, Build("warm", newsfeed(source, out)))

    def add_one(i: int) -> None:
        corpus.generate(added, 1, start=size + i, newest=True, variant="names")

    results += take_turns(size, repeat, Build("+1 post", newsfeed(source, out), add_one))
    shutil.rmtree(added, ignore_errors=True)
    return results, feeds


def _spread(values: list[float], unit: str = " s") -> str:
    if len(values) == 1:
        return f"{values[0]:.2f}{unit}"
    return f"{min(values):.2f}-{max(values):.2f}{unit}"


def table(results: list[Measure]) -> str:
    """The Markdown table of medians, and each cold run against the baselines of its round."""
    by = {(m.size, m.build): m for m in results}
    lines = [
        "| posts | build | median wall | runs | time / Hugo | naive / time "
        "| peak RSS | median CPU | load |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for m in results:
        hugo, naive = by.get((m.size, "hugo")), by.get((m.size, "naive"))
        vs_hugo = f"{m.median / hugo.median:.2f}x" if hugo else ""
        vs_naive = f"{naive.median / m.median:.2f}x" if naive else ""
        lines.append(
            f"| {m.size:,} | {m.build} | {m.median:.2f} s | {_spread(m.seconds)} | {vs_hugo} "
            f"| {vs_naive} | {m.peak_mb:,.0f} MB | {statistics.median(m.cpu):.2f} s "
            f"| {_spread(m.loads, '')} |"
        )
    for m in results:
        if m.build != "cold":
            continue
        for other, what in (("hugo", "time / Hugo"), ("naive", "naive / time"), ("no pages", "")):
            theirs = by.get((m.size, other))
            if theirs is None:
                continue
            pairs = [
                (b / a if other == "naive" else a / b)
                for a, b in zip(m.seconds, theirs.seconds, strict=True)
            ]
            name = what or "time / no pages"
            lines.append(
                f"\n{m.size:,} cold against the {other} run of its round, {name}: "
                + ", ".join(f"{r:.2f}" for r in pairs)
                + f" (median {statistics.median(pairs):.2f})"
            )
    return "\n".join(lines)


def _git(folder: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True)
    return done.stdout.strip()


def about_the_run(hugo: bool) -> dict[str, Any]:
    """What a reader needs to trust the figures: which code, which tools, which machine."""
    where = subprocess.run(
        [sys.executable, "-c", "import newsfeed; print(newsfeed.__file__)"],
        capture_output=True,
        text=True,
        check=True,
        env=CHILD_ENV,
    )
    package = Path(where.stdout.strip()).parent
    version = subprocess.run(["hugo", "version"], capture_output=True, text=True) if hugo else None
    return {
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": _git(package, "rev-parse", "HEAD"),
        "src_commit": _git(package, "log", "-1", "--format=%H", "--", "."),
        "src_tree": _git(package, "rev-parse", "HEAD:src"),
        "src_changed": bool(_git(package, "status", "--porcelain", "--", ".")),
        "python": sys.version.split()[0],
        "hugo": version.stdout.strip() if version else None,
        "cores": os.cpu_count(),
        "argv": sys.argv[1:],
        "load_before": list(os.getloadavg()),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=5, help="runs per measure up to 20k posts")
    parser.add_argument(
        "--big-repeat", type=int, default=3, help="runs per measure above 20k posts"
    )
    parser.add_argument(
        "--baselines-up-to", type=int, default=100_000, help="no Hugo or naive build above"
    )
    parser.add_argument("--no-hugo", action="store_true", help="leave Hugo out")
    parser.add_argument("--hugo-site", type=Path, default=HUGO_SITE)
    parser.add_argument(
        "--pages",
        action="store_true",
        help="time cold builds without pages (pages=false) instead of the baselines",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsfeed-bench"))
    parser.add_argument("--results", type=Path, help="default: WORK/results.json")
    parser.add_argument(
        "--plot",
        nargs="*",
        type=Path,
        metavar="RESULTS",
        help="draw benchmarks/scaling.svg from saved results (default benchmarks/results/*.json)",
    )
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    if args.plot is not None:
        import plot  # the one module that needs matplotlib (the `bench` extra)

        plot.draw(args.plot or sorted((HERE / "results").glob("*.json")), HERE / "scaling.svg")
        return
    args.work.mkdir(parents=True, exist_ok=True)
    hugo = not args.no_hugo and shutil.which("hugo") is not None
    meta = about_the_run(hugo)
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()}", file=sys.stderr)
    results: list[Measure] = []
    feeds: dict[str, Any] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        repeat = args.repeat if size <= 20_000 else args.big_repeat
        baselines = size <= args.baselines_up_to
        site = args.hugo_site if hugo else None
        measures, check = measure_size(args.work, size, repeat, baselines, site, args.pages)
        results += measures
        if check is not None:
            feeds[str(size)] = check
            print(f"  {size:>7} category feeds: {json.dumps(check, ensure_ascii=False)}")
    meta |= {"finished": datetime.now(UTC).isoformat(timespec="seconds")}
    meta |= {"load_after": list(os.getloadavg()), "category_feeds": feeds}
    print(table(results))
    print(f"\nload average before {meta['load_before']}, after {meta['load_after']}")
    target = args.results or args.work / "results.json"
    saved = [asdict(m) | {"median": m.median} for m in results]
    target.write_text(json.dumps({"run": meta, "measures": saved}, indent=1) + "\n")


if __name__ == "__main__":
    main()
