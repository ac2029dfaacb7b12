"""`newsfeed build --watch`: a changed post reaches the feeds; Ctrl-C stops cleanly."""

from __future__ import annotations

import contextlib
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from newsfeed import Config, publish
from newsfeed.watch import watch_and_rebuild

POST = "---\ntitle: {title}\ndate: 2024-03-01 10:00:00\ncategories: [News]\n---\n<p>Body.</p>\n"
DEADLINE = 60.0  # generous: only a hung watcher reaches it


def wait_for(predicate: object, deadline: float = DEADLINE) -> bool:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_watch_loop_rebuilds_on_change_and_ignores_its_output(tmp_path: Path) -> None:
    """Editing a post updates its feed, and the build's own writes never re-trigger it."""
    posts, out = tmp_path / "posts", tmp_path / "posts" / "public"  # OUT inside SOURCE
    posts.mkdir()
    (posts / "a.md").write_text(POST.format(title="First title"), encoding="utf-8")
    config = Config(site_url="https://n.example/")
    publish(posts, out, config)
    stop = threading.Event()
    rebuilt: list[set[str]] = []

    def rebuild(changed: set[str]) -> None:
        publish(posts, out, config)
        rebuilt.append(changed)

    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            watch_and_rebuild([posts], rebuild, ignore=[out], stop_event=stop, debounce_ms=50)
        ),
        daemon=True,
    )
    thread.start()
    try:
        time.sleep(0.5)  # let the watcher start (a change before it would be missed)
        (posts / "a.md").write_text(POST.format(title="Second title"), encoding="utf-8")
        feed = out / "atom.xml"
        assert wait_for(lambda: "Second title" in feed.read_text(encoding="utf-8"))
        assert wait_for(lambda: len(rebuilt) >= 1)
        assert all(not p.startswith(str(out.resolve())) for batch in rebuilt for p in batch)
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert not thread.is_alive()
    assert result and result[0] == len(rebuilt)


def _lines(stream: object, sink: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        sink.put(line)


def test_cli_watch_rebuilds_a_hexo_site_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    """`newsfeed build SITE --watch` picks up an edited post, and Ctrl-C exits 0 quietly."""
    site = tmp_path / "site"
    (site / "source" / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("url: https://blog.example\ntitle: Blog\n", "utf-8")
    post = site / "source" / "_posts" / "a.md"
    post.write_text(POST.format(title="Before"), encoding="utf-8")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env = {k: v for k, v in env.items() if not k.startswith("NEWSFEED_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsfeed", "build", str(site), "--watch"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    try:
        seen = ""
        end = time.monotonic() + DEADLINE
        while "watching" not in seen and time.monotonic() < end and proc.poll() is None:
            with contextlib.suppress(queue.Empty):
                seen += lines.get(timeout=1)
        assert "watching" in seen, seen
        time.sleep(0.5)
        post.write_text(POST.format(title="After the edit"), encoding="utf-8")
        feed = site / "public" / "atom.xml"
        assert wait_for(lambda: "After the edit" in feed.read_text(encoding="utf-8"))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            code = proc.wait(DEADLINE)
        finally:
            proc.kill()
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert code == 0, err
    assert "Traceback" not in err
