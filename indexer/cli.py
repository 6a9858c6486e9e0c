"""Command line: ``python -m indexer <command>``.

    python -m indexer chunks [--corpus corpus] [--json]
    python -m indexer build  [--corpus corpus] [--index index | --store URL] [--model M] [--device D] [--rebuild] [--quiet]
    python -m indexer build --clean                  (only remove what killed builds left behind)
    python -m indexer search QUERY [--index index | --store URL] [-k 5] [--mode hybrid|dense|keyword] [--json]
    python -m indexer search --batch FILE --json      (one output line per input line, blank ones too)
    python -m indexer ask QUESTION [--index index | --store URL] [-k 5] [--json]
    python -m indexer seekdb --dir DIR [--port 2881]      (password from $PARTYQA_SEEKDB_PASSWORD)

The index lives in a folder (``--index``, default ``index``) or in an
OceanBase/seekdb database (``--store oceanbase://user:password@host:port/db``);
without either, $PARTYQA_STORE decides. Settings are read once per command
(:class:`indexer.config.Settings`). The benchmark is ``python -m bench``.

Errors for users are printed in Chinese on stderr with exit status 2; a
build that skipped files exits with status 3 after indexing the rest. No
traceback reaches the terminal: library log records and the details of
unexpected errors (exit status 1) go to the log file (see :func:`log_path`).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import errno
import json
import logging
import os
import sys
from pathlib import Path

from .config import CHUNK_OVERLAP, CHUNK_SIZE, DEVICE, Settings, log_file
from .errors import PartyQAError, UsageError

EXIT_ERROR = 2
EXIT_SKIPPED = 3
EXIT_INTERNAL = 1  # a bug, not the user's doing: the details are in the log file
MAX_K = 100
MAX_BATCH_BYTES = 64 * 1024 * 1024


def _print_json(obj) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _read_batch(name: str) -> list[str]:
    """The lines of a batch file, one per input line (blank ones kept, so
    output line n answers input line n). FIFOs and /dev/stdin are fine here:
    the user names this file on purpose, unlike the files in a corpus."""
    from .errors import LoadError
    from .loading import decode_text

    path = Path(name)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BATCH_BYTES + 1)
    except FileNotFoundError:
        raise UsageError(f"找不到问题文件：{path}") from None
    except IsADirectoryError:
        raise UsageError(f"问题文件 {path} 是文件夹，请给出每行一个问题的文本文件") from None
    if len(data) > MAX_BATCH_BYTES:
        raise UsageError(f"问题文件 {path} 过大（上限 {MAX_BATCH_BYTES // 1024 // 1024} MB）")
    if not data:
        return []
    try:
        text, _ = decode_text(data)
    except LoadError as exc:
        raise UsageError(f"问题文件 {path} 无法读取：{exc}") from None
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the newline that ends the last line does not start another
    return [l[:-1] if l.endswith("\r") else l for l in lines]


def _queries(args) -> list[str]:
    """Normalised queries; in a batch, blank or unusable lines stay as ''."""
    from .textnorm import normalize_query

    if args.batch:
        return [normalize_query(l) for l in _read_batch(args.batch)]
    if not args.query:
        raise UsageError("请给出查询内容，或用 --batch 指定每行一个问题的文件")
    query = normalize_query(args.query)
    if not query:
        raise UsageError("查询内容为空（去掉控制字符和无法识别的字节后没有剩下文字），请重新输入")
    return [query]


def cmd_chunks(args) -> int:
    from .archives import load_corpus_unpacked
    from .chunking import ChunkParams, chunk_documents

    result = load_corpus_unpacked(args.corpus, args.settings)
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
            label = {"ocr": "OCR 识别扫描页", "embed": "计算向量（段落）", "index": "写入索引"}[stage]
            bar = bars[stage] = tqdm(total=total, desc=label, unit="页" if stage == "ocr" else "段", file=sys.stderr)
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    if args.clean:
        return _clean(args)
    report = build_index(args.corpus, _store_spec(args), model=args.model, rebuild=args.rebuild,
                         params=ChunkParams(args.size, args.overlap), progress=progress, settings=args.settings)
    print(report.summary(), file=sys.stderr if args.quiet else sys.stdout)
    return EXIT_SKIPPED if report.skipped else 0


def _clean(args) -> int:
    from .store import open_store

    store = open_store(_store_spec(args), args.settings)
    with store.build_lock():
        removed = store.clean()
    print(f"已清理 {len(removed)} 项：{'、'.join(removed)}" if removed else "没有需要清理的残留。")
    return 0


def _store_spec(args) -> str:
    return args.settings.resolve_store(args.store or args.index)


def _searcher(args):
    from .retrieval import Searcher
    from .store import open_store

    store = open_store(_store_spec(args), args.settings)
    if args.doc:
        # Checked before the model loads, so a typo is answered at once.
        manifest = store.current_manifest()
        known = manifest.documents if manifest else None
        unknown = [d for d in args.doc if known is not None and d not in known]
        if unknown:
            listed = "、".join(sorted(known)[:10]) + ("等" if len(known) > 10 else "")
            raise UsageError(f"索引中没有这些文档：{'、'.join(unknown)}。索引中的文档有 {len(known)} 篇：{listed}")
    return Searcher.open(store, model=args.model, settings=args.settings)


def _doc_filter(args, searcher) -> list[str] | None:
    """Documents allowed by --doc, --year, --body and --place (None: all)."""
    from .scope import filter_documents

    docs = args.doc or None
    if args.year or args.body or args.place:
        chosen = filter_documents(searcher.documents, years=args.year, bodies=args.body, places=args.place)
        docs = [d for d in docs if d in chosen] if docs else chosen
        if not docs:
            raise UsageError("没有符合 --year/--body/--place 条件的文档")
    return docs


def cmd_search(args) -> int:
    queries = _queries(args)
    searcher = _searcher(args)
    docs = _doc_filter(args, searcher)
    for q in queries:
        hits = searcher.search(q, k=args.k, mode=args.mode, docs=docs) if q else []
        message = searcher.resolve(q).message if q else ""
        if args.json:
            _print_json({"query": q, "message": message, "hits": [h.to_dict() for h in hits]})
        elif args.batch:
            print(f"{q}\t{_one_line(hits[0].chunk.text)}" if hits else f"{q}\t{message}" if message else q,
                  flush=True)
        else:
            print(f"问：{q}")
            if message:
                print(f"  {message}")
            for i, h in enumerate(hits, 1):
                c = h.chunk
                print(f"  [{i}] {h.score:.4f} 《{c.title}》 {c.section}\n      {c.text}")
    return 0


def cmd_ask(args) -> int:
    from .answering import Answerer, AskResult

    queries = _queries(args)
    answerer = Answerer(_searcher(args))
    docs = _doc_filter(args, answerer.searcher)
    for q in queries:
        result = answerer.ask(q, k=args.k, docs=docs) if q else AskResult("", False, [], [], [])
        if args.json:
            _print_json(result.to_dict())
        elif args.batch:
            if result.found and result.answers:
                best = result.answers[0]
                line = f"{q}\t{_one_line(best.text)}\t{_one_line(best.citation)}"
            elif result.found and result.hits:
                line = f"{q}\t{_one_line(result.hits[0].chunk.text)}\t{_one_line(result.citations[0])}"
            else:
                line = f"{q}\t没有找到" if q else ""
            print(line, flush=True)
        else:
            print(result.render_text())
    return 0


def cmd_seekdb(args) -> int:
    import signal
    import threading

    from .store.seekdb import start_server

    server = start_server(args.dir, port=args.port, password=args.settings.seekdb_password,
                          cache=args.settings.cache)
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


def _top_k(text: str) -> int:
    try:
        k = int(text)
    except ValueError:
        k = 0
    if not 1 <= k <= MAX_K:
        raise argparse.ArgumentTypeError(f"应为 1 到 {MAX_K} 之间的整数，收到“{text}”")
    return k


# argparse's own messages, which it looks up through gettext at the moment it
# builds a parser or reports an error.
_ARGPARSE_ZH = {
    "usage: ": "用法：",
    "positional arguments": "位置参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "ignored explicit argument %r": "该选项不接受取值：%r",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "one of the arguments %s is required": "需要以下参数之一：%s",
    "expected one argument": "需要一个取值",
    "expected at most one argument": "最多接受一个取值",
    "expected at least one argument": "至少需要一个取值",
    "expected %s argument": "需要 %s 个取值",
    "expected %s arguments": "需要 %s 个取值",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "unexpected option string: %s": "意外的选项：%s",
    "invalid %(type)s value: %(value)r": "取值无效：%(value)r",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的取值 %(value)r（可选：%(choices)s）",
    "%(prog)s: error: %(message)s\n": "错误：%(message)s（用法见 %(prog)s -h）\n",
}


@contextlib.contextmanager
def _chinese_argparse():
    saved = argparse._, argparse.ngettext
    argparse._ = lambda msg: _ARGPARSE_ZH.get(msg, msg)
    argparse.ngettext = lambda one, many, n: _ARGPARSE_ZH.get(one if n == 1 else many, one if n == 1 else many)
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def _device(value: str) -> str:
    if not DEVICE.fullmatch(value):
        raise argparse.ArgumentTypeError(f"应为 auto、cpu、cuda 或 cuda:编号，而不是“{value}”")
    return value


def build_parser() -> argparse.ArgumentParser:
    with _chinese_argparse():
        return _build_parser()


def _build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m indexer", description="党建文档检索与问答（离线）")
    p.add_argument("-v", "--verbose", action="store_true", help="在终端显示调试日志和错误详情")
    sub = p.add_subparsers(dest="command", required=True, metavar="命令")

    def chunk_opts(sp):
        sp.add_argument("--size", type=int, default=CHUNK_SIZE, help="段落长度上限（字符）")
        sp.add_argument("--overlap", type=int, default=CHUNK_OVERLAP, help="相邻段落重叠（字符）")

    sp = sub.add_parser("chunks", help="打印语料切分出的段落")
    sp.add_argument("--corpus", default="corpus")
    sp.add_argument("--json", action="store_true", help="每行一个 JSON 对象")
    chunk_opts(sp)
    sp.set_defaults(func=cmd_chunks)

    sp = sub.add_parser("build", help="构建或增量更新索引")
    sp.add_argument("--corpus", default="corpus")
    _store_opts(sp)
    sp.add_argument("--model", default=None, help="sentence-transformers 模型名或本地文件夹；默认内置 multilingual-e5-small")
    sp.add_argument("--device", type=_device, default=None, help="在哪里计算向量：auto（有 GPU 用 GPU，默认）、cpu、cuda")
    sp.add_argument("--rebuild", action="store_true", help="丢弃旧索引，全部重新计算")
    sp.add_argument("--quiet", action="store_true", help="不显示进度条；只输出构建报告")
    sp.add_argument("--clean", action="store_true",
                    help="只清理中断的构建留下的临时文件和未生效的版本，不构建")
    chunk_opts(sp)
    sp.set_defaults(func=cmd_build)

    for name, func, text in (("search", cmd_search, "检索段落"), ("ask", cmd_ask, "提问并给出带出处的答案")):
        sp = sub.add_parser(name, help=text)
        sp.add_argument("query", nargs="?", help="问题或关键词")
        sp.add_argument("--batch", help="每行一个问题的文本文件")
        _store_opts(sp)
        sp.add_argument("--model", default=None, help="默认使用构建索引时的模型")
        sp.add_argument("-k", type=_top_k, default=5, help=f"返回段落数（1–{MAX_K}）")
        sp.add_argument("--doc", action="append", help="只在该文档中检索（可重复）")
        sp.add_argument("--year", action="append", type=int, help="只在该年份的报告中检索（可重复）")
        sp.add_argument("--body", action="append", help="只在该机关发布的文档中检索，如 市科协党组（可重复）")
        sp.add_argument("--place", action="append", help="只在该地区的文档中检索，如 重庆市（可重复）")
        sp.add_argument("--json", action="store_true")
        if name == "search":
            sp.add_argument("--mode", choices=("hybrid", "dense", "keyword"), default="hybrid")
        sp.set_defaults(func=func)

    sp = sub.add_parser("seekdb", help="在本机启动 seekdb（仅监听 127.0.0.1，root 密码取自 PARTYQA_SEEKDB_PASSWORD）")
    sp.add_argument("--dir", required=True, help="seekdb 数据目录")
    sp.add_argument("--port", type=int, default=2881)
    sp.set_defaults(func=cmd_seekdb)

    from .office_cli import add_commands  # users, kb, audit, feedback, serve (the office server)

    add_commands(sub)
    return p


def log_path() -> Path:
    """Where library log records and error details go: $PARTYQA_LOG, else
    ``partyqa.log`` in the cache folder (see :func:`indexer.config.log_file`)."""
    return log_file()


# Libraries that set their own loggers to DEBUG or INFO at import (bm25s does).
_THIRD_PARTY = ("bm25s", "jieba", "pypdf", "sentence_transformers", "transformers", "faiss", "urllib3",
                "filelock", "pymysql", "matplotlib", "PIL", "streamlit", "py.warnings")


def _setup_logging(verbose: bool) -> None:
    """The terminal shows only this program's own messages; log records, from
    here and from libraries, go to the log file (and to stderr with -v). The
    levels live on the handlers, so a library that resets its logger's level
    on import still cannot print."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, "_partyqa", False)]:  # main() run again in-process
        root.removeHandler(old)
        old.close()
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    for name in _THIRD_PARTY:
        logging.getLogger(name).setLevel(logging.DEBUG if verbose else logging.WARNING)
    logging.captureWarnings(True)
    fmt = logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    try:
        path = log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8", errors="backslashreplace")
    except OSError:  # a read-only home: nowhere to keep details, which is no reason to fail
        handler = logging.NullHandler()
    handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
    handler.setFormatter(fmt)
    handlers = [handler]
    if verbose:
        console = logging.StreamHandler(sys.stderr)
        console.setLevel(logging.DEBUG)
        console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        handlers.append(console)
    for h in handlers:
        h._partyqa = True
        root.addHandler(h)


def _os_message(exc: OSError) -> str:
    where = f"：{exc.filename}" if exc.filename else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"磁盘空间不足{where}。请清理磁盘空间后重试。"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"没有权限{where}。请检查文件和文件夹的权限。"
    if exc.errno == errno.EROFS:
        return f"文件系统是只读的{where}。"
    return f"系统错误（{exc.strerror or type(exc).__name__}）{where}。"


def _is_database_error(exc: BaseException) -> bool:
    return type(exc).__module__.startswith("pymysql")


def main(argv: list[str] | None = None) -> int:
    # Text that cannot be encoded (a terminal in another code page) is escaped, not fatal.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="backslashreplace")
    with _chinese_argparse():
        args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    log = logging.getLogger("indexer")
    try:
        args.settings = Settings.from_env()
        if getattr(args, "device", None):
            args.settings = dataclasses.replace(args.settings, device=args.device)
        return args.func(args)
    except PartyQAError as exc:
        print(f"错误：{exc}", file=sys.stderr)
        log.debug("error details", exc_info=True)
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (| head): nothing more to say, and nowhere to say it.
        with contextlib.suppress(OSError):
            sys.stdout = open(os.devnull, "w")
        return 141
    except OSError as exc:
        print(f"错误：{_os_message(exc)}", file=sys.stderr)
        log.warning("system error", exc_info=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except Exception as exc:
        log.error("unexpected error", exc_info=True)
        if _is_database_error(exc):
            print("错误：与 OceanBase 索引库的连接出错，重试后仍未成功。请检查数据库服务后重试；"
                  f"详细信息已写入 {log_path()}。", file=sys.stderr)
            return EXIT_ERROR
        print(f"错误：程序内部错误（{type(exc).__name__}），这不是您的操作造成的。详细信息已写入 {log_path()}，"
              "请把它交给维护者。", file=sys.stderr)
        return EXIT_INTERNAL
