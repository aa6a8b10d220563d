"""labels_for, category_of and the address_categories view."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctionwatch.errors import InputError
from sanctionwatch.labels import best_labels, category_of, ingest_label_files, labels_for
from sanctionwatch.store import Store

ETH = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
A = "0x000000000000000000000000000000000000000a"
B = "0x000000000000000000000000000000000000000b"
C = "0x000000000000000000000000000000000000000c"
D = "0x000000000000000000000000000000000000000d"
E = "0x000000000000000000000000000000000000000e"

CSV = f"""\
chain,address,label,category,abuse,source,confidence
ethereum,{A},Blacklisted,black_list,,https://a.example/1,ledger_immanent
ethereum,{A},Some Exchange,exchange,,https://a.example/2,service_data
ethereum,{B},Some Exchange,exchange,,https://b.example/1,service_data
ethereum,{B},Lazarus group,user,sanction,https://b.example/2,authority_data
ethereum,{C},Scam site,scam,,https://c.example/1,web_crawl
ethereum,{C},Exploiter,exploit,,https://c.example/2,web_crawl
ethereum,{C},Hacker,,service_hack,https://c.example/3,
ethereum,{D},A user,user,,https://d.example/1,forensic
ethereum,{ETH},Bybit cold wallet,exchange,,https://bybit.example,service_data
bsc,{ETH},Bybit on BSC,exchange,,https://bybit.example,heuristic
ethereum,{ETH},Bybit hack,,service_hack,https://hack.example,forensic_investigation
"""


@pytest.fixture
def labelled(store: Store, tmp_path: Path) -> Store:
    path = tmp_path / "labels.csv"
    path.write_text(CSV, encoding="utf-8")
    (result,) = ingest_label_files(store, [path])
    assert result.rows_new == 11
    return store


def test_labels_for_returns_every_label_with_sources(labelled: Store) -> None:
    found = labels_for(labelled, ETH)  # checksummed input, any chain
    assert [(r.chain, r.label, r.category, r.confidence_level, r.source) for r in found] == [
        ("ethereum", "Bybit hack", "theft", 70, "https://hack.example"),
        ("ethereum", "Bybit cold wallet", "exchange", 50, "https://bybit.example"),
        ("bsc", "Bybit on BSC", "exchange", 10, "https://bybit.example"),
    ]
    assert all(r.address == ETH.lower() for r in found)
    as_dict = found[0].to_dict()
    assert as_dict["pack"] == "labels"
    assert as_dict["line"] == 12
    assert set(as_dict) >= {"address_id", "chain", "label", "category", "source", "file_id"}


def test_labels_for_one_chain(labelled: Store) -> None:
    assert [r.label for r in labels_for(labelled, ETH.lower(), "bsc")] == ["Bybit on BSC"]
    assert [r.label for r in labels_for(labelled, ETH, "ethereum")] == [
        "Bybit hack",
        "Bybit cold wallet",
    ]
    assert labels_for(labelled, ETH, "polygon") == []


def test_labels_for_invalid_addresses(labelled: Store) -> None:
    with pytest.raises(InputError, match="not a valid address on any known chain"):
        labels_for(labelled, "not-an-address")
    with pytest.raises(InputError, match="not a valid tron address"):
        labels_for(labelled, ETH, "tron")
    with pytest.raises(InputError, match="Unknown chain"):
        labels_for(labelled, ETH, "solana")


def test_unlabelled_address(labelled: Store) -> None:
    assert labels_for(labelled, E) == []
    assert category_of(labelled, E) is None
    assert best_labels(labelled, E) == []


@pytest.mark.parametrize(
    ("address", "category"),
    [
        (A, "exchange"),  # a known category beats a higher-confidence unknown_service
        (B, "sanctioned"),  # authority_data 60 > service_data 50
        (C, "theft"),  # equal (web_crawl) confidence: severity decides theft over scam
        (D, "unknown_service"),
        (ETH, "theft"),  # forensic_investigation 70 on ethereum beats the bsc label
    ],
)
def test_category_of(labelled: Store, address: str, category: str) -> None:
    assert category_of(labelled, address) == category


def test_address_categories_view(labelled: Store) -> None:
    view = labelled.con.execute(
        "SELECT address, chain, category, categories, label, label_category, "
        "confidence_level, n_labels FROM address_categories ORDER BY address, chain"
    ).fetchall()
    assert len(view) == len({(r[0], r[1]) for r in view}) == 6
    by_key = {(r[0], r[1]): r[2:] for r in view}
    assert by_key[(A, "ethereum")] == (
        "exchange",
        ["exchange", "unknown_service"],
        "Blacklisted",
        "unknown_service",
        100,
        2,
    )
    assert by_key[(C, "ethereum")] == ("theft", ["scam", "theft"], "Exploiter", "theft", 20, 3)
    assert by_key[(ETH.lower(), "bsc")] == (
        "exchange",
        ["exchange"],
        "Bybit on BSC",
        "exchange",
        10,
        1,
    )
    (row,) = best_labels(labelled, ETH, "ethereum")
    assert (row.category, row.categories, row.label) == (
        "theft",
        ("exchange", "theft"),
        "Bybit hack",
    )
    assert row.to_dict()["categories"] == ["exchange", "theft"]
