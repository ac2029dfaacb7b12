"""Where the configuration comes from, in order of precedence (later wins):

1. defaults (:class:`~newsfeed.config.Config`);
2. a Hexo site's ``_config.yml`` (only the keys newsfeed maps, see :data:`HEXO_KEYS`;
   every other Hexo key is ignored, with a debug log);
3. ``newsfeed.toml``, or ``[tool.newsfeed]`` in ``pyproject.toml``: the first found in
   the site/source folder, else in the current directory (``--config FILE`` names
   one explicitly). Unknown keys are errors;
4. environment variables ``NEWSFEED_<KEY>`` (``NEWSFEED_LIMIT=20``), typed from the
   key: ints, booleans (``true/false/1/0/yes/no/on/off``), lists as JSON or
   comma-separated, mappings as JSON, an empty value for "unset". Unknown names are
   errors;
5. command-line flags.

:func:`resolve` returns the validated :class:`Config` and, for every key, where its
value came from (``newsfeed config`` prints both).
"""

from __future__ import annotations

import json
import logging
import os
import posixpath
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, get_args, get_type_hints

from newsfeed.arguments import expect_path
from newsfeed.config import MARKED_DEFAULTS, Config, unknown_key
from newsfeed.errors import ConfigError, SourceError
from newsfeed.model import FrozenDict

__all__ = [
    "ENV_PREFIX",
    "HEXO_KEYS",
    "HexoSite",
    "Settings",
    "find_hexo_site",
    "hexo_values",
    "load_config",
    "parse_value",
    "resolve",
]

log = logging.getLogger("newsfeed")

ENV_PREFIX = "NEWSFEED_"
HEXO_CONFIG = "_config.yml"
TOML_NAME = "newsfeed.toml"
PYPROJECT = "pyproject.toml"

#: The ``_config.yml`` keys newsfeed reads (``feed`` is hexo-generator-feed's block).
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
    "feed",
    # Markdown bodies (hexo-renderer-marked's block, post assets, include_code)
    "marked",
    "post_asset_folder",
    "code_dir",
)
#: hexo-generator-feed's defaults, applied when ``_config.yml`` has a ``feed:`` block.
HEXO_FEED_LIMIT = 20

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True, slots=True)
class HexoSite:
    """A Hexo site folder: ``_config.yml`` plus ``source/_posts``."""

    root: Path
    config_file: Path
    posts_dir: Path
    public_dir: Path


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective configuration and where each value came from."""

    config: Config
    origins: Mapping[str, str]
    files: tuple[Path, ...] = ()
    hexo: HexoSite | None = None
    ignored: tuple[str, ...] = field(default=())


def find_hexo_site(path: Path) -> HexoSite | None:
    """The Hexo site at ``path`` (a folder with ``_config.yml`` and its posts folder)."""
    config_file = path / HEXO_CONFIG
    if not config_file.is_file():
        return None
    from newsfeed.sources.yaml_data import read_yaml_mapping  # YAML: only when there is a file

    data = read_yaml_mapping(config_file)
    source = _folder(data.get("source_dir"), "source")
    public = _folder(data.get("public_dir"), "public")
    posts = path / source / "_posts"
    if not posts.is_dir():
        return None
    return HexoSite(path, config_file, posts, path / public)


def _folder(value: object, default: str) -> str:
    text = str(value).strip().strip("/") if isinstance(value, str | int) else ""
    parts = text.split("/")
    if not text or any(p in ("", ".", "..") for p in parts):
        return default
    return text


# ---------------------------------------------------------------------------- Hexo


def _text(value: object) -> str | None:
    """A Hexo scalar as text; None for empty or missing values."""
    if value is None or isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip()
    return text or None


def _site_url(url: str, root: object) -> str:
    """Hexo's address of the site root: ``url`` (which includes any sub-folder in
    Hexo 5+), or ``url`` + ``root`` for older sites whose ``url`` omits it."""
    base = url.rstrip("/")
    root_path = "/" + (_text(root) or "/").strip("/") + "/"
    path = urllib.parse.urlsplit(base).path.rstrip("/") + "/"
    if root_path != "/" and not path.endswith(root_path):
        base += root_path.rstrip("/")
    return base + "/"


def _string_map(value: object) -> dict[str, str] | None:
    if not isinstance(value, dict):
        return None
    return {str(k): t for k, v in value.items() if (t := _text(v)) is not None}


def _feed_paths(feed: Mapping[str, Any]) -> dict[str, str]:
    """hexo-generator-feed's type/path rules: which format is written where."""
    kind = feed.get("type")
    types: list[str]
    if isinstance(kind, list):
        types = list(dict.fromkeys(t for t in kind if t in ("atom", "rss2"))) or ["atom"]
    else:
        types = [kind if kind in ("atom", "rss2") else "atom"]
    raw = feed.get("path")
    paths: list[str]
    if isinstance(raw, list) and isinstance(kind, list):
        paths = [str(p) for p in raw][: len(types)]
        paths += [f"{t}.xml" for t in types[len(paths) :]]
    elif isinstance(raw, str) and raw.strip() and not isinstance(kind, list):
        paths = [raw.strip()]
    else:
        paths = [f"{t}.xml" for t in types]
    result = {}
    for kind_name, path in zip(types, paths, strict=True):
        path = path.lstrip("/")
        if not posixpath.splitext(path)[1]:
            path += ".xml"
        result["site_atom_path" if kind_name == "atom" else "site_rss_path"] = path
    return result


def hexo_values(data: Mapping[str, object]) -> tuple[dict[str, object], dict[str, str]]:
    """Config values from a Hexo ``_config.yml`` mapping, and the Hexo key of each."""
    values: dict[str, object] = {}
    origin: dict[str, str] = {}

    def put(key: str, value: object, source: str) -> None:
        if value is not None:
            values[key] = value
            origin[key] = source

    url = _text(data.get("url"))
    if url:
        put("site_url", _site_url(url, data.get("root")), "url + root")
    put("site_title", _text(data.get("title")), "title")
    subtitle, description = _text(data.get("subtitle")), _text(data.get("description"))
    put("site_description", subtitle or description, "subtitle" if subtitle else "description")
    put("author", _text(data.get("author")), "author")
    language = data.get("language")
    if isinstance(language, list):
        language = language[0] if language else None
    put("language", _text(language), "language")
    put("timezone", _text(data.get("timezone")), "timezone")
    permalink = _text(data.get("permalink"))
    put("permalink", permalink.lstrip("/") if permalink else None, "permalink")
    put("permalink_defaults", _string_map(data.get("permalink_defaults")), "permalink_defaults")
    for key in ("category_dir", "tag_dir"):
        put(key, _text(data.get(key)), key)
    for key in ("category_map", "tag_map"):
        put(key, _string_map(data.get(key)), key)

    _markdown_values(data, put)
    feed = data.get("feed")
    if isinstance(feed, dict):
        limit = feed.get("limit", HEXO_FEED_LIMIT)
        if limit is False or limit is None:
            limit = 0
        put("limit", limit, "feed.limit" if "limit" in feed else "feed (default limit)")
        if "content" in feed and feed["content"] is not None:
            put("content", feed["content"], "feed.content")
        if feed.get("content_limit") is not None:
            put("summary_length", feed["content_limit"], "feed.content_limit")
        put("hub", _text(feed.get("hub")), "feed.hub")
        put("icon", _text(feed.get("icon")), "feed.icon")
        for key, path in _feed_paths(feed).items():
            put(key, path, "feed.type + feed.path")
    return values, origin


def _markdown_values(data: Mapping[str, object], put: Any) -> None:
    """The keys of Markdown rendering: hexo-renderer-marked's ``marked:`` block (the
    options it documents; others are its own business), ``post_asset_folder``,
    ``code_dir``, and hexo-generator-feed's ``content_limit_delim`` (a space is a
    delimiter, so it is not stripped)."""
    marked = data.get("marked")
    if isinstance(marked, dict):
        known = {str(k): v for k, v in marked.items() if k in MARKED_DEFAULTS and v is not None}
        put("markdown", known or None, "marked")
    if isinstance(data.get("post_asset_folder"), bool):
        put("post_asset_folder", data["post_asset_folder"], "post_asset_folder")
    put("code_dir", _text(data.get("code_dir")), "code_dir")
    feed = data.get("feed")
    delimiter = feed.get("content_limit_delim") if isinstance(feed, dict) else None
    if isinstance(delimiter, str) and delimiter:
        put("summary_delimiter", delimiter, "feed.content_limit_delim")


# ---------------------------------------------------------------------------- TOML


def _read_toml(path: Path, table: bool) -> dict[str, object] | None:
    import tomllib  # only when there is a file to read: 7 ms of a warm build otherwise

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError(path.name, f"cannot read {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path.name, f"invalid TOML: {exc}", str(path)) from exc
    if not table:
        return data
    section = data.get("tool", {}).get("newsfeed")
    if section is None:
        return None
    if not isinstance(section, dict):
        raise ConfigError(path.name, "[tool.newsfeed] must be a table", str(path))
    return section


def find_toml(folders: list[Path]) -> tuple[Path, dict[str, object]] | None:
    """The first ``newsfeed.toml`` (or ``pyproject.toml`` with ``[tool.newsfeed]``)."""
    seen: set[Path] = set()
    for folder in folders:
        key = folder.resolve()
        if key in seen:
            continue
        seen.add(key)
        if (folder / TOML_NAME).is_file():
            return folder / TOML_NAME, _read_toml(folder / TOML_NAME, table=False) or {}
        if (folder / PYPROJECT).is_file():
            section = _read_toml(folder / PYPROJECT, table=True)
            if section is not None:
                return folder / PYPROJECT, section
    return None


# ---------------------------------------------------------------------------- env


def parse_value(key: str, text: str) -> object:
    """Text (an environment variable, a ``--set`` flag) typed for config key ``key``."""
    hints = get_type_hints(Config)
    if key not in hints:
        raise unknown_key(key, text)
    hint = hints[key]
    args = get_args(hint)
    if type(None) in args:
        if not text.strip():
            return None
        hint = next(a for a in args if a is not type(None))
    if hint is bool:
        word = text.strip().lower()
        if word in _TRUE | _FALSE:
            return word in _TRUE
        raise ConfigError(key, f"must be true or false (or 1/0, yes/no, on/off), got {text!r}")
    if hint is int:
        try:
            return int(text.strip())
        except ValueError:
            raise ConfigError(key, f"must be a whole number, got {text!r}", text) from None
    if hint is FrozenDict:
        try:
            data = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError:
            data = None
        if not isinstance(data, dict):
            raise ConfigError(key, f'must be a JSON object such as {{"name": "slug"}}: {text!r}')
        return data
    if getattr(hint, "__origin__", None) is tuple:
        stripped = text.strip()
        if stripped.startswith("["):
            try:
                data = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise ConfigError(key, f"invalid JSON list: {exc}", text) from exc
            if not isinstance(data, list):
                raise ConfigError(key, "must be a list", text)
            return data
        return [part.strip() for part in stripped.split(",") if part.strip()]
    return text


def env_values(environ: Mapping[str, str]) -> tuple[dict[str, object], dict[str, str]]:
    """Config values from ``NEWSFEED_*`` variables, and the variable of each."""
    values: dict[str, object] = {}
    origin: dict[str, str] = {}
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        key = name[len(ENV_PREFIX) :].lower()
        try:
            values[key] = parse_value(key, environ[name])
        except ConfigError as exc:
            raise ConfigError(name, exc.message, environ[name]) from exc
        origin[key] = f"environment {name}"
    return values, origin


# ---------------------------------------------------------------------------- resolve


def resolve(
    source: Path | None = None,
    *,
    flags: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config_file: Path | None = None,
) -> Settings:
    """The effective configuration for building ``source`` (a Hexo site or a posts folder).

    ``flags`` are command-line values (None means "not given"). Raises
    :class:`ConfigError` naming the key, the value, what is allowed and where the
    value was set.
    """
    environ = os.environ if environ is None else environ
    cwd = Path.cwd() if cwd is None else cwd
    values: dict[str, object] = {}
    origins: dict[str, str] = {}
    files: list[Path] = []
    ignored: tuple[str, ...] = ()

    hexo = find_hexo_site(source) if source is not None else None
    if hexo is not None:
        from newsfeed.sources.yaml_data import read_yaml_mapping  # YAML: only when there is a file

        data = read_yaml_mapping(hexo.config_file)
        found, where = hexo_values(data)
        values.update(found)
        origins.update({k: f"{HEXO_CONFIG} ({v})" for k, v in where.items()})
        # Hexo writes index.html into every category/tag folder: never overwrite them.
        values["pages"] = False
        origins["pages"] = "Hexo site (its own pages)"
        files.append(hexo.config_file)
        ignored = tuple(sorted(k for k in data if k not in HEXO_KEYS))
        if ignored:
            log.debug("%s: keys newsfeed does not use: %s", hexo.config_file, ", ".join(ignored))

    toml: tuple[Path, dict[str, object]] | None
    if config_file is not None:
        is_pyproject = config_file.name == PYPROJECT
        table = _read_toml(config_file, table=is_pyproject)
        toml = (config_file, table or {})
    else:
        folders = [source] if source is not None and source.is_dir() else []
        toml = find_toml([*folders, cwd])
    if toml is not None:
        path, table = toml
        label = f"{path.name} [tool.newsfeed]" if path.name == PYPROJECT else path.name
        known = Config.keys()
        for key, value in table.items():
            if key not in known:
                raise unknown_key(key, value, label)
            values[key] = value
            origins[key] = label
        files.append(path)

    found, where = env_values(environ)
    values.update(found)
    origins.update(where)

    for key, value in (flags or {}).items():
        if value is not None:
            values[key] = value
            origins[key] = f"command line ({_flag(key)})"

    try:
        config = Config.from_mapping(values)
    except ConfigError as exc:
        where_set = origins.get(exc.key)
        suffix = f" (set in {where_set})" if where_set else ""
        raise ConfigError(exc.key, exc.message + suffix, exc.value) from exc
    full = {key: origins.get(key, "default") for key in Config.keys()}  # noqa: SIM118
    return Settings(config, MappingProxyType(full), tuple(files), hexo, ignored)


def _flag(key: str) -> str:
    return "--" + key.replace("_", "-")


def load_config(path_or_site: str | os.PathLike[str]) -> Config:
    """The configuration ``newsfeed build PATH`` uses (without flags) for ``path_or_site``:

    - a Hexo site folder: its ``_config.yml``, then a ``newsfeed.toml`` (or
      ``pyproject.toml`` with ``[tool.newsfeed]``) in it;
    - a posts folder: a ``newsfeed.toml`` (or ``pyproject.toml``) in it;
    - a TOML file: that file (``newsfeed.toml``, or ``pyproject.toml``'s
      ``[tool.newsfeed]`` table).

    For a folder without a TOML file, the current directory's is read; the
    ``NEWSFEED_<KEY>`` environment variables apply on top, as for the command line.
    Raises :class:`ConfigError` for an unknown key or an invalid value (saying where
    it was set), :class:`SourceError` when ``path_or_site`` does not exist, and
    :class:`TypeError` when it is not a path.
    """
    path = expect_path("path_or_site", path_or_site)
    if path.is_file():
        return resolve(None, config_file=path).config
    if path.is_dir():
        return resolve(path).config
    raise SourceError(f"{str(path)!r} is neither a folder nor a configuration file", path=path)
