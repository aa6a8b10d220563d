"""CSV label files: our simple shape, eth-labels exports and OFAC SDN address lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sanctionwatch.errors import FormatError
from sanctionwatch.labels.csvlabels import detect_shape, parse_csv_file

ETH = "0x1Db92e2EeBC8E0c075a02BeA49a2935BcD2dFCF4"
BTC = "14QZ2wB8b8ZQNgb978Lwptdc8Vhv5aZQM2"
TRON = "TA3941uFAvmVibSkQ6fMJXxmaSNovX86mz"


def write(tmp_path: Path, text: str, name: str = "labels.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("header", "shape"),
    [
        (["chain", "address", "label", "category"], "labels-csv"),
        (["Chain", "Address", "Label", "Category", "Abuse", "Source"], "labels-csv"),
        (["chain", "label", "address", "name_tag"], "eth-labels-csv"),
        (
            [
                "address",
                "asset",
                "sdn_profile_id",
                "entity_name",
                "party_type",
                "programs",
                "listed_date",
                "akas",
            ],
            "ofac-addresses-csv",
        ),
        (["banned_address", "wallet_tag", "data_source"], None),
    ],
)
def test_detect_shape(header: list[str], shape: str | None) -> None:
    assert detect_shape(header) == shape


def test_simple_labels_csv(tmp_path: Path) -> None:
    text = (
        "Chain,Address,Label,Category,Abuse,Actor,Source,Confidence,Context,Extra\n"
        f"ethereum,{ETH},Bybit cold wallet,exchange,,bybit,https://x.org,service_data,,1\n"
        f"eth,{ETH},Lazarus deposit,Exchange,sanction,,,80,,2\n"
        f'bitcoin,{BTC},"multi\nline label",mixer,,,,,"{{""k"": 1}}",3\n'
        f"LTC,{BTC},x,exchange,,,,,,4\n"
        f"tron,{TRON},too,few\n"
        f"bitcoin,,no address,exchange,,,,,,5\n"
        f"bitcoin,{BTC},bad level,exchange,,,,500,,6\n"
        "\n"
        f"tron,{TRON},TRON OTC,OTC desk,,,,web_crawl,,7\n"
    )
    parsed = parse_csv_file(write(tmp_path, text))
    assert parsed.format == "labels-csv"
    assert parsed.rows_read == 8
    assert parsed.notes == ["ignored columns: extra"]
    bybit, lazarus, multi, otc = parsed.labels
    assert (bybit.chain, bybit.address, bybit.category) == ("ethereum", ETH.lower(), "exchange")
    assert (bybit.actor, bybit.source, bybit.confidence_level) == ("bybit", "https://x.org", 50)
    assert bybit.pack == "labels"
    assert bybit.line == 2
    assert (lazarus.category, lazarus.source_category) == ("sanctioned", "Exchange")
    assert (lazarus.confidence, lazarus.confidence_level) == ("80", 80)
    assert (multi.label, multi.line, multi.category) == ("multi\nline label", 4, "mixer")
    assert json.loads(multi.context or "") == {"k": 1}
    assert (otc.category, otc.source_category, otc.line) == ("otc", "OTC desk", 11)
    assert [(r.line, r.reason) for r in parsed.rejects] == [
        (6, "chain LTC is not supported"),
        (7, "row has 4 fields but the header has 10"),
        (8, "row has no address"),
        (9, "confidence level is above 100"),
    ]
    assert json.loads(parsed.rejects[0].raw or "")["chain"] == "LTC"


def test_eth_labels_shape(tmp_path: Path) -> None:
    text = (
        "chain,label,address,name_tag\n"
        "etherscan,tornado-cash,0x12d66f87a04a9e220743712ce6d9bb1b5616b8fc,Tornado.Cash: 0.1 ETH\n"
        "arbiscan,bridge,0x0000000000000000000000000000000000000064,Arbitrum: Bridge\n"
        "ftmscan,exchange,0x0000000000000000000000000000000000000065,Some exchange\n"
        "basescan,contract-deployer,genesis,Wrapped Ether: Deployer\n"
        "bscscan,phish-hack,0x0000000000000000000000000000000000000066,\n"
    )
    parsed = parse_csv_file(write(tmp_path, text, "eth_labels.csv"))
    assert parsed.format == "eth-labels-csv"
    tornado, bridge, phish = parsed.labels
    assert (tornado.chain, tornado.category, tornado.label) == (
        "ethereum",
        "mixer",
        "Tornado.Cash: 0.1 ETH",
    )
    assert tornado.source == "https://etherscan.io/accounts/label/tornado-cash"
    assert (tornado.confidence, tornado.confidence_level) == ("web_crawl", 20)
    assert (bridge.chain, bridge.category) == ("arbitrum", "bridge")
    assert (phish.chain, phish.category, phish.label) == ("bsc", "scam", "phish-hack")
    assert [(r.line, r.reason) for r in parsed.rejects] == [
        (4, "chain ftmscan is not supported"),
        (5, "invalid base address: not an EVM address (0x followed by 40 hex digits)"),
    ]


def test_ofac_shape(tmp_path: Path) -> None:
    text = (
        "address,asset,sdn_profile_id,entity_name,party_type,programs,listed_date,akas\n"
        "0x098B716B8Aaf21512996dC57EB0615e2383E2f96,ETH,27307,Lazarus Group,Unknown,DPRK3,"
        "2019-09-13,Hidden Cobra | Office 91\n"
        f"{TRON},USDT,22985,CHEIL CREDIT BANK,Unknown,CYBER2;DPRK4,2017-09-26,\n"
        "44ZSLtxczZDR1Co8vK6ZbDpq3Zf2F9hVzeH6kJeg1kbhPugjxpY4WCQ8jBdA9zk4nU,XMR,1,X,Unknown,"
        "CYBER2,2020-01-01,\n"
        "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c,BSC,42498,Sim Hyon Sop,Unknown,NPWMD,"
        "2023-04-24,\n"
        "bnb136ns6lfw4zs5hg4n85vdthaad7hq5m4gtkgf23,BNB,56360,S R,Unknown,X,2025-11-19,\n"
    )
    parsed = parse_csv_file(write(tmp_path, text, "ofac.csv"))
    assert parsed.format == "ofac-addresses-csv"
    lazarus, cheil, sim = parsed.labels
    assert lazarus.chain == "ethereum"
    assert lazarus.address == "0x098b716b8aaf21512996dc57eb0615e2383e2f96"
    assert (lazarus.label, lazarus.category, lazarus.abuse) == (
        "Lazarus Group",
        "sanctioned",
        "sanction",
    )
    assert (lazarus.source, lazarus.confidence, lazarus.confidence_level) == (
        "OFAC SDN uid 27307",
        "authority_data",
        60,
    )
    assert json.loads(lazarus.context or "") == {
        "sdn_profile_id": "27307",
        "asset": "ETH",
        "party_type": "Unknown",
        "programs": ["DPRK3"],
        "listed_date": "2019-09-13",
        "akas": ["Hidden Cobra", "Office 91"],
    }
    assert cheil.chain == "tron"
    assert json.loads(cheil.context or "")["programs"] == ["CYBER2", "DPRK4"]
    assert sim.chain == "bsc"
    assert [(r.line, r.reason) for r in parsed.rejects] == [
        (4, "asset XMR is not supported"),
        (6, "cannot tell the chain of a BNB address that is not 0x… (EVM)"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("banned_address,wallet_tag\n0x,y\n", "has no label CSV header we know"),
        ("", "is empty"),
        ("chain,address,label,category\n", "has a header but no label rows"),
    ],
)
def test_not_a_label_csv(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(FormatError) as excinfo:
        parse_csv_file(path)
    assert message in excinfo.value.message
    assert str(path) in excinfo.value.message


def test_binary_file_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_bytes(b"\xff\xfe\x00\x01binary")
    with pytest.raises(FormatError, match="not a UTF-8 text file"):
        parse_csv_file(path)
