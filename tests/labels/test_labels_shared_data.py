"""The real label files in ../shared/data load, with every reject explained."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
import yaml

from sanctionwatch.labels import category_of, ingest_label_files, labels_for
from sanctionwatch.store import Store

pytestmark = pytest.mark.shared_data

SUPPORTED_CURRENCIES = {"BTC", "ETH", "TRX", "USDT"}
# the OFAC pack lists one TRON address under currency BTC: a data error, rejected as such
OFAC_PACK_BAD_ADDRESS = "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"


def tagpack_files(shared_data: Path) -> list[Path]:
    return sorted((shared_data / "labels" / "graphsense_tagpacks").glob("*.yaml"))


def test_every_shared_tagpack_loads(store: Store, shared_data: Path) -> None:
    files = tagpack_files(shared_data)
    assert len(files) >= 12
    for path, result in zip(files, ingest_label_files(store, files), strict=True):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        tags: list[dict[str, Any]] = doc["tags"]
        stored = store.scalar("SELECT count(*) FROM labels WHERE file_id = ?", [result.file_id])
        assert result.rows_read == len(tags), path.name
        assert stored == result.rows_new, path.name
        assert len(tags) - result.rows_rejected - result.rows_duplicate == stored, path.name

        # explain every reject and duplicate independently of our reader
        currencies = [str(t.get("currency", doc.get("currency"))) for t in tags]
        unsupported = Counter(c for c in currencies if c not in SUPPORTED_CURRENCIES)
        expected = {f"chain {c} is not supported": n for c, n in unsupported.items()}
        if path.name == "ofac.yaml":
            omni_or_other = [
                t["address"]
                for t in tags
                if t.get("currency") == "USDT" and not t["address"].startswith(("0x", "T"))
            ]
            assert len(omni_or_other) == 3  # Omni USDT on Bitcoin addresses: accepted
            expected[
                "invalid bitcoin address: base58check payload is not a Bitcoin mainnet "
                "P2PKH/P2SH address"
            ] = 1
            bad = store.scalar(
                "SELECT raw FROM rejects WHERE file_id = ? AND reason LIKE 'invalid bitcoin%'",
                [result.file_id],
            )
            assert OFAC_PACK_BAD_ADDRESS in bad
        assert result.reject_reasons == expected, path.name

        written = [str(t["address"]).strip() for t in tags]
        normalized = [a.lower() if a.startswith("0x") else a for a in written]
        valid_dups = len(normalized) - len(set(normalized))
        if path.name == "tornado_cash.yaml":
            # one address is listed twice, the second time with a trailing space
            assert result.rows_duplicate == valid_dups == 1
        else:
            assert result.rows_duplicate == 0, path.name


def test_tagpack_categories(store: Store, shared_data: Path) -> None:
    ingest_label_files(store, tagpack_files(shared_data))
    by_pack = dict(
        store.con.execute(
            "SELECT pack, list_sort(list(DISTINCT category)) FROM labels GROUP BY pack"
        ).fetchall()
    )
    assert by_pack["OFAC Tagpack"] == ["sanctioned"]  # lazarus.yaml: user + abuse sanction
    assert by_pack["Tornado.cash"] == ["mixer"]
    assert by_pack["GraphSense Binance"] == ["theft"]
    assert by_pack["Ronin bridge hack"] == ["theft"]
    assert by_pack["Bybit reserve wallets"] == ["exchange"]
    assert by_pack["USDT blacklist"] == ["unknown_service"]  # issuer blacklist, not sanction
    assert by_pack["Known Cryptoservice hacks"] == ["exchange", "theft", "unknown_service"]


def test_bybit_checksummed_addresses_are_lowercased(store: Store, shared_data: Path) -> None:
    path = shared_data / "labels" / "graphsense_tagpacks" / "exchange-wallets-bybit.yaml"
    written = [
        t["address"] for t in yaml.safe_load(path.read_text())["tags"] if t["currency"] == "ETH"
    ]
    assert all(a != a.lower() for a in written)  # really mixed case (EIP-55)
    (result,) = ingest_label_files(store, [path])
    assert result.rows_rejected == 0
    stored = {
        r[0]
        for r in store.con.execute("SELECT address FROM labels WHERE chain = 'ethereum'").fetchall()
    }
    assert stored == {a.lower() for a in written}


def test_corrupted_checksum_is_rejected_with_its_line(
    store: Store, shared_data: Path, tmp_path: Path
) -> None:
    source = shared_data / "labels" / "graphsense_tagpacks" / "exchange-wallets-bybit.yaml"
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    target = next(i for i, line in enumerate(lines) if "0xA7A93fd0" in line)
    lines[target] = lines[target].replace("0xA7A93fd0", "0xa7A93fd0")  # flip one letter
    broken = tmp_path / "bybit-broken.yaml"
    broken.write_text("".join(lines), encoding="utf-8")
    (result,) = ingest_label_files(store, [broken])
    assert result.reject_reasons == {
        "invalid ethereum address: mixed-case EVM address fails its EIP-55 checksum": 1
    }
    assert result.first_reject_lines == [target + 1]
    assert result.rows_new == 7


def test_reingest_adds_no_rows(store: Store, shared_data: Path, tmp_path: Path) -> None:
    files = [
        *tagpack_files(shared_data)[:4],
        *sorted((shared_data / "labels").glob("ofac_sdn_digital_currency_addresses_*.csv")),
    ]
    first = ingest_label_files(store, files)
    before = store.counts()
    again = ingest_label_files(store, files)
    assert [r.rows_new for r in again] == [0] * len(files)
    assert [r.rows_duplicate for r in again] == [r.rows_new + r.rows_duplicate for r in first]
    after = store.counts()
    assert after["labels"] == before["labels"]
    assert after["addresses"] == before["addresses"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


def ofac_chain(asset: str, address: str) -> str:
    """Independent restatement of the asset -> chain rule for the OFAC shapes."""
    fixed = {
        "XBT": "bitcoin",
        "ETH": "ethereum",
        "TRX": "tron",
        "ARB": "arbitrum",
        "BSC": "bsc",
        "BNB": "bsc",
    }
    if asset in fixed:
        return fixed[asset]
    assert asset in ("USDT", "USDC")
    return "ethereum" if address.startswith("0x") else "tron" if address[0] == "T" else "bitcoin"


OFAC_UNSUPPORTED = {"LTC", "XMR", "BCH", "ZEC", "DASH", "ETC", "BTG", "BSV", "XVG", "XRP", "SOL"}


@pytest.mark.parametrize("date", ["2025-03-04", "2025-11-19"])
def test_ofac_csv_loads(store: Store, shared_data: Path, date: str) -> None:
    path = shared_data / "labels" / f"ofac_sdn_digital_currency_addresses_{date}.csv"
    records = read_csv(path)
    (result,) = ingest_label_files(store, [path])
    assert result.format == "ofac-addresses-csv"
    assert result.rows_read == len(records)
    expected = Counter(
        f"asset {r['asset']} is not supported" for r in records if r["asset"] in OFAC_UNSUPPORTED
    )
    # a TRON address listed as XBT; a BNB Beacon Chain (bnb1...) address
    expected[
        "invalid bitcoin address: base58check payload is not a Bitcoin mainnet P2PKH/P2SH address"
    ] = 1
    bnb = sum(1 for r in records if r["asset"] == "BNB" and not r["address"].startswith("0x"))
    if bnb:
        expected["cannot tell the chain of a BNB address that is not 0x… (EVM)"] = bnb
    assert result.reject_reasons == dict(expected)
    # an address listed twice for one SDN entry on one chain (e.g. as ETH and as USDT on
    # Ethereum) is one label: the repeats are duplicates
    accepted = [
        r
        for r in records
        if r["asset"] not in OFAC_UNSUPPORTED
        and r["address"] != OFAC_PACK_BAD_ADDRESS
        and not (r["asset"] == "BNB" and not r["address"].startswith("0x"))
    ]
    keys = [
        (
            r["address"].lower() if r["address"].startswith("0x") else r["address"],
            ofac_chain(r["asset"], r["address"]),
            r["sdn_profile_id"],
            r["entity_name"],
        )
        for r in accepted
    ]
    assert result.rows_duplicate == len(keys) - len(set(keys))
    assert result.rows_new + result.rows_duplicate + result.rows_rejected == len(records)

    lazarus_eth = [
        r["address"] for r in records if r["entity_name"] == "Lazarus Group" and r["asset"] == "ETH"
    ]
    assert lazarus_eth
    for address in lazarus_eth:
        assert category_of(store, address, "ethereum") == "sanctioned"
        (label,) = labels_for(store, address, "ethereum")
        assert (label.label, label.source) == ("Lazarus Group", "OFAC SDN uid 27307")


def test_eth_labels_csv_loads(store: Store, shared_data: Path) -> None:
    path = shared_data / "labels" / "eth_labels_dawsbot_accounts.csv"
    records = read_csv(path)
    (result,) = ingest_label_files(store, [path])
    assert result.format == "eth-labels-csv"
    assert result.rows_read == len(records)
    chains = Counter(r["chain"] for r in records)
    bad_addresses = [
        r
        for r in records
        if r["chain"] not in ("celo", "gnosis") and not r["address"].startswith("0x")
    ]
    assert result.reject_reasons == {
        "chain celo is not supported": chains["celo"],
        "chain gnosis is not supported": chains["gnosis"],
        "row has no address": sum(1 for r in bad_addresses if not r["address"]),
        "invalid base address: not an EVM address (0x followed by 40 hex digits)": 1,
        "invalid optimism address: not an EVM address (0x followed by 40 hex digits)": 1,
    }
    assert result.rows_new == len(records) - result.rows_rejected
    tornado = store.scalar(
        "SELECT count(*) FROM labels WHERE source_category = 'tornado-cash' AND category = 'mixer'"
    )
    assert tornado == sum(1 for r in records if r["label"] == "tornado-cash")


def test_several_labels_for_one_address(store: Store, shared_data: Path) -> None:
    labels = shared_data / "labels"
    ingest_label_files(
        store,
        [
            *tagpack_files(shared_data),
            labels / "ofac_sdn_digital_currency_addresses_2025-11-19.csv",
            labels / "eth_labels_dawsbot_accounts.csv",
        ],
    )
    ronin_exploiter = "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"
    found = labels_for(store, ronin_exploiter)
    sources = {r.source for r in found}
    assert len(found) >= 4
    assert "OFAC SDN uid 27307" in sources
    assert "https://roninblockchain.substack.com/p/community-alert-ronin-validators" in sources
    assert "https://etherscan.io/accounts/label/ofac-sanctions-lists" in sources
    levels = [r.confidence_level if r.confidence_level is not None else -1 for r in found]
    assert levels == sorted(levels, reverse=True)
    assert {r.category for r in found} >= {"sanctioned", "theft"}
    assert category_of(store, ronin_exploiter) == "sanctioned"


@pytest.mark.slow
def test_flat_parquet_loads(store: Store, shared_data: Path, tmp_path: Path) -> None:
    source = shared_data / "labels" / "graphsense_tagpacks_flat.parquet"
    rows = pq.read_metadata(source).num_rows
    local = tmp_path / source.name
    shutil.copy(source, local)
    (result,) = ingest_label_files(store, [local])
    assert result.rows_read == rows
    assert result.rows_new + result.rows_duplicate + result.rows_rejected == rows
    assert store.scalar("SELECT count(*) FROM labels") == result.rows_new
    assert (
        store.scalar(
            "SELECT count(*) FROM labels WHERE address <> lower(address) AND address LIKE '0x%'"
        )
        == 0
    )
    table = pq.read_table(source, columns=["currency"]).column("currency").to_pylist()
    counts = Counter(table)
    supported = {"BTC", "ETH", "TRX", "USDT", "USDC", "BEP20", "BSC", "MATIC", "AVAX"}
    unsupported = {c: n for c, n in counts.items() if c not in supported}
    not_supported = {
        k: v for k, v in result.reject_reasons.items() if k.endswith("is not supported")
    }
    assert not_supported == {f"chain {c} is not supported": n for c, n in unsupported.items()}
    others = set(result.reject_reasons) - set(not_supported)
    assert all(r.startswith(("invalid ", "cannot tell the chain")) for r in others)
    assert category_of(store, "0x098B716B8Aaf21512996dC57EB0615e2383E2f96") is not None
