"""The category mapping tables and the confidence scale."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sanctionwatch.labels.csvlabels import eth_labels_category
from sanctionwatch.labels.taxonomy import (
    ABUSE_MAP,
    CATEGORIES,
    CATEGORY_DOCS,
    CATEGORY_MAP,
    CATEGORY_RANK,
    CONFIDENCE_LEVELS,
    UNKNOWN_SERVICE_CONCEPTS,
    categorize,
    categorize_words,
    confidence_level,
)

# Entity/service/behaviour concept ids of graphsense-lib tagpack/db/concepts.yaml
# (2025). Each must be decided: mapped to a category of ours, or known to be unknown_service.
GRAPHSENSE_ENTITY_CONCEPTS = (
    "organization",
    "user",
    "service",
    "victim",
    "perpetrator",
    "donation",
    "exchange",
    "wallet_service",
    "escrow_wallet",
    "ico_wallet",
    "cold_wallet",
    "hot_wallet",
    "warm_wallet",
    "filesharing",
    "index",
    "market",
    "messaging_service",
    "mixing_service",
    "coinjoin",
    "miner",
    "mining_service",
    "gambling",
    "search_engine",
    "shop",
    "faucet",
    "payment_processor",
    "atm",
    "hosting",
    "vpn",
    "nameservice",
    "defi",
    "defi_token",
    "defi_lending",
    "defi_dex",
    "defi_dex_pair",
    "defi_derivative",
    "defi_bridge",
    "defi_dao",
    "defi_staking",
    "defi_custody",
    "collectible",
    "black_list",
    "gov_black_list",
    "white_list",
    "gov_white_list",
    "deployer",
    "funder",
    "unknown",
)


def test_every_category_is_documented_and_ranked() -> None:
    assert set(CATEGORY_DOCS) == set(CATEGORIES)
    assert set(CATEGORY_RANK) == set(CATEGORIES)
    assert sorted(CATEGORY_RANK.values()) == list(range(1, len(CATEGORIES) + 1))


def test_maps_only_produce_our_categories() -> None:
    assert set(CATEGORY_MAP.values()) <= set(CATEGORIES)
    assert set(ABUSE_MAP.values()) <= set(CATEGORIES)


@pytest.mark.parametrize("concept", GRAPHSENSE_ENTITY_CONCEPTS)
def test_every_graphsense_entity_concept_is_decided(concept: str) -> None:
    assert concept in CATEGORY_MAP or concept in UNKNOWN_SERVICE_CONCEPTS


@pytest.mark.parametrize(
    ("category", "abuse", "concepts", "expected"),
    [
        ("exchange", None, (), "exchange"),
        ("mixing_service", None, (), "mixer"),
        ("coinjoin", None, (), "mixer"),
        ("defi_dex", None, (), "dex"),
        ("dex", None, (), "dex"),
        ("defi_bridge", None, (), "bridge"),
        ("bridge", None, (), "bridge"),
        ("defi", None, (), "defi"),
        ("defi_lending", None, (), "defi"),
        ("payment_processor", None, (), "payment_service"),
        ("otc_broker", None, (), "otc"),
        ("hacker", None, (), "theft"),
        ("market", None, (), "unknown_service"),
        ("miner", None, (), "unknown_service"),
        ("gambling", None, (), "unknown_service"),
        ("wallet_service", None, (), "unknown_service"),
        ("hosted_wallet", None, (), "unknown_service"),
        ("user", None, (), "unknown_service"),
        ("organization", None, (), "unknown_service"),
        ("black_list", None, (), "unknown_service"),
        ("gov_black_list", None, (), "sanctioned"),
        ("something_new", None, (), "unknown_service"),
        (None, None, (), "unknown_service"),
        ("Exchange", None, (), "exchange"),  # case does not matter
        # abuse outranks category
        ("user", "sanction", (), "sanctioned"),
        ("exchange", "sanction", (), "sanctioned"),
        ("mixing_service", "sanction", (), "sanctioned"),
        (None, "service_hack", (), "theft"),
        ("exchange", "service_hack", (), "theft"),
        (None, "phishing", (), "scam"),
        (None, "scam", (), "scam"),
        (None, "ponzi_scheme", (), "scam"),
        (None, "ransomware", (), "scam"),
        (None, "sextortion", (), "scam"),
        # abuses without a category of ours do not decide
        (None, "extremism", (), "unknown_service"),
        ("exchange", "terrorism", (), "exchange"),
        # concepts fill in when the category says nothing
        (None, None, ("exchange",), "exchange"),
        ("user", None, ("defi_bridge",), "bridge"),
        ("exchange", None, ("defi_bridge",), "exchange"),
        # our own names are accepted as they are (simple CSV files)
        ("cross_chain_swap", None, (), "cross_chain_swap"),
        ("mixer", None, (), "mixer"),
        ("mixer", "sanction", (), "sanctioned"),
    ],
)
def test_categorize(
    category: str | None, abuse: str | None, concepts: tuple[str, ...], expected: str
) -> None:
    assert categorize(category, abuse, concepts) == expected


@pytest.mark.parametrize(
    ("confidence", "level"),
    [
        ("override", 100),
        ("ownership", 100),
        ("ledger_immanent", 100),
        ("manual_transaction", 90),
        ("service_api", 70),
        ("forensic_investigation", 70),
        ("authority_data", 60),
        ("trusted_provider", 50),
        ("service_data", 50),
        ("forensic", 50),
        ("untrusted_transaction", 40),
        ("web_crawl", 20),
        ("heuristic", 10),
        ("unknown", 5),
        ("gut_feeling", None),  # unknown ids are never guessed
        (None, None),
    ],
)
def test_confidence_level(confidence: str | None, level: int | None) -> None:
    assert confidence_level(confidence) == level


def test_confidence_scale_is_the_tagpack_scale() -> None:
    assert len(CONFIDENCE_LEVELS) == 14
    assert all(0 <= v <= 100 for v in CONFIDENCE_LEVELS.values())


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        (("Tornado.Cash: 0.1 ETH",), "mixer"),
        (("tornado-cash",), "mixer"),
        (("Bridge",), "bridge"),
        (("optimism-bridge",), "bridge"),
        (("Exchange",), "exchange"),
        (("Coinbase 1",), "exchange"),
        (("Exploit",), "theft"),
        (("Heist",), "theft"),
        (("Bybit Exploiter 12",), "theft"),
        (("Phish/Hack",), "scam"),  # phishing before hack
        (("phish-hack",), "scam"),
        (("Fake_Phishing1772",), "scam"),
        (("ofac-sanctions-lists",), "sanctioned"),
        (("THORChain: Router",), "cross_chain_swap"),
        (("uniswap",), "dex"),
        (("0x-protocol",), "dex"),
        (("otc",), "otc"),
        (("payments",), "payment_service"),
        (("aave",), "defi"),
        (("bridged-token",), None),  # whole words only
        (("Bitswap",), None),
        (("friend-tech-users",), None),
        ((None, "", "charity"), None),
        (("friend-tech-users", "Tornado.Cash: Router"), "mixer"),  # later texts are tried
        (("exchange", "Tornado.Cash"), "exchange"),  # the first text that matches decides
    ],
)
def test_categorize_words(texts: tuple[str | None, ...], expected: str | None) -> None:
    assert categorize_words(*texts) == expected


@pytest.mark.parametrize(
    ("slug", "name_tag", "expected"),
    [
        ("fiat-gateway", "Coinbase 1", "exchange"),
        ("heist", "Fake_Phishing147", "theft"),  # the slug decides first
        ("token-contract", "Across Protocol: ACX Token", "unknown_service"),
        ("charity", "Binance Charity: Earthquake Appeal", "unknown_service"),
        ("layer-2", "Arbitrum: Bridge 2", "bridge"),
        ("multisig", "Bancor: ACX Token Vault", "unknown_service"),  # names a token
        ("friend-tech-users", "friend.tech user", "unknown_service"),
    ],
)
def test_eth_labels_category(slug: str, name_tag: str, expected: str) -> None:
    assert eth_labels_category(slug, name_tag) == expected


@given(
    st.one_of(st.none(), st.text()),
    st.one_of(st.none(), st.text()),
    st.lists(st.text(), max_size=3),
)
def test_categorize_is_total(category: str | None, abuse: str | None, concepts: list[str]) -> None:
    assert categorize(category, abuse, concepts) in CATEGORIES


@given(st.text())
def test_categorize_words_is_total(text: str) -> None:
    assert categorize_words(text) in (*CATEGORIES, None)
