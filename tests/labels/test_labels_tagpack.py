"""TagPack / ActorPack reading: inheritance, chains, addresses, dates, rejects with lines."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from sanctionwatch.errors import FormatError
from sanctionwatch.labels.rows import resolve_chain, to_date
from sanctionwatch.labels.tagpack import parse_yaml_file

ETH_CHECKSUMMED = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"  # EIP-55 valid (Bybit)
ETH_BAD_CHECKSUM = "0x1db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"  # one letter's case flipped
BTC = "14QZ2wB8b8ZQNgb978Lwptdc8Vhv5aZQM2"
BTC_BECH32 = "bc1q2qqqt87kh33s0er58akh7v9cwjgd83z5smh9rp"
TRON = "TA3941uFAvmVibSkQ6fMJXxmaSNovX86mz"

PACK = f"""\
title: Test pack
creator: Test Team
description: header fields are inherited by every tag
label: Header label
category: exchange
currency: ETH
confidence: service_data
source: https://example.org/header
lastmod: 2022-11-17
is_cluster_definer: true
actor: exampleactor
tags:
- address: '{ETH_CHECKSUMMED}'
- address: {BTC}
  currency: BTC
  label: Own label
  source: https://example.org/tag
  is_cluster_definer: false
- address: '{ETH_BAD_CHECKSUM}'
- address: LQ3B36Yv2rBTxdgAdYpU2UcEZsaNwXeATk
  currency: LTC
- address: 0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4
  abuse: sanction
  confidence: gut_feeling
  lastmod: '2023-1-5'
  context: {{"note": "unquoted 0x address"}}
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_header_inheritance_and_override(tmp_path: Path) -> None:
    parsed = parse_yaml_file(write(tmp_path, PACK))
    assert parsed.format == "tagpack"
    assert parsed.rows_read == 5
    first, second, fifth = parsed.labels
    # inherited from the header
    assert first.chain == "ethereum"
    assert first.address == ETH_CHECKSUMMED.lower()
    assert first.label == "Header label"
    assert first.category == "exchange"
    assert first.source_category == "exchange"
    assert first.confidence == "service_data"
    assert first.confidence_level == 50
    assert first.source == "https://example.org/header"
    assert first.lastmod == date(2022, 11, 17)
    assert first.is_cluster_definer is True
    assert first.actor == "exampleactor"
    assert first.pack == "Test pack"
    assert first.creator == "Test Team"
    assert first.line == 13
    # overridden by the tag
    assert (second.chain, second.address, second.label) == ("bitcoin", BTC, "Own label")
    assert second.source == "https://example.org/tag"
    assert second.is_cluster_definer is False
    assert second.category == "exchange"
    assert second.line == 14
    # abuse outranks the inherited category; unknown confidence kept with level None
    assert fifth.category == "sanctioned"
    assert fifth.abuse == "sanction"
    assert fifth.source_category == "exchange"
    assert (fifth.confidence, fifth.confidence_level) == ("gut_feeling", None)
    assert fifth.lastmod == date(2023, 1, 5)
    assert json.loads(fifth.context or "") == {"note": "unquoted 0x address"}


def test_unquoted_hex_address_is_read_as_written(tmp_path: Path) -> None:
    parsed = parse_yaml_file(write(tmp_path, PACK))
    # YAML would type an unquoted 0x... as an integer; the raw scalar is used instead
    assert parsed.labels[2].address == "0x1db92e2eebc8e0c075a02bea49a2935bcd2dfcf4"
    assert parsed.labels[2].line == 22


def test_rejects_name_line_reason_and_raw_tag(tmp_path: Path) -> None:
    parsed = parse_yaml_file(write(tmp_path, PACK))
    bad_checksum, ltc = parsed.rejects
    assert bad_checksum.line == 19
    assert bad_checksum.reason == (
        "invalid ethereum address: mixed-case EVM address fails its EIP-55 checksum"
    )
    assert json.loads(bad_checksum.raw or "") == {"address": ETH_BAD_CHECKSUM}
    assert ltc.line == 20
    assert ltc.reason == "chain LTC is not supported"
    assert "\n" not in (ltc.raw or "")


@pytest.mark.parametrize(
    ("code", "address", "chain"),
    [
        ("ETH", ETH_CHECKSUMMED, "ethereum"),
        ("eth", ETH_CHECKSUMMED, "ethereum"),
        ("BTC", BTC, "bitcoin"),
        ("TRX", TRON, "tron"),
        ("USDT", ETH_CHECKSUMMED, "ethereum"),
        ("USDT", TRON, "tron"),
        ("USDT", BTC, "bitcoin"),  # Omni USDT lives on Bitcoin addresses
        ("USDC", TRON, "tron"),
        ("BEP20", ETH_CHECKSUMMED, "bsc"),
        ("BNB", ETH_CHECKSUMMED, "bsc"),
        ("MATIC", ETH_CHECKSUMMED, "polygon"),
        ("ethereum", ETH_CHECKSUMMED, "ethereum"),
    ],
)
def test_resolve_chain(code: str, address: str, chain: str) -> None:
    resolved, problem = resolve_chain(code, address)
    assert problem is None
    assert resolved is not None
    assert resolved.name == chain


@pytest.mark.parametrize(
    ("code", "address", "reason"),
    [
        ("LTC", "LQ3B36Yv2rBTxdgAdYpU2UcEZsaNwXeATk", "chain LTC is not supported"),
        ("ZEC", "t1ZmpK4QFcvyQZ3ghTgSboBW8b4HgiZHQF9", "chain ZEC is not supported"),
        ("BCH", "qq3z", "chain BCH is not supported"),
        ("ETC", ETH_CHECKSUMMED, "chain ETC is not supported"),  # not Ethereum
        ("USDC", BTC, "cannot tell the chain of a USDC address that is not 0x… (EVM) or T… (TRON)"),
        (
            "BNB",
            "bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23",
            "cannot tell the chain of a BNB address that is not 0x… (EVM)",
        ),
    ],
)
def test_resolve_chain_rejects(code: str, address: str, reason: str) -> None:
    assert resolve_chain(code, address) == (None, reason)


def test_network_wins_over_currency(tmp_path: Path) -> None:
    text = f"""\
title: t
creator: c
label: l
source: s
tags:
- address: '{ETH_CHECKSUMMED}'
  currency: USDT
  network: BSC
- address: '{TRON}'
  currency: USDT
"""
    parsed = parse_yaml_file(write(tmp_path, text))
    assert [(r.chain, r.line) for r in parsed.labels] == [("bsc", 6), ("tron", 9)]
    assert parsed.labels[0].confidence is None  # missing confidence is not guessed
    assert parsed.labels[0].confidence_level is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2021, 11, 12), date(2021, 11, 12)),
        ("2021-11-12", date(2021, 11, 12)),
        ("2022-10-1", date(2022, 10, 1)),
        ("2023-08-16 12:18:52.619444", date(2023, 8, 16)),
        (20211112, date(2021, 11, 12)),
        (1636675200, date(2021, 11, 12)),  # Unix seconds
        (None, None),
    ],
)
def test_lastmod_forms(value: object, expected: date | None) -> None:
    assert to_date(value) == (expected, None)


@pytest.mark.parametrize("value", ["yesterday", "2021-13-01", 2021, True, 1.5])
def test_lastmod_garbage_is_a_problem(value: object) -> None:
    day, problem = to_date(value)
    assert day is None
    assert problem == "lastmod is not a date"


def test_tag_problems(tmp_path: Path) -> None:
    text = f"""\
title: t
creator: c
currency: BTC
tags:
- address: {BTC}
- label: no address
- address: {BTC}
  label: x
  lastmod: someday
- address: {BTC}
  label: y
  is_cluster_definer: maybe
- just a string
"""
    parsed = parse_yaml_file(write(tmp_path, text))
    assert parsed.labels == []
    assert [(r.line, r.reason) for r in parsed.rejects] == [
        (5, "tag has no label"),
        (6, "tag has no address"),
        (7, "lastmod is not a date"),
        (10, "is_cluster_definer is not true or false"),
        (13, "tag is not a mapping"),
    ]


def test_header_key_form(tmp_path: Path) -> None:
    text = f"""\
header:
  title: t
  creator: c
  label: from header block
  currency: BTC
tags:
- address: {BTC_BECH32}
"""
    (row,) = parse_yaml_file(write(tmp_path, text)).labels
    assert (row.label, row.address, row.line) == ("from header block", BTC_BECH32, 7)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: [unclosed\n", "is not valid YAML (line 2)"),
        ("title: t\ncreator: c\n", "is neither a TagPack nor an ActorPack"),
        ("- a\n- b\n", "is neither a TagPack nor an ActorPack"),
        ("title: t\ntags: []\n", "is a TagPack with no tags"),
        ("title: t\nactors:\n", "is an ActorPack with no actors"),
        ("", "is neither a TagPack nor an ActorPack"),
    ],
)
def test_not_a_pack(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FormatError) as excinfo:
        parse_yaml_file(path)
    assert message in excinfo.value.message
    assert str(path) in excinfo.value.message


def test_actorpack(tmp_path: Path) -> None:
    text = """\
title: DPRK actors
creator: Test Team
actors:
- id: lazarusgroup
  uri: https://attack.mitre.org/groups/G0032/
  label: Lazarus Group
  categories: [perpetrator]
  jurisdictions: [KP]
  context: '{"aliases": ["Hidden Cobra", "APT38"], "refs": ["https://example.org"]}'
  lastmod: 2024-01-01
- id: tradertraitor
  label: TraderTraitor
  categories: perpetrator
  aliases: [Jade Sleet, UNC4899]
  confidence: authority_data
- label: no id
"""
    parsed = parse_yaml_file(write(tmp_path, text, "actors.yaml"))
    assert parsed.format == "actorpack"
    assert parsed.rows_read == 3
    lazarus, trader = parsed.actors
    assert lazarus.actor == "lazarusgroup"
    assert json.loads(lazarus.aliases or "") == ["Hidden Cobra", "APT38"]
    assert json.loads(lazarus.categories or "") == ["perpetrator"]
    assert json.loads(lazarus.jurisdictions or "") == ["KP"]
    assert lazarus.source == "DPRK actors"
    assert lazarus.line == 4
    assert json.loads(trader.aliases or "") == ["Jade Sleet", "UNC4899"]
    assert json.loads(trader.categories or "") == ["perpetrator"]
    assert trader.confidence == "authority_data"
    assert [(r.line, r.reason) for r in parsed.rejects] == [(16, "actor has no id")]
