"""Shared fixtures: the project's seeds and the read-only real corpus beside the repo
(``../shared``, or where SHARED_DIR points)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitecheck import IN_CI, SHARED

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPUS = SHARED / "corpus" / "real"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--runslow", action="store_true", help="run long tests (fuzzing, kills)")
    parser.addoption(
        "--update-goldens",
        action="store_true",
        help="rewrite tests/goldens/ from today's output (then review the diff)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="long test: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def seeds_dir() -> Path:
    """The project's own default input (a copy of shared/seeds)."""
    return SEEDS


@pytest.fixture
def corpus_dir() -> Path:
    """The real, messy corpus; tests that need it skip where it is absent (fail in CI,
    which always has shared/ beside the repository)."""
    if not CORPUS.is_dir():
        if IN_CI:
            pytest.fail(f"real corpus not found at {CORPUS} (CI has ../shared)")
        pytest.skip(f"real corpus not found at {CORPUS} (set SHARED_DIR)")
    return CORPUS


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the golden files instead of comparing with them."""
    return bool(request.config.getoption("--update-goldens"))
