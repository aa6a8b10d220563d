"""Our small category taxonomy, and how source vocabularies map onto it.

The tracer acts on a dozen categories (stop at an exchange, continue through a bridge,
flag a mixer, ...). Sources speak other vocabularies: GraphSense TagPacks use the
DW-VA / INTERPOL concepts taxonomy (``category`` plus ``abuse``), explorer label clouds
use words such as "Tornado.Cash" or "Phish/Hack". This module is the one place that
translates them; the source's own word is always kept beside ours (``source_category``).

Rules (the user documentation of the mapping):

1. **Abuse outranks category.** A tag with abuse ``sanction`` is ``sanctioned`` whatever its
   category; hacking abuses (``service_hack``, ``exploit``, ...) give ``theft``; fraud and
   extortion abuses (``phishing``, ``scam``, ``ponzi_scheme``, ``ransomware``,
   ``sextortion``, ...) give ``scam``. Abuses with no category of ours (``extremism``,
   ``terrorism``, ``drugs``, ...) do not decide: the category (then the concepts) does,
   and the abuse stays in the ``abuse`` column.
2. **Category, then concepts.** Otherwise the first of ``category`` and the tag's
   ``concepts`` that maps to one of our categories other than ``unknown_service`` wins.
3. **Everything else is ``unknown_service``**: services we have no rule for (gambling,
   market, shop, miner, wallet_service, ...), entity concepts that say nothing about
   behaviour (``user``, ``organization``, ``perpetrator``, ``unknown``), issuer blacklists
   (``black_list``: e.g. Tether freezes, which are not sanctions), and unknown words. The
   label is kept (it is still evidence); the tracer just has no rule for it.
4. **Confidence** ids use the TagPack scale below; an id we do not know is kept as written
   with level ``None``, and a missing confidence stays ``None`` (never guessed).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

CATEGORIES: tuple[str, ...] = (
    "exchange",
    "bridge",
    "cross_chain_swap",
    "dex",
    "mixer",
    "otc",
    "payment_service",
    "sanctioned",
    "theft",
    "scam",
    "defi",
    "unknown_service",
)

CATEGORY_DOCS: Mapping[str, str] = {
    "exchange": "A centralised exchange (CEX) wallet: a stop point; deposits are where a "
    "freeze request goes.",
    "bridge": "A cross-chain bridge contract or custodian: the trace continues on the "
    "destination chain.",
    "cross_chain_swap": "A cross-chain swap protocol or instant exchanger (THORChain, eXch, "
    "LI.FI, Chainflip): pairs an inbound deposit with an outbound payout on another chain.",
    "dex": "A decentralised exchange (pool, router or aggregator): swaps one token for "
    "another on the same chain; the trace continues through it.",
    "mixer": "A mixer or CoinJoin coordinator (Tornado Cash, Wasabi, CryptoMixer, Railgun, "
    "Sinbad): breaks naive links between inputs and outputs.",
    "otc": "An OTC broker or desk: a common cash-out point to fiat.",
    "payment_service": "A payment processor or payment platform (e.g. Huione): a cash-out "
    "or merchant-payment point.",
    "sanctioned": "Listed by a government authority (OFAC SDN, UN, EU, UK, ...): exposure "
    "is a compliance finding on its own.",
    "theft": "Proceeds or actors of a hack or exploit (stolen funds, exploiter addresses).",
    "scam": "Fraud and extortion: phishing, scam, Ponzi and pyramid schemes, ransomware, "
    "sextortion.",
    "defi": "Other DeFi protocols (lending, staking, yield, derivatives, tokens).",
    "unknown_service": "Labelled, but with no category the tracer has a rule for (a service "
    "of another kind, a user or organisation, an issuer blacklist, an unknown word).",
}

# The TagPack confidence scale (graphsense-lib ``confidence.csv``), 0..100.
CONFIDENCE_LEVELS: Mapping[str, int] = {
    "override": 100,
    "ownership": 100,
    "ledger_immanent": 100,
    "manual_transaction": 90,
    "service_api": 70,
    "forensic_investigation": 70,
    "authority_data": 60,
    "trusted_provider": 50,
    "service_data": 50,
    "forensic": 50,
    "untrusted_transaction": 40,
    "web_crawl": 20,
    "heuristic": 10,
    "unknown": 5,
}

# Abuse concepts (TagPack ``abuse``) that decide our category on their own.
ABUSE_MAP: Mapping[str, str] = {
    "sanction": "sanctioned",
    "gov_black_list": "sanctioned",
    "service_hack": "theft",
    "account_hack": "theft",
    "hacking": "theft",
    "exploit": "theft",
    "malware": "theft",
    "phishing": "scam",
    "scam": "scam",
    "ponzi_scheme": "scam",
    "pyramid_scheme": "scam",
    "investment_fraud": "scam",
    "financial_crime": "scam",
    "payment_card_fraud": "scam",
    "ransomware": "scam",
    "extortion": "scam",
    "sextortion": "scam",
    "social_engineering": "scam",
}

# TagPack ``category`` / ``concepts`` values (DW-VA concepts taxonomy) with a category of
# ours. Our own names map to themselves so that simple CSV files may use either vocabulary.
CATEGORY_MAP: Mapping[str, str] = {
    **{name: name for name in CATEGORIES},
    "exchange": "exchange",
    "atm": "exchange",
    "mixing_service": "mixer",
    "mixing": "mixer",
    "coinjoin": "mixer",
    "dex": "dex",
    "defi_dex": "dex",
    "defi_dex_pair": "dex",
    "bridge": "bridge",
    "defi_bridge": "bridge",
    "defi": "defi",
    "defi_lending": "defi",
    "defi_token": "defi",
    "defi_derivative": "defi",
    "defi_derivatives": "defi",
    "defi_dao": "defi",
    "defi_staking": "defi",
    "defi_custody": "defi",
    "payment_processor": "payment_service",
    "otc_broker": "otc",
    "otc": "otc",
    "gov_black_list": "sanctioned",
    "sanction": "sanctioned",
    "hacker": "theft",
}

# Concepts that are known and deliberately map to ``unknown_service`` (rule 3). Listed so
# that tests can tell "decided" from "never heard of".
UNKNOWN_SERVICE_CONCEPTS: frozenset[str] = frozenset(
    {
        "service",
        "market",
        "shop",
        "gambling",
        "miner",
        "mining_service",
        "wallet_service",
        "hosted_wallet",
        "escrow_wallet",
        "ico_wallet",
        "faucet",
        "filesharing",
        "index",
        "messaging_service",
        "search_engine",
        "hosting",
        "vpn",
        "nameservice",
        "user",
        "organization",
        "entity",
        "perpetrator",
        "victim",
        "donation",
        "unknown",
        "black_list",
        "white_list",
        "gov_white_list",
        "cold_wallet",
        "hot_wallet",
        "warm_wallet",
        "collectible",
        "deployer",
        "funder",
    }
)

UNKNOWN = "unknown_service"


def _key(value: str | None) -> str:
    return (value or "").strip().lower()


def confidence_level(confidence: str | None) -> int | None:
    """The 0..100 level of a TagPack confidence id; ``None`` when missing or unknown."""
    if confidence is None:
        return None
    return CONFIDENCE_LEVELS.get(_key(confidence))


def categorize(category: str | None, abuse: str | None = None, concepts: Iterable[str] = ()) -> str:
    """Our category for a TagPack-style (category, abuse, concepts) triple (rules 1-3)."""
    by_abuse = ABUSE_MAP.get(_key(abuse))
    if by_abuse is not None:
        return by_abuse
    for word in (category, *concepts):
        mapped = CATEGORY_MAP.get(_key(word))
        if mapped is not None and mapped != UNKNOWN:
            return mapped
    return UNKNOWN


# Explorer-style words (etherscan label slugs and name tags), checked in this order: the
# first category with a matching word wins, so "Phish/Hack" is a scam before it is a theft
# and "Tornado.Cash: Router" a mixer. Words match whole tokens of the normalized text.
WORD_RULES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("sanctioned", ("ofac", "sanction", "sanctions", "sanctioned", "blocked by ofac")),
    (
        "scam",
        (
            "phish",
            "phishing",
            "scam",
            "scammer",
            "fake phishing",
            "ponzi",
            "rug pull",
            "drainer",
            "ransomware",
            "sextortion",
            "fraud",
        ),
    ),
    ("theft", ("exploit", "exploiter", "heist", "hack", "hacker", "hacked", "attacker", "stolen")),
    (
        "mixer",
        (
            "tornado",
            "tornado cash",
            "mixer",
            "mixing",
            "tumbler",
            "coinjoin",
            "wasabi",
            "railgun",
            "sinbad",
            "blender",
            "chipmixer",
            "cryptomixer",
            "samourai",
            "whirlpool",
            "typhoon cash",
            "ethereum mixer",
        ),
    ),
    (
        "cross_chain_swap",
        (
            "thorchain",
            "exch",
            "li fi",
            "lifi",
            "chainflip",
            "changenow",
            "fixedfloat",
            "sideshift",
            "simpleswap",
            "swft",
            "rango",
            "cross chain swap",
            "maya protocol",
        ),
    ),
    (
        "bridge",
        (
            "bridge",
            "wormhole",
            "multichain",
            "stargate",
            "hop protocol",
            "across protocol",
            "synapse",
            "celer",
            "axelar",
            "layerzero",
            "portal bridge",
            "orbit bridge",
            "harmony bridge",
            "ronin bridge",
            "allbridge",
        ),
    ),
    (
        "dex",
        (
            "dex",
            "uniswap",
            "sushiswap",
            "pancakeswap",
            "1inch",
            "0x protocol",
            "balancer",
            "curve fi",
            "curve",
            "bancor",
            "kyberswap",
            "kyber",
            "paraswap",
            "dodo",
            "sunswap",
            "bscswap",
            "burgerswap",
            "mdex",
            "swipeswap",
            "ubeswap",
            "airswap",
            "dex ag",
            "idex",
            "mcdex",
            "sudoswap",
            "trader joe",
            "camelot",
            "velodrome",
            "aerodrome",
            "cowswap",
            "cow protocol",
            "matcha",
            "tokenlon",
            "loopring",
        ),
    ),
    ("otc", ("otc", "otc desk", "otc broker")),
    (
        "payment_service",
        (
            "payment",
            "payments",
            "payment processor",
            "huione",
            "bitpay",
            "coinpayments",
            "nowpayments",
        ),
    ),
    (
        "exchange",
        (
            "exchange",
            "binance",
            "coinbase",
            "kraken",
            "bitfinex",
            "okx",
            "okex",
            "kucoin",
            "bithumb",
            "huobi",
            "htx",
            "bybit",
            "ftx",
            "gemini",
            "bitstamp",
            "upbit",
            "gate io",
            "mexc",
            "bitget",
            "poloniex",
            "bittrex",
            "crypto com",
            "garantex",
            "hitbtc",
            "bitmex",
            "coinone",
            "korbit",
            "ascendex",
            "tidex",
            "nexo",
            "bitmart",
            "lbank",
            "wazirx",
            "coincheck",
            "bitflyer",
            "zaif",
            "coinsquare",
            "deribit",
        ),
    ),
    (
        "defi",
        (
            "defi",
            "aave",
            "compound",
            "maker",
            "makerdao",
            "yearn",
            "lido",
            "synthetix",
            "lending",
            "yield farming",
            "convex finance",
            "rari capital",
            "cream finance",
            "idle finance",
            "dydx",
            "gmx",
            "pooltogether",
            "olympusdao",
            "beefy",
        ),
    ),
)

_TOKEN = re.compile(r"[a-z]+|[0-9]+")


def _tokens(text: str) -> str:
    return " " + " ".join(_TOKEN.findall(text.lower())) + " "


_WORD_RULES_NORMALIZED: tuple[tuple[str, tuple[str, ...]], ...] = tuple(
    (category, tuple(_tokens(word) for word in words)) for category, words in WORD_RULES
)


def categorize_words(*texts: str | None) -> str | None:
    """Our category for explorer-style words, trying each text in turn; ``None`` if none.

    Pass the most specific text first (e.g. the label slug, then the name tag): the first
    text with any matching word decides.
    """
    for text in texts:
        if not text:
            continue
        normalized = _tokens(text)
        for category, words in _WORD_RULES_NORMALIZED:
            if any(word in normalized for word in words):
                return category
    return None


CATEGORY_RANK: Mapping[str, int] = {
    name: rank
    for rank, name in enumerate(
        (
            "sanctioned",
            "theft",
            "scam",
            "mixer",
            "cross_chain_swap",
            "bridge",
            "dex",
            "exchange",
            "otc",
            "payment_service",
            "defi",
            "unknown_service",
        ),
        start=1,
    )
}
"""Severity order used to break confidence ties (1 = most severe)."""
