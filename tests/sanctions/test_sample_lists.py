"""The demo's fictional lists: real formats, parsed by the real parsers, marked as fictional."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sanctionwatch.sanctions.load import load_list_file
from sanctionwatch.sanctions.sample_lists import ListedWallet, write_sample_lists
from sanctionwatch.store import open_store

WALLETS = [
    ListedWallet("ethereum", "0x39e94f5b23a5cec8e82bfdd527a015afc707c398"),
    ListedWallet("bitcoin", "1Le2tcqNRg9mvGAi6Vw9AUC4vW7ABiRJCE"),
    ListedWallet("tron", "THqgnohLPCKopvzsm1SHxV1zZCsMUU6vjY"),
]


def test_the_fictional_lists_load_through_the_official_parsers(tmp_path: Path) -> None:
    lists = write_sample_lists(tmp_path / "lists", WALLETS, date(2025, 2, 21))
    with open_store(tmp_path / "s.duckdb") as store:
        un = load_list_file(store, lists.un_xml)
        ofac = load_list_file(store, lists.ofac_sdn_csv)
        assert (un.format, un.list_name, un.n_targets) == ("un-sc-xml", "un_sc_consolidated", 4)
        assert (ofac.format, ofac.list_name, ofac.n_targets) == ("ofac-csv", "us_ofac_sdn", 3)
        assert un.published == ofac.published == date(2025, 2, 21)
        listed = set(store.con.execute("SELECT chain, address FROM sanction_addresses").fetchall())
        assert listed == {(w.chain, w.address) for w in WALLETS}
        # every party says it is fictional
        rows = store.con.execute(
            "SELECT entity_id, entity FROM sanction_entities WHERE target"
        ).fetchall()
        assert len(rows) == 7
        assert all("FICTIONAL DEMO ENTRY" in entity for _, entity in rows)
