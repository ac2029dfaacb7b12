"""What the command line says: counts in the right number, one clear line per error,
usage when the command is incomplete, and checks made before the build, not after."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest

from newsfeed.cli import main

ROOT = Path(__file__).resolve().parents[1]
POST = "---\ntitle: {title}\ndate: {date}\ncategories: [News]\n---\n<p>Body.</p>\n"


@pytest.fixture
def seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the one-post seed folder; the current folder is tmp_path."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.startswith("NEWSFEED_")]:
        monkeypatch.delenv(name)
    return Path(shutil.copytree(ROOT / "seeds", tmp_path / "posts"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    try:
        code = main(list(args))
    except SystemExit as exit_:  # argparse's usage errors exit, as the console script does
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_counts_of_one_are_singular(seeds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`read 1 posts` and `1 problems` read as broken English to every user."""
    (seeds / "bad-date.md").write_text(POST.format(title="T", date="Invalid Date"), "utf-8")
    shutil.move(seeds / "bad-date.md", seeds.parent / "bad-date.md")
    code, out, err = run(capsys, "build", str(seeds), "-o", "out")
    assert code == 0
    assert out.splitlines()[0] == "read 1 post: 1 published, 0 skipped, 0 drafts, 0 warnings"
    shutil.move(seeds.parent / "bad-date.md", seeds / "bad-date.md")
    code, out, err = run(capsys, "build", str(seeds), "-o", "out")
    assert out.splitlines()[0] == "read 2 posts: 2 published, 0 skipped, 0 drafts, 1 warning"
    assert "(1 warning: run with -v to list them)" in err
    (Path("empty")).mkdir()
    code, out, err = run(capsys, "check", "empty")
    assert code == 1 and err.splitlines()[-1] == "empty: 1 problem in 0 files"


def test_a_flag_error_names_the_flag_without_nested_brackets(
    seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`(set in command line (--limit))` is hard to read; the flag must be the one typed."""
    code, _, err = run(capsys, "build", str(seeds), "--limit", "-1")
    assert code == 2
    assert err == (
        "newsfeed: configuration error: limit: must be 0 (all) or a positive number"
        " (set in command line, --limit)\n"
    )
    code, _, err = run(capsys, "build", str(seeds), "--set", "limit=-1")
    assert code == 2 and err.endswith("(set in command line, --set limit=-1)\n")


def test_a_key_set_with_set_is_shown_as_set(
    seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`newsfeed config` said `(--content)`, a flag that does not exist."""
    code, out, _ = run(capsys, "config", str(seeds), "--set", "content=false")
    assert code == 0
    (line,) = [line for line in out.splitlines() if line.startswith("content ")]
    assert line.split("# ")[1] == "command line (--set content=false)"


def test_no_arguments_print_the_usage(capsys: pytest.CaptureFixture[str]) -> None:
    """`newsfeed` alone must show how to call it, not only that something is missing."""
    code, out, err = run(capsys)
    assert code == 2 and out == ""
    assert err.startswith("usage: newsfeed ")
    assert err.splitlines()[-1] == "newsfeed: error: the following arguments are required: COMMAND"


def test_quiet_and_verbose_together_are_refused(
    seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`-q -v` silently meant one of the two; the user must learn they contradict."""
    code, _, err = run(capsys, "build", str(seeds), "-q", "-v")
    assert code == 2
    assert err.splitlines()[-1] == (
        "newsfeed: error: argument -v/--verbose: not allowed with argument -q/--quiet"
    )


def test_an_output_that_is_a_file_is_one_error_line(
    seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two cache warnings before the real error hid what was wrong with `-o a-file`."""
    Path("a-file").write_text("mine", "utf-8")
    code, out, err = run(capsys, "build", str(seeds), "-o", "a-file")
    assert code == 1 and out == ""
    assert err == "newsfeed: error: cannot write into a-file: it is a file, not a folder\n"
    assert Path("a-file").read_text("utf-8") == "mine"


def test_the_report_error_is_the_message_alone(
    seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A script reading `error` from the report got `error: ...`, a prefix it must strip."""
    code, _, _ = run(capsys, "build", str(seeds), "--limit", "-1", "--report", "r.json")
    assert code == 2
    data = json.loads(Path("r.json").read_text("utf-8"))
    assert data["ok"] is False
    assert data["error"] == (
        "limit: must be 0 (all) or a positive number (set in command line, --limit)"
    )


def test_an_unwritable_report_path_stops_before_the_build(
    seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A long build whose report cannot be saved at the end wastes the whole build."""
    code, out, err = run(capsys, "build", str(seeds), "-o", "out", "--report", "no/such/r.json")
    assert code == 2 and out == ""
    assert err == "newsfeed: error: --report no/such/r.json: the folder no/such does not exist\n"
    assert not Path("out").exists()
    Path("a-folder").mkdir()
    code, _, err = run(capsys, "build", str(seeds), "-o", "out", "--report", "a-folder")
    assert code == 2 and "is a folder" in err and not Path("out").exists()


def test_a_websub_failure_is_printed_once(
    seeds: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hub that is down was reported once per batch of feeds: the same line again and again."""
    import newsfeed.websub

    monkeypatch.setattr(newsfeed.websub, "BATCH", 2)  # several batches from one small site
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        hub = f"http://127.0.0.1:{closed.getsockname()[1]}/"  # nothing listens there
    code, _, err = run(capsys, "build", str(seeds), "-o", "out", "--hub", hub, "--ping")
    assert code == 0
    failures = [line for line in err.splitlines() if "WebSub ping failed" in line]
    assert len(failures) == 1, err
    assert failures[0].startswith(f"newsfeed: WebSub ping failed: hub {hub} unreachable")


#: A file name that would recolour the terminal, clear it (C1 CSI) and reverse text.
HOSTILE_NAME = "evil\x1b[31mred\x9b2J\u202etxt.md"
RAW_CONTROLS = ("\x1b", "\x9b", "\u202e", "\x07")


def test_for_terminal_escapes_controls_and_keeps_text() -> None:
    """Every control a terminal would act on is shown as its escape; ordinary text
    (CJK, symbols, markup) is left exactly as it is."""
    from newsfeed.chars import for_terminal

    assert for_terminal("a\x1b[2Jb\x07") == "a\\x1b[2Jb\\x07"
    assert for_terminal("x\x9by\x7fz\x85") == "x\\x9by\\x7fz\\x85"
    assert for_terminal("abc\u202edef\u2066\u2028") == "abc\\u202edef\\u2066\\u2028"
    assert for_terminal("two\nlines\ttab\r") == "two\\x0alines\\x09tab\\x0d"
    ordinary = "Inflation <3% & 中文 ™® “quotes” \\x1b as typed"
    assert for_terminal(ordinary) == ordinary


def test_a_file_name_with_escape_sequences_is_printed_escaped(
    seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A crawler's file name holding terminal escapes is shown as text in the build's
    messages (a skipped post and every warning with -v), never run by the terminal."""
    (seeds / HOSTILE_NAME).write_text(POST.format(title="T", date="Invalid Date"), "utf-8")
    (seeds / ("empty\x1b]0;title\x07.md")).write_text("", "utf-8")
    code, out, err = run(capsys, "build", "posts", "-o", "out", "-v")
    assert code == 0
    for raw in RAW_CONTROLS:
        assert raw not in out + err
    assert "evil\\x1b[31mred\\x9b2J\\u202etxt.md" in err
    assert "empty\\x1b]0;title\\x07.md" in err
    code, out, err = run(capsys, "build", "posts", "-o", "out2", "--no-cache", "--debug")
    assert code == 0 and "evil\\x1b[31mred" in err
    for raw in RAW_CONTROLS:
        assert raw not in out + err


def test_the_report_file_holds_no_raw_control_character(
    seeds: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`cat report.json` is safe: the JSON escapes every control, and still reads back
    the file's true name."""
    (seeds / HOSTILE_NAME).write_text(POST.format(title="T", date="Invalid Date"), "utf-8")
    code, _, _ = run(capsys, "build", "posts", "-o", "out", "--report", "report.json")
    assert code == 0
    text = Path("report.json").read_text("utf-8")
    for raw in RAW_CONTROLS:
        assert raw not in text
    paths = [p["path"] for p in json.loads(text)["problems"]]
    assert HOSTILE_NAME in paths


def test_an_error_about_a_hostile_path_is_one_escaped_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A whole-build error naming a path (a missing source) keeps it to one visible line."""
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "build", "no\x1b[2Jsuch\nfolder", "-o", "out")
    assert code == 2
    assert "no\\x1b[2Jsuch" in err
    assert len(err.strip().splitlines()) == 1 and "\x1b" not in err


def test_a_usage_error_shows_the_arguments_escaped(capsys: pytest.CaptureFixture[str]) -> None:
    """An argument pasted with an escape sequence is named in the usage error as text."""
    code, _, err = run(capsys, "build", "posts", "stray\x1b[2Jarg\x9b")
    assert code == 2
    assert "stray\\x1b[2Jarg\\x9b" in err and "\x1b" not in err and "\x9b" not in err
