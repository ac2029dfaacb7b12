"""The output folder's rules: one writer per path, one atomic write, one report format."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsfeed import BuildReport, Config, ConfigError, Problem, SiteError, publish
from newsfeed.atomic import BUILDING_NAME, TMP_SUFFIX
from newsfeed.probe import PROBES_NAME, Probe, ProbeStore
from newsfeed.report import report_data, report_from_data, write_report
from newsfeed.site import LOCK_NAME, MANIFEST_NAME, open_site, stage


def test_two_documents_claiming_one_path_fail_the_build(tmp_path: Path) -> None:
    """Two outputs of one file (a slug clash, a bad site_rss_path) never silently overwrite."""
    out = tmp_path / "out"
    with (
        pytest.raises(SiteError, match=re.escape("'news/rss.xml'")) as info,
        open_site(out) as site,
    ):
        site.adopt(stage(out, "news/rss.xml", b"first"))
        site.adopt(stage(out, "news/rss.xml", b"second"))
    assert info.value.path == str(out / "news" / "rss.xml")
    assert not (out / "news" / "rss.xml").exists()  # the failed build wrote nothing
    assert [p.name for p in out.rglob("*") if p.is_file()] == [".newsfeed.lock"]


def test_a_kept_file_cannot_be_claimed_again(tmp_path: Path) -> None:
    """A file kept from the last build belongs to it: a new document at its path is a bug."""
    out = tmp_path / "out"
    with open_site(out) as site:
        site.adopt(stage(out, "rss.xml", b"old"))
    with pytest.raises(SiteError, match=re.escape("'rss.xml'")), open_site(out) as site:
        site.keep("rss.xml")
        site.adopt(stage(out, "rss.xml", b"new"))
    assert (out / "rss.xml").read_bytes() == b"old"


def test_site_rss_path_on_a_category_feed_is_refused(tmp_path: Path, seeds_dir: Path) -> None:
    """Configuring the site-wide feed onto a category's file stops before any build
    (the configuration names the key), not with a feed overwritten."""
    with pytest.raises(ConfigError, match=re.escape("categories/金融/rss.xml")):
        Config(site_rss_path="categories/金融/rss.xml")


def _interrupt(monkeypatch: pytest.MonkeyPatch) -> None:
    """Kill the writer between writing its temporary file and renaming it."""

    def killed(self: Path, target: object) -> Path:
        raise KeyboardInterrupt

    monkeypatch.setattr(Path, "replace", killed)


def _leftovers(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name not in (LOCK_NAME, MANIFEST_NAME))


def test_a_killed_probe_store_write_is_cleaned_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A build killed while saving image sizes leaves no stray file in the published folder."""
    out = tmp_path / "out"
    out.mkdir()
    store = ProbeStore(out / PROBES_NAME)
    store.put("https://img.example.org/a.png", Probe(12, "image/png", "", 0.0))
    _interrupt(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        store.save()
    monkeypatch.undo()
    assert _leftovers(out)  # the temporary file is there...
    with open_site(out):
        pass
    assert _leftovers(out) == []  # ...and the next build removed it


def test_a_killed_report_write_in_out_is_cleaned_by_the_next_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A --report file kept in OUT is written like every other file there."""
    out = tmp_path / "out"
    out.mkdir()
    _interrupt(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        write_report(out / "report.json", {"ok": True})
    monkeypatch.undo()
    assert _leftovers(out)
    with open_site(out):
        pass
    assert _leftovers(out) == []
    write_report(out / "report.json", {"ok": True})
    assert json.loads((out / "report.json").read_text("utf-8")) == {"ok": True}


def test_a_killed_build_is_cleaned_deep_and_a_finished_one_leaves_no_mark(
    tmp_path: Path, seeds_dir: Path
) -> None:
    """Temporary files a killed build left deep in OUT go, even when nothing else changed."""
    out = tmp_path / "out"
    publish(seeds_dir, out, Config())
    assert not (out / BUILDING_NAME).exists()
    feeds = next(p.parent for p in sorted(out.rglob("rss.xml")) if p.parent != out)
    left = feeds / f".rss.xml.4242{TMP_SUFFIX}"
    left.write_bytes(b"<rss/>")  # what a build killed before its renames leaves...
    (out / BUILDING_NAME).write_bytes(b"")  # ...with its mark
    report = publish(seeds_dir, out, Config())
    assert report.written == ()  # nothing changed: the site is kept as it is
    assert not left.exists()
    assert not (out / BUILDING_NAME).exists()


def test_a_report_that_cannot_be_written_is_a_site_error(tmp_path: Path) -> None:
    """A report into a missing folder fails with a newsfeed error naming the file."""
    with pytest.raises(SiteError, match="nowhere"):
        write_report(tmp_path / "nowhere" / "report.json", {})


text = st.text(max_size=20)
problems = st.builds(Problem, text, text, text, st.sampled_from(["warning", "error"]), text)
paths = st.lists(text, max_size=4).map(tuple)
reports = st.builds(
    BuildReport,
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.lists(problems, max_size=5).map(tuple),
    paths,
    paths,
    paths,
)


@settings(max_examples=200, deadline=None)
@given(reports)
def test_the_report_json_round_trips(report: BuildReport) -> None:
    """The warm build's report, kept in the cache as the --report JSON, is the cold one's."""
    data = json.loads(json.dumps(report_data(report, "src", "out"), ensure_ascii=False))
    assert report_from_data(data) == report


def test_a_real_report_round_trips(tmp_path: Path, corpus_dir: Path) -> None:
    """Every problem of a real build survives the trip through the JSON report."""
    report = publish(corpus_dir, tmp_path / "out", Config())
    assert report.problems and report.written
    assert report_from_data(report_data(report, corpus_dir, tmp_path)) == report


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        {},
        {"version": 1, "ok": False, "error": "disk full"},
        {"version": 2, "ok": True},
        {"version": 1, "ok": True, "read": "1", "published": 1, "drafts": 0},
    ],
)
def test_what_is_not_a_report_is_refused(data: object) -> None:
    """A damaged saved report means a full build, never a wrong report."""
    with pytest.raises(ValueError):
        report_from_data(data)


def test_a_report_with_a_bad_problem_is_refused() -> None:
    """A problem of unknown severity or without text is not read back as a problem."""
    report = BuildReport(1, 0, 0, (Problem("a.md", "", "bad", "error", "skipped"),), (), (), ())
    data = report_data(report, "s", "o")
    assert report_from_data(data) == report
    problem = data["problems"][0]  # type: ignore[index]
    for key, value in (("severity", "fatal"), ("reason", None), ("path", 3)):
        broken = json.loads(json.dumps(data))
        broken["problems"][0] = {**problem, key: value}
        with pytest.raises(ValueError):
            report_from_data(broken)
