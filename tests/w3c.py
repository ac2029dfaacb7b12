"""Run the W3C Feed Validator (w3c/feedvalidator) on documents of a built site.

Run as a script by ``sitecheck.w3c_messages``, in its own process: importing the
validator sets a process-wide socket timeout, which must not leak into the tests.

    python w3c.py VALIDATOR_FOLDER BASE_URL ROOT FILE...

prints one JSON object per line for every error and warning:
``{"file", "severity", "name", "line", "value", "text"}`` (``name`` is the message
name the online service shows, such as ``UriNotIri``), then ``{"checked": N}``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from urllib.parse import quote


def main(folder: str, base: str, root: str, files: list[str]) -> None:
    sys.path.insert(0, folder)
    import feedvalidator  # type: ignore[import-not-found]
    from feedvalidator.formatter.text_plain import (  # type: ignore[import-not-found]
        Formatter,
    )
    from feedvalidator.logging import Error, Warning  # type: ignore[import-not-found]

    for name in files:
        path = Path(name)
        # The URL the file is served at, percent-encoded as readers request it.
        url = base + quote(path.relative_to(root).as_posix())
        events = feedvalidator.validateString(path.read_bytes(), firstOccurrenceOnly=0, base=url)
        problems = [e for e in events["loggedEvents"] if isinstance(e, Error | Warning)]
        texts = Formatter(problems)
        for index, event in enumerate(problems):
            record = {
                "file": name,
                "severity": "error" if isinstance(event, Error) else "warning",
                "name": type(event).__name__,
                "line": event.params.get("line"),
                "value": str(event.params.get("value", "")),
                "text": texts[index],
            }
            print(json.dumps(record, ensure_ascii=False))
    print(json.dumps({"checked": len(files)}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:])
