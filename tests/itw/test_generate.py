"""The pool generator: reproducible, ground truth consistent, and the scan finds its networks."""

from __future__ import annotations

from pathlib import Path

from sanctionwatch.itw.evaluate import evaluate
from sanctionwatch.itw.generate import generate_pool
from sanctionwatch.itw.normalize import IpRanges, normalize_phone
from sanctionwatch.itw.records import record_from_mapping
from sanctionwatch.itw.scan import ScanOptions, scan


def test_same_seed_same_pool_other_seed_other_pool() -> None:
    a, b, c = (generate_pool(200, 3, seed) for seed in (5, 5, 6))
    assert a.records == b.records
    assert a.truth == b.truth
    assert a.records != c.records


def test_truth_covers_every_record_and_networks_have_3_to_10_personas() -> None:
    pool = generate_pool(300, 6, seed=9)
    ids = [r["record_id"] for r in pool.records]
    assert len(ids) == len(set(ids)) == len(pool.truth["records"])
    for network in pool.truth["networks"].values():
        personas = list(network["record_ids"])
        assert 3 <= len(personas) <= 12  # 3-10 personas, plus re-applications
        assert len(network["shared_kinds"]) >= 2
    traps = {
        t for v in pool.truth["records"].values() if v["label"] == "honest" for t in v["traps"]
    }
    assert {"colleagues", "family", "stock_avatar", "vpn_user", "night_shift"} <= traps


def test_generated_phones_are_valid_and_unique() -> None:
    pool = generate_pool(200, 4, seed=3)
    phones = [p for r in pool.records for p in r.get("phones", [])]
    assert all(normalize_phone(p)[0] is not None for p in phones)
    honest_phones = [
        p
        for r in pool.records
        if pool.truth["records"][r["record_id"]]["label"] == "honest"
        and "family" not in pool.truth["records"][r["record_id"]]["traps"]
        for p in r.get("phones", [])
    ]
    assert len(honest_phones) == len(set(honest_phones))


def test_scan_finds_the_generated_networks(tmp_path: Path) -> None:
    pool = generate_pool(600, 8, seed=21)
    ranges_path = tmp_path / "ranges.csv"
    ranges_path.write_text(pool.vpn_ranges_csv, encoding="utf-8")
    records = [record_from_mapping(r, "gen", k + 1) for k, r in enumerate(pool.records)]
    result = scan(records, ScanOptions(ip_ranges=IpRanges.load(ranges_path)))
    metrics = evaluate(result.to_dict(), pool.truth)
    assert metrics["network_recall"] >= 0.8
    assert metrics["record_precision"] >= 0.8
    assert set(metrics["false_positive_rate"]) >= {"colleagues", "family", "none"}


def test_evaluate_counts() -> None:
    truth = {
        "networks": {"T1": {"record_ids": ["a", "b", "c"]}},
        "records": {
            "a": {"label": "dprk"}, "b": {"label": "dprk"}, "c": {"label": "dprk"},
            "h": {"label": "honest", "traps": ["family"]}, "i": {"label": "honest", "traps": []},
        },
    }  # fmt: skip
    result = {
        "networks": [
            {"record_ids": ["a", "b"], "flagged": True},
            {"record_ids": ["h", "i"], "flagged": True},
        ],
        "records": [{"record_id": r, "flagged": r in {"a", "b", "h"}} for r in "abchi"],
    }
    m = evaluate(result, truth)
    assert m["network_recall"] == 1.0
    assert m["network_precision"] == 0.5
    assert m["record_precision"] == round(2 / 3, 4)
    assert m["record_recall"] == round(2 / 3, 4)
    assert m["false_positive_rate"]["family"] == {"records": 1, "flagged": 1, "rate": 1.0}
    assert m["false_positive_rate"]["none"]["rate"] == 0.0
