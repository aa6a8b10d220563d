"""Accuracy of a scan against a generated pool's ground truth.

- **network recall**: share of true networks of which one flagged network holds at least
  half of the records (and at least two);
- **network precision**: share of flagged networks whose records are mostly (> 50 %) from
  true networks;
- **record precision / recall**: flagged records against the DPRK personas;
- **false-positive rate per trap kind**: flagged honest records of that kind / honest
  records of that kind (``none`` = honest records in no trap).
"""

from __future__ import annotations

from collections import Counter
from typing import Any


def evaluate(result: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    """Metrics of a scan's JSON (``ScanResult.to_dict()``) against ``truth``."""
    labels = truth["records"]
    flagged_networks = [n for n in result["networks"] if n["flagged"]]
    recalled = 0
    for t in truth["networks"].values():
        wanted = set(t["record_ids"])
        for n in flagged_networks:
            inside = len(wanted & set(n["record_ids"]))
            if inside >= 2 and 2 * inside >= len(wanted):
                recalled += 1
                break
    correct = sum(
        1
        for n in flagged_networks
        if 2 * sum(labels[r]["label"] == "dprk" for r in n["record_ids"]) > len(n["record_ids"])
    )
    flagged = {r["record_id"] for r in result["records"] if r["flagged"]}
    dprk = {r for r, v in labels.items() if v["label"] == "dprk"}
    tp = len(flagged & dprk)
    per_trap: Counter[str] = Counter()
    per_trap_fp: Counter[str] = Counter()
    for record_id, v in labels.items():
        if v["label"] != "honest":
            continue
        for trap in v["traps"] or ["none"]:
            per_trap[trap] += 1
            if record_id in flagged:
                per_trap_fp[trap] += 1
    n_true = len(truth["networks"])
    return {
        "networks_true": n_true,
        "networks_flagged": len(flagged_networks),
        "network_recall": round(recalled / n_true, 4) if n_true else None,
        "network_precision": round(correct / len(flagged_networks), 4)
        if flagged_networks
        else None,
        "records_dprk": len(dprk),
        "records_flagged": len(flagged),
        "record_precision": round(tp / len(flagged), 4) if flagged else None,
        "record_recall": round(tp / len(dprk), 4) if dprk else None,
        "false_positive_rate": {
            trap: {
                "records": per_trap[trap],
                "flagged": per_trap_fp[trap],
                "rate": round(per_trap_fp[trap] / per_trap[trap], 4),
            }
            for trap in sorted(per_trap)
        },
    }
