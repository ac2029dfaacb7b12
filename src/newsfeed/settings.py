"""Where the configuration comes from, in order of precedence (later wins):

1. defaults (:class:`~newsfeed.config.Config`);
2. a Hexo site's ``_config.yml`` (only the keys newsfeed maps, see
   :mod:`newsfeed.hexo.site`; every other Hexo key is ignored, with a debug log);
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
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import get_args, get_type_hints

from newsfeed.arguments import expect_path
from newsfeed.config import Config, unknown_key
from newsfeed.errors import ConfigError, SourceError
from newsfeed.hexo.site import (
    HEXO_CONFIG,
    HEXO_KEYS,
    HexoSite,
    find_hexo_site,
    hexo_values,
    read_site_config,
)
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
TOML_NAME = "newsfeed.toml"
PYPROJECT = "pyproject.toml"

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


@dataclass(frozen=True, slots=True)
class Settings:
    """The effective configuration and where each value came from."""

    config: Config
    origins: Mapping[str, str]
    files: tuple[Path, ...] = ()
    hexo: HexoSite | None = None
    ignored: tuple[str, ...] = field(default=())


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


class _Layers:
    """Values and their origins, each layer on top of the ones before."""

    def __init__(self) -> None:
        self.values: dict[str, object] = {}
        self.origins: dict[str, str] = {}
        self.files: list[Path] = []

    def add(self, values: Mapping[str, object], origins: Mapping[str, str]) -> None:
        self.values.update(values)
        self.origins.update(origins)

    def config(self) -> Config:
        try:
            return Config.from_mapping(self.values)
        except ConfigError as exc:
            where_set = self.origins.get(exc.key)
            # "command line (--limit)" reads "set in command line, --limit": no nested brackets
            where_set = where_set.replace(" (", ", ").removesuffix(")") if where_set else None
            suffix = f" (set in {where_set})" if where_set else ""
            raise ConfigError(exc.key, exc.message + suffix, exc.value) from exc


def _hexo_layer(hexo: HexoSite, layers: _Layers) -> tuple[str, ...]:
    """A Hexo site's ``_config.yml`` as the lowest layer; the keys it does not map."""
    data = read_site_config(hexo.config_file)
    found, where = hexo_values(data)
    labels = {
        k: v if v.startswith("Hexo site") else f"{HEXO_CONFIG} ({v})" for k, v in where.items()
    }
    layers.add(found, labels)
    layers.files.append(hexo.config_file)
    ignored = tuple(sorted(k for k in data if k not in HEXO_KEYS))
    if ignored:
        log.debug("%s: keys newsfeed does not use: %s", hexo.config_file, ", ".join(ignored))
    return ignored


def _toml_layer(source: Path | None, cwd: Path, config_file: Path | None, layers: _Layers) -> None:
    """The TOML file named, or the first found in the source folder or ``cwd``."""
    toml: tuple[Path, dict[str, object]] | None
    if config_file is not None:
        table = _read_toml(config_file, table=config_file.name == PYPROJECT)
        toml = (config_file, table or {})
    else:
        folders = [source] if source is not None and source.is_dir() else []
        toml = find_toml([*folders, cwd])
    if toml is None:
        return
    path, table = toml
    label = f"{path.name} [tool.newsfeed]" if path.name == PYPROJECT else path.name
    known = Config.keys()
    for key in table:
        if key not in known:
            raise unknown_key(key, table[key], label)
    layers.add(table, dict.fromkeys(table, label))
    layers.files.append(path)


def resolve(
    source: Path | None = None,
    *,
    flags: Mapping[str, object] | None = None,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    config_file: Path | None = None,
    flag_names: Mapping[str, str] | None = None,
) -> Settings:
    """The effective configuration for building ``source`` (a Hexo site or a posts folder).

    ``flags`` are command-line values (None means "not given"); ``flag_names`` says how
    a key was given when that was not its own flag (``--set content=false``). Raises
    :class:`ConfigError` naming the key, the value, what is allowed and where the
    value was set.
    """
    layers = _Layers()
    hexo = find_hexo_site(source) if source is not None else None
    ignored = _hexo_layer(hexo, layers) if hexo is not None else ()
    _toml_layer(source, Path.cwd() if cwd is None else cwd, config_file, layers)
    layers.add(*env_values(os.environ if environ is None else environ))
    given = {key: value for key, value in (flags or {}).items() if value is not None}
    names = flag_names or {}
    layers.add(given, {key: f"command line ({names.get(key) or _flag(key)})" for key in given})
    config = layers.config()
    full = {key: layers.origins.get(key, "default") for key in Config.keys()}  # noqa: SIM118
    return Settings(config, MappingProxyType(full), tuple(layers.files), hexo, ignored)


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
