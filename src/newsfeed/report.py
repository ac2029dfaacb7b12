"""The machine-readable build report (``newsfeed build --report FILE``).

One JSON object: the counts of the build, every problem with its file, field,
severity, reason and the action taken, and the output files written, unchanged
and removed. A build that failed as a whole has ``"ok": false`` and ``"error"``.
Keys are stable; new keys may be added (``"version"`` changes only when a key's
meaning does).

It is the one serialisation of a :class:`BuildReport`: the build cache keeps the
last build's report in it too (:func:`report_from_data` reads it back).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from newsfeed.chars import escape_surrogates, json_for_terminal
from newsfeed.model import BuildReport, Problem
from newsfeed.site import atomic_write

__all__ = ["REPORT_VERSION", "report_data", "report_from_data", "report_json", "write_report"]

REPORT_VERSION = 1


def report_data(
    report: BuildReport | None, source: str | Path, out: str | Path, error: str | None = None
) -> dict[str, object]:
    """The report of one build as plain JSON data (``report`` is None when it failed)."""
    data: dict[str, object] = {
        "version": REPORT_VERSION,
        "ok": error is None,
        "error": error,
        "source": str(source),
        "out": str(out),
    }
    if report is None:
        return data
    skipped = len(report.skipped)
    data.update(
        {
            "read": report.read,
            "published": report.published,
            "skipped": skipped,
            "drafts": report.drafts,
            "warnings": len(report.problems) - skipped,
            "written": len(report.written),
            "unchanged": len(report.unchanged),
            "removed": len(report.removed),
            "problems": [
                {
                    "path": p.path,
                    "field": p.field,
                    "severity": p.severity,
                    "reason": p.message,
                    "action": p.action,
                }
                for p in report.problems
            ],
            "files": {
                "written": list(report.written),
                "unchanged": list(report.unchanged),
                "removed": list(report.removed),
            },
        }
    )
    return data


def _problem(data: Mapping[str, Any]) -> Problem:
    severity = data["severity"]
    if severity not in ("warning", "error"):
        raise ValueError(f"unknown severity {severity!r}")
    values = [data[key] for key in ("path", "field", "reason", "action")]
    if not all(isinstance(value, str) for value in values):
        raise ValueError("a problem's path, field, reason and action are text")
    path, field, reason, action = values
    return Problem(path, field, reason, severity, action)


def _paths(data: object) -> tuple[str, ...]:
    if not isinstance(data, list) or not all(isinstance(path, str) for path in data):
        raise ValueError("a list of file paths was expected")
    return tuple(data)


def report_from_data(data: object) -> BuildReport:
    """The :class:`BuildReport` :func:`report_data` made ``data`` of (the inverse).

    Raises ValueError when ``data`` is not the report of a build that succeeded.
    """
    try:
        if not isinstance(data, dict) or data["version"] != REPORT_VERSION or not data["ok"]:
            raise ValueError("not the report of a build that succeeded")
        counts = [data[key] for key in ("read", "published", "drafts")]
        if not all(type(count) is int for count in counts):
            raise ValueError("the counts of a report are whole numbers")
        files = data["files"]
        return BuildReport(
            read=counts[0],
            published=counts[1],
            drafts=counts[2],
            problems=tuple(_problem(p) for p in data["problems"]),
            written=_paths(files["written"]),
            unchanged=_paths(files["unchanged"]),
            removed=_paths(files["removed"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"not a build report: {exc!r}") from exc


def report_json(data: Mapping[str, object], indent: int | None = None) -> str:
    """``data`` as JSON text that UTF-8 can encode: a file name that is not UTF-8 (lone
    surrogates in Python) is written with ``\\udcXX`` escapes, which ``json.loads``
    reads back as the same name."""
    # json.dumps escapes C0 only: DEL, C1 and bidi controls are escaped too, so that
    # `cat report.json` shows a hostile file name as text.
    return json_for_terminal(escape_surrogates(json.dumps(data, ensure_ascii=False, indent=indent)))


def write_report(path: str | Path, data: dict[str, object]) -> None:
    """Write ``data`` as UTF-8 JSON to ``path`` atomically.

    Raises :class:`SiteError` when the file cannot be written.
    """
    text = report_json(data, indent=1) + "\n"
    atomic_write(Path(path), text.encode("utf-8"))
