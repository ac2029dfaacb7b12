"""Generated hostile posts through the whole build (benchmarks/fuzz_build.py).

The default suite builds a few hundred posts (once with a worker killed and posts
changed under the build); ``--runslow`` builds 20,000. The full run (100,000 posts in
two worker processes, a fifth of the builds with a kill, a fifth with a crawler) is
``python benchmarks/fuzz_build.py``.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[1]


def fuzz_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "fuzz_build", ROOT / "benchmarks" / "fuzz_build.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("fuzz_build", module)
    spec.loader.exec_module(module)
    return module


def test_generator_makes_varied_hostile_posts() -> None:
    """The fuzzer keeps producing every kind of input, or a clean fuzz run would mean little."""
    fuzz = fuzz_module()
    rng = random.Random(7)
    posts = [fuzz.generate_post(rng) for _ in range(2000)]
    assert len(set(posts)) > 1900
    assert sum(p.startswith(b"\xff\xfe") for p in posts) > 20  # UTF-16
    assert sum(b"\r\n" in p for p in posts) > 100
    assert sum(b"<script>" in p for p in posts) > 100
    assert sum(b"&a [x, x]" in p for p in posts) > 20  # alias repeats
    assert sum(not p.strip() for p in posts) >= 1


def test_a_fuzzed_build_never_crashes(tmp_path: Path) -> None:
    """Three hundred generated posts: no exception, no lost post, every document parses."""
    fuzz = fuzz_module()
    result = fuzz.fuzz(300, batch=300, seed=11, keep=tmp_path)
    assert result.crashes == []
    assert result.posts == 300 == result.published + result.skipped + result.drafts
    assert result.published > 200 and result.skipped > 5 and result.documents > 50


def test_a_fuzzed_build_survives_a_killed_worker_and_a_crawler(tmp_path: Path) -> None:
    """Generated posts in two worker processes, one of them killed mid-build and posts
    rewritten or deleted between the phases: no crash, no post lost or wrongly reported."""
    fuzz = fuzz_module()
    chaos = fuzz.Chaos(kills=1.0, races=1.0)
    result = fuzz.fuzz(300, batch=300, seed=20, keep=tmp_path, chaos=chaos)
    assert result.crashes == []
    assert (result.kills, result.races) == (1, 1) and result.raced == 6


@pytest.mark.slow
def test_a_long_fuzz_never_crashes(tmp_path: Path) -> None:
    """Twenty thousand generated posts in batches of 1,000 (run with --runslow)."""
    fuzz = fuzz_module()
    result = fuzz.fuzz(20_000, batch=1000, seed=1000, keep=tmp_path)
    assert result.crashes == []
    assert result.posts == 20_000
