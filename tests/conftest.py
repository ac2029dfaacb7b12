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


def _selects_part_of_the_suite(config: pytest.Config) -> bool:
    """A run of some tests: paths other than the whole suite, -k, -m, --lf, --deselect."""
    whole = {ROOT, ROOT / "tests"}
    return (
        any("::" in arg or Path(arg).resolve() not in whole for arg in map(str, config.args))
        or bool(config.getoption("keyword") or config.getoption("markexpr"))
        or bool(config.getoption("lf", False) or config.getoption("deselect", None))
    )


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    """The coverage gate (fail_under in pyproject.toml) measures the whole suite: a run of
    part of it still reports coverage but cannot fail on it."""
    coverage = config.pluginmanager.getplugin("_cov")
    if coverage is not None and _selects_part_of_the_suite(config):
        coverage.options.cov_fail_under = None


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
