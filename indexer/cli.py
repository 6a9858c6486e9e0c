"""Command line: ``python -m indexer <command>``.

    python -m indexer chunks [--corpus corpus] [--json]
    python -m indexer build  [--corpus corpus] [--index index | --store URL] [--model M] [--rebuild] [--quiet]
    python -m indexer search QUERY [--index index | --store URL] [-k 5] [--mode hybrid|dense|keyword] [--json]
    python -m indexer search --batch FILE --json
    python -m indexer ask QUESTION [--index index | --store URL] [-k 5] [--json]
    python -m indexer bench [--quick] [--json FILE] [--plot FILE] [--store URL]
    python -m indexer seekdb --dir DIR [--port 2881]      (password from $PARTYQA_SEEKDB_PASSWORD)

The index lives in a folder (``--index``, default ``index``) or in an
OceanBase/seekdb database (``--store oceanbase://user:password@host:port/db``);
without either, $PARTYQA_STORE decides.

Errors for users are printed in Chinese on stderr with exit status 2; a
build that skipped files exits with status 3 after indexing the rest.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

EXIT_ERROR = 2
EXIT_SKIPPED = 3


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _queries(args) -> list[str]:
    if args.batch:
        path = Path(args.batch)
        if not path.exists():
            raise FileNotFoundError(f"找不到问题文件：{path}")
        return [l.strip() for l in path.read_text(encoding="utf-8").splitlines() if l.strip()]
    if not args.query:
        raise ValueError("请给出查询内容，或用 --batch 指定每行一个问题的文件")
    return [args.query]


def cmd_chunks(args) -> int:
    from .chunking import ChunkParams, chunk_documents
    from .loading import load_corpus

    result = load_corpus(args.corpus)
    for s in result.skipped:
        print(f"已跳过 {s.path}：{s.reason}", file=sys.stderr)
    for c in chunk_documents(result.documents, ChunkParams(args.size, args.overlap)):
        if args.json:
            _print_json(c.to_dict())
        else:
            print(f"[{c.doc} {c.start}:{c.end}] {c.title} | {c.section}\n{c.text}\n")
    return EXIT_SKIPPED if result.skipped else 0


def cmd_build(args) -> int:
    from tqdm import tqdm

    from .building import build_index
    from .chunking import ChunkParams

    bars: dict = {}

    def progress(stage: str, done: int, total: int) -> None:
        if args.quiet:
            return
        bar = bars.get(stage)
        if bar is None:
            label = {"embed": "计算向量（段落）", "index": "写入索引"}[stage]
            bar = bars[stage] = tqdm(total=total, desc=label, unit="段", file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    report = build_index(args.corpus, _store_spec(args), model=args.model, rebuild=args.rebuild,
                         params=ChunkParams(args.size, args.overlap), progress=progress)
    print(report.summary(), file=sys.stderr if args.quiet else sys.stdout)
    return EXIT_SKIPPED if report.skipped else 0


def _store_spec(args) -> str:
    from .stores import resolve_spec

    return resolve_spec(args.store or args.index)


def _searcher(args):
    from .retrieval import Searcher

    return Searcher.open(_store_spec(args), model=args.model)


def _doc_filter(args, searcher) -> list[str] | None:
    """Documents allowed by --doc, --year, --body and --place (None: all)."""
    from .scope import filter_documents

    docs = args.doc or None
    if args.year or args.body or args.place:
        chosen = filter_documents(searcher.documents, years=args.year, bodies=args.body, places=args.place)
        docs = [d for d in docs if d in chosen] if docs else chosen
        if not docs:
            raise ValueError("没有符合 --year/--body/--place 条件的文档")
    return docs


def cmd_search(args) -> int:
    searcher = _searcher(args)
    docs = _doc_filter(args, searcher)
    for q in _queries(args):
        hits = searcher.search(q, k=args.k, mode=args.mode, docs=docs)
        message = searcher.resolve(q).message if q else ""
        if args.json:
            _print_json({"query": q, "message": message, "hits": [h.to_dict() for h in hits]})
        else:
            print(f"问：{q}")
            if message:
                print(f"  {message}")
            for i, h in enumerate(hits, 1):
                c = h.chunk
                print(f"  [{i}] {h.score:.4f} 《{c.title}》 {c.section}\n      {c.text}")
    return 0


def cmd_ask(args) -> int:
    from .answering import Answerer

    answerer = Answerer(_searcher(args))
    docs = _doc_filter(args, answerer.searcher)
    for q in _queries(args):
        result = answerer.ask(q, k=args.k, docs=docs)
        if args.json:
            _print_json(result.to_dict())
        else:
            print(result.render_text())
    return 0


def cmd_bench(args) -> int:
    from .bench import run_bench

    return run_bench(args)


def cmd_seekdb(args) -> int:
    import signal
    import threading

    from .seekdb import start_server

    server = start_server(args.dir, port=args.port)
    print(f"seekdb 已在 127.0.0.1:{args.port} 启动（数据目录 {server.base_dir}）。"
          f"索引地址：oceanbase://root:<密码>@127.0.0.1:{args.port}/partyqa 。按 Ctrl-C 停止。", flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.is_set() and server.process.poll() is None:
        stop.wait(1.0)
    server.stop()
    return 0 if stop.is_set() else EXIT_ERROR


def _store_opts(sp) -> None:
    sp.add_argument("--index", default=None, help="索引文件夹（默认 index）")
    sp.add_argument("--store", default=None,
                    help="索引存储：文件夹，或 oceanbase://用户:密码@主机:端口/库名；默认取环境变量 PARTYQA_STORE")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m indexer", description="党建文档检索与问答（离线）")
    p.add_argument("-v", "--verbose", action="store_true", help="显示调试日志")
    sub = p.add_subparsers(dest="command", required=True)

    def chunk_opts(sp):
        sp.add_argument("--size", type=int, default=300, help="段落长度上限（字符）")
        sp.add_argument("--overlap", type=int, default=60, help="相邻段落重叠（字符）")

    sp = sub.add_parser("chunks", help="打印语料切分出的段落")
    sp.add_argument("--corpus", default="corpus")
    sp.add_argument("--json", action="store_true", help="每行一个 JSON 对象")
    chunk_opts(sp)
    sp.set_defaults(func=cmd_chunks)

    sp = sub.add_parser("build", help="构建或增量更新索引")
    sp.add_argument("--corpus", default="corpus")
    _store_opts(sp)
    sp.add_argument("--model", default=None, help="sentence-transformers 模型名或本地文件夹；默认内置 multilingual-e5-small")
    sp.add_argument("--rebuild", action="store_true", help="丢弃旧索引，全部重新计算")
    sp.add_argument("--quiet", action="store_true", help="不显示进度条")
    chunk_opts(sp)
    sp.set_defaults(func=cmd_build)

    for name, func, text in (("search", cmd_search, "检索段落"), ("ask", cmd_ask, "提问并给出带出处的答案")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("query", nargs="?", help="问题或关键词")
        sp.add_argument("--batch", help="每行一个问题的文本文件")
        _store_opts(sp)
        sp.add_argument("--model", default=None, help="默认使用构建索引时的模型")
        sp.add_argument("-k", type=int, default=5, help="返回段落数")
        sp.add_argument("--doc", action="append", help="只在该文档中检索（可重复）")
        sp.add_argument("--year", action="append", type=int, help="只在该年份的报告中检索（可重复）")
        sp.add_argument("--body", action="append", help="只在该机关发布的文档中检索，如 市科协党组（可重复）")
        sp.add_argument("--place", action="append", help="只在该地区的文档中检索，如 重庆市（可重复）")
        sp.add_argument("--json", action="store_true")
        if name == "search":
            sp.add_argument("--mode", choices=("hybrid", "dense", "keyword"), default="hybrid")
        sp.set_defaults(func=func)

    sp = sub.add_parser("bench", help="质量与速度基准，与常见方案并排比较")
    sp.add_argument("--quick", action="store_true", help="小规模快速运行（CI 用）")
    sp.add_argument("--json", dest="json_out", help="把全部数字写入 JSON 文件")
    sp.add_argument("--plot", help="输出 PNG 图")
    sp.add_argument("--cmrc", default=None, help="CMRC 2018 dev 文件路径")
    sp.add_argument("--gov", default=None, help="政府工作报告语料目录（默认 ../shared/corpora/gov 或 PARTYQA_GOV）")
    sp.add_argument("--workdir", default=None, help="基准使用的临时目录")
    sp.add_argument("--store", default=None,
                    help="供基准写入的 OceanBase 库（oceanbase://…，其中索引会被覆盖）；默认在临时目录启动本机 seekdb")
    sp.add_argument("--no-oceanbase", action="store_true", help="不测 OceanBase 存储")
    sp.set_defaults(func=cmd_bench)

    sp = sub.add_parser("seekdb", help="在本机启动 seekdb（仅监听 127.0.0.1，root 密码取自 PARTYQA_SEEKDB_PASSWORD）")
    sp.add_argument("--dir", required=True, help="seekdb 数据目录")
    sp.add_argument("--port", type=int, default=2881)
    sp.set_defaults(func=cmd_seekdb)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format="%(levelname)s %(name)s: %(message)s")
    for noisy in ("bm25s", "jieba", "sentence_transformers", "transformers"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from .building import ModelMismatch
    from .embedding import ModelUnavailable
    from .loading import LoadError
    from .seekdb import ServerError
    from .storage import IndexError_

    try:
        return args.func(args)
    except (ModelMismatch, ModelUnavailable, LoadError, IndexError_, ServerError, FileNotFoundError,
            ValueError) as exc:
        print(f"错误：{exc}", file=sys.stderr)
        logging.getLogger("indexer").debug("error details", exc_info=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
