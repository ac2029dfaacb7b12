"""Docs that cannot drift: the configuration reference and the cookbook's examples."""

from __future__ import annotations

import dataclasses
import re
import shutil
import tomllib
from pathlib import Path

import pytest

from newsfeed import __version__
from newsfeed.config import Config
from newsfeed.config_docs import reference_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_configuration_reference_matches_the_code() -> None:
    """docs/configuration.md lists every key with its real default; regenerate it when this fails:
    python -m newsfeed.config_docs > docs/configuration.md"""
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert text == reference_markdown()


def test_every_key_is_documented() -> None:
    """A key without a sentence of documentation would be a mystery to users."""
    for field in dataclasses.fields(Config):
        assert len(field.metadata.get("doc", "")) > 20, field.name


def test_changelog_has_the_current_version() -> None:
    """The one version source (_version.py) and the changelog agree."""
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{__version__}]" in text
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["dynamic"] == ["version"]


def test_readme_lists_every_config_key() -> None:
    """The README's list of keys is the code's; regenerate it with config.key_summary()."""
    from newsfeed.config_docs import key_summary

    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("<!-- config-keys:start -->\n") + len("<!-- config-keys:start -->\n")
    end = text.index("<!-- config-keys:end -->")
    assert text[start:end] == key_summary()


def test_readme_python_examples_run(
    tmp_path: Path,
    seeds_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The README's Python examples are real code: a user can paste them and they work."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.DOTALL)
    assert len(blocks) == 2
    shutil.copytree(seeds_dir, tmp_path / "source" / "_posts")
    monkeypatch.chdir(tmp_path)
    exec(compile(blocks[0], "README.md", "exec"), {})
    assert "1 posts published," in capsys.readouterr().out
    assert (tmp_path / "public" / "rss.xml").is_file()
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    exec(compile(blocks[1], "README.md", "exec"), {})
    assert "bytes of Atom" in capsys.readouterr().out
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == written  # nothing written
