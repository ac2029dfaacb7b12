"""Draw the scaling chart from saved results: ``python benchmarks/run.py --plot``.

Two panels on log axes: median wall time (the bars span the fastest to the slowest
run) and peak memory, against the number of posts, for newsfeed cold, warm and +1
post, Hugo and the naive baseline. The results are the JSON files that ``run.py``
saves; a later file's measure of the same size and build replaces an earlier one's.
Needs matplotlib (``pip install -e '.[bench]'``). The SVG is written with a fixed
hash salt and no date, so drawing the same results again gives the same bytes.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after choosing the backend
from matplotlib.ticker import FuncFormatter

#: build name in the results -> label, colour, marker, line style
SERIES = {
    "cold": ("newsfeed cold", "#1f77b4", "o", "-"),
    "warm": ("newsfeed warm (nothing changed)", "#2ca02c", "s", "-"),
    "+1 post": ("newsfeed, one post added", "#9467bd", "^", "-"),
    "hugo": ("Hugo 0.111 (always a whole build)", "#d62728", "D", "--"),
    "naive": ("naive baseline", "#7f7f7f", "v", ":"),
}


def load(files: list[Path]) -> tuple[dict[tuple[str, int], dict[str, Any]], list[dict[str, Any]]]:
    """Every measure by (build, size), the later file's winning, and each file's run."""
    measures: dict[tuple[str, int], dict[str, Any]] = {}
    runs = []
    for path in files:
        data = json.loads(path.read_text("utf-8"))
        runs.append(data["run"])
        for m in data["measures"]:
            measures[m["build"], m["size"]] = m
    return measures, runs


def _posts(x: float, _: object) -> str:
    """1k, 10k, 100k, 1M on the axis of posts."""
    for unit, name in ((1e6, "M"), (1e3, "k")):
        if x >= unit:
            return f"{x / unit:g}{name}"
    return f"{x:g}"


def _caption(runs: list[dict[str, Any]]) -> str:
    days = sorted({r["started"][:10] for r in runs})
    commits = sorted({r.get("src_commit", r["commit"])[:9] for r in runs})
    loads = [x for r in runs for x in (r["load_before"][0], r["load_after"][0])]
    return (
        f"{', '.join(days)}; newsfeed at {', '.join(commits)}; 2-core machine, "
        f"load average {min(loads):.1f}-{max(loads):.1f} at the start and end of each run"
    )


def draw(files: list[Path], target: Path) -> None:
    """Write the chart of ``files`` to ``target`` (SVG)."""
    if not files:
        raise SystemExit("no results to draw: run benchmarks/run.py first")
    measures, runs = load(files)
    plt.rcParams.update({"svg.hashsalt": "newsfeed-bench", "svg.fonttype": "none"})
    fig, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(11, 5.2))
    for build, (label, colour, marker, style) in SERIES.items():
        points = sorted((size, m) for (name, size), m in measures.items() if name == build)
        if not points:
            continue
        sizes = [size for size, _ in points]
        medians = [statistics.median(m["seconds"]) for _, m in points]
        low = [med - min(m["seconds"]) for med, (_, m) in zip(medians, points, strict=True)]
        high = [max(m["seconds"]) - med for med, (_, m) in zip(medians, points, strict=True)]
        look: dict[str, Any] = {"color": colour, "marker": marker, "linestyle": style}
        time_ax.errorbar(sizes, medians, yerr=[low, high], capsize=3, label=label, **look)
        memory_ax.plot(sizes, [max(m["peaks"]) for _, m in points], label=label, **look)
    for ax, what in ((time_ax, "wall time (s), median of runs"), (memory_ax, "peak RSS (MB)")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("posts")
        ax.set_ylabel(what)
        ax.xaxis.set_major_formatter(FuncFormatter(_posts))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda y, _: f"{y:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda y, _: ""))
        ax.grid(True, which="major", alpha=0.4)
        ax.grid(True, which="minor", alpha=0.12)
    time_ax.set_title("Build time")
    memory_ax.set_title("Peak memory (largest process)")
    handles, labels = time_ax.get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.04), ncols=3, frameon=False
    )
    fig.text(0.5, 0.01, _caption(runs), ha="center", fontsize="x-small", color="#555555")
    fig.tight_layout(rect=(0, 0.16, 1, 1))
    fig.savefig(target, format="svg", metadata={"Date": None})
    plt.close(fig)
    print(f"wrote {target}")
