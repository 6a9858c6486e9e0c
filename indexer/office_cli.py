"""Command line of the office server (hooked into ``python -m indexer``):

    python -m indexer users add NAME --role reader|editor|admin   (password from the prompt or stdin)
    python -m indexer users passwd|disable|enable NAME
    python -m indexer users role NAME --role ROLE
    python -m indexer users list
    python -m indexer users grant NAME KB read|edit ;  users revoke NAME KB
    python -m indexer kb add NAME [--corpus DIR] [--store DIR|URL] ;  kb list
    python -m indexer audit verify | export [--out FILE] | show [-n 50] | prune [--days N]
    python -m indexer feedback export [--out FILE] [--verdict useful|wrong]
    python -m indexer serve [--host 127.0.0.1] [--port 8000]

Passwords are never arguments (they would stay in the shell history and in
``ps``): a terminal prompts twice, otherwise the first line of standard
input is read. All commands act on ``PARTYQA_DATA`` (default ``data``), and
``audit`` on the OceanBase database instead when ``PARTYQA_STORE`` is there;
they are written to the audit log as ``命令行:<system user>``.
"""

from __future__ import annotations

import getpass
import sys
from pathlib import Path

from .accounts import ROLE_NAMES, ROLES, AccountError, OfficeError
from .knowledge import LEVEL_NAMES, LEVELS

EXIT_ERROR = 2
CLI_SOURCE = "命令行"


def _office(args):
    from .office import Office

    return Office.from_settings(args.settings)


def _actor() -> str:
    try:
        return f"命令行:{getpass.getuser()}"
    except (KeyError, OSError):
        return "命令行"


def read_password(confirm: bool = True) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("密码：")
        if confirm and getpass.getpass("再输入一次：") != first:
            raise AccountError("两次输入的密码不一致。")
        return first
    line = sys.stdin.readline()
    if not line:
        raise AccountError("没有读到密码：请在提示时输入，或从标准输入提供一行密码。")
    return line.rstrip("\r\n")


def _write(text: str, out: str | None) -> None:
    if out:
        Path(out).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


def cmd_users(args) -> int:
    office, actor = _office(args), _actor()
    acc = office.accounts
    if args.action == "list":
        users = acc.users()
        if not users:
            print("还没有账号（单用户模式：只能在本机使用）。")
        for u in users:
            grants = office.kbs.grants(u.name)
            where = "全部知识库" if u.is_admin else "，".join(f"{k}（{LEVEL_NAMES[v]}）" for k, v in grants.items()) or "无授权"
            print(f"{u.name}\t{ROLE_NAMES[u.role]}\t{'已停用' if u.disabled else '正常'}\t{where}")
        return 0
    if not args.name:
        raise AccountError("请给出用户名。")
    if args.action == "add":
        user = acc.add(args.name, args.role or "reader", read_password())
        office.audit.append(actor, "user.add", target=user.name, detail=user.role, source=CLI_SOURCE)
        print(f"已新增{ROLE_NAMES[user.role]}“{user.name}”。")
    elif args.action == "passwd":
        acc.require(args.name)
        acc.set_password(args.name, read_password())
        office.audit.append(actor, "user.passwd", target=args.name, source=CLI_SOURCE)
        print(f"已修改“{args.name}”的密码，原有登录已失效。")
    elif args.action in ("disable", "enable"):
        acc.set_disabled(args.name, args.action == "disable")
        office.audit.append(actor, f"user.{args.action}", target=args.name, source=CLI_SOURCE)
        print(f"已{'停用' if args.action == 'disable' else '启用'}“{args.name}”。")
    elif args.action == "role":
        if not args.role:
            raise AccountError("请用 --role 给出新角色。")
        acc.set_role(args.name, args.role)
        office.audit.append(actor, "user.role", target=args.name, detail=args.role, source=CLI_SOURCE)
        print(f"“{args.name}”现在是{ROLE_NAMES[args.role]}。")
    elif args.action in ("grant", "revoke"):
        acc.require(args.name)
        if not args.kb:
            raise AccountError("请给出知识库名称。")
        if args.action == "grant":
            level = args.level or "read"
            office.kbs.grant(args.name, args.kb, level)
            office.audit.append(actor, "kb.grant", target=f"{args.name}@{args.kb}", detail=level, source=CLI_SOURCE)
            print(f"已授权“{args.name}”{LEVEL_NAMES[level]}知识库“{args.kb}”。")
        else:
            office.kbs.revoke(args.name, args.kb)
            office.audit.append(actor, "kb.revoke", target=f"{args.name}@{args.kb}", source=CLI_SOURCE)
            print(f"已收回“{args.name}”对知识库“{args.kb}”的授权。")
    return 0


def cmd_kb(args) -> int:
    office = _office(args)
    if args.action == "list":
        for kb in office.kbs.all():
            print(f"{kb.name}\t语料 {kb.corpus}\t索引 {kb.store}")
        return 0
    if not args.name:
        raise AccountError("请给出知识库名称。")
    kb = office.kbs.add(args.name, args.corpus, args.store)
    office.audit.append(_actor(), "kb.add", target=kb.name, source=CLI_SOURCE)
    print(f"已新增知识库“{kb.name}”：把报告放进 {kb.corpus}，索引在 {kb.store}（首次提问时自动构建，"
          f"也可运行 python -m indexer build --corpus {kb.corpus} --index {kb.store}）。")
    return 0


def cmd_audit(args) -> int:
    office = _office(args)
    log = office.audit
    if args.action == "verify":
        result = log.verify()
        print(result.message(), file=sys.stdout if result.ok else sys.stderr)
        return 0 if result.ok else EXIT_ERROR
    if args.action == "export":
        text = log.export_csv()
        log.append(_actor(), "audit.export", detail=args.out or "标准输出", source=CLI_SOURCE)
        _write(text, args.out)
        if args.out:
            print(f"已导出 {text.count(chr(10)) - 1} 条到 {args.out}。", file=sys.stderr)
    elif args.action == "show":
        for e in reversed(log.entries(limit=args.n)):
            print(f"{e.id}\t{e.at}\t{e.user}\t{e.action_name}\t{e.target}\t{e.detail[:60]}\t{e.source}")
    elif args.action == "prune":
        days = args.settings.audit_days if args.days is None else args.days
        print(f"已清理 {log.prune(days, _actor())} 条过期日志。")
    return 0


def cmd_feedback(args) -> int:
    office = _office(args)
    text = office.history.export_jsonl(args.verdict)
    office.audit.append(_actor(), "feedback.export", detail=args.out or "标准输出", source=CLI_SOURCE)
    _write(text, args.out)
    if args.out:
        print(f"已导出 {text.count(chr(10))} 个问题到 {args.out}。", file=sys.stderr)
    return 0


def cmd_serve(args) -> int:
    import uvicorn

    from .api import create_app

    office = _office(args)
    office.check_listen(args.host)
    if office.accounts.single_user():
        raise OfficeError("HTTP 接口需要账号：请先用 python -m indexer users add 名字 --role admin 创建账号。")
    for kb in office.kbs.all():
        office.engine(kb)  # start loading every knowledge base in the background
    print(f"HTTP 接口已在 http://{args.host}:{args.port} 启动（接口说明 /docs，/openapi.json）。按 Ctrl-C 停止。",
          flush=True)
    uvicorn.run(create_app(office), host=args.host, port=args.port, log_level="warning",
                timeout_graceful_shutdown=5)
    return 0


def guarded(func):
    """Office errors are the user's: a Chinese line on stderr and exit status 2."""
    def run(args) -> int:
        try:
            return func(args)
        except OfficeError as exc:
            print(f"错误：{exc}", file=sys.stderr)
            return EXIT_ERROR
    return run


def add_commands(sub) -> None:
    sp = sub.add_parser("users", help="账号：新增、改密码、停用、授权、列表")
    sp.add_argument("action", choices=("add", "passwd", "disable", "enable", "role", "list", "grant", "revoke"))
    sp.add_argument("name", nargs="?", help="用户名")
    sp.add_argument("kb", nargs="?", help="知识库（grant/revoke）")
    sp.add_argument("level", nargs="?", choices=LEVELS, help="read 只读 / edit 可编辑（grant）")
    sp.add_argument("--role", choices=ROLES, help="reader 读者 / editor 编辑 / admin 管理员")
    sp.set_defaults(func=guarded(cmd_users))

    sp = sub.add_parser("kb", help="知识库：新增、列表")
    sp.add_argument("action", choices=("add", "list"))
    sp.add_argument("name", nargs="?", help="知识库名称，如 机关党委")
    sp.add_argument("--corpus", help="语料文件夹（默认 PARTYQA_DATA/kb/名称/corpus）")
    sp.add_argument("--store", help="索引文件夹或 oceanbase:// 地址（默认 PARTYQA_DATA/kb/名称/index）")
    sp.set_defaults(func=guarded(cmd_kb))

    sp = sub.add_parser("audit", help="审计日志：校验哈希链、导出 CSV、查看、清理过期")
    sp.add_argument("action", choices=("verify", "export", "show", "prune"))
    sp.add_argument("--out", help="导出到文件（默认标准输出）")
    sp.add_argument("-n", type=int, default=50, help="显示最近多少条")
    sp.add_argument("--days", type=int, default=None, help="保留天数（默认 PARTYQA_AUDIT_DAYS，180）")
    sp.set_defaults(func=guarded(cmd_audit))

    sp = sub.add_parser("feedback", help="把带反馈的提问导出为基准问题集（JSONL）")
    sp.add_argument("action", choices=("export",))
    sp.add_argument("--out", help="输出文件（默认标准输出）")
    sp.add_argument("--verdict", choices=("useful", "wrong"), help="只导出“有用”或“不对”的")
    sp.set_defaults(func=guarded(cmd_feedback))

    sp = sub.add_parser("serve", help="启动 HTTP 接口（FastAPI + uvicorn）")
    sp.add_argument("--host", default="127.0.0.1", help="监听地址（非本机地址需要已有管理员账号）")
    sp.add_argument("--port", type=int, default=8000)
    sp.set_defaults(func=guarded(cmd_serve))
