"""``python -m bench``: the benchmark (see :mod:`bench.runner`).

    python -m bench [--quick] [--shared ../shared] [--json FILE] [--plot FILE] [--readme README.md]
                    [--workdir DIR] [--store URL] [--no-oceanbase] [--no-check]

Exit status 1 when a pinned quality figure (``bench/expected.toml``) dropped.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .runner import SHARED_ENV, Options, run_bench


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description="质量与速度基准，与常见方案并排比较，并对照 bench/expected.toml 检查质量")
    p.add_argument("--quick", action="store_true", help="小规模快速运行（CI 用，5 分钟内）")
    p.add_argument("--shared", default=os.environ.get(SHARED_ENV),
                   help=f"共享数据目录（含 bench/cmrc2018_dev.json 和 corpora/gov/），默认取环境变量 {SHARED_ENV}；不给则跳过这些问题集")
    p.add_argument("--json", dest="json_out", help="把全部数字写入 JSON 文件")
    p.add_argument("--plot", help="输出 PNG 图")
    p.add_argument("--readme", help="把基准表写入该 README 的 BENCH-TABLE 标记之间")
    p.add_argument("--workdir", default=None, help="基准使用的临时目录")
    p.add_argument("--store", default=None,
                   help="供基准写入的 OceanBase 库（oceanbase://…，其中索引会被覆盖）；默认在临时目录启动本机 seekdb")
    p.add_argument("--no-oceanbase", action="store_true", help="不测 OceanBase 存储")
    p.add_argument("--no-check", action="store_true", help="不对照 bench/expected.toml 检查质量")
    a = p.parse_args(argv)
    opts = Options(quick=a.quick, shared=Path(a.shared) if a.shared else None,
                   json_out=Path(a.json_out) if a.json_out else None, plot=Path(a.plot) if a.plot else None,
                   readme=Path(a.readme) if a.readme else None, workdir=Path(a.workdir) if a.workdir else None,
                   store=a.store, no_oceanbase=a.no_oceanbase, check=not a.no_check)
    return run_bench(opts)


if __name__ == "__main__":
    sys.exit(main())
