"""The public API: determinism, parameter checks, progress, sizes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanctionwatch.scenario import ScenarioManifest, generate

from .scenario_files import Scenario


def _digests(root: Path) -> dict[str, str]:
    doc = json.loads((root / "manifest.json").read_text())
    return {f["path"]: f["sha256"] for f in doc["files"]}


def test_same_seed_gives_identical_files(small: Scenario, tmp_path: Path) -> None:
    again = generate(
        tmp_path / "again", seed=small.manifest.seed, transfers=small.manifest.transfers_requested
    )
    assert _digests(tmp_path / "again") == _digests(small.root)
    assert (tmp_path / "again/manifest.json").read_bytes() == (
        small.root / "manifest.json"
    ).read_bytes()
    assert again.transfers_written == small.manifest.transfers_written


def test_different_seeds_differ(small: Scenario, tmp_path: Path) -> None:
    generate(
        tmp_path / "other",
        seed=small.manifest.seed + 1,
        transfers=small.manifest.transfers_requested,
    )
    a, b = _digests(small.root), _digests(tmp_path / "other")
    for path in (
        "ethereum/transactions.csv",
        "bitcoin/transactions.jsonl",
        "tron/usdt_transfers.csv",
        "ground_truth.json",
    ):
        assert a[path] != b[path]
    theft_a = json.loads((small.root / "ground_truth.json").read_text())["theft"]["address"]
    theft_b = json.loads((tmp_path / "other/ground_truth.json").read_text())["theft"]["address"]
    assert theft_a != theft_b


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"seed": 1, "transfers": 1_999}, "at least 2,000"),
        ({"seed": 1, "transfers": 0}, "at least 2,000"),
        ({"seed": -1, "transfers": 2_000}, "seed"),
        ({"seed": 1, "transfers": 2.5e4}, "integer"),
        ({"seed": 1, "transfers": True}, "integer"),
        ({"seed": 1, "transfers": 10**12}, "at most"),
    ],
)
def test_bad_parameters_raise_value_error(
    tmp_path: Path, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        generate(tmp_path / "x", **kwargs)  # type: ignore[arg-type]
    assert not (tmp_path / "x").exists()


def test_output_dir_must_not_be_a_file(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(ValueError, match="not a directory"):
        generate(f, seed=1, transfers=2_000)


def test_progress_reports_monotonically(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    manifest = generate(
        tmp_path / "p",
        seed=3,
        transfers=5_000,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls
    dones = [d for d, _ in calls]
    assert dones == sorted(dones)
    assert all(total == calls[0][1] for _, total in calls)
    assert dones[-1] == calls[-1][1]
    assert isinstance(manifest, ScenarioManifest)
    doc = manifest.to_dict()
    assert doc["out_dir"] == str(tmp_path / "p")
    assert doc["transfers_requested"] == 5_000


def test_small_sizes_stay_near_the_request(small: Scenario, medium: Scenario) -> None:
    assert 0.8 * 2_000 <= small.manifest.transfers_written <= 1.6 * 2_000
    assert 0.9 * 30_000 <= medium.manifest.transfers_written <= 1.1 * 30_000


@pytest.mark.slow
def test_200k_transfers_within_ten_percent(tmp_path: Path) -> None:
    m = generate(tmp_path / "big", seed=11, transfers=200_000)
    assert abs(m.transfers_written - 200_000) <= 20_000
    counts = m.counts
    total = (
        counts["ethereum_transactions"]
        + counts["ethereum_token_transfers"]
        + counts["ethereum_traces"]
        + counts["bitcoin_outputs"]
        + counts["tron_transfers"]
    )
    assert total == m.transfers_written
    assert 0.04 <= counts["bitcoin_outputs"] / total <= 0.12
    assert 0.01 <= counts["tron_transfers"] / total <= 0.06
    truth = json.loads((tmp_path / "big/ground_truth.json").read_text())
    btc_addrs = sum(a["chain"] == "bitcoin" for a in truth["laundering_addresses"])
    assert btc_addrs >= 1_000
    carriers = sum(
        a["chain"] == "ethereum" and a["stage"] in ("split", "dormant")
        for a in truth["laundering_addresses"]
    )
    assert 40 <= carriers <= 55
    # many background windows: every input still spends an earlier output, once
    created: set[tuple[str, int]] = set()
    with (tmp_path / "big/bitcoin/transactions.jsonl").open() as f:
        for line in f:
            tx = json.loads(line)
            for i in tx["inputs"]:
                key = (i["spent_transaction_hash"], i["spent_output_index"])
                assert key in created
                created.remove(key)
            created.update((tx["hash"], o["index"]) for o in tx["outputs"])
