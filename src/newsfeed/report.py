"""The machine-readable build report (``newsfeed build --report FILE``).

One JSON object: the counts of the build, every problem with its file, field,
severity, reason and the action taken, and the output files written, unchanged
and removed. A build that failed as a whole has ``"ok": false`` and ``"error"``.
Keys are stable; new keys may be added (``"version"`` changes only when a key's
meaning does).
"""

from __future__ import annotations

import json
from pathlib import Path

from newsfeed.model import BuildReport
from newsfeed.site import atomic_write

__all__ = ["REPORT_VERSION", "report_data", "write_report"]

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


def write_report(path: str | Path, data: dict[str, object]) -> None:
    """Write ``data`` as UTF-8 JSON to ``path`` atomically.

    Raises :class:`SiteError` when the file cannot be written.
    """
    text = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
    atomic_write(Path(path), text.encode("utf-8"))
