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
from collections.abc import Callable
from pathlib import Path

from newsfeed import Config, publish
from newsfeed.watch import watch_and_rebuild

POST = "---\ntitle: {title}\ndate: 2024-03-01 10:00:00\ncategories: [News]\n---\n<p>Body.</p>\n"
DEADLINE = 60.0  # generous: only a hung watcher reaches it
POKE_EVERY = 1.0


def wait_for(
    predicate: Callable[[], object],
    alive: Callable[[], bool],
    poke: Callable[[], object] | None = None,
) -> bool:
    """Whether ``predicate`` comes true while the watcher is ``alive``; ``poke`` (a change
    the watcher must see) is repeated every second meanwhile. A dead watcher ends the
    wait at once instead of at the deadline."""
    end = time.monotonic() + DEADLINE
    poked = -POKE_EVERY
    while time.monotonic() < end and alive():
        if poke is not None and time.monotonic() - poked >= POKE_EVERY:
            poke()
            poked = time.monotonic()
        if predicate():
            return True
        time.sleep(0.1)
    return bool(predicate())


def poke(path: Path) -> Callable[[], object]:
    """Write ``path`` (not a post): a change that makes the watcher rebuild once armed.
    Edits made before the watcher is armed are lost, so the tests wait for a rebuild
    after a poke instead of sleeping a fixed time."""
    return lambda: path.write_text(str(time.monotonic()), encoding="utf-8")


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
        assert wait_for(lambda: rebuilt, thread.is_alive, poke(posts / "poke.dat"))  # armed
        (posts / "a.md").write_text(POST.format(title="Second title"), encoding="utf-8")
        feed = out / "atom.xml"
        assert wait_for(lambda: "Second title" in feed.read_text("utf-8"), thread.is_alive)
        assert all(not p.startswith(str(out.resolve())) for batch in rebuilt for p in batch)
    finally:
        stop.set()
        thread.join(DEADLINE)
    assert not thread.is_alive()
    assert result and result[0] == len(rebuilt)


def _default_sigint() -> None:
    """Ctrl-C must reach the child whatever this process inherited. A test run started in
    the background by a non-interactive shell (a CI script, ``pytest &`` beside a load
    generator) ignores SIGINT; a child inherits that, Python then installs no
    KeyboardInterrupt handler, and the SIGINT below would do nothing (the wait timed out)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


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
        preexec_fn=_default_sigint,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(proc.stdout, lines), daemon=True).start()
    seen: list[str] = []

    def printed(text: str) -> int:
        """How many lines printed so far contain ``text``."""
        with contextlib.suppress(queue.Empty):
            while True:
                seen.append(lines.get_nowait())
        return sum(text in line for line in seen)

    def running() -> bool:
        return proc.poll() is None

    try:
        assert wait_for(lambda: printed("watching"), running), seen
        # Armed once a poke is rebuilt: one more report line than the first build's.
        first = printed("files written")
        poker = poke(post.with_name("poke.dat"))  # beside the posts, not a post
        assert wait_for(lambda: printed("files written") > first, running, poker), seen
        post.write_text(POST.format(title="After the edit"), encoding="utf-8")
        feed = site / "public" / "atom.xml"
        assert wait_for(lambda: "After the edit" in feed.read_text("utf-8"), running), seen
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
