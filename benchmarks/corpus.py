"""A deterministic synthetic corpus shaped like the seed post (Sina finance, Hexo).

    python benchmarks/corpus.py OUT N [--seed S]

Posts are spread over 20-40 categories drawn Zipf-like (a few big, many small),
carry 1-3 category paths, bodies of 2-15 KB with 0-4 images and the Sina
boilerplate, RFC 2822 dates over two years, and a few posts with each kind of
real-world mess (invalid YAML, ``Invalid Date``, protocol-relative and lazy
images, the QR promo as lead image, CORS-wrapped images, pseudo-tags, bare
``&``, ``&#123;`` braces, drafts). The same ``N`` and seed give the same bytes.

Three variants of the same posts (same bodies, byte for byte), for ``--variant``:

- ``paths`` (the default): Hexo category paths, ``[top, leaf]`` is one nested path;
- ``names``: each category name is its own path (``[[top], [leaf]]``), so that
  newsfeed (and Hexo) write one feed per name, as Hugo does;
- ``hugo``: the flat list ``[top, leaf]`` Hugo reads as sibling categories, and front
  matter Hugo accepts: the two invalid-YAML titles quoted, drafts as ``draft: true``.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

SEED = 20240601
START = datetime(2022, 1, 1, tzinfo=UTC)
SPAN_SECONDS = 2 * 365 * 24 * 3600
QR = "https://n.sinaimg.cn/finance/cece9e13/20200514/343233024.png"

TOPS = ["金融", "科技", "二次元", "博客", "体育", "汽车", "游戏", "新闻"]
LEAVES = ["新浪财经", "国內", "港股", "美股", "基金", "期货", "外汇", "理财", "科创板", "观察",
          "评论", "AcFun", "Animen 动漫平台", "Google Sites", "数码", "手机", "电竞", "足球",
          "篮球", "新能源", "快讯", "深度", "Rust & Go", "—专栏", "新浪财经－国內", "政策",
          "研报", "公司", "宏观", "债券", "黄金", "区块链"]  # fmt: skip
WORDS = ["市场", "投资者", "政策", "增长", "数据", "公司", "发布", "报告", "经济",
         "分析", "预计", "季度", "同比", "上涨", "下跌", "监管", "创新", "技术", "平台",
         "用户"]  # fmt: skip
TAGS = ["A股", "港股", "央行", "2024", "AI", "芯片", "新能源", "地产", "消费", "出口"]


def _categories(rng: random.Random) -> list[tuple[str, ...]]:
    """20-40 category paths (top > leaf, a few top-only and three levels deep)."""
    count = rng.randint(20, 40)
    paths: list[tuple[str, ...]] = []
    while len(paths) < count:
        top = rng.choice(TOPS)
        kind = rng.random()
        if kind < 0.1:
            path: tuple[str, ...] = (top,)
        elif kind < 0.2:
            path = (top, rng.choice(LEAVES), rng.choice(LEAVES))
        else:
            path = (top, rng.choice(LEAVES))
        if path not in paths:
            paths.append(path)
    return paths


def _text(rng: random.Random, size: int) -> str:
    return "".join(rng.choice(WORDS) for _ in range(size // 6 + 1))[: size // 3]


def _image(rng: random.Random, i: int, n: int, mess: str) -> str:
    url = f"https://n.sinaimg.cn/finance/crawl/{i % 997}/w550h{n}/2023/{i:08x}-{n}.jpg"
    if mess == "protocol":
        return f'<img src="{url.removeprefix("https:")}">'
    if mess == "lazy":
        return f'<img src="data:image/gif;base64,R0lGOD" data-original="{url}">'
    img = f'<img id="{n}" src="{url}" alt referrerpolicy="no-referrer">'
    return f'<div class="img_wrapper">{img}</div>'


BOILERPLATE = """<!-- news_keyword_pub,stock, -->


<!-- 正文下iframe -->
<!-- 文末二维码 start -->
            <style>
            .appendQr_wrap&#123;border:1px solid #E6E6E6;padding:8px;&#125;
            </style>
            <div class="clearfix appendQr_wrap">
                <div class="appendQr_normal"><img src="{qr}" referrerpolicy="no-referrer"></div>
                <div class="appendQr_normal_txt">海量资讯、精准解读，尽在新浪财经APP</div>
            </div>
<p class="article-editor">责任编辑：王蒙 </p>
</div>
"""


VARIANTS = ("paths", "names", "hugo")


def _title_line(mess: str, title: str, variant: str) -> list[str]:
    """The title line: two kinds of mess are invalid YAML, which Hugo refuses."""
    if mess == "at-title":
        return [f"title: '@{title}'" if variant == "hugo" else f"title: @{title}"]
    if mess == "quote-title":
        if variant == "hugo":
            return [f"title: '{title} \"引号\" 标题'"]
        return [f'title: "{title} "引号" 标题"']
    if mess == "braces":
        return [f"title: '&#123;{title}&#125; & 公司'"]
    return [] if mess == "no-title" else [f"title: '{title}'"]


def _category_lines(chosen: list[tuple[str, ...]], variant: str) -> list[str]:
    """The categories as Hexo paths, as one path per name, or as Hugo's flat list."""
    if variant == "paths":
        if len(chosen) == 1:
            return ["categories: ", *(f" - {name}" for name in chosen[0])]
        return ["categories:", *(" - [" + ", ".join(f"'{n}'" for n in p) + "]" for p in chosen)]
    names = list(dict.fromkeys(name for path in chosen for name in path))
    if variant == "names":
        return ["categories:", *(f" - ['{name}']" for name in names)]
    return ["categories: [" + ", ".join(f"'{name}'" for name in names) + "]"]


def _body(rng: random.Random, mess: str, images: list[str]) -> list[str]:
    """The HTML body: paragraphs of 2-15 KB in all, the images between them, the boilerplate."""
    body = ["", "<div>   "]
    size = rng.randint(2_000, 15_000)
    written = 0
    paragraphs = 0
    while written < size:
        para = _text(rng, rng.randint(300, 1500))
        if mess == "pseudo-tag" and paragraphs == 1:
            para += "<源路径> & 3 < 5"
        if mess == "script" and paragraphs == 1:
            para += '<script>alert(1)</script><a href="javascript:x" onclick="y">链接</a>'
        body.append(f'<p cms-style="font-L">　　<font cms-style="font-L">{para}</font></p>')
        if paragraphs < len(images):
            body.append(images[paragraphs])
        written += len(body[-1].encode())
        paragraphs += 1
    body.append(BOILERPLATE.format(qr=QR))
    return body


def post(
    rng: random.Random,
    i: int,
    paths: list[tuple[str, ...]],
    weights: list[float],
    when: datetime | None = None,
    variant: str = "paths",
) -> str:
    """The text of post number ``i`` (published at ``when``, else a random time)."""
    mess = ""
    if rng.random() < 0.08:
        mess = rng.choice(
            ["at-title", "quote-title", "invalid-date", "naive-date", "protocol", "lazy",
             "qr-lead", "cors", "pseudo-tag", "braces", "draft", "no-title", "script"]
        )  # fmt: skip
    chosen = []
    for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
        path = rng.choices(paths, weights)[0]
        if path not in chosen:
            chosen.append(path)
    when = when or START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    title = _text(rng, rng.randint(40, 120))
    images = [_image(rng, i, n, mess) for n in range(rng.choice((0, 1, 1, 2, 3, 4)))]
    lead = QR if mess == "qr-lead" or not images else images[0].split('src="')[1].split('"')[0]
    if mess == "cors":
        lead = "https://cors.zfour.workers.dev/?http://n.sinaimg.cn/x/cors.jpg"
    lines = ["", "---", *_title_line(mess, title, variant), *_category_lines(chosen, variant)]
    if rng.random() < 0.3:
        lines.append("tags: [" + ", ".join(rng.sample(TAGS, rng.randint(1, 3))) + "]")
    lines += [f"headimg: '{lead}'", "author: 新浪财经", "comments: false"]
    if mess == "invalid-date":
        lines.append("date: Invalid Date")
    elif mess == "naive-date":
        lines.append(f"date: {when:%Y-%m-%d %H:%M:%S}")
    else:
        lines.append(f"date: {format_datetime(when, usegmt=True)}")
    if mess == "draft":
        lines.append("draft: true" if variant == "hugo" else "published: false")
    lines += [f"thumbnail: '{lead}'", "---"]
    return "\n".join(lines + _body(rng, mess, images))


def generate(
    out: Path,
    count: int,
    seed: int = SEED,
    start: int = 0,
    newest: bool = False,
    variant: str = "paths",
) -> list[Path]:
    """Write posts ``start`` .. ``start + count - 1`` of the corpus into ``out``.

    With ``newest`` the posts are dated after every post of the corpus, as the
    posts a crawler adds are. ``variant`` is one of ``VARIANTS`` (module docstring).
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown variant {variant!r}: one of {', '.join(VARIANTS)}")
    rng = random.Random(seed)
    paths = _categories(rng)
    weights = [1 / (rank + 1) for rank in range(len(paths))]
    written = []
    for i in range(start, start + count):
        post_rng = random.Random(f"{seed}:{i}")
        when = START + timedelta(seconds=SPAN_SECONDS + i * 60) if newest else None
        text = post(post_rng, i, paths, weights, when, variant)
        folder = out / f"{i // 1000:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{i:06d}_{hashlib.sha1(str(i).encode()).hexdigest()[:16]}.md"
        target = folder / name
        target.write_text(text, "utf-8")
        written.append(target)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--variant", choices=VARIANTS, default="paths")
    args = parser.parse_args()
    generate(args.out, args.count, args.seed, variant=args.variant)
    print(f"{args.count} posts in {args.out} ({os.cpu_count()} cores here)")


if __name__ == "__main__":
    main()
