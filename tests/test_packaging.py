"""The distribution: its own name, its licence, a source distribution that holds what the
README's two commands need, and docs that install this project and no other."""

from __future__ import annotations

import re
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Every document a user copies commands from.
DOCS = [
    ROOT / "README.md",
    *sorted((ROOT / "docs").glob("*.md")),
    *sorted(p for p in (ROOT / "docs" / "examples").iterdir() if p.is_file()),
    ROOT / "benchmarks" / "README.md",
    *sorted((ROOT / "examples").glob("*.py")),
]


def test_the_distribution_has_its_own_name() -> None:
    """`pip install newsfeed` is someone else's package: ours must not be called that."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["name"] == "hexo-newsfeed"
    assert project["scripts"] == {"newsfeed": "newsfeed.cli:main"}
    assert project["license"] == "MIT" and project["license-files"] == ["LICENSE"]


def _pip_installs(text: str) -> Iterator[str]:
    """What each `pip install` in a text installs (its arguments, options left out)."""
    for line in re.findall(r"pip install ([^\n&|;#`]*)", text):
        if " @ git+" in line:  # a direct reference: "NAME @ git+URL"
            yield line.strip().strip("'\"")
            continue
        for word in line.split():
            if not word.startswith("-"):
                yield word.strip("'\"")


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_docs_install_this_project_and_no_other(doc: Path) -> None:
    """A recipe that says `pip install newsfeed` makes its reader run a stranger's code."""
    for target in _pip_installs(doc.read_text("utf-8")):
        assert (
            target in (".", ".[test]", ".[bench]")
            or target.endswith(".whl")
            or target.startswith("hexo-newsfeed @ git+")
        ), f"{doc.name}: pip install {target}"


def test_readme_says_how_to_install_and_that_it_is_not_on_the_index() -> None:
    """A reader of the package index page would try `pip install newsfeed`."""
    text = (ROOT / "README.md").read_text("utf-8")
    assert "It is not on the package index yet" in text
    assert "`hexo-newsfeed`" in text
    setup = re.search(r"## Set up\n.*?```sh\n(.*?)```", text, re.DOTALL)
    assert setup is not None
    commands = [line for line in setup.group(1).splitlines() if not line.startswith("#")]
    assert [c for c in commands if c] == [
        "pip install . && python examples/build_feeds.py",
        "pip install -e '.[test]' && pytest",
    ]


def test_readme_links_work_on_a_package_index_page() -> None:
    """A relative link or image is broken on the index page, where no repository is beside it."""
    text = (ROOT / "README.md").read_text("utf-8")
    targets = re.findall(r"\]\(([^)]*)\)", text)
    assert targets, "the README links somewhere"
    for target in targets:
        assert target.startswith("https://"), target


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sdist and the wheel, built from this checkout as a user would (python -m build)."""
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (sdist,) = out.glob("hexo_newsfeed-*.tar.gz")
    (wheel,) = out.glob("hexo_newsfeed-*-py3-none-any.whl")
    return sdist, wheel


def test_the_wheel_carries_the_licence_and_the_name(dists: tuple[Path, Path]) -> None:
    """An MIT package without its licence text cannot be redistributed as MIT asks."""
    _, wheel = dists
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        meta = Parser().parsestr(archive.read(metadata).decode("utf-8"))
        (licence,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        assert archive.read(licence) == (ROOT / "LICENSE").read_bytes()
    assert meta["Name"] == "hexo-newsfeed"
    assert meta["License-Expression"] == "MIT"
    assert "newsfeed/__init__.py" in names and "newsfeed/render/templates/base.html" in names


def test_the_sdist_holds_what_the_readme_commands_need(dists: tuple[Path, Path]) -> None:
    """From an unpacked sdist, `python examples/build_feeds.py` and `pytest` find their files."""
    sdist, _ = dists
    with tarfile.open(sdist) as archive:
        top = sdist.name.removesuffix(".tar.gz")
        names = {n.removeprefix(top + "/") for n in archive.getnames()}
    expected = {"LICENSE", "README.md", "pyproject.toml", "MANIFEST.in", "CHANGELOG.md"}
    for folder in ("seeds", "examples", "tests", "docs"):
        expected |= {
            p.relative_to(ROOT).as_posix()
            for p in (ROOT / folder).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and "node_modules" not in p.parts
        }
    assert expected - names == set()
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
