"""Screening against the real lists in ../shared/data (2025-11-19 OFAC SDN issue, UN list)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from eth_utils import to_checksum_address

from sanctionwatch.sanctions.address_screen import screen_addresses
from sanctionwatch.sanctions.load import load_list_files
from sanctionwatch.sanctions.screen import screen_names
from sanctionwatch.store import Store, open_store

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

OFAC_NEW = "sanctions/ofac/sdn_advanced_2025-11-19.xml.bz2"
UN = "sanctions/un/un_consolidated_2026-05-08.xml"
LAZARUS_ETH = "0x098b716b8aaf21512996dc57eb0615e2383e2f96"


@pytest.fixture(scope="module")
def loaded(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    db = tmp_path_factory.mktemp("screen") / "lists.duckdb"
    with open_store(db) as store:
        load_list_files(store, [shared_data / OFAC_NEW, shared_data / UN])
        yield store


@pytest.mark.parametrize(
    ("query", "list_name", "list_id"),
    [
        ("Park Jin Hyok", "us_ofac_sdn", "24918"),
        ("Pak Jin Hek", "us_ofac_sdn", "24918"),
        ("박진혁", "us_ofac_sdn", "24918"),
        ("Bak Jin-hyeok", "us_ofac_sdn", "24918"),
        ("Kim Jong Un", "us_ofac_sdn", "20157"),
        ("Kim Jong-un", "us_ofac_sdn", "20157"),
        ("Jong Un Kim", "us_ofac_sdn", "20157"),
        ("김정은", "us_ofac_sdn", "20157"),
        ("Jang Chang Ha", "un_sc_consolidated", "KPi.037"),
        ("장창하", "un_sc_consolidated", "KPi.037"),
        ("Choi Ryong Hae", "us_ofac_sdn", "23213"),
        ("Lazarus Group", "us_ofac_sdn", "27307"),
        ("Hidden Cobra", "us_ofac_sdn", "27307"),
    ],
)
def test_listed_names_are_found(loaded: Store, query: str, list_name: str, list_id: str) -> None:
    [result] = screen_names(loaded, [query])
    hits = [m for m in result.matches if m.match and (m.list, m.list_id) == (list_name, list_id)]
    assert hits, [(m.list, m.list_id, m.name, round(m.score, 2)) for m in result.matches]


def test_other_kims_do_not_match_kim_jong_un(loaded: Store) -> None:
    [result] = screen_names(loaded, ["Kim Jong Un"], limit=10)
    matched = {m.list_id for m in result.matches if m.match}
    assert matched == {"20157"}, [(m.name, round(m.score, 2)) for m in result.matches]


@pytest.mark.parametrize(
    "written",
    [LAZARUS_ETH, to_checksum_address(LAZARUS_ETH), "0x" + LAZARUS_ETH[2:].upper()],
    ids=["lower", "eip55", "upper"],
)
def test_lazarus_eth_address(loaded: Store, written: str) -> None:
    [result] = screen_addresses(loaded, [written], chain="ethereum")
    [hit] = [h for h in result.hits if h.source == "list"]
    assert (hit.list, hit.list_id, hit.status) == ("us_ofac_sdn", "27307", "listed")
    assert "DPRK3" in hit.programs
    assert str(hit.listed_on) == "2019-09-13"
    assert hit.list_version == "us_ofac_sdn@2025-11-19"


def test_all_lazarus_eth_addresses(loaded: Store) -> None:
    rows = loaded.con.execute(
        "SELECT address FROM sanction_addresses WHERE list_id = '27307' AND chain = 'ethereum'"
    ).fetchall()
    assert len(rows) == 8
    results = screen_addresses(loaded, [to_checksum_address(r[0]) for r in rows], "ethereum")
    assert all(any(h.list_id == "27307" for h in r.hits) for r in results)
