"""Ingest into the store: idempotency, rejects, log, actors, Parquet path = YAML path."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from sanctionwatch.errors import FormatError
from sanctionwatch.labels import ingest
from sanctionwatch.labels.ingest import ingest_label_files
from sanctionwatch.labels.rows import LabelRow
from sanctionwatch.store import Store
from sanctionwatch.store.ingestlog import FileResult

ETH = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
BTC = "14QZ2wB8b8ZQNgb978Lwptdc8Vhv5aZQM2"
TRON = "TA3941uFAvmVibSkQ6fMJXxmaSNovX86mz"

PACK = f"""\
title: Ingest test
creator: Test Team
currency: ETH
category: exchange
confidence: service_data
label: Bybit
tags:
- address: '{ETH}'
- address: '{ETH.lower()}'
- address: {BTC}
  currency: BTC
- address: '{ETH[:-1]}0'
"""


def rows(store: Store, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    result: list[tuple[Any, ...]] = store.con.execute(sql, params or []).fetchall()
    return result


def test_label_columns_match_the_arrow_schema() -> None:
    assert tuple(ingest._LABEL_SCHEMA.names) == ingest._LABEL_COLUMNS
    assert set(ingest._LABEL_COLUMNS) == set(LabelRow.__slots__)


def test_ingest_then_reingest_adds_nothing(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(PACK, encoding="utf-8")
    (first,) = ingest_label_files(store, [path])
    assert (first.format, first.file_id, first.rows_read) == ("tagpack", 1, 4)
    assert (first.rows_new, first.rows_duplicate, first.rows_rejected) == (2, 1, 1)
    assert first.reject_reasons == {
        "invalid ethereum address: mixed-case EVM address fails its EIP-55 checksum": 1
    }
    assert first.first_reject_lines == [12]
    assert first.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert first.chain is None  # two chains
    stored = rows(
        store,
        "SELECT l.chain, l.address, a.id FROM labels l JOIN addresses a "
        "ON a.id = l.address_id ORDER BY l.chain",
    )
    assert [(c, a) for c, a, _ in stored] == [("bitcoin", BTC), ("ethereum", ETH.lower())]
    reject = rows(store, "SELECT file_id, path, line, reason, raw FROM rejects")
    assert reject[0][:3] == (1, str(path), 12)
    assert json.loads(reject[0][4]) == {"address": ETH[:-1] + "0"}

    (again,) = ingest_label_files(store, [path])
    assert (again.file_id, again.rows_new, again.rows_duplicate) == (2, 0, 3)
    assert rows(store, "SELECT count(*) FROM labels") == [(2,)]
    assert rows(store, "SELECT count(*) FROM addresses") == [(2,)]
    log = rows(
        store,
        "SELECT file_id, format, rows_read, rows_new, rows_duplicate, "
        "rows_rejected, sha256 FROM ingest_log ORDER BY file_id",
    )
    assert log == [
        (1, "tagpack", 4, 2, 1, 1, first.sha256),
        (2, "tagpack", 4, 0, 3, 1, first.sha256),
    ]


def test_same_address_other_pack_is_a_new_label(store: Store, tmp_path: Path) -> None:
    one, two = tmp_path / "one.yaml", tmp_path / "two.yaml"
    one.write_text(PACK, encoding="utf-8")
    two.write_text(PACK.replace("Ingest test", "Another pack"), encoding="utf-8")
    results = ingest_label_files(store, [one, two])
    assert [r.rows_new for r in results] == [2, 2]
    assert rows(store, "SELECT count(DISTINCT address_id), count(*) FROM labels") == [(2, 4)]


def test_progress_is_called_per_file(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    path.write_text(PACK, encoding="utf-8")
    seen: list[FileResult] = []
    results = ingest_label_files(store, [path, path], progress=seen.append)
    assert seen == results


def test_actorpack_ingest_is_idempotent(store: Store, tmp_path: Path) -> None:
    path = tmp_path / "actors.yaml"
    path.write_text(
        "title: Actors\ncreator: c\nactors:\n"
        "- id: lazarusgroup\n  label: Lazarus Group\n  categories: [perpetrator]\n"
        '  context: \'{"aliases": ["Hidden Cobra"]}\'\n'
        "- id: lazarusgroup\n  label: Lazarus Group\n  categories: [perpetrator]\n"
        '  context: \'{"aliases": ["Hidden Cobra"]}\'\n'
        "- id: bybit\n  label: Bybit\n  categories: [exchange]\n",
        encoding="utf-8",
    )
    (first,) = ingest_label_files(store, [path])
    assert (first.format, first.rows_new, first.rows_duplicate) == ("actorpack", 2, 1)
    (again,) = ingest_label_files(store, [path])
    assert (again.rows_new, again.rows_duplicate) == (0, 3)
    assert rows(store, "SELECT actor, aliases, file_id FROM actors ORDER BY actor") == [
        ("bybit", None, 1),
        ("lazarusgroup", '["Hidden Cobra"]', 1),
    ]


def test_bad_paths_are_all_reported_before_anything_is_written(
    store: Store, tmp_path: Path
) -> None:
    good = tmp_path / "pack.yaml"
    good.write_text(PACK, encoding="utf-8")
    text_file = tmp_path / "notes.txt"
    text_file.write_text("hello", encoding="utf-8")
    missing = tmp_path / "missing.yaml"
    with pytest.raises(FormatError) as excinfo:
        ingest_label_files(store, [good, text_file, missing])
    assert f"{text_file} is not a label file" in excinfo.value.message
    assert f"{missing} is not a file" in excinfo.value.message
    assert rows(store, "SELECT count(*) FROM ingest_log") == [(0,)]


def test_a_bad_file_leaves_the_store_unchanged(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    pq.write_table(pa.table({"address": [BTC], "name": ["no label column"]}), bad)
    with pytest.raises(FormatError, match="not a flattened TagPack Parquet"):
        ingest_label_files(store, [bad])
    assert store.counts()["ingest_log"] == 0
    assert store.counts()["addresses"] == 0


def test_a_non_parquet_file_is_a_format_error(store: Store, tmp_path: Path) -> None:
    fake = tmp_path / "fake.parquet"
    fake.write_text("address,label\n", encoding="utf-8")
    with pytest.raises(FormatError, match="is not a readable Parquet file"):
        ingest_label_files(store, [fake])
    assert store.counts()["ingest_log"] == 0


# -- the set-based Parquet path agrees with the YAML path -----------------------------------

FLAT_COLUMNS = (
    "address",
    "currency",
    "label",
    "category",
    "abuse",
    "actor",
    "confidence",
    "source",
    "lastmod",
    "pack_title",
    "context",
)
FLAT_ROWS: list[dict[str, str]] = [
    {"address": ETH.lower(), "currency": "ETH", "label": "lower", "category": "exchange"},
    {"address": ETH, "currency": "ETH", "label": "checksummed", "category": "defi_dex"},
    {
        "address": "0x" + ETH[2:].upper(),
        "currency": "ETH",
        "label": "upper",
        "category": "mixing_service",
    },
    {"address": ETH[:-1] + "0", "currency": "ETH", "label": "bad checksum"},
    {
        "address": BTC,
        "currency": "BTC",
        "label": "sanctioned",
        "category": "user",
        "abuse": "sanction",
        "confidence": "authority_data",
    },
    {"address": BTC[:-1] + "3", "currency": "BTC", "label": "bad btc"},
    {"address": "LQ3B36Yv2rBTxdgAdYpU2UcEZsaNwXeATk", "currency": "LTC", "label": "ltc"},
    {"address": TRON, "currency": "USDT", "label": "usdt on tron", "abuse": "scam"},
    {"address": ETH + " ", "currency": "ETH", "label": "trailing space", "actor": "bybit"},
    {"address": BTC, "currency": "BTC", "label": "", "category": "exchange"},
    {
        "address": BTC,
        "currency": "BTC",
        "label": "odd confidence",
        "confidence": "gut_feeling",
        "lastmod": "2023-08-16 12:18:52.619444",
        "context": '{"a": 1}',
    },
    {"address": BTC, "currency": "BTC", "label": "bad date", "lastmod": "someday"},
    {
        "address": "BC1Q2QQQT87KH33S0ER58AKH7V9CWJGD83Z5SMH9RP",
        "currency": "BTC",
        "label": "upper bech32",
        "source": "https://example.org",
    },
    {"address": ETH.lower(), "currency": "ETH", "label": "lower", "category": "exchange"},
    {"address": BTC, "currency": "", "label": "no currency"},
]


def write_flat(tmp_path: Path) -> tuple[Path, Path]:
    """The same tags as a flattened Parquet file and as a TagPack."""
    table = {c: [r.get(c, "") for r in FLAT_ROWS] for c in FLAT_COLUMNS}
    table["pack_title"] = ["Flat"] * len(FLAT_ROWS)
    parquet = tmp_path / "flat.parquet"
    pq.write_table(pa.table(table), parquet)
    tags = [{k: v for k, v in r.items() if v != ""} for r in FLAT_ROWS]
    pack = tmp_path / "flat.yaml"
    pack.write_text(
        yaml.safe_dump({"title": "Flat", "tags": tags}, sort_keys=False), encoding="utf-8"
    )
    return parquet, pack


def labels_of(store: Store, file_id: int) -> Counter[tuple[Any, ...]]:
    return Counter(
        rows(
            store,
            "SELECT chain, address, label, category, source_category, abuse, actor, confidence, "
            "confidence_level, source, pack, lastmod, context FROM labels WHERE file_id = ?",
            [file_id],
        )
    )


def test_parquet_and_yaml_paths_agree(store: Store, tmp_path: Path) -> None:
    parquet, pack = write_flat(tmp_path)
    (from_parquet,) = ingest_label_files(store, [parquet])
    assert from_parquet.format == "tagpack-parquet"
    assert from_parquet.rows_read == len(FLAT_ROWS)
    assert (from_parquet.rows_new, from_parquet.rows_duplicate) == (8, 1)
    assert from_parquet.reject_reasons == {
        "invalid ethereum address: mixed-case EVM address fails its EIP-55 checksum": 1,
        "invalid bitcoin address: invalid base58check address (checksum or characters)": 1,
        "chain LTC is not supported": 1,
        "tag has no label": 1,
        "lastmod is not a date": 1,
        "tag has no currency or network": 1,
    }
    # Parquet "lines" are 1-based row numbers
    assert from_parquet.first_reject_lines == [4, 6, 7, 10, 12, 15]
    parquet_labels = labels_of(store, from_parquet.file_id)

    fresh_ids = rows(store, "SELECT count(*) FROM addresses")
    (from_yaml,) = ingest_label_files(store, [pack])
    assert from_yaml.rows_new == 0  # same labels, so all duplicates of the Parquet ones
    assert from_yaml.reject_reasons == from_parquet.reject_reasons
    assert rows(store, "SELECT count(*) FROM addresses") == fresh_ids

    store.con.execute("DELETE FROM labels")
    (yaml_again,) = ingest_label_files(store, [pack])
    assert labels_of(store, yaml_again.file_id) == parquet_labels
    assert (
        "ethereum",
        ETH.lower(),
        "upper",
        "mixer",
        "mixing_service",
        None,
        None,
        None,
        None,
        None,
        "Flat",
        None,
        None,
    ) in parquet_labels
    assert ("bitcoin", "bc1q2qqqt87kh33s0er58akh7v9cwjgd83z5smh9rp") in {
        k[:2] for k in parquet_labels
    }

    (parquet_again,) = ingest_label_files(store, [parquet])
    assert (parquet_again.rows_new, parquet_again.rows_duplicate) == (0, 9)
    raw = store.scalar(
        "SELECT raw FROM rejects WHERE file_id = ? AND line = 7", [parquet_again.file_id]
    )
    assert json.loads(raw) == {
        **dict.fromkeys(FLAT_COLUMNS, ""),
        **FLAT_ROWS[6],
        "pack_title": "Flat",
    }
