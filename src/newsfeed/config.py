"""The one configuration object: frozen, validated on construction.

Every field carries a ``doc`` in its metadata; ``docs/configuration.md`` is generated
from them (see ``newsfeed.config.reference_markdown``). Unknown keys are rejected
with a suggestion, invalid values name the key, the value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal, get_type_hints
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from newsfeed.config_checks import check_icon, check_permalink, check_site_feed_path, check_type
from newsfeed.errors import ConfigError
from newsfeed.marked import MARKED_DEFAULTS, check_markdown
from newsfeed.model import FrozenDict

__all__ = [
    "FORMAT_NAMES",
    "ORDER_FIELDS",
    "Config",
    "unknown_key",
]

DatePolicy = Literal["fallback", "skip", "mtime"]
LinkTo = Literal["page", "source"]
ItemId = Literal["uuid", "permalink"]
UpdatedOption = Literal["mtime", "date", "empty"]

#: The feed formats newsfeed writes (``Config.formats``).
FORMAT_NAMES = ("rss", "atom", "json")
#: The fields a feed can be ordered by (``Config.order_by``, Hexo's ``order_by``).
ORDER_FIELDS = ("date", "updated", "title")

SINA_QR = r"^https?://n\.sinaimg\.cn/finance/cece9e13/20200514/343233024\.png$"

DEFAULT_IMAGE_DENY: tuple[str, ...] = (
    SINA_QR,
    r"^https?://picsum\.photos/",
    r"/undefined$",
)
DEFAULT_UNWRAP: tuple[str, ...] = ("https://cors.zfour.workers.dev/?",)
DEFAULT_BOILERPLATE: tuple[str, ...] = (".appendQr_wrap", "div.video-2017")


def _doc(text: str, **kw: Any) -> Any:
    return field(metadata={"doc": text}, **kw)


@dataclass(frozen=True, slots=True)
class Config:
    """Settings for reading posts and publishing feeds. Validated on construction:
    an unknown key or an invalid value raises :class:`ConfigError`."""

    def __new__(cls, *args: Any, **kwargs: Any) -> Config:
        # Before the generated __init__, whose TypeError would say nothing useful.
        for key in kwargs:
            if key not in cls.__dataclass_fields__:
                raise unknown_key(key, kwargs[key])
        return object.__new__(cls)

    site_url: str = _doc(
        "Absolute URL the output folder is served at; every link, guid and self link "
        "is built on it. The default suits `newsfeed serve` on port 8000.",
        default="http://localhost:8000/",
    )
    site_title: str = _doc(
        "Site title; feed titles are this plus the category path.", default="newsfeed"
    )
    site_description: str = _doc(
        "Site description, used in feed descriptions.", default="News feeds"
    )
    author: str = _doc(
        "Feed author (Atom requires one); articles without an author use it too.",
        default="newsfeed",
    )
    language: str = _doc("Feed language, a BCP 47 tag such as `zh-CN` or `en`.", default="zh-CN")
    timezone: str = _doc("IANA time zone in which dates without an offset are read.", default="UTC")
    permalink: str = _doc(
        "Hexo permalink pattern of article links, relative to `site_url`. Tokens: "
        ":year :month :day :i_month :i_day :hour :minute :second :title :name :post_title "
        ":category :id. A front-matter `permalink` wins.",
        default=":year/:month/:day/:title/",
    )
    permalink_defaults: FrozenDict = _doc(
        "Values of permalink tokens that neither the post nor the date provide, such as "
        "`lang` (Hexo `permalink_defaults`).",
        default_factory=FrozenDict,
    )
    limit: int = _doc("Items per feed, newest first; 0 publishes every item.", default=50)
    content: bool = _doc(
        "Put each article's full cleaned HTML in the feeds (`content:encoded`, Atom "
        "`content`, JSON `content_html`); when off, items carry only the summary "
        "(hexo-generator-feed `content`).",
        default=True,
    )
    site_rss_path: str = _doc(
        "Path of the site-wide RSS 2.0 feed in the output folder (hexo-generator-feed "
        "writes `rss2.xml`). Category and tag feeds are always `rss.xml` in their folder. "
        "Neither site feed path may name a file newsfeed writes itself (`index.html`, "
        "`feeds.opml`, `feed.json`, `.newsfeed-*`) or lie in the category, tag or archive folders.",
        default="rss.xml",
    )
    site_atom_path: str = _doc(
        "Path of the site-wide Atom 1.0 feed in the output folder (hexo-generator-feed's "
        "default is `atom.xml` too).",
        default="atom.xml",
    )
    formats: tuple[str, ...] = _doc(
        "Feed formats written for every feed: `rss`, `atom`, `json` (JSON Feed 1.1); "
        "in Hexo site mode from the plugin's `feed.type`.",
        default=FORMAT_NAMES,
    )
    item_id: ItemId = _doc(
        "Item ids (Atom `id`, RSS `guid`): `uuid` from the site and the post's path (a "
        "front-matter `guid`/`id` wins); `permalink` as hexo-generator-feed (feed id: "
        "the page URL), the default in Hexo site mode: migrating announces nothing new.",
        default="uuid",
    )
    order_by: str = _doc(
        "Item order (Hexo `feed.order_by`): `date`, `updated`, `title`; `-` descends.",
        default="-date",
    )
    future: bool = _doc(
        "Publish posts dated in the future (Hexo `future`). When off, such a post is "
        "reported as scheduled and published by the first build after its date.",
        default=True,
    )
    updated_option: UpdatedOption = _doc(
        "The `updated` date of a post without one in its front matter (Hexo "
        "`updated_option`): `mtime` is the file's modification time (Hexo's default), "
        "`date` and `empty` its publication date (the plugin writes the date for both).",
        default="date",
    )
    autodiscovery: bool = _doc(
        'Hexo site mode: add the site feeds\' `<link rel="alternate">` to every page '
        "Hexo wrote that lacks one (plugin `autodiscovery`; build after `hexo generate`).",
        default=False,
    )
    hexo_hidden: bool = _doc(
        "Hexo's rules for posts: skip paths with a segment starting with `_` or `.` (off: "
        "only `.`), take only files Hexo renders (Markdown, HTML; with `post_asset_folder` "
        "only `.md`). On in Hexo site mode.",
        default=False,
    )
    hexo_ignore: tuple[str, ...] = _doc(
        "Glob patterns (Hexo `ignore`) on each file's and folder's absolute path: no posts.",
        default=(),
    )
    skip_render: tuple[str, ...] = _doc(
        "Glob patterns (Hexo `skip_render`); a post matches as `_posts/<path>`: no post.",
        default=(),
    )
    site_subtitle: str | None = _doc(
        "Subtitle of the site-wide Atom feed (Hexo `subtitle`); by default "
        "`site_description`, which stays the RSS channel description.",
        default=None,
    )
    pages: bool = _doc(
        "Write HTML pages: one per feed folder, the site index, and each article's own at its "
        "permalink, with its post assets. Off in Hexo site mode (Hexo writes its own pages).",
        default=True,
    )
    source_url_keys: tuple[str, ...] = _doc(
        "Front-matter keys that hold the URL of the original of a crawled article (often "
        "`link`, `url` or `source`), tried in order; the first absolute http(s) URL is the "
        "original: the article's page links to it, RSS and Atom items carry it as "
        '`link rel="via"`, JSON Feed items as `external_url`.',
        default=(),
    )
    link_to: LinkTo = _doc(
        "Item links (RSS `link`, Atom `alternate`, JSON Feed `url`): `page`, the article's "
        "own page, or `source`, its original when it has one (RSSHub's feeds do so).",
        default="page",
    )
    icon: str | None = _doc(
        "Feed icon (Atom `icon`, RSS `image`): an absolute http(s) URL or a path under `site_url` "
        "(hexo-generator-feed `icon`).",
        default=None,
    )
    date_policy: DatePolicy = _doc(
        "A bad date: `fallback` dates the post (warned) by OUT's first-seen record, else the "
        "commit that added it, else its first sight; `skip` leaves it out (`mtime`: old name).",
        default="fallback",
    )
    category_dir: str = _doc(
        "Output folder of category feeds (Hexo `category_dir`).", default="categories"
    )
    tag_dir: str = _doc("Output folder of tag feeds (Hexo `tag_dir`).", default="tags")
    category_map: FrozenDict = _doc(
        "Category name -> slug overrides (Hexo `category_map`).", default_factory=FrozenDict
    )
    tag_map: FrozenDict = _doc(
        "Tag name -> slug overrides (Hexo `tag_map`).", default_factory=FrozenDict
    )
    image_proxy: str | None = _doc(
        "Optional image proxy URL template containing `{url}` (the percent-encoded "
        "image URL), applied to body images, enclosures and thumbnails alike.",
        default=None,
    )
    unwrap_proxies: tuple[str, ...] = _doc(
        "Proxy prefixes whose wrapped URL is taken out (`PREFIX` + real URL).",
        default=DEFAULT_UNWRAP,
    )
    upgrade_http: bool = _doc("Rewrite `http://` image URLs to `https://`.", default=False)
    image_deny: tuple[str, ...] = _doc(
        "Regular expressions of image URLs that are never content (QR promos, "
        "placeholders); such images are dropped and never become the lead image.",
        default=DEFAULT_IMAGE_DENY,
    )
    boilerplate: tuple[str, ...] = _doc(
        "CSS selectors of boilerplate removed from every body (built-in Sina profile).",
        default=DEFAULT_BOILERPLATE,
    )
    embed_hosts: tuple[str, ...] = _doc(
        "Host names whose `<iframe>` embeds are kept (e.g. `www.youtube.com`); "
        "all other iframes are removed.",
        default=(),
    )
    summary_length: int = _doc(
        "Longest summary cut from the text (hexo-generator-feed `content_limit`); a "
        "front-matter summary or the text before `<!-- more -->` is used whole.",
        default=200,
    )
    summary_delimiter: str = _doc(
        "Cut such a summary before the last occurrence of this text within "
        "`summary_length` (hexo-generator-feed `content_limit_delim`); empty: at a word.",
        default="",
    )
    markdown: FrozenDict = _doc(
        "hexo-renderer-marked's options (`marked:` in `_config.yml`: `gfm`, `breaks`, "
        "`smartypants`...; the cookbook says which change the output).",
        default_factory=FrozenDict,
    )
    post_asset_folder: bool = _doc(
        "Each post's asset folder is named like its file (`hello.md` -> `hello/`), "
        "linked under the article's URL (Hexo `post_asset_folder`).",
        default=False,
    )
    code_dir: str = _doc(
        "The only folder `{% include_code %}` reads, under the folder holding `_posts` "
        "(else the source folder) (Hexo `code_dir`).",
        default="downloads/code",
    )
    encoding: str | None = _doc(
        "Encoding of the post files; by default UTF-8, else detected.", default=None
    )
    max_file_bytes: int = _doc(
        "Posts (and assets) larger than this are reported and skipped.", default=20 * 1024 * 1024
    )
    max_front_matter_chars: int = _doc(
        "Posts whose front matter is longer than this (in characters) are reported and skipped.",
        default=1_000_000,
    )
    max_title_chars: int = _doc("Longer titles are cut (with a warning).", default=500)
    max_feeds_per_post: int = _doc(
        "Feeds one post may appear in (category levels and tags, besides the site-wide "
        "feed); a post in more is left out of the rest (its last category levels, then "
        "its last tags), with a warning. Bounds what one post costs in output.",
        default=32,
    )
    max_item_content_chars: int = _doc(
        "Longest content of an item in category and tag feeds (the site-wide feed and the "
        "article's page carry it whole): a longer one is cut between or inside elements "
        "and ends with a link to the article, with a warning. Bounds what one post costs "
        "in output.",
        default=65_536,
    )
    max_body_elements: int = _doc(
        "HTML elements of one body that are cleaned and published; a longer body is cut "
        "between two elements, with a warning (cleaning costs about 0.1 ms and 1 kB of "
        "memory per element).",
        default=20_000,
    )
    jobs: int = _doc(
        "Worker processes that read front matter, clean HTML bodies and render feeds; "
        "0 uses every core. The output is the same for any number.",
        default=0,
    )
    cache: bool = _doc(
        "Keep an incremental build cache (SQLite) so that rebuilds cost only what changed.",
        default=True,
    )
    cache_path: str | None = _doc(
        "Where the build cache lives; by default `.newsfeed-cache.sqlite` inside the "
        "output folder. It can be deleted at any time.",
        default=None,
    )
    hub: str | None = _doc('WebSub hub URL announced in every feed (`rel="hub"`).', default=None)
    archive: bool = _doc(
        "Keep every item reachable through RFC 5005 archive documents linked from each "
        "feed (`prev-archive`).",
        default=False,
    )
    probe_images: bool = _doc(
        "Ask image servers for the size and type of each new image (one HEAD request per "
        "image, cached); off by default.",
        default=False,
    )
    probe_timeout: int = _doc("Seconds to wait for one image probe.", default=5)

    def __post_init__(self) -> None:
        hints = get_type_hints(Config)
        for f in fields(self):
            value = _thaw(getattr(self, f.name))
            object.__setattr__(self, f.name, value)
            if f.name == "markdown":
                object.__setattr__(self, f.name, check_markdown(value))
            else:
                check_type(f.name, value, hints[f.name])
        url = urllib.parse.urlsplit(self.site_url)
        if url.scheme not in ("http", "https") or not url.netloc:
            raise ConfigError("site_url", "must be an absolute http(s) URL", self.site_url)
        if not self.site_url.endswith("/"):
            object.__setattr__(self, "site_url", self.site_url + "/")
        self._check_values()
        self._check_paths()

    def _check_values(self) -> None:
        if self.date_policy == "mtime":  # the old name of `fallback`
            object.__setattr__(self, "date_policy", "fallback")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(
                "timezone",
                f"unknown time zone {self.timezone!r}; use an IANA name "
                "such as 'UTC' or 'Asia/Shanghai'",
                self.timezone,
            ) from exc
        if self.limit < 0:
            raise ConfigError("limit", "must be 0 (all) or a positive number", self.limit)
        if self.summary_length < 20:
            raise ConfigError("summary_length", "must be at least 20", self.summary_length)
        if self.jobs < 0:
            raise ConfigError("jobs", "must be 0 (every core) or a positive number", self.jobs)
        if self.hub is not None and not self.hub.startswith(("http://", "https://")):
            raise ConfigError("hub", "must be an absolute http(s) URL", self.hub)
        for name in (
            "max_file_bytes",
            "max_front_matter_chars",
            "max_title_chars",
            "max_body_elements",
            "max_feeds_per_post",
            "max_item_content_chars",
            "probe_timeout",
        ):
            if getattr(self, name) <= 0:
                raise ConfigError(name, "must be positive", getattr(self, name))
        if self.image_proxy is not None and "{url}" not in self.image_proxy:
            raise ConfigError("image_proxy", "must contain {url}", self.image_proxy)
        for pattern in self.image_deny:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(
                    "image_deny", f"invalid regular expression: {exc}", pattern
                ) from exc
        check_icon(self.icon)
        if self.encoding is not None:
            import codecs

            try:
                codecs.lookup(self.encoding)
            except LookupError as exc:
                raise ConfigError("encoding", "unknown encoding", self.encoding) from exc

    def _check_paths(self) -> None:
        for name in ("category_dir", "tag_dir", "code_dir"):
            value = getattr(self, name)
            parts = value.strip("/").split("/")
            if not value.strip("/") or any(p in ("", ".", "..") for p in parts):
                raise ConfigError(name, "must be a relative folder name", value)
        for name in ("site_rss_path", "site_atom_path"):
            value = getattr(self, name)
            parts = value.split("/")
            if "\\" in value or any(p in ("", ".", "..") for p in parts):
                raise ConfigError(name, "must be a relative file path such as 'atom.xml'", value)
        self._check_feed_choices()
        if not all(key.strip() for key in self.source_url_keys):
            raise ConfigError(
                "source_url_keys", "must name front-matter keys", self.source_url_keys
            )
        if self.site_rss_path == self.site_atom_path:
            raise ConfigError(
                "site_atom_path", "must differ from site_rss_path", self.site_atom_path
            )
        folders = [self.category_dir, self.tag_dir, *(["archive"] if self.archive else [])]
        for name in ("site_rss_path", "site_atom_path"):
            check_site_feed_path(name, getattr(self, name), folders)
        check_permalink(self.permalink)

    def marked(self, name: str) -> object:
        """The hexo-renderer-marked option ``name``: as set in ``markdown``, else its
        default (:data:`MARKED_DEFAULTS`)."""
        return self.markdown.get(name, MARKED_DEFAULTS[name])

    def _check_feed_choices(self) -> None:
        if not self.formats or len(set(self.formats)) != len(self.formats):
            raise ConfigError("formats", "must name each format once, at least one", self.formats)
        for name in self.formats:
            if name not in FORMAT_NAMES:
                allowed = ", ".join(map(repr, FORMAT_NAMES))
                raise ConfigError("formats", f"{name!r} is not one of {allowed}", self.formats)
        if self.order_by.lstrip("-") not in ORDER_FIELDS:
            allowed = ", ".join(f"{s}{f}" for f in ORDER_FIELDS for s in ("", "-"))
            raise ConfigError("order_by", f"must be one of {allowed}", self.order_by)

    @property
    def tz(self) -> ZoneInfo:
        """The configured time zone."""
        return ZoneInfo(self.timezone)

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        """Every configuration key."""
        return tuple(f.name for f in fields(cls))

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], base: Config | None = None) -> Config:
        """Build a config from plain data (TOML, YAML, environment), on top of ``base``.

        Unknown keys raise :class:`ConfigError` with a suggestion; lists become
        tuples and mappings become read-only.
        """
        values = {key: _thaw(value) for key, value in data.items()}
        return dataclasses.replace(base or cls(), **values)  # type: ignore[arg-type]


def unknown_key(key: str, value: object = None, where: str = "") -> ConfigError:
    """The error for ``key``, which is no configuration key: it suggests the closest
    one (``limt: unknown key; did you mean 'limit'?``) and says ``where`` it was set."""
    close = difflib.get_close_matches(key, Config.keys(), n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    place = f" (in {where})" if where else ""
    return ConfigError(key, f"unknown key{hint}{place}", value)


def _thaw(value: object) -> object:
    if isinstance(value, list):
        return tuple(value)
    if isinstance(value, Mapping) and not isinstance(value, FrozenDict):
        return FrozenDict({str(k): v for k, v in value.items()})
    return value
