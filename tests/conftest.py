"""Shared fixtures: the project's seeds, its own corpus of messy posts (tests/data/corpus,
written for the tests in the shapes real crawlers produce), and the read-only real corpus
beside the repo (``../shared``, or where SHARED_DIR points) as an extra check."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitecheck import IN_CI, SHARED

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPUS = SHARED / "corpus" / "real"
#: The repository's own messy corpus: every test that reads "the corpus" runs on it, and
#: on the real corpus too where that is present (a fresh clone needs nothing outside).
OWN_CORPUS = ROOT / "tests" / "data" / "corpus"
#: How many post files each corpus has.
CORPUS_POSTS = {OWN_CORPUS: 14, CORPUS: 27}


def corpora() -> list[Path]:
    """The corpora the corpus tests run on: ours always, the real one where present (and
    in CI, which always has shared/ beside the repository: there its absence fails)."""
    return [OWN_CORPUS, *([CORPUS] if CORPUS.is_dir() or IN_CI else [])]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``corpus_dir`` is each corpus in turn (ids ``own`` and ``real``)."""
    if "corpus_dir" in metafunc.fixturenames:
        found = corpora()
        ids = ["own" if path == OWN_CORPUS else "real" for path in found]
        metafunc.parametrize("corpus_dir", found, ids=ids)


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
    """Long tests (fuzzing, kills) are left out unless --runslow: deselected, not skipped,
    since nothing is missing to run them."""
    if config.getoption("--runslow"):
        return
    slow = [item for item in items if "slow" in item.keywords]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if "slow" not in item.keywords]


@pytest.fixture
def seeds_dir() -> Path:
    """The project's own default input (a copy of shared/seeds)."""
    return SEEDS


@pytest.fixture
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites the golden files instead of comparing with them."""
    return bool(request.config.getoption("--update-goldens"))
