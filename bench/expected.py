"""Pinned quality figures (``bench/expected.toml``) checked against a run.

Every quality figure of a tier (retrieval hit@k and MRR per question set and
retriever, answer rates, store quality, dense quality per precision, HNSW
recall) has a pin; a run fails when a figure falls more than the tolerance
below it, or is missing, and the report names each one. Figures above their
pin pass and are listed, so the pins can be raised on purpose.

Usage::

    from bench.expected import check, load_pins
    outcome = check(results, load_pins(Path("bench/expected.toml"), "quick"))
    print(outcome.report()); raise SystemExit(0 if outcome.ok else 1)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

EXPECTED = Path(__file__).resolve().parent / "expected.toml"
RANK_METRICS = ("hit@1", "hit@5", "hit@10", "mrr@10")
ANSWER_METRICS = ("quantity_exact_match", "masked_flagged", "unanswerable_refused", "answerable_answered")
STORE_METRICS = ("hit@1", "hit@5", "mrr@10", "quantity_exact_match", "unanswerable_refused")


@dataclass(frozen=True)
class Pins:
    tier: str
    figures: dict[str, float]
    tolerance: float
    tolerances: dict[str, float] = field(default_factory=dict)  # per figure, where noise is larger

    def tolerance_of(self, name: str) -> float:
        return self.tolerances.get(name, self.tolerance)


@dataclass
class Outcome:
    dropped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)
    checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.dropped and not self.missing

    def report(self) -> str:
        lines = [f"pinned figures checked: {self.checked}"]
        lines += [f"FAIL {d}" for d in self.dropped]
        lines += [f"FAIL {m}: missing from this run" for m in self.missing]
        lines += [f"above pin (raise it in bench/expected.toml?): {r}" for r in self.raised]
        lines.append("OK: no figure below its pin" if self.ok else
                     f"FAILED: {len(self.dropped)} below pin, {len(self.missing)} missing")
        return "\n".join(lines)


def quality_figures(res: dict) -> dict[str, float]:
    """The run's quality figures under flat names, e.g.
    ``quality.reports.shipped.hit@1`` or ``answers.gov-dev.quantity_exact_match``."""
    out: dict[str, float] = {}
    for qs, r in res.get("quality", {}).items():
        for retriever, m in r["retrievers"].items():
            for k in RANK_METRICS:
                out[f"quality.{qs}.{retriever}.{k}"] = m[k]
    for key, a in res.items():
        if key == "answers" or key.startswith("answers_"):
            name = {"answers": "reports", "answers_heldout": "reports-heldout"}.get(key, key.removeprefix("answers_"))
            for k in ANSWER_METRICS:
                if a.get(k) is not None:
                    out[f"answers.{name}.{k}"] = a[k]
    for store, m in (res.get("stores") or {}).items():
        for k in STORE_METRICS:
            out[f"stores.{store}.{k}"] = m[k]
    for precision, m in (res.get("precision_quality") or {}).items():
        for k in RANK_METRICS:
            out[f"precision.{precision}.{k}"] = m[k]
    for precision, m in (res.get("precision_quality_reports") or {}).items():
        for k in RANK_METRICS:
            out[f"precision.reports.{precision}.{k}"] = m[k]
    for row in res.get("scale", []):
        if row["index"] == "hnsw":
            out[f"scale.hnsw-{row['vectors']}.recall@10"] = row["recall@10"]
    return out


def load_pins(path: Path, tier: str) -> Pins:
    data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    section = data[tier]
    return Pins(tier, {k: float(v) for k, v in section["figures"].items()}, float(section["tolerance"]),
                {k: float(v) for k, v in section.get("tolerances", {}).items()})


def check(res: dict, pins: Pins, skipped: tuple[str, ...] = ()) -> Outcome:
    """Compare a run with its pins. ``skipped``: name prefixes the run left
    out on purpose (``--no-oceanbase`` leaves out ``stores.oceanbase``)."""
    got = quality_figures(res)
    out = Outcome()
    for name, pin in sorted(pins.figures.items()):
        if any(name.startswith(s) for s in skipped):
            continue
        out.checked += 1
        if name not in got:
            out.missing.append(name)
            continue
        tol = pins.tolerance_of(name)
        if got[name] < pin - tol:
            out.dropped.append(f"{name}: {got[name]:.4f} < pin {pin:.4f} - {tol}")
        elif got[name] > pin + tol:
            out.raised.append(f"{name}: {got[name]:.4f} > pin {pin:.4f}")
    return out


def pins_toml(res: dict, tier: str, tolerance: float) -> str:
    """A ``[tier]`` section pinning every quality figure of ``res`` (used once
    to write the pins from a trusted run; edit by hand afterwards)."""
    lines = [f"[{tier}]", f"tolerance = {tolerance}", "", f"[{tier}.figures]"]
    lines += [f'"{k}" = {v}' for k, v in sorted(quality_figures(res).items())]
    return "\n".join(lines) + "\n"


def write_tier(path: Path, tier: str, res: dict, tolerance: float | None = None) -> None:
    """Replace (or add) the ``[tier]`` section of the pins file with every
    quality figure of ``res``, keeping the other tier and the comments above."""
    text = Path(path).read_text(encoding="utf-8")
    old = tomllib.loads(text).get(tier, {})
    tol = tolerance if tolerance is not None else float(old.get("tolerance", 0.01))
    sections = text.split("\n[")
    kept = [sections[0]] + ["[" + s for s in sections[1:] if not (s.startswith(f"{tier}]") or s.startswith(f"{tier}."))]
    Path(path).write_text("\n".join(k.rstrip("\n") + "\n" for k in kept) + "\n" + pins_toml(res, tier, tol),
                          encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.expected pin quick RUN.json``: pin a tier from a
    trusted run's JSON; ``python -m bench.expected check quick RUN.json``:
    check a run's JSON against the pins."""
    import argparse
    import json

    p = argparse.ArgumentParser(prog="python -m bench.expected", description="质量基准值：从一次运行写入，或对照检查")
    p.add_argument("action", choices=("pin", "check"))
    p.add_argument("tier", choices=("quick", "full"))
    p.add_argument("run", help="python -m bench --json 写出的结果文件")
    a = p.parse_args(argv)
    res = json.loads(Path(a.run).read_text(encoding="utf-8"))
    if a.action == "pin":
        write_tier(EXPECTED, a.tier, res)
        print(f"已把 {a.run} 的 {len(quality_figures(res))} 项质量数字写入 {EXPECTED} 的 [{a.tier}]")
        return 0
    outcome = check(res, load_pins(EXPECTED, a.tier))
    print(outcome.report())
    return 0 if outcome.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
