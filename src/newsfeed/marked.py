"""hexo-renderer-marked's options: their names, defaults and types, and the check of
the ``markdown`` configuration key that holds them (``marked:`` in ``_config.yml``)."""

from __future__ import annotations

import difflib
from collections.abc import Mapping

from newsfeed.errors import ConfigError
from newsfeed.model import FrozenDict, freeze_mapping

__all__ = ["MARKED_DEFAULTS", "check_markdown"]

#: hexo-renderer-marked's options (the ``marked:`` block of ``_config.yml``, its README)
#: and their defaults (its ``index.js``); ``quotes`` unset means “”‘’.
MARKED_DEFAULTS: Mapping[str, object] = FrozenDict(
    {
        "gfm": True,
        "pedantic": False,
        "breaks": True,
        "smartLists": True,
        "smartypants": True,
        "quotes": "",
        "modifyAnchors": 0,
        "autolink": True,
        "mangle": True,
        "sanitizeUrl": False,
        "dompurify": False,
        "headerIds": True,
        "anchorAlias": False,
        "lazyload": False,
        "figcaption": False,
        "prependRoot": True,
        "postAsset": False,
        "external_link": FrozenDict({"enable": False, "exclude": (), "nofollow": False}),
        "disableNunjucks": False,
        "descriptionLists": True,
    }
)


def check_markdown(value: object) -> FrozenDict:
    """The ``markdown`` key: known hexo-renderer-marked options, each of its type."""
    if not isinstance(value, Mapping):
        raise ConfigError("markdown", f"must be a mapping of options, got {value!r}", value)
    for name, option in value.items():
        if name not in MARKED_DEFAULTS:
            close = difflib.get_close_matches(str(name), MARKED_DEFAULTS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError("markdown", f"unknown option {name!r}{hint}", value)
        default = MARKED_DEFAULTS[name]
        kinds: tuple[type, ...] = (Mapping,) if isinstance(default, Mapping) else (type(default),)
        if name == "dompurify":
            kinds = (bool, Mapping)
        wrong = isinstance(option, bool) and bool not in kinds
        if wrong or not isinstance(option, kinds):
            expected = " or ".join(_KIND_NAMES[kind] for kind in kinds)
            raise ConfigError(f"markdown.{name}", f"must be {expected}, got {option!r}", option)
    return freeze_mapping(value)


_KIND_NAMES: dict[type, str] = {
    bool: "true or false",
    str: "text",
    int: "a number",
    Mapping: "a mapping",
}
