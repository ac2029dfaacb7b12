"""Time newsfeed against the naive baseline on generated corpora of 1k, 10k, 100k posts.

    python benchmarks/run.py [--sizes 1000,10000,100000] [--repeat 3] [--work DIR]

Every measure is a whole process (``python -m newsfeed build ... -q`` or
``python benchmarks/naive.py``), timed from start to exit, with its peak resident
memory (the largest process of its tree, from ``wait4``). For each size:

- ``naive``: the baseline of ``benchmarks/naive.py`` (every body through BeautifulSoup);
- ``cold``: newsfeed into an empty output folder (no cache);
- ``warm``: newsfeed again, nothing changed;
- ``+1 post``: newsfeed after one new post was added (the newest, as a crawler adds);
- with ``--pages``, ``no pages``: newsfeed into an empty output folder with
  ``pages = false`` (no HTML at all: no article pages, feed pages or site index),
  taking turns with ``cold``; each pair is also shown as a ratio.

``naive`` and ``cold`` take turns (naive, cold, naive, cold...), so that both see the
same moments of a machine whose speed drifts. Prints medians, speed-ups over the
baseline of the same run, peak RSS and posts per
second, as a Markdown table (also saved as ``results.json`` in the work folder).
The corpora are deterministic (``benchmarks/corpus.py``, fixed seed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import corpus  # noqa: E402  (the generator beside this file)


@dataclass
class Measure:
    size: int
    build: str
    seconds: list[float]
    peak_mb: float
    cpu: list[float] = field(default_factory=list)  # user + system, the process tree

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def run(cmd: list[str]) -> tuple[float, float, float]:
    """Wall seconds, peak RSS (MB) and CPU seconds (user and system, with the worker
    processes it waited for) of one command."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err.decode()[-2000:]}")
    return seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime


def corpus_for(work: Path, size: int) -> Path:
    folder = work / f"corpus-{size}"
    stamp = folder / ".complete"
    if not stamp.exists():
        shutil.rmtree(folder, ignore_errors=True)
        print(f"generating {size} posts in {folder}", file=sys.stderr)
        corpus.generate(folder, size)
        stamp.touch()
    return folder


def newsfeed(source: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "newsfeed", "build", str(source), "-o", str(out), "-q"]


def measure_size(
    work: Path, size: int, repeat: int, naive: bool, pages: bool = False
) -> list[Measure]:
    source = corpus_for(work, size)
    added = source / "added"
    shutil.rmtree(added, ignore_errors=True)
    out = work / f"out-{size}"
    results = []

    def many(*builds: tuple[str, list[str], Callable[[int], None] | None]) -> list[Measure]:
        """Run each build ``repeat`` times, taking turns: on a machine whose speed drifts,
        builds compared with each other then see the same moments."""
        times: dict[str, list[float]] = {name: [] for name, _, _ in builds}
        peaks: dict[str, list[float]] = {name: [] for name, _, _ in builds}
        cpus: dict[str, list[float]] = {name: [] for name, _, _ in builds}
        for i in range(repeat):
            for name, cmd, before in builds:
                if before is not None:
                    before(i)
                seconds, peak, cpu = run(cmd)
                times[name].append(seconds)
                peaks[name].append(peak)
                cpus[name].append(cpu)
                print(
                    f"  {size:>7} {name:<9} {seconds:7.2f} s {peak:7.1f} MB {cpu:7.2f} s CPU",
                    file=sys.stderr,
                )
        return [
            Measure(size, name, times[name], max(peaks[name]), cpus[name]) for name, _, _ in builds
        ]

    def clear(_: int) -> None:
        shutil.rmtree(out, ignore_errors=True)

    cold = ("cold", newsfeed(source, out), clear)
    if pages:
        bare = work / f"bare-{size}"

        def clear_bare(_: int) -> None:
            shutil.rmtree(bare, ignore_errors=True)

        off = [*newsfeed(source, bare), "--set", "pages=false"]
        results.extend(many(("no pages", off, clear_bare), cold))
    elif naive:
        naive_out = work / f"naive-{size}"

        def clear_naive(_: int) -> None:
            shutil.rmtree(naive_out, ignore_errors=True)

        cmd = [sys.executable, str(HERE / "naive.py"), str(source), str(naive_out)]
        results.extend(many(("naive", cmd, clear_naive), cold))
    else:
        results.extend(many(cold))
    results.extend(many(("warm", newsfeed(source, out), None)))

    def add_one(i: int) -> None:
        corpus.generate(added, 1, start=size + i, newest=True)

    results.extend(many(("+1 post", newsfeed(source, out), add_one)))
    shutil.rmtree(added, ignore_errors=True)
    return results


def table(results: list[Measure]) -> str:
    base = {m.size: m.median for m in results if m.build == "naive"}
    lines = [
        "| posts | build | median wall | vs naive | peak RSS | posts/s |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for m in results:
        ratio = f"{base[m.size] / m.median:.2f}x" if m.size in base else "n/a"
        rate = f"{m.size / m.median:,.0f}"
        lines.append(
            f"| {m.size:,} | {m.build} | {m.median:.2f} s | {ratio} | {m.peak_mb:.0f} MB | {rate} |"
        )
    # Each cold run (pages on) against the run without pages just before it.
    bare = {m.size: m for m in results if m.build == "no pages"}
    for m in results:
        if m.build == "cold" and m.size in bare:
            for what, mine, theirs in (
                ("wall", m.seconds, bare[m.size].seconds),
                ("CPU", m.cpu, bare[m.size].cpu),
            ):
                pairs = [c / b for b, c in zip(theirs, mine, strict=True)]
                shown = ", ".join(f"{r:.3f}" for r in pairs)
                lines.append(
                    f"\n{m.size:,} cold with pages over the run without pages before it, "
                    f"{what} time: {shown} (median {statistics.median(pairs):.3f}; medians "
                    f"{statistics.median(mine):.2f} s and {statistics.median(theirs):.2f} s)"
                )
    # Each cold run against the naive run just before it: the two saw the same moment.
    naive = {m.size: m for m in results if m.build == "naive"}
    for m in results:
        if m.build == "cold" and m.size in naive:
            pairs = [n / c for n, c in zip(naive[m.size].seconds, m.seconds, strict=True)]
            shown = ", ".join(f"{r:.2f}x" for r in pairs)
            lines.append(
                f"\n{m.size:,} cold against the naive run before it: {shown} "
                f"(median {statistics.median(pairs):.2f}x)"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per measure (median)")
    parser.add_argument(
        "--big-repeat", type=int, default=1, help="runs per measure above 20k posts"
    )
    parser.add_argument("--no-naive-above", type=int, default=10**9, help="skip the baseline")
    parser.add_argument(
        "--pages",
        action="store_true",
        help="time cold builds without pages (pages=false) instead of the baseline",
    )
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsfeed-bench"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    results: list[Measure] = []
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()}", file=sys.stderr)
    for size in (int(s) for s in args.sizes.split(",")):
        repeat = args.repeat if size <= 20_000 else args.big_repeat
        naive = size <= args.no_naive_above
        results.extend(measure_size(args.work, size, repeat, naive, args.pages))
    print(table(results))
    print(f"\nload average after the run: {os.getloadavg()}")
    (args.work / "results.json").write_text(
        json.dumps([asdict(m) | {"median": m.median} for m in results], indent=1)
    )


if __name__ == "__main__":
    main()
