"""A Hexo post as its tag plugins see it: the site, the article's URL, its asset
folder (``post_asset_folder``), and what rendering found (standard library only)."""

from __future__ import annotations

import posixpath
import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from newsfeed.model import Asset

__all__ = ["Post", "find_asset", "inside", "lookup_asset", "url_for"]


@dataclass
class Post:
    """What the tags of one post may use, and what they found.

    ``render(markdown, depth)`` renders a block tag's content (``blockquote``);
    ``root`` is the source folder (None: no file is ever read).
    """

    source: str
    link: str
    site_url: str
    root: Path | None
    post_asset_folder: bool
    code_dir: str
    render: Callable[[str, int], str]
    assets: dict[str, Asset] = field(default_factory=dict)
    problems: dict[tuple[str, str], int] = field(default_factory=dict)

    def warn(self, message: str, action: str) -> None:
        """Report a problem once, counting repeats."""
        self.problems[message, action] = self.problems.get((message, action), 0) + 1


def url_for(post: Post, path: str) -> str:
    """Hexo's ``url_for``: a URL with a scheme or ``//`` as it is, else under the site
    root (``url`` + ``root``), made absolute here."""
    if path.startswith(("#", "//")) or re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", path):
        return path
    return post.site_url + re.sub(r"/{2,}", "/", path).lstrip("/")


def find_asset(post: Post, slug: str, tag: str) -> Asset | None:
    """The file ``slug`` of the post's asset folder (``hello/`` for ``hello.md``), with
    the URL Hexo publishes it at: the article's permalink (``.html`` dropped) + slug.
    A missing or unusable file is reported for ``tag`` and gives None."""
    if not post.post_asset_folder:
        post.warn(f"{tag}: post assets need post_asset_folder", "left it out")
        return None
    asset = lookup_asset(post, slug)
    if asset is None:
        folder = posixpath.splitext(post.source)[0] + "/"
        post.warn(f"{tag}: {slug!r} is not in the asset folder {folder!r}", "left it out")
    return asset


def lookup_asset(post: Post, slug: str) -> Asset | None:
    """:func:`find_asset` without reporting anything."""
    parts = slug.replace("\\", "/").strip("/").split("/")
    if not slug or any(part in ("", ".", "..") or part.startswith(".") for part in parts):
        return None
    name = "/".join(parts)
    if name in post.assets:
        return post.assets[name]
    folder = posixpath.splitext(post.source)[0]
    if post.root is None or not inside(post.root / folder / name, post.root / folder, post.root):
        return None
    link = urllib.parse.urlsplit(post.link)
    base = re.sub(r"\.html?$", "", link.path).rstrip("/") + "/"
    url = urllib.parse.urlunsplit((link.scheme, link.netloc, base, "", ""))
    asset = Asset(f"{folder}/{name}", url + urllib.parse.quote(name, safe="/"))
    post.assets[name] = asset
    return asset


def inside(path: Path, *folders: Path) -> bool:
    """``path`` is a regular file inside each of ``folders`` once every link is resolved
    (a linked folder that leads out of the source folder does not count)."""
    try:
        real = path.resolve(strict=True)
        return path.is_file() and all(real.is_relative_to(f.resolve()) for f in folders)
    except (OSError, RuntimeError):
        return False
