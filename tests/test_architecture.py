"""The layering rules of docs/architecture.md, checked on every module's imports (ast).

- No module imports from a layer above its own (same layer is fine).
- Each quarantined third-party library is imported by its one module only (ruff's
  banned-api says the same in CI, but per rule, not per library).
- Every module of the package is placed in the table: a new module must be given a
  layer here, which is the moment to ask where it belongs.

The table names modules at today's paths and at their target paths (the restructuring
of issue 12 moves them); the old names can go once nothing is left at them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "newsfeed"

#: Layer of each module (docs/architecture.md, "The rooms"). Imports point down.
LAYERS: dict[str, int] = {
    "newsfeed.errors": 0,
    "newsfeed._version": 0,
    "newsfeed.arguments": 0,
    "newsfeed.model": 1,
    "newsfeed.chars": 1,
    "newsfeed.safe_read": 1,
    "newsfeed.config": 2,
    "newsfeed.config_checks": 2,
    "newsfeed.config_docs": 2,
    "newsfeed.marked": 2,
    # sources/: post files to RawPost (today: sources.py and files.py)
    "newsfeed.sources": 3,
    "newsfeed.files": 3,
    "newsfeed.sources.files": 3,
    "newsfeed.sources.read": 3,
    "newsfeed.sources.frontmatter": 3,
    "newsfeed.sources.quick_yaml": 3,
    "newsfeed.sources.yaml": 3,
    "newsfeed.sources.yaml_data": 3,
    "newsfeed.sources.recover": 3,
    "newsfeed.sources.posts": 3,
    "newsfeed.sources.gitdates": 3,
    # normalize/: pure steps on values
    "newsfeed.normalize": 4,
    "newsfeed.normalize.dates": 4,
    "newsfeed.normalize.urls": 4,
    "newsfeed.normalize.slugs": 4,
    "newsfeed.normalize.text": 4,
    "newsfeed.normalize.html": 4,
    "newsfeed.normalize.sanitize": 4,
    "newsfeed.normalize.markdown": 4,
    "newsfeed.normalize.hexo_post": 4,
    "newsfeed.normalize.hexo_code": 4,
    "newsfeed.normalize.hexo_tags": 4,
    "newsfeed.articles": 5,
    "newsfeed.articles.body": 5,
    "newsfeed.articles.context": 5,
    "newsfeed.articles.dating": 5,
    "newsfeed.articles.fields": 5,
    "newsfeed.articles.links": 5,
    "newsfeed.articles.steps": 5,
    "newsfeed.feeds": 6,
    # where article pages go and what they link to (the build plans with it)
    "newsfeed.pageplan": 6,
    # render/: Feed to bytes
    "newsfeed.render": 7,
    "newsfeed.render.rss_atom": 7,
    "newsfeed.render.jsonfeed": 7,
    "newsfeed.render.opml": 7,
    "newsfeed.render.pages": 7,
    "newsfeed.render.archive": 7,
    "newsfeed.render.shorten": 7,
    "newsfeed.atomic": 8,
    "newsfeed.site": 8,
    "newsfeed.cache": 8,
    "newsfeed.codec": 8,
    "newsfeed.first_seen": 8,
    # the engine, and what it uses besides the stages: the report it keeps in the
    # cache, the image probe of Config.probe_images
    "newsfeed.report": 9,
    "newsfeed.probe": 9,
    "newsfeed.build": 9,
    "newsfeed.build.stages": 9,
    "newsfeed.build.posts": 9,
    "newsfeed.build.pool": 9,
    "newsfeed.build.fingerprints": 9,
    "newsfeed.build.dating": 9,
    "newsfeed.build.writing": 9,
    "newsfeed.build.pages": 9,
    "newsfeed.hexo": 10,
    "newsfeed.hexo.site": 10,
    "newsfeed.hexo.plugin": 10,
    "newsfeed.hexo.autodiscovery": 10,
    "newsfeed.websub": 10,
    # the judge of a built site: documents, their rules, their links
    "newsfeed.check": 10,
    "newsfeed.check.documents": 10,
    "newsfeed.check.feeds": 10,
    "newsfeed.check.files": 10,
    "newsfeed.check.finding": 10,
    "newsfeed.check.jsonfeed": 10,
    "newsfeed.check.links": 10,
    "newsfeed.check.markup": 10,
    "newsfeed.check.parse": 10,
    "newsfeed.check.text": 10,
    "newsfeed.settings": 11,
    "newsfeed.serve": 11,
    "newsfeed.watch": 11,
    "newsfeed.cli": 11,
    "newsfeed.cli_parser": 11,
    "newsfeed.cli_output": 11,
    "newsfeed.__main__": 11,
    # the public API re-exports from every layer
    "newsfeed": 12,
}
#: Imports that break the table today, each with the reason; the test fails when one
#: is gone, so that the entry goes too. Empty is the goal.
KNOWN_UPWARD: dict[tuple[str, str], str] = {}
#: Packages whose modules architecture.md does not name: every module in them takes
#: the package's layer.
OPEN_PACKAGES = ("newsfeed.hexo",)

#: Each quarantined library and the modules that may import it (today's and target).
OWNERS: dict[str, set[str]] = {
    "bs4": {"newsfeed.normalize.html"},
    "nh3": {"newsfeed.normalize.sanitize"},
    "dateutil": {"newsfeed.normalize.dates"},
    "feedgen": {"newsfeed.render.rss_atom"},
    # The site checker parses what was written (feeds, pages) with lxml too.
    "lxml": {"newsfeed.render.rss_atom", "newsfeed.check.parse"},
    "jinja2": {"newsfeed.render.pages"},
    "sqlite3": {"newsfeed.cache"},
    "yaml": {"newsfeed.sources", "newsfeed.sources.yaml_data", "newsfeed.sources.yaml"},
    "frontmatter": {"newsfeed.sources", "newsfeed.sources.frontmatter"},
    "charset_normalizer": {"newsfeed.sources", "newsfeed.sources.read"},
    "markdown_it": {"newsfeed.normalize.markdown"},
    "mdit_py_plugins": {"newsfeed.normalize.markdown"},
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def layer_of(name: str) -> int | None:
    if name in LAYERS:
        return LAYERS[name]
    for package in OPEN_PACKAGES:
        if name.startswith(package + "."):
            return LAYERS[package]
    return None


def imported(module: str, path: Path) -> set[str]:
    """Every module ``module`` imports, anywhere in it (also inside functions and
    TYPE_CHECKING blocks), as absolute dotted names."""
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text("utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package, up level - 1
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names.add(base)
            # ``from newsfeed import errors`` imports the submodule newsfeed.errors
            names.update(f"{base}.{a.name}" for a in node.names if f"{base}.{a.name}" in MODULES)
    return names


def internal_target(name: str) -> str | None:
    """The module of the package that an import of ``name`` loads, or None."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def test_every_module_is_placed_in_a_layer() -> None:
    """A module nobody placed could import from anywhere, and the layers would rot."""
    unplaced = sorted(m for m in MODULES if layer_of(m) is None)
    assert unplaced == [], (
        f"give these modules a layer in LAYERS (docs/architecture.md): {unplaced}"
    )
    assert len(MODULES) > 20


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_imports_from_a_layer_above(module: str) -> None:
    """A lower stage importing a later one would tie the pipeline in a knot: changing
    rendering could break reading posts."""
    own = layer_of(module)
    assert own is not None
    above = {}
    for name in imported(module, MODULES[module]):
        target = internal_target(name)
        if target is None or target == module:
            continue
        layer = layer_of(target)
        if (layer is None or layer > own) and (module, target) not in KNOWN_UPWARD:
            above[target] = layer
    assert above == {}, f"{module} (layer {own}) imports from above: {above}"


def test_known_upward_imports_are_still_there() -> None:
    """An exception nobody needs any more would hide the next real violation."""
    stale = []
    for module, target in sorted(KNOWN_UPWARD):
        if module not in MODULES:
            stale.append(f"{module} is gone")
            continue
        if target not in {internal_target(n) for n in imported(module, MODULES[module])}:
            stale.append(f"{module} no longer imports {target}")
    assert stale == [], f"remove these entries from KNOWN_UPWARD: {stale}"


def test_each_quarantined_library_has_one_importer() -> None:
    """A second importer of a parser or writer library spreads its quirks (and its
    import cost) through the code; one owner keeps them in one place."""
    importers: dict[str, set[str]] = {lib: set() for lib in OWNERS}
    for module, path in MODULES.items():
        for name in imported(module, path):
            top = name.partition(".")[0]
            if top in importers:
                importers[top].add(module)
    strays = {lib: sorted(found - OWNERS[lib]) for lib, found in importers.items()}
    assert {lib: s for lib, s in strays.items() if s} == {}
    # Each library still has its owner (a rename would leave the table stale).
    assert all(importers[lib] for lib in OWNERS), importers


def test_the_checks_see_lazy_and_relative_imports(tmp_path: Path) -> None:
    """An import inside a function, or a relative one, is an import too: missing it
    would let a lower layer reach up unseen."""
    path = tmp_path / "x.py"
    path.write_text(
        "def f():\n    from newsfeed.render import pages\n    import sqlite3\n"
        "from . import site\nfrom .normalize.text import strip_illegal_xml\n",
        "utf-8",
    )
    assert imported("newsfeed.x", path) == {
        "newsfeed.render",
        "newsfeed.render.pages",
        "sqlite3",
        "newsfeed",
        "newsfeed.site",
        "newsfeed.normalize.text",
    }
