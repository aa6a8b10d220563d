"""FollowTheMoney entities: valid for the library, deterministic ids, references resolve."""

from __future__ import annotations

import json
from typing import Any

from followthemoney import model

from sanctionwatch.trace.exporters import export
from sanctionwatch.trace.exporters.ftm import entities, wallet_id


def _lines(result: dict[str, Any]) -> list[dict[str, Any]]:
    text = export(result, "ftm")
    assert text is not None
    return [json.loads(line) for line in text.splitlines()]


def test_every_entity_validates(example: dict[str, Any]) -> None:
    for data in _lines(example):
        schema = model.get(data["schema"])
        assert schema is not None
        assert schema.validate({"properties": data["properties"]}) is None
        for required in schema.required:  # validate() only checks properties present
            assert data["properties"].get(required), (data["schema"], required)
        again = model.get_proxy(data, cleaned=False)  # re-cleans every value
        assert again.properties == data["properties"]
        assert again.id == data["id"]


def test_schemata_and_counts(example: dict[str, Any]) -> None:
    lines = _lines(example)
    counts: dict[str, int] = {}
    for data in lines:
        counts[data["schema"]] = counts.get(data["schema"], 0) + 1
    assert counts == {
        "CryptoWallet": len(example["nodes"]) + 1,
        "Payment": len(example["edges"]),
        "UnknownLink": 1,
    }
    assert len({d["id"] for d in lines}) == len(lines)


def test_ids_are_deterministic(example: dict[str, Any]) -> None:
    first = [e.id for e in entities(example)]
    second = [e.id for e in entities(json.loads(json.dumps(example)))]
    assert first == second
    seed = example["seeds"][0]
    assert first[0] == wallet_id(seed["chain"], seed["address"])


def test_payments_reference_wallets_in_whole_units(example: dict[str, Any]) -> None:
    lines = _lines(example)
    wallets = {d["id"]: d for d in lines if d["schema"] == "CryptoWallet"}
    payments = [d for d in lines if d["schema"] == "Payment"]
    for data in payments:
        assert data["properties"]["payer"][0] in wallets
        assert data["properties"]["beneficiary"][0] in wallets
    mixer = next(p for p in payments if p["properties"]["purpose"] == ["mixer"])
    props = mixer["properties"]
    assert props["amount"] == ["300"]
    assert props["currency"] == ["ETH"]
    assert props["date"] == ["2025-02-22T03:02:10"]
    assert props["transactionNumber"] == [example["edges"][4]["tx_hash"]]
    assert "266.6667 ETH" in props["summary"][0]
    otc = next(p for p in payments if p["properties"]["purpose"] == ["otc"])
    assert otc["properties"]["amount"] == ["7.4999"]


def test_wallet_properties(example: dict[str, Any]) -> None:
    seed = _lines(example)[0]["properties"]
    assert seed["publicKey"] == [example["seeds"][0]["address"]]
    assert seed["blockchain"] == ["ethereum"]
    assert seed["currency"] == ["ETH"]
    assert seed["name"] == ["Bybit exploiter 1"]
    assert set(seed["topics"]) == {"crime.theft", "sanction"}
    assert "seed" in seed["keywords"]
    # where the label comes from, and how sure it is
    assert (
        "label source: https://example.org/sanctionwatch-fixture, forensic_investigation"
        in (seed["notes"][0])
    )
    # an unlabelled terminal's wallet says why it is one
    (deposit,) = (
        e["properties"]
        for e in _lines(example)
        if e["properties"].get("publicKey") == ["0x4be8c2d1a6f3e5b7c9d0e2f4a6b8c0d2e4f6a8b0"]
    )
    assert "swept to a labelled exchange hot wallet within 2 hours" in deposit["notes"][0]


def test_repeated_transfer_in_one_transaction_gets_its_own_id(example: dict[str, Any]) -> None:
    example["edges"].append(dict(example["edges"][1]))
    payments = [e for e in entities(example) if e.schema.name == "Payment"]
    assert len({p.id for p in payments}) == len(example["edges"])


def test_a_payment_has_the_same_id_in_every_trace(example: dict[str, Any]) -> None:
    """Two token transfers between the same wallets in one transaction: each payment's id is
    its transfer's key (tx hash, kind, position), so a trace holding only the second gives
    it the id it has beside the first (a running number would give it the first's id)."""
    first = dict(example["edges"][1], kind="token", position="3")
    second = dict(first, position="7")
    both = dict(example, edges=[first, second])
    only_second = dict(example, edges=[second])

    def payment_ids(result: dict[str, Any]) -> list[str | None]:
        return [e.id for e in entities(result) if e.schema.name == "Payment"]

    ids = payment_ids(both)
    assert len(set(ids)) == 2
    assert payment_ids(only_second) == ids[1:]


def test_times_are_converted_to_utc(example: dict[str, Any]) -> None:
    example["edges"][1]["block_time"] = "2025-02-21T23:20:11+09:00"
    payment = [e for e in entities(example) if e.schema.name == "Payment"][1]
    assert payment.get("date") == ["2025-02-21T14:20:11"]


def test_output_without_address_is_a_valid_wallet(example: dict[str, Any]) -> None:
    example["edges"][-1]["to_address"] = None
    lines = _lines(example)
    nameless = [d for d in lines if d["properties"].get("name") == ["(no address) on bitcoin"]]
    assert len(nameless) == 1
    assert "publicKey" not in nameless[0]["properties"]
    payment = [d for d in lines if d["schema"] == "Payment"][-1]
    assert payment["properties"]["beneficiary"] == [nameless[0]["id"]]
