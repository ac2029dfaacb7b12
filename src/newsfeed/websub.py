"""WebSub publishing: tell the hub which feeds changed. Standard library only.

The W3C WebSub recommendation leaves the publisher-to-hub notification open; every
common hub (Google's pubsubhubbub.appspot.com, Superfeedr, Switchboard, WebSubHub)
follows PubSubHubbub 0.3/0.4: an ``application/x-www-form-urlencoded`` POST with
``hub.mode=publish`` and the topic in ``hub.url``, which "may be repeated to indicate
multiple topics". So one build sends one request listing every changed feed (split
in batches of :data:`BATCH` topics so a first build of a large site stays a
reasonable request). Any 2xx answer is success. A failure is returned as text,
never raised: a hub being down must not fail a build whose files are written.
"""

from __future__ import annotations

import logging
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Sequence

from newsfeed._version import __version__
from newsfeed.config import Config
from newsfeed.feeds import ARCHIVE_DIR, output_url

__all__ = ["BATCH", "ping_hub", "topic_urls"]

log = logging.getLogger("newsfeed")

BATCH = 100
_MONTH = re.compile(r"\d{4}-\d{2}")


def topic_urls(written: Iterable[str], config: Config) -> list[str]:
    """The served URLs of the subscription feeds among ``written`` output paths.

    A topic is any written feed document (``.xml`` or ``.json``) except the OPML
    list and RFC 5005 archive documents (``<feed>/archive/<YYYY-MM>/...``): nobody
    subscribes to those, and they carry no hub link.
    """
    urls = []
    for relpath in written:
        parts = relpath.split("/")
        if not parts[-1].endswith((".xml", ".json")):
            continue
        if (
            config.archive
            and len(parts) >= 3
            and parts[-3] == ARCHIVE_DIR
            and _MONTH.fullmatch(parts[-2])
        ):
            continue
        urls.append(output_url(config.site_url, relpath))
    return sorted(set(urls))


def ping_hub(hub: str, topics: Sequence[str], timeout: float = 10.0) -> list[str]:
    """POST ``hub.mode=publish`` for ``topics`` to ``hub``; returns failure messages."""
    failures = []
    for start in range(0, len(topics), BATCH):
        batch = topics[start : start + BATCH]
        body = urllib.parse.urlencode(
            [("hub.mode", "publish"), *(("hub.url", t) for t in batch)]
        ).encode("ascii")
        request = urllib.request.Request(
            hub,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": f"newsfeed/{__version__}",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                status = answer.status
        except urllib.error.HTTPError as exc:
            failures.append(f"hub {hub} answered {exc.code} {exc.reason} for {len(batch)} feeds")
            continue
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            failures.append(f"hub {hub} unreachable: {reason}")
            continue
        if not 200 <= status < 300:
            failures.append(f"hub {hub} answered {status} for {len(batch)} feeds")
        else:
            log.info("pinged %s with %d feeds", hub, len(batch))
    return failures
