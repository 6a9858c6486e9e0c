"""A corpus of any size for scale tests: reports recombined from real ones.

Each generated document is a plausible report of a city or county body
(``合肥市科协2023年工作总结``): a title line, numbered headings, paragraphs
taken from the real reports (the bundled ``corpus/`` and, when present, the
shared government work reports) with the issuing place, the years and every
figure changed, and a sign-off with body and date. Some documents are
near-duplicates of an earlier one (a revised draft with one figure changed),
as real archives hold. Document ``i`` depends only on the seed and ``i``, so
``generate(1001)`` is ``generate(1000)`` plus one new document.

Usage::

    from bench.scale_corpus import generate, measure
    paths = generate(1000, "/tmp/scale/corpus", seed=0)          # short documents (3-5 passages)
    rows = measure([100, 1000], workdir="/tmp/scale")            # build time, size, RSS, query p50/p95

    python -m bench.scale_corpus generate 1000 /tmp/scale/corpus
    python -m bench.scale_corpus measure 100 1000 --workdir /tmp/scale --json scale.json
"""

from __future__ import annotations

import functools
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BUNDLED = REPO / "corpus"

# (full name, short name); real cities and counties, so that place detection has something to find.
PLACES = [
    ("合肥市", "合肥"), ("芜湖市", "芜湖"), ("蚌埠市", "蚌埠"), ("淮北市", "淮北"), ("宣城市", "宣城"),
    ("肥西县", "肥西"), ("宁国市", "宁国"), ("武汉市", "武汉"), ("宜昌市", "宜昌"), ("襄阳市", "襄阳"),
    ("长沙市", "长沙"), ("株洲市", "株洲"), ("岳阳市", "岳阳"), ("杭州市", "杭州"), ("宁波市", "宁波"),
    ("温州市", "温州"), ("绍兴市", "绍兴"), ("安吉县", "安吉"), ("福州市", "福州"), ("厦门市", "厦门"),
    ("泉州市", "泉州"), ("成都市", "成都"), ("绵阳市", "绵阳"), ("贵阳市", "贵阳"), ("遵义市", "遵义"),
    ("昆明市", "昆明"), ("大理市", "大理"), ("海口市", "海口"), ("三亚市", "三亚"), ("南京市", "南京"),
    ("苏州市", "苏州"), ("无锡市", "无锡"), ("济南市", "济南"), ("青岛市", "青岛"), ("郑州市", "郑州"),
    ("洛阳市", "洛阳"), ("太原市", "太原"), ("西安市", "西安"), ("兰州市", "兰州"), ("南昌市", "南昌"),
]
BODIES = ["科协", "科协党组", "科协机关党委", "科技局党组", "科学技术局", "计算机学会", "科普作家协会", "科技馆"]
KINDS = ["工作总结", "工作要点", "工作报告", "落实全面从严治党主体责任情况报告", "主题教育总结", "党建工作总结"]
YEARS = range(2015, 2026)
DRAFTS = ["（征求意见稿）", "（修订稿）", "（送审稿）"]
NUMERALS = "一二三四五六七八九十"

_HEADING = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|第[一二三四五六七八九十]+部分)\s*")
_FIGURE = re.compile(r"(?<![\d.])\d+(?:\.\d+)?(?![\d.])")
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?=年)")
# Lines that set a whole document's metadata or are web-page residue: not reused as body text.
_NOT_BODY = ("我代表", "各位代表", "来源：", "时间：", "请予审议", "——",
             # five-year plans tie a line to its period; a 2016 report would not name the 十五五
             "十三五", "十四五", "十五五")


@dataclass(frozen=True)
class Shape:
    """How long generated documents are: sections, paragraphs per section, and
    a cap on paragraph length (whole sentences are kept)."""

    sections: tuple[int, int] = (2, 3)
    paragraphs: tuple[int, int] = (1, 1)
    max_chars: int = 160


SHORT = Shape()                                    # 3-5 passages (title, sections): 1,000 documents build in minutes
FULL = Shape(sections=(3, 6), paragraphs=(1, 3), max_chars=600)


@dataclass(frozen=True)
class Source:
    own: bool                 # one of the bundled Party-building reports
    year: int | None          # the report's own year: generated years keep their distance to it
    names: tuple[str, ...]    # its place names, replaced by the generated document's place
    headings: tuple[str, ...]
    paragraphs: tuple[str, ...]


def default_sources() -> list[Path]:
    """The bundled reports, and the shared government work reports when the
    shared folder (``$PARTYQA_SHARED`` or ``../shared``) is there."""
    shared = Path(os.environ.get("PARTYQA_SHARED") or REPO.parent / "shared")
    gov = shared / "corpora" / "gov"
    return [BUNDLED] + ([gov] if gov.is_dir() else [])


def _source_year(name: str, text: str) -> int | None:
    m = re.search(r"_((?:19|20)\d\d)(?![0-9a-f])", name)  # 上海市_2026…, not a year-like run in a hash
    if m:
        return int(m.group(1))
    years = _YEAR.findall(text)
    return int(max(set(years), key=years.count)) if years else None


def _source_names(name: str) -> tuple[str, ...]:
    stem = name.split("_")[0]
    m = re.match(r"^(.{2,3}?)(省|市)$", stem)
    if m:
        return (stem, m.group(1))
    return ("淮北市", "淮北") if name.startswith("003_") else ()


@functools.lru_cache(maxsize=8)
def _load(dirs: tuple[str, ...]) -> tuple[Source, ...]:
    out = []
    for d in dirs:
        for p in sorted(Path(d).glob("*.txt")):
            text = p.read_text(encoding="utf-8-sig")
            heads, paras = [], []
            for line in (x.strip() for x in text.splitlines()):
                if any(s in line for s in _NOT_BODY):
                    continue
                m = _HEADING.match(line)
                if m:
                    head = line[m.end():].rstrip("。")
                    if 4 <= len(head) <= 30:
                        heads.append(head)
                elif len(line) >= 40 and line.endswith(("。", "；", "！")):
                    paras.append(line)
            if paras:
                own = Path(d).resolve() == BUNDLED.resolve()
                out.append(Source(own, _source_year(p.name, text), _source_names(p.name), tuple(heads), tuple(paras)))
    if not out:
        raise FileNotFoundError(f"no reports to recombine in {list(dirs)}")
    return tuple(out)


def _sentences(text: str, max_chars: int) -> str:
    """Whole sentences from the start, up to ``max_chars``; a first sentence
    longer than that ends at its last comma that fits."""
    parts = re.findall(r"[^。；！]*[。；！]", text) or [text]
    out = parts[0]
    if len(out) > max_chars:
        cut = out.rfind("，", 0, max_chars)
        return out[:cut] + "。" if cut > 20 else out
    for s in parts[1:]:
        if len(out) + len(s) > max_chars:
            break
        out += s
    return out


def _vary_figures(text: str, rng: random.Random) -> str:
    """Every figure scaled by its own factor, decimals kept; years left alone."""
    def one(m: re.Match) -> str:
        s = m.group()
        if _YEAR.match(text, m.start()) and len(s) == 4:
            return s
        percent = text.startswith("%", m.end())
        value = float(s) * (rng.uniform(0.8, 1.2) if percent else rng.uniform(0.5, 1.8))
        if percent and float(s) <= 100:
            value = min(value, 100.0)  # a share stays a share
        if "." in s:
            return f"{value:.{len(s.split('.')[1])}f}"
        return str(max(1, round(value)))
    return _FIGURE.sub(one, text)


def _retarget(text: str, src: Source, year: int, place: tuple[str, str]) -> str:
    if src.year is not None:
        text = _YEAR.sub(lambda m: str(int(m.group(1)) + year - src.year), text)
    for name, new in zip(src.names, place):
        text = text.replace(name, new)
    return text


def _base(i: int, seed: int, shape: Shape, sources: tuple[Source, ...]) -> tuple[str, str, int]:
    """Document ``i`` as written from scratch: (file name, text, year)."""
    rng = random.Random(f"{seed}:{i}")
    place = rng.choice(PLACES)
    body, kind, year = rng.choice(BODIES), rng.choice(KINDS), rng.choice(YEARS)
    title = f"{place[0]}{body}{year}年{kind}"
    lines = [title]
    # Half the text from the 科协 and 党组 reports: the gov reports alone are far longer and would drown them.
    own = [s for s in sources if s.own] or list(sources)
    other = [s for s in sources if not s.own] or own
    for s in range(rng.randint(*shape.sections)):
        src = rng.choice(own if rng.random() < 0.5 else other)
        head = rng.choice(src.headings) if src.headings else "主要工作"
        lines.append(f"{NUMERALS[s]}、{_retarget(head, src, year, place)}")
        for _ in range(rng.randint(*shape.paragraphs)):
            para = _sentences(rng.choice(src.paragraphs), shape.max_chars)
            lines.append(_vary_figures(_retarget(para, src, year, place), rng))
    # The sign-off: issuing body and date, as the last lines of a real report.
    lines += [f"{place[0]}{body}", f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"]
    # Filed by place and year; the file name holds the kind only, so the title is read from the text.
    name = f"{place[0]}/{year}/{i:05d}_{kind}.txt"
    return name, "\n".join(lines) + "\n", year


def _is_draft(i: int, seed: int) -> bool:
    return i > 0 and random.Random(f"{seed}:{i}:dup").random() < 1 / 12


def document(i: int, *, seed: int = 0, shape: Shape = SHORT, sources: list[Path] | None = None) -> tuple[str, str]:
    """Document ``i`` of the generated corpus: (relative path, text). About
    one in twelve is a revised draft of an earlier document: the same text
    with one figure changed and the draft named in its title."""
    pool = _load(tuple(str(s) for s in (sources or default_sources())))
    if _is_draft(i, seed):
        rng = random.Random(f"{seed}:{i}:draft")
        j = rng.randrange(i)
        while _is_draft(j, seed):  # a draft of a report that is in the corpus as written
            j = rng.randrange(i)
        name, text, _ = _base(j, seed, shape, pool)
        title, rest = text.split("\n", 1)
        figures = list(_FIGURE.finditer(rest))
        if figures:
            m = rng.choice(figures)
            rest = rest[:m.start()] + _vary_figures(m.group(), rng) + rest[m.end():]
        draft = rng.choice(DRAFTS)
        folder = name.rsplit("/", 1)[0]
        return f"{folder}/{i:05d}_{title.split('年', 1)[-1]}{draft}.txt", f"{title}{draft}\n{rest}"
    name, text, _ = _base(i, seed, shape, pool)
    return name, text


def generate(n: int, out: str | Path, *, seed: int = 0, shape: Shape = SHORT, sources: list[Path] | None = None,
             start: int = 0) -> list[Path]:
    """Write documents ``start .. n-1`` under ``out`` (place/year folders); returns their paths."""
    out = Path(out)
    paths = []
    for i in range(start, n):
        rel, text = document(i, seed=seed, shape=shape, sources=sources)
        p = out / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        paths.append(p)
    return paths


# --- measuring ---------------------------------------------------------------

QUERIES = ["全市开展了多少项科普活动", "科技志愿服务", "学会党建工作", "基层科协组织建设", "全面从严治党主体责任",
           "科技工作者之家", "主题教育成效", "意识形态工作责任制", "院士专家工作站", "青少年科技创新大赛",
           "科普示范基地", "党风廉政建设", "年度工作要点", "创新驱动助力工程", "科技经费投入", "干部队伍建设"]


def cpu() -> str:
    """The CPU's model name, and whether it has native bf16 (which decides the precision)."""
    from indexer.precision import cpu_has_bf16, cpu_info

    return f"{cpu_info()[0]}, {os.cpu_count()} cores" + (", native bf16" if cpu_has_bf16() else ", no native bf16")


def _dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _cli(args: list[str], env: dict) -> tuple[float, str]:
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "indexer", *args], cwd=REPO, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - t
    if done.returncode not in (0, 3):
        raise RuntimeError(f"indexer {' '.join(args)} failed: {done.stderr[-2000:]}")
    return seconds, done.stdout + done.stderr


def _probe(index: str, rounds: int) -> dict:
    """Run in a fresh process: open the index, warm up, time ``rounds`` x 16
    hybrid queries, each asked once; the peak RSS is this searching process's."""
    from indexer.retrieval import Searcher

    searcher = Searcher.open(index)
    # Every timed question is new to the process: the searcher keeps recent query vectors.
    asked = [f"{place}{topic}" for topic in QUERIES for place, _ in PLACES]
    random.Random(0).shuffle(asked)
    for q in asked[:32]:
        searcher.search(q, k=5)
    times = []
    for q in asked[32:32 + rounds * len(QUERIES)]:
        t = time.perf_counter()
        searcher.search(q, k=5)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return {"query_p50_ms": round(statistics.median(times), 2),
            "query_p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2),
            "search_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started (VmHWM). Not
    ``ru_maxrss``: Linux carries that over from the parent through fork and
    exec, so a probe started by the 4 GB benchmark process reported 4 GB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def copy_into(index: str | Path, url: str) -> int:
    """Publish the live version of the index folder ``index`` as a version of
    the OceanBase store ``url``: its passages, vectors and manifest, nothing
    embedded again. Returns the passages copied."""
    from indexer.store import open_store
    from indexer.store.base import text_key

    version = open_store(index).files.current()
    chunks = version.read_chunks()
    target = open_store(url)
    with target.build_lock():
        target.write(chunks, [text_key(c.embedding_text()) for c in chunks], version.read_vectors(),
                     version.manifest, rebuild=True)
    return len(chunks)


def _embedded_line(build_output: str) -> str:
    """The build report's line saying how many passages were embedded and reused."""
    return next((x for x in build_output.splitlines() if "新计算向量" in x), "")


def _add_warm(index: str, corpus: str, n: int, seed: int, shape: str) -> dict:
    """Run in a fresh process: load the model as the app holds it, then add
    document ``n`` to ``corpus`` and update ``index`` with that model: the
    app's path (its engine rebuilds in-process), without the CLI's process
    start and model load."""
    from indexer.building import build_index
    from indexer.config import Settings
    from indexer.embedding import Embedder
    from indexer.store import open_store

    settings = Settings.from_env()
    embedder = Embedder(open_store(index).current_manifest().model_name, settings=settings)
    generate(n + 1, corpus, seed=seed, shape=FULL if shape == "full" else SHORT, start=n)
    t = time.perf_counter()
    report = build_index(corpus, index, embedder=embedder, settings=settings)
    return {"add_one_warm_s": round(time.perf_counter() - t, 2), "add_one_warm_embedded": report.embedded}


def _in_fresh_process(args: list[str], env: dict) -> dict:
    """The JSON line an internal subcommand (``probe``, ``add``) prints, run in a new process."""
    done = subprocess.run([sys.executable, "-m", "bench.scale_corpus", *args],
                          cwd=REPO, env=env, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def _probe_row(index: str, rounds: int, env: dict) -> dict:
    return _in_fresh_process(["probe", index, "--rounds", str(rounds)], env)


def measure(sizes: list[int], workdir: str | Path, *, seed: int = 0, shape: Shape = SHORT, rounds: int = 10,
            oceanbase: Callable[[int], str] | None = None, log=print) -> list[dict]:
    """For each size: generate, build with the CLI (a fresh process, as an
    operator would), then add one document and rebuild, then a no-change
    build; then hybrid query p50/p95 (warm) and peak RSS of a searching process.

    ``oceanbase``: a database URL per size. The same passages and vectors
    are then copied into it (``load_s``), and one more document added, a
    no-change build and the queries are measured there too (rows with
    ``store`` = ``oceanbase``)."""
    from indexer.store import open_store

    workdir = Path(workdir)
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    rows = []
    for n in sizes:
        corpus, index = workdir / f"corpus-{n}", workdir / f"index-{n}"
        for p in (corpus, index):
            shutil.rmtree(p, ignore_errors=True)
        generate(n, corpus, seed=seed, shape=shape)
        build_s, _ = _cli(["build", "--corpus", str(corpus), "--index", str(index), "--quiet"], env)
        store = open_store(index)
        manifest = store.current_manifest()
        live = index / "versions" / store.current_name()  # the live version only, not the ones kept for readers
        # Measured now: the updates below publish new versions and clean this one away.
        index_mb = round(_dir_bytes(live) / 2**20, 2)
        manifest_kb = round(sum(p.stat().st_size for p in live.glob("manifest*")) / 1024, 1)
        generate(n + 1, corpus, seed=seed, shape=shape, start=n)
        add_s, add_out = _cli(["build", "--corpus", str(corpus), "--index", str(index)], env)
        same_s, _ = _cli(["build", "--corpus", str(corpus), "--index", str(index), "--quiet"], env)
        probe = _probe_row(str(index), rounds, env)
        # One more document (numbered past those the OceanBase rows add), with the model already loaded.
        warm = _in_fresh_process(["add", str(index), str(corpus), str(n + 5), "--seed", str(seed),
                                  "--shape", "full" if shape is FULL else "short"], env)
        # The precision is the CLI's choice (PARTYQA_PRECISION, else by the CPU), recorded in the manifest.
        row = {"documents": n, "passages": manifest.counts["chunks"], "build_s": round(build_s, 1),
               "precision": manifest.model.precision if manifest.model else "",
               "passages_per_s": round(manifest.counts["chunks"] / build_s, 1),
               "index_mb": index_mb, "manifest_kb": manifest_kb,
               "add_one_s": round(add_s, 1),
               "add_one_report": _embedded_line(add_out), **warm,
               "no_change_s": round(same_s, 2), **probe, "cpu": cpu(), "store": "embedded"}
        rows.append(row)
        log(f"  {row}")
        if oceanbase is not None:
            url = oceanbase(n)
            t = time.perf_counter()
            copied = copy_into(index, url)
            load_s = time.perf_counter() - t
            generate(n + 2, corpus, seed=seed, shape=shape, start=n + 1)
            add_s, add_out = _cli(["build", "--corpus", str(corpus), "--store", url], env)
            same_s, _ = _cli(["build", "--corpus", str(corpus), "--store", url, "--quiet"], env)
            ob = {"documents": n, "passages": copied, "store": "oceanbase", "load_s": round(load_s, 1),
                  "add_one_s": round(add_s, 1),
                  "add_one_report": _embedded_line(add_out),
                  "no_change_s": round(same_s, 2), **_probe_row(url, rounds, env), "cpu": cpu()}
            rows.append(ob)
            log(f"  {ob}")
    return rows


def main(argv: list[str] | None = None) -> int:
    import argparse

    p = argparse.ArgumentParser(prog="python -m bench.scale_corpus", description="生成规模测试语料并测量构建与检索")
    sub = p.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("generate", help="生成 N 篇文档")
    g.add_argument("n", type=int)
    g.add_argument("out")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--full", action="store_true", help="完整长度的文档（默认每篇 3–5 段）")
    m = sub.add_parser("measure", help="按规模测量构建时间、索引大小、检索进程内存、混合检索 p50/p95")
    m.add_argument("sizes", type=int, nargs="+")
    m.add_argument("--workdir", required=True)
    m.add_argument("--json", dest="json_out")
    m.add_argument("--oceanbase", nargs="?", const="", default=None, metavar="URL",
                   help="同时测 OceanBase：给出库地址，或不给地址而在本机启动 seekdb")
    ad = sub.add_parser("add", help="（内部）在新进程中先加载模型，再加一篇并更新索引")
    ad.add_argument("index")
    ad.add_argument("corpus")
    ad.add_argument("n", type=int)
    ad.add_argument("--seed", type=int, default=0)
    ad.add_argument("--shape", choices=("short", "full"), default="short")
    pr = sub.add_parser("probe", help="（内部）在新进程中测检索")
    pr.add_argument("index")
    pr.add_argument("--rounds", type=int, default=10)
    a = p.parse_args(argv)
    if a.cmd == "generate":
        print(len(generate(a.n, a.out, seed=a.seed, shape=FULL if a.full else SHORT)))
    elif a.cmd == "measure":
        from .stores import oceanbase_databases

        with oceanbase_databases(Path(a.workdir) / "seekdb", a.oceanbase) as url_for:
            rows = measure(a.sizes, a.workdir, oceanbase=url_for)
        if a.json_out:
            Path(a.json_out).write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    elif a.cmd == "add":
        print(json.dumps(_add_warm(a.index, a.corpus, a.n, a.seed, a.shape)))
    else:
        print(json.dumps(_probe(a.index, a.rounds)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
