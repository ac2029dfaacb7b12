"""The configuration reference, generated from :class:`newsfeed.config.Config`: the
whole table for ``docs/configuration.md`` (``python -m newsfeed.config_docs``) and the
one-line-per-key list in the README. Tests check both are up to date."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, Literal, get_args, get_type_hints

from newsfeed.config import Config
from newsfeed.model import FrozenDict

__all__ = ["key_summary", "reference_markdown"]


def reference_markdown() -> str:
    """The configuration reference as Markdown, generated from :class:`Config`."""
    lines = [
        "# Configuration reference",
        "",
        "Generated from `newsfeed.Config`; do not edit by hand "
        "(`python -m newsfeed.config_docs > docs/configuration.md`).",
        "",
        "Each key can be set, from lowest to highest precedence: in a Hexo site's "
        "`_config.yml` (the keys it maps), in `newsfeed.toml` or `[tool.newsfeed]` of "
        "`pyproject.toml` (in the site/source folder, else the current directory), as an "
        "environment variable `NEWSFEED_<KEY>` (e.g. `NEWSFEED_LIMIT=20`; lists as JSON or "
        "comma-separated, mappings as JSON, booleans as true/false), and on the command line "
        "(`--set KEY=VALUE`). `newsfeed config [SOURCE]` prints every effective value and "
        "where it came from.",
        "",
        "| key | type | default | meaning |",
        "|---|---|---|---|",
    ]
    hints = get_type_hints(Config)
    defaults = Config()
    for f in fields(Config):
        default = getattr(defaults, f.name)
        if isinstance(default, FrozenDict):
            default = dict(default)
        shown = f"`{default!r}`".replace("|", "\\|")
        kind = _type_name(hints[f.name]).replace("|", "\\|")
        lines.append(f"| `{f.name}` | {kind} | {shown} | {f.metadata['doc']} |")
    return "\n".join(lines) + "\n"


def key_summary() -> str:
    """One line per key (name, default, what it does), for the README."""
    defaults = Config()
    lines = []
    for f in fields(Config):
        default = getattr(defaults, f.name)
        if isinstance(default, FrozenDict):
            default = dict(default)
        shown = repr(default) if len(repr(default)) <= 40 else "see the reference"
        lines.append(f"- `{f.name}` = `{shown}`: {f.metadata['doc']}")
    return "\n".join(lines) + "\n"


def _type_name(hint: Any) -> str:
    if getattr(hint, "__origin__", None) is Literal:
        return " or ".join(repr(a) for a in get_args(hint))
    if hint is FrozenDict:
        return "mapping"
    text = str(hint).replace("typing.", "")
    return {"<class 'str'>": "str", "<class 'int'>": "int", "<class 'bool'>": "bool"}.get(
        text, text.replace("tuple[str, ...]", "list of str")
    )


if __name__ == "__main__":
    print(reference_markdown(), end="")
