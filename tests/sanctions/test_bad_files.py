"""Malformed list files: one clear FormatError, and nothing half-loaded."""

from __future__ import annotations

import bz2
from pathlib import Path

import pytest

from sanctionwatch.errors import FormatError
from sanctionwatch.sanctions import load as load_module
from sanctionwatch.sanctions.load import load_list_files
from sanctionwatch.store import Store

TABLES = (
    "sanction_list_versions",
    "sanction_entities",
    "sanction_addresses",
    "labels",
    "addresses",
    "ingest_log",
)


def snapshot(store: Store) -> dict[str, int]:
    return {t: int(store.scalar(f"SELECT count(*) FROM {t}")) for t in TABLES}


def test_malformed_xml(store: Store, fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "ofac_advanced_v1.xml").read_text(encoding="utf-8")
    bad = tmp_path / "sdn_advanced.xml"
    bad.write_text(text.replace("</DistinctParty>", "</DistinctPartyX>", 2), encoding="utf-8")
    before = snapshot(store)
    with pytest.raises(FormatError, match=r"not a well-formed XML .*line \d+"):
        load_list_files(store, [bad])
    assert snapshot(store) == before


def test_truncated_bz2(store: Store, fixtures: Path, tmp_path: Path) -> None:
    packed = bz2.compress((fixtures / "ofac_advanced_v1.xml").read_bytes())
    bad = tmp_path / "sdn_advanced.xml.bz2"
    bad.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(FormatError, match="truncated"):
        load_list_files(store, [bad])
    assert snapshot(store)["sanction_list_versions"] == 0


def test_corrupt_bz2(store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "list.xml.bz2"
    bad.write_bytes(b"BZh9" + b"\x00garbage" * 100)
    with pytest.raises(FormatError, match="cannot be decompressed"):
        load_list_files(store, [bad])


def test_empty_file(store: Store, tmp_path: Path) -> None:
    empty = tmp_path / "sdn.xml"
    empty.write_bytes(b"")
    with pytest.raises(FormatError, match="is empty"):
        load_list_files(store, [empty])


def test_unknown_format_and_missing_file_reported_together(
    store: Store, fixtures: Path, tmp_path: Path
) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("these are not sanctions\n", encoding="utf-8")
    missing = tmp_path / "nope.xml"
    with pytest.raises(FormatError) as caught:
        load_list_files(store, [fixtures / "ofac_advanced_v1.xml", other, missing])
    assert "Cannot tell the list format of" in caught.value.message
    assert "No such file" in caught.value.message
    assert snapshot(store)["sanction_list_versions"] == 0  # checked before loading anything


def test_advanced_file_without_parties(store: Store, fixtures: Path, tmp_path: Path) -> None:
    text = (fixtures / "ofac_advanced_v1.xml").read_text(encoding="utf-8")
    start, end = text.index("<DistinctParties>"), text.index("</DistinctParties>")
    bad = tmp_path / "no_parties.xml"
    bad.write_text(text[:start] + "<DistinctParties>" + text[end:], encoding="utf-8")
    with pytest.raises(FormatError, match="no DistinctParty"):
        load_list_files(store, [bad])


def test_failure_inside_the_transaction_rolls_back(
    store: Store, fixtures: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(load_module, "sync_list_labels", broken)
    before = snapshot(store)
    with pytest.raises(RuntimeError, match="disk full"):
        load_list_files(store, [fixtures / "ofac_advanced_v1.xml"])
    assert snapshot(store) == before


def test_folder_without_a_list(store: Store, tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("nothing here", encoding="utf-8")
    with pytest.raises(FormatError, match="folder without a list file"):
        load_list_files(store, [tmp_path])
