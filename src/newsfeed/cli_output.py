"""What the command line prints: every message as text (its control characters
escaped, :func:`newsfeed.chars.for_terminal`), log records alike, values as TOML."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Mapping

from newsfeed.chars import for_terminal, json_for_terminal

__all__ = ["TerminalFormatter", "not_a_problem", "say", "say_json", "toml_value"]


def say(text: str, *, err: bool = False, flush: bool = False) -> None:
    """Print one message to stdout (or stderr), its control characters escaped: file
    names, titles and errors are shown as text, never run by the terminal."""
    print(for_terminal(text), file=sys.stderr if err else sys.stdout, flush=flush)


def say_json(data: object) -> None:
    """Print ``data`` as indented JSON on stdout, every control character escaped."""
    print(json_for_terminal(json.dumps(data, ensure_ascii=False, indent=1)))


class TerminalFormatter(logging.Formatter):
    """Log records with their message's control characters escaped (a traceback of
    ``--debug`` keeps its lines)."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = for_terminal(record.message)
        return super().formatMessage(record)


def not_a_problem(record: logging.LogRecord) -> bool:
    """Post problems are logged by the library and shown by the report: not twice."""
    return not hasattr(record, "problem")


def toml_value(value: object) -> str:
    """A value as TOML (the listing of ``newsfeed config`` can be pasted into newsfeed.toml)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple | list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = (f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    return json_for_terminal(json.dumps(value, ensure_ascii=False))
