"""A Hexo site: where its posts and output are, and its ``_config.yml`` as configuration.

:func:`find_hexo_site` tells a Hexo site folder from a posts folder;
:func:`hexo_values` maps the ``_config.yml`` keys newsfeed honours (:data:`HEXO_KEYS`)
to :class:`~newsfeed.config.Config` values, with the Hexo key each came from. The
``feed:`` block is hexo-generator-feed's (:mod:`newsfeed.hexo.plugin`).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from newsfeed.config import Config
from newsfeed.hexo.plugin import feed_values, text
from newsfeed.marked import MARKED_DEFAULTS

__all__ = [
    "HEXO_CONFIG",
    "HEXO_KEYS",
    "HexoSite",
    "find_hexo_site",
    "hexo_values",
    "read_site_config",
]

HEXO_CONFIG = "_config.yml"

#: The ``_config.yml`` keys newsfeed reads (``feed`` is hexo-generator-feed's block).
#: ``exclude`` and ``include`` are honoured as Hexo honours them for posts: not at all
#: (Hexo applies them to the other files of ``source``; ``include`` does not un-hide
#: a post), so they map to nothing.
HEXO_KEYS = (
    "url",
    "root",
    "title",
    "subtitle",
    "description",
    "author",
    "language",
    "timezone",
    "permalink",
    "permalink_defaults",
    "category_dir",
    "tag_dir",
    "category_map",
    "tag_map",
    "source_dir",
    "public_dir",
    "future",
    "updated_option",
    "ignore",
    "skip_render",
    "exclude",
    "include",
    "feed",
    # Markdown bodies: hexo-renderer-marked's block, post assets, include_code
    "marked",
    "post_asset_folder",
    "code_dir",
)

#: Values every Hexo site gets, whatever its ``_config.yml`` says, and why.
SITE_MODE = {
    # Hexo writes index.html into every category/tag folder: never overwrite them.
    "pages": (False, "Hexo site: its own pages"),
    "item_id": ("permalink", "Hexo site: ids as hexo-generator-feed writes them"),
    "hexo_hidden": (True, "Hexo site: its hidden paths under _posts"),
    # Hexo's own default (default_config: updated_option: mtime).
    "updated_option": ("mtime", "Hexo site: Hexo's default updated_option"),
}


@dataclass(frozen=True, slots=True)
class HexoSite:
    """A Hexo site folder: ``_config.yml`` plus ``source/_posts``."""

    root: Path
    config_file: Path
    posts_dir: Path
    public_dir: Path


def read_site_config(config_file: Path) -> dict[str, object]:
    """The mapping of a ``_config.yml`` (YAML loaded only when there is a file)."""
    from newsfeed.sources.yaml_data import read_yaml_mapping

    return dict(read_yaml_mapping(config_file))


def find_hexo_site(path: Path) -> HexoSite | None:
    """The Hexo site at ``path`` (a folder with ``_config.yml`` and its posts folder)."""
    config_file = path / HEXO_CONFIG
    if not config_file.is_file():
        return None
    data = read_site_config(config_file)
    source = _folder(data.get("source_dir"), "source")
    public = _folder(data.get("public_dir"), "public")
    posts = path / source / "_posts"
    if not posts.is_dir():
        return None
    return HexoSite(path, config_file, posts, path / public)


def _folder(value: object, default: str) -> str:
    folder = str(value).strip().strip("/") if isinstance(value, str | int) else ""
    parts = folder.split("/")
    if not folder or any(p in ("", ".", "..") for p in parts):
        return default
    return folder


def _site_url(url: str, root: object) -> str:
    """Hexo's address of the site root: ``url`` (which includes any sub-folder in
    Hexo 5+), or ``url`` + ``root`` for older sites whose ``url`` omits it."""
    base = url.rstrip("/")
    root_path = "/" + (text(root) or "/").strip("/") + "/"
    path = urllib.parse.urlsplit(base).path.rstrip("/") + "/"
    if root_path != "/" and not path.endswith(root_path):
        base += root_path.rstrip("/")
    return base + "/"


def _string_map(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): t for k, v in value.items() if (t := text(v)) is not None}


def _patterns(value: object) -> list[str] | None:
    """A Hexo pattern list (a string or a list of strings); None when unset."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str) and v.strip()]
    return None


class _Values:
    """Config values and the Hexo key each came from."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.origins: dict[str, str] = {}

    def put(self, key: str, value: object, source: str) -> None:
        if value is not None:
            self.values[key] = value
            self.origins[key] = source


def _site_keys(data: Mapping[str, object], out: _Values) -> None:
    """The site's own keys: address, titles, language, time zone."""
    url = text(data.get("url"))
    if url:
        out.put("site_url", _site_url(url, data.get("root")), "url + root")
    out.put("site_title", text(data.get("title")), "title")
    subtitle, description = text(data.get("subtitle")), text(data.get("description"))
    # As the plugin: the RSS channel description is `description`, the Atom subtitle
    # `subtitle`; each stands in for the other when it is missing.
    out.put(
        "site_description", description or subtitle, "description" if description else "subtitle"
    )
    out.put("site_subtitle", subtitle, "subtitle")
    out.put("author", text(data.get("author")), "author")
    language = data.get("language")
    if isinstance(language, list):
        language = language[0] if language else None
    out.put("language", text(language), "language")
    out.put("timezone", text(data.get("timezone")), "timezone")


def _post_keys(data: Mapping[str, object], out: _Values) -> None:
    """Where posts are published and which files are posts."""
    permalink = text(data.get("permalink"))
    out.put("permalink", permalink.lstrip("/") if permalink else None, "permalink")
    out.put("permalink_defaults", _string_map(data.get("permalink_defaults")), "permalink_defaults")
    for key in ("category_dir", "tag_dir"):
        out.put(key, text(data.get(key)), key)
    for key in ("category_map", "tag_map"):
        out.put(key, _string_map(data.get(key)), key)
    future = data.get("future")
    out.put("future", future if isinstance(future, bool) else None, "future")
    option = text(data.get("updated_option"))
    out.put(
        "updated_option", option if option in ("mtime", "date", "empty") else None, "updated_option"
    )
    out.put("hexo_ignore", _patterns(data.get("ignore")), "ignore")
    out.put("skip_render", _patterns(data.get("skip_render")), "skip_render")


def _markdown_keys(data: Mapping[str, object], out: _Values) -> None:
    """How Markdown posts are rendered: hexo-renderer-marked's ``marked:`` block (the
    options it documents; others are its own business), ``post_asset_folder`` and
    ``code_dir``."""
    marked = data.get("marked")
    if isinstance(marked, dict):
        known = {str(k): v for k, v in marked.items() if k in MARKED_DEFAULTS and v is not None}
        out.put("markdown", known or None, "marked")
    asset_folder = data.get("post_asset_folder")
    out.put(
        "post_asset_folder",
        asset_folder if isinstance(asset_folder, bool) else None,
        "post_asset_folder",
    )
    out.put("code_dir", text(data.get("code_dir")), "code_dir")


def hexo_values(data: Mapping[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """Config values from a Hexo ``_config.yml`` mapping, and the Hexo key of each.

    Besides the mapped keys, every Hexo site gets the values of :data:`SITE_MODE`
    (which the mapped keys override: ``updated_option`` names Hexo's default).
    """
    out = _Values()
    for key, (value, why) in SITE_MODE.items():
        out.put(key, value, why)
    _site_keys(data, out)
    _post_keys(data, out)
    _markdown_keys(data, out)
    feed = data.get("feed")
    if isinstance(feed, dict):
        known = Config.keys()
        for key, (value, source) in feed_values(feed).items():
            if key in known:
                out.put(key, value, source)
    return out.values, out.origins
