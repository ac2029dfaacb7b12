"""Fuzz the whole build: generated hostile posts through ``newsfeed.publish``.

    python benchmarks/fuzz_build.py --count 100000 [--batch 1000] [--seed 1] [--jobs 2]

Each batch writes ``--batch`` generated posts (random front matter of every shape,
hostile text, HTML with XSS vectors, odd encodings and line ends, truncated and
bit-flipped files) into a temporary folder and builds them in ``--jobs`` worker
processes (2: a batch of 200 posts or more runs both phases in the pool). Some builds
also meet trouble from outside (``--kills``, ``--races``: the share of builds): a
worker process killed with SIGKILL at a random moment, or a crawler that rewrites,
truncates, empties or deletes some posts between the two phases.

A batch counts as a crash when ``publish`` raises, when a post is lost (read !=
published + skipped + drafts), when a problem lacks its file or reason, when a post
is reported for a worker that died although none of its own doing (after a kill from
outside, what the worker was handling must be done again), or when a document written
does not parse (strict XML, JSON) or still carries a script. Crashing batches are
reported with their seed and kept under ``--keep`` for reproduction. Exit status 1
when any batch crashed.
"""

from __future__ import annotations

import argparse
import codecs
import json
import multiprocessing
import random
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from newsfeed import BuildReport, Config, publish
from newsfeed.build.pool import Progress

STRICT = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=True)

HOSTILE_TEXT = [
    "",
    " ",
    "..",
    ".",
    "/",
    "\\",
    "CON",
    ".git",
    "nul",
    "新闻",
    "金融 > 新浪财经",
    "Café",
    "Cafe\u0301",
    "CAFÉ",
    "\u202eevil",
    "a\x00b",
    "x\x01\x1b\x7f",
    "\ud800",
    "\ufffe\uffff",
    "]]>",
    "<![CDATA[x]]>",
    "</title><script>alert(1)</script>",
    "&amp;&lt;&#0;&#xD800;&#x1F600;",
    "javascript:alert(1)",
    "%2e%2e/%2e%2e",
    "@at",
    "- dash",
    "'quoted'",
    '"double"',
    "a: b",
    "#comment",
    "{{ template }}",
    "&#123;x&#125;",
    "😀" * 3,
    "x" * 300,
    "\u3000\u00a0\u200b",
    "line\nbreak",
    "tab\there",
]
DATES = [
    "2021-07-13 23:47:03", "Tue, 13 Jul 2021 23:47:03 GMT", "2021-07-13T23:47:03+08:00",
    "2021/7/13 20:46:25", "2021年07月13日 23:47", "Invalid Date", "0900-01-01",
    "1969-12-31T23:59:59Z", "2016-12-31T23:59:60Z", "2999-01-01", "9999-12-31T23:59:59",
    "2021-02-30", "2021-01-01T00:00:00+99:00", "1625000000", "", "now",
]  # fmt: skip
HTML = [
    "<p>正文段落，包含一些文字。</p>",
    "<p>Plain paragraph &amp; entity &nbsp; text.</p>",
    "<img src='//n.sinaimg.cn/a.jpg'>",
    "<img data-src='https://example.com/b.png' src='placeholder.gif'>",
    "<img src='data:image/png;base64,AAAA'>",
    "<img src='http://example.com/c'>",
    "<a href='/relative/link'>rel</a>",
    "<a href='javascript:alert(1)'>x</a>",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<iframe src='https://www.youtube.com/embed/x'></iframe>",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    "<style>p{background:url(javascript:alert(1))}</style>",
    "<div style='width: expression(alert(1))'>css</div>",
    "<object data='x.swf'></object><embed src='x.swf'>",
    "<form action='javascript:alert(1)'><input></form>",
    "<base href='javascript:/'><meta http-equiv='refresh' content='0;url=javascript:x'>",
    "<table><tr><td>cell</td></tr></table>",
    "<ul><li>one</li><li>two</li></ul>",
    "<pre><code>line 1\n  line 2\n</code></pre>",
    "<!-- comment --><!-- news_keyword_pub,stock -->",
    "<源路径>pseudo tag</源路径>",
    "<p class='article-editor'>责任编辑：某人</p>",
    "<div class='appendQr_wrap'><img src='https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png'></div>",
    "<p>unclosed <b>bold <i>italic",
    "</div></div></p>",
    "<p>" + "深" * 500 + "</p>",
    "< > & \" '",
    "<math><mi xlink:href='javascript:alert(1)'>x</mi></math>",
]
SCALAR_KEYS = ["title", "date", "updated", "author", "permalink", "guid", "id", "description"]
IMAGE_KEYS = ["headimg", "thumbnail", "cover", "image", "banner"]
IMAGES = [
    "https://n.sinaimg.cn/x.jpg", "//example.com/y.png",
    "https://cors.zfour.workers.dev/?http://example.com/z.jpg", "https://picsum.photos/200",
    "/undefined", "javascript:alert(1)", "data:text/html,x", "not a url",
]  # fmt: skip


def _text(rng: random.Random, fresh: float = 0.3) -> str:
    parts = rng.choices(HOSTILE_TEXT, k=rng.randint(1, 3))
    if rng.random() < fresh:
        parts.append("".join(chr(rng.randint(1, 0x2FFFF)) for _ in range(rng.randint(1, 8))))
    return "".join(parts)


def _yaml_scalar(rng: random.Random, value: str) -> str:
    style = rng.random()
    if style < 0.4:
        return value.replace("\n", " ")
    if style < 0.7:
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        return f'"{escaped}"'
    if style < 0.85:
        return "'" + value.replace("'", "''").replace("\n", " ") + "'"
    return "|\n  " + value.replace("\n", "\n  ")


def _value(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth < 3 and roll < 0.15:
        items = ", ".join(_flow(rng, depth + 1) for _ in range(rng.randint(0, 4)))
        return f"[{items}]"
    if depth < 3 and roll < 0.2:
        return "{" + f"k: {_flow(rng, depth + 1)}" + "}"
    if roll < 0.25:
        return rng.choice(["~", "null", "true", "false", "2024", "3.14", "-1", "0x1F", ".inf"])
    return _yaml_scalar(rng, _text(rng))


def _flow(rng: random.Random, depth: int) -> str:
    if depth < 3 and rng.random() < 0.2:
        return "[" + ", ".join(_flow(rng, depth + 1) for _ in range(rng.randint(0, 3))) + "]"
    # Names mostly from the hostile pool: every new name is a new feed to write.
    value = rng.choice(HOSTILE_TEXT) if rng.random() < 0.97 else _text(rng)
    value = value.replace("\n", " ")
    return json.dumps(value, ensure_ascii=rng.random() < 0.5)


def _front_matter(rng: random.Random) -> str:
    lines = []
    if rng.random() < 0.9:
        lines.append(f"title: {_value(rng)}")
    if rng.random() < 0.9:
        date = rng.choice(DATES) if rng.random() < 0.85 else _value(rng)
        lines.append(f"date: {_yaml_scalar(rng, date) if rng.random() < 0.5 else date}")
    for key in rng.sample(SCALAR_KEYS[2:], k=rng.randint(0, 3)):
        lines.append(f"{key}: {_value(rng)}")
    for key in rng.sample(IMAGE_KEYS, k=rng.randint(0, 2)):
        lines.append(f"{key}: {rng.choice(IMAGES)}")
    if rng.random() < 0.8:
        cats = [_flow(rng, 2) for _ in range(rng.randint(0, 4))]
        lines.append(f"categories: [{', '.join(cats)}]")
    if rng.random() < 0.6:
        tags = [_flow(rng, 3) for _ in range(rng.randint(0, 5))]
        lines.append(f"tags: [{', '.join(tags)}]")
    if rng.random() < 0.05:
        lines.append(f"published: {rng.choice(['false', 'no', 'true', '[x]'])}")
    if rng.random() < 0.05:
        lines.append("a: &a [x, x]\nb: [*a, *a]")
    if rng.random() < 0.05:
        lines.append("bad: [unclosed")
    rng.shuffle(lines)
    return "\n".join(lines)


def _body(rng: random.Random) -> str:
    return "\n".join(rng.choices(HTML, k=rng.randint(0, 8)))


def generate_post(rng: random.Random) -> bytes:
    """One generated post file, as bytes."""
    fm = _front_matter(rng)
    roll = rng.random()
    if roll < 0.85:
        text = f"\n---\n{fm}\n---\n{_body(rng)}"
    elif roll < 0.9:
        text = ";;;\n" + json.dumps({"title": _text(rng), "date": rng.choice(DATES)}) + "\n;;;\n"
    elif roll < 0.95:
        text = _body(rng)
    else:
        text = f"---\n{fm}\n{_body(rng)}"  # never closed
    ends = rng.random()
    if ends < 0.1:
        text = text.replace("\n", "\r\n")
    elif ends < 0.15:
        text = text.replace("\n", "\r")
    enc = rng.random()
    if enc < 0.8:
        data = text.encode("utf-8", "surrogatepass")
    elif enc < 0.85:
        data = codecs.BOM_UTF8 + text.encode("utf-8", "surrogatepass")
    elif enc < 0.9:
        data = text.encode("utf-16", "surrogatepass")
    else:
        data = text.encode("gb18030", "replace")
    mutate = rng.random()
    if mutate < 0.05 and data:
        data = data[: rng.randrange(len(data))]
    elif mutate < 0.1 and data:
        buf = bytearray(data)
        for _ in range(rng.randint(1, 5)):
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        data = bytes(buf)
    elif mutate < 0.11:
        data = rng.randbytes(rng.randint(0, 2000))
    return data


@dataclass
class Outcome:
    posts: int = 0
    builds: int = 0
    published: int = 0
    skipped: int = 0
    drafts: int = 0
    documents: int = 0
    kills: int = 0  # worker processes killed from outside during a build
    races: int = 0  # builds whose posts a crawler changed between the phases
    raced: int = 0  # posts so changed
    crashes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Chaos:
    """The share of builds that meet a worker killed from outside, or a crawler."""

    kills: float = 0.0
    races: float = 0.0


#: What a worker killed from outside must never cost a post.
WORKER_DIED = "worker process handling it died"


def _race(rng: random.Random, src: Path) -> int:
    """Change a few posts as a crawler would while a build runs; how many were changed."""
    paths = sorted(src.iterdir())
    changed = rng.sample(paths, k=max(1, len(paths) // 50))
    for path in changed:
        roll = rng.random()
        if roll < 0.3:
            path.write_bytes(generate_post(rng))
        elif roll < 0.5:
            data = path.read_bytes()
            path.write_bytes(data[: rng.randrange(len(data) + 1)])
        elif roll < 0.7:
            path.write_bytes(b"")
        elif roll < 0.9:
            path.unlink()
        else:
            path.unlink()
            path.mkdir()
    return len(changed)


def _chaos(rng: random.Random, chaos: Chaos, src: Path, outcome: Outcome) -> Progress:
    """A progress callback (it runs in the building process) that kills one worker at
    a random moment of a random stage, and races the phases, as ``chaos`` says."""
    kill: tuple[str, float] | None = None
    if rng.random() < chaos.kills:
        kill = (rng.choice(["read", "clean", "write"]), rng.random())
    race = rng.random() < chaos.races

    def progress(stage: str, done: int, total: int) -> None:
        nonlocal kill, race
        if kill is not None and stage == kill[0] and done >= kill[1] * total:
            workers = multiprocessing.active_children()
            if workers:
                rng.choice(workers).kill()
                outcome.kills += 1
                kill = None
        if race and stage == "read" and done == total:
            outcome.raced += _race(rng, src)
            outcome.races += 1
            race = False

    return progress


SCRIPT_MARKERS = (b"<script", b"javascript:", b"vbscript:", b"onerror=", b"onload=")


def check(report: BuildReport, count: int, out: Path) -> tuple[int, list[str]]:
    """The promises of one build; returns the documents checked and what was broken."""
    broken = []
    if report.read != count:
        broken.append(f"read {report.read} of {count} files")
    if report.read != report.published + len(report.skipped) + report.drafts:
        broken.append("a post was lost")
    for problem in report.problems:
        if not (problem.path and problem.message and problem.action):
            broken.append(f"incomplete problem {problem!r}")
    docs = 0
    for path in out.rglob("*"):
        if path.suffix not in (".xml", ".json", ".opml") or not path.is_file():
            continue
        docs += 1
        data = path.read_bytes()
        try:
            if path.suffix == ".json":
                json.loads(data)
            else:
                etree.fromstring(data, STRICT)
        except (ValueError, etree.XMLSyntaxError) as exc:
            broken.append(f"{path.relative_to(out)} does not parse: {exc}")
        # Escaped content may mention these words; raw markup must not.
        lowered = data.lower()
        if b"<script" in lowered and path.suffix != ".json":
            broken.append(f"{path.relative_to(out)} carries a raw <script>")
    return docs, broken


def run_batch(
    seed: int, size: int, work: Path, config: Config, keep: Path | None, chaos: Chaos = Chaos()
) -> Outcome:
    rng = random.Random(seed)
    src, out = work / f"src-{seed}", work / f"out-{seed}"
    src.mkdir()
    for i in range(size):
        (src / f"{i:05d}-{rng.randrange(10**6)}.md").write_bytes(generate_post(rng))
    if keep is not None:  # the posts as they were before any race
        shutil.copytree(src, work / f"orig-{seed}")
    outcome = Outcome(posts=size, builds=1)
    try:
        report = publish(src, out, config, progress=_chaos(rng, chaos, src, outcome))
    except Exception:
        outcome.crashes.append(f"seed {seed}: publish raised\n{traceback.format_exc()}")
    else:
        docs, broken = check(report, size, out)
        broken += [f"{p.path}: {p.message}" for p in report.problems if WORKER_DIED in p.message]
        outcome.documents = docs
        outcome.published, outcome.skipped = report.published, len(report.skipped)
        outcome.drafts = report.drafts
        outcome.crashes.extend(f"seed {seed}: {b}" for b in broken)
    if outcome.crashes and keep is not None:
        shutil.copytree(work / f"orig-{seed}", keep / f"seed-{seed}", dirs_exist_ok=True)
    shutil.rmtree(work / f"orig-{seed}", ignore_errors=True)
    shutil.rmtree(src, ignore_errors=True)
    shutil.rmtree(out, ignore_errors=True)
    return outcome


def fuzz(
    count: int,
    batch: int = 1000,
    seed: int = 1,
    keep: Path | None = None,
    config: Config | None = None,
    log: bool = False,
    chaos: Chaos = Chaos(),
) -> Outcome:
    """Build ``count`` generated posts in batches; returns the totals and the crashes."""
    config = config or Config(site_url="http://localhost:8000/", jobs=2)
    total = Outcome()
    with tempfile.TemporaryDirectory(prefix="newsfeed-fuzz-") as tmp:
        done = 0
        started = time.monotonic()
        while done < count:
            size = min(batch, count - done)
            result = run_batch(seed + done, size, Path(tmp), config, keep, chaos)
            done += size
            total.posts += result.posts
            total.builds += 1
            total.published += result.published
            total.skipped += result.skipped
            total.drafts += result.drafts
            total.documents += result.documents
            total.kills += result.kills
            total.races += result.races
            total.raced += result.raced
            total.crashes.extend(result.crashes)
            if log:
                rate = done / (time.monotonic() - started)
                print(
                    f"{done}/{count} posts, {total.kills} kills, {total.races} races, "
                    f"{len(total.crashes)} crashes ({rate:.0f} posts/s)",
                    file=sys.stderr,
                    flush=True,
                )
    return total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000, help="posts in all (100000)")
    parser.add_argument("--batch", type=int, default=1000, help="posts per build (1000)")
    parser.add_argument("--seed", type=int, default=1, help="first seed (1)")
    parser.add_argument("--keep", type=Path, help="copy the posts of crashing batches here")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (2)")
    parser.add_argument("--kills", type=float, default=0.2, help="share of builds (0.2)")
    parser.add_argument("--races", type=float, default=0.2, help="share of builds (0.2)")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    config = Config(site_url="http://localhost:8000/", jobs=args.jobs)
    chaos = Chaos(kills=args.kills, races=args.races)
    result = fuzz(args.count, args.batch, args.seed, args.keep, config, True, chaos)
    seconds = time.monotonic() - started
    for crash in result.crashes[:20]:
        print(crash, file=sys.stderr)
    print(
        f"fuzzed {result.posts} posts in {result.builds} builds ({seconds:.0f} s): "
        f"{result.published} published, {result.skipped} skipped, {result.drafts} drafts, "
        f"{result.documents} documents checked, {result.kills} workers killed, "
        f"{result.races} builds raced ({result.raced} posts changed), "
        f"{len(result.crashes)} crashes"
    )
    return 1 if result.crashes else 0


if __name__ == "__main__":
    sys.exit(main())
