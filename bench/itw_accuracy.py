"""IT-worker detection accuracy on generated pools, over seeds NOT used while tuning.

Weights and thresholds were tuned on seeds 1, 2 and 3 only; this reports seeds 101-105 by
default (2,000 honest records and 20 DPRK-style networks each): network recall and
precision, record precision and recall, and the false-positive rate of every trap kind
(``sanctionwatch.itw.evaluate``), plus the linkage of the real gh-fake-analyzer dumps when
``../shared/data`` is there. Targets: network recall >= 0.9, record precision >= 0.9.

    python bench/itw_accuracy.py [--seeds 101,102,103,104,105] [--honest 2000]
        [--networks 20] [--data ../shared/data] [--json bench/out/itw_accuracy.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from sanctionwatch.itw.evaluate import evaluate
from sanctionwatch.itw.generate import generate_pool
from sanctionwatch.itw.normalize import IpRanges
from sanctionwatch.itw.records import record_from_mapping
from sanctionwatch.itw.scan import ScanOptions, scan

TUNING_SEEDS = (1, 2, 3)


def run_seed(seed: int, honest: int, networks: int, sparse: float = 0.0) -> dict[str, Any]:
    pool = generate_pool(honest=honest, networks=networks, seed=seed, sparse=sparse)
    with tempfile.TemporaryDirectory() as tmp:
        ranges_path = Path(tmp) / "ranges.csv"
        ranges_path.write_text(pool.vpn_ranges_csv, encoding="utf-8")
        ranges = IpRanges.load(ranges_path)
    records = [record_from_mapping(r, "generated", k + 1) for k, r in enumerate(pool.records)]
    result = scan(records, ScanOptions(ip_ranges=ranges)).to_dict()
    metrics = evaluate(result, pool.truth)
    metrics["seed"] = seed
    metrics["seconds"] = result["summary"]["seconds"]["total"]
    return metrics


def gh_linkage(data: Path) -> dict[str, Any] | None:
    from sanctionwatch.itw.ghfake import records_from_dumps

    root = data / "itw" / "gh-fake-analyzer"
    if not root.is_dir():
        return None
    rows = records_from_dumps(root)
    records = [record_from_mapping(r, str(root), k + 1) for k, r in enumerate(rows)]
    result = scan(records).to_dict()
    return {
        "accounts": len(records),
        "networks": [
            {
                "network_id": n["network_id"],
                "score": n["score"],
                "flagged": n["flagged"],
                "record_ids": n["record_ids"],
                "shared": [
                    {"kind": s["kind"], "value": s["value"], "record_ids": s["record_ids"]}
                    for s in n["shared"]
                ],
            }
            for n in result["networks"]
        ],
    }


def _print_runs(setting: str, sparse: float, runs: list[dict[str, Any]]) -> dict[str, Any]:
    print(f"== {setting} networks (sparse={sparse}: share of networks with one shared kind)")
    print("seed  net.recall  net.precision  rec.precision  rec.recall  flagged/true nets  s")
    for m in runs:
        print(
            f"{m['seed']:>4}  {m['network_recall']:>10}  {m['network_precision']:>13}  "
            f"{m['record_precision']:>13}  {m['record_recall']:>10}  "
            f"{m['networks_flagged']:>7}/{m['networks_true']:<9}  {m['seconds']:.1f}"
        )
    traps: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for m in runs:
        for trap, v in m["false_positive_rate"].items():
            traps[trap][0] += v["flagged"]
            traps[trap][1] += v["records"]
    print("false-positive rate per trap kind (all seeds): flagged / records")
    for trap, (fp, n) in sorted(traps.items()):
        print(f"  {trap:<16} {fp:>4} / {n:<6} = {fp / n:.4f}")
    mean = {
        k: round(sum(m[k] or 0 for m in runs) / len(runs), 4)
        for k in ("network_recall", "network_precision", "record_precision", "record_recall")
    }
    verdict = (
        "met" if mean["network_recall"] >= 0.9 and mean["record_precision"] >= 0.9 else "NOT met"
    )
    print(f"mean over seeds: {mean} (targets recall>=0.9, record precision>=0.9: {verdict})")
    return {"runs": runs, "mean": mean, "traps": dict(traps)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seeds", default="101,102,103,104,105")
    parser.add_argument("--honest", type=int, default=2_000)
    parser.add_argument("--networks", type=int, default=20)
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--json", type=Path, default=Path("bench/out/itw_accuracy.json"))
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    if set(seeds) & set(TUNING_SEEDS):
        print(f"note: seeds {sorted(set(seeds) & set(TUNING_SEEDS))} were used for tuning")
    report: dict[str, Any] = {}
    for setting, sparse in (("standard", 0.0), ("sparse", 1.0)):
        runs = [run_seed(seed, args.honest, args.networks, sparse) for seed in seeds]
        report[setting] = _print_runs(setting, sparse, runs)
    linkage = gh_linkage(args.data)
    if linkage is not None:
        report["gh_fake_analyzer"] = linkage
        print(f"gh-fake-analyzer: {linkage['accounts']} accounts")
        for n in linkage["networks"]:
            kinds = sorted({s["kind"] for s in n["shared"]})
            print(f"  {n['network_id']} score {n['score']} flagged={n['flagged']}: "
                  f"{', '.join(n['record_ids'])} (joined by {', '.join(kinds)})")  # fmt: skip
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
