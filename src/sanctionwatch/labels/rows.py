"""The rows every label reader produces, and the checks they share.

Readers are pure: they turn a file into ``LabelRow``/``ActorRow``/``RejectRow`` lists and
never touch the store, so they can be tested on their own; ``labels.ingest`` writes them.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sanctionwatch.chain.addresses import address_problem
from sanctionwatch.chain.chains import CHAINS, Chain


@dataclass(slots=True)
class LabelRow:
    """One label of one address, as it goes into the ``labels`` table."""

    chain: str
    address: str  # canonical form
    label: str
    category: str  # ours (labels.taxonomy.CATEGORIES)
    source_category: str | None = None
    abuse: str | None = None
    actor: str | None = None
    confidence: str | None = None
    confidence_level: int | None = None
    source: str | None = None
    pack: str | None = None
    creator: str | None = None
    lastmod: date | None = None
    is_cluster_definer: bool | None = None
    context: str | None = None
    line: int | None = None


@dataclass(slots=True)
class ActorRow:
    """One actor of an ActorPack, as it goes into the ``actors`` table."""

    actor: str
    label: str | None = None
    uri: str | None = None
    categories: str | None = None  # JSON list
    jurisdictions: str | None = None  # JSON list
    aliases: str | None = None  # JSON list
    context: str | None = None
    confidence: str | None = None
    source: str | None = None
    line: int | None = None


@dataclass(slots=True)
class RejectRow:
    """An input row we could not use: where it is, why, and what it said."""

    line: int | None
    reason: str
    raw: str | None


@dataclass(slots=True)
class ParsedFile:
    """What a reader got out of one file."""

    format: str
    labels: list[LabelRow] = field(default_factory=list)
    actors: list[ActorRow] = field(default_factory=list)
    rejects: list[RejectRow] = field(default_factory=list)
    rows_read: int = 0
    notes: list[str] = field(default_factory=list)


# Currency / network / asset codes of TagPacks and sanctions lists that name one chain.
CHAIN_CODES: dict[str, str] = {
    "ETH": "ethereum",
    "BTC": "bitcoin",
    "XBT": "bitcoin",
    "TRX": "tron",
    "BSC": "bsc",
    "BEP20": "bsc",
    "MATIC": "polygon",
    "POL": "polygon",
    "ARB": "arbitrum",
    "OP": "optimism",
    "BASE": "base",
    "AVAX": "avalanche",
    **{name.upper(): name for name in CHAINS},
}

# Token or multi-chain codes whose chain follows from the address shape.
SHAPE_CODES: dict[str, dict[str, str]] = {
    "USDT": {"evm": "ethereum", "tron": "tron", "bitcoin": "bitcoin"},  # Omni USDT: BTC
    "USDC": {"evm": "ethereum", "tron": "tron"},
    "BNB": {"evm": "bsc"},
}

_SHAPE_NAMES = {"evm": "0x… (EVM)", "tron": "T… (TRON)", "bitcoin": "1…/3…/bc1… (Bitcoin)"}


def _shape(address: str) -> str | None:
    if address.startswith("0x"):
        return "evm"
    if address.startswith("T"):
        return "tron"
    if address.startswith(("1", "3", "bc1", "BC1")):
        return "bitcoin"
    return None


def resolve_chain(code: str, address: str) -> tuple[Chain | None, str | None]:
    """The chain a currency/network/asset ``code`` means for ``address``, or (None, reason)."""
    key = code.strip().upper()
    if key in CHAIN_CODES:
        return CHAINS[CHAIN_CODES[key]], None
    shapes = SHAPE_CODES.get(key)
    if shapes is not None:
        shape = _shape(address.strip())
        if shape is not None and shape in shapes:
            return CHAINS[shapes[shape]], None
        names = [_SHAPE_NAMES[s] for s in shapes]
        expected = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        return None, f"cannot tell the chain of a {key} address that is not {expected}"
    return None, f"chain {code.strip() or '(empty)'} is not supported"


def check_address(chain: Chain, address: str) -> tuple[str | None, str | None]:
    """(canonical address, None) or (None, reason naming the chain)."""
    canonical, problem = address_problem(chain, address)
    if canonical is None:
        return None, f"invalid {chain.name} address: {problem}"
    return canonical, None


_LOOSE_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def to_date(value: Any) -> tuple[date | None, str | None]:
    """A ``lastmod`` value (date, datetime, ISO string, Unix seconds, YYYYMMDD) as a date."""
    if value is None or value == "":
        return None, None
    if isinstance(value, datetime):
        return value.date(), None
    if isinstance(value, date):
        return value, None
    if isinstance(value, bool):  # bool is an int subclass: reject before the int branch
        return None, "lastmod is not a date"
    if isinstance(value, int):
        if 19000101 <= value <= 21001231:
            try:
                return date(value // 10000, value // 100 % 100, value % 100), None
            except ValueError:
                return None, "lastmod is not a date"
        if 10**8 <= value < 10**11:  # Unix seconds (1973..5138)
            return datetime.fromtimestamp(value, UTC).date(), None
        if 10**11 <= value < 10**14:  # Unix milliseconds
            return datetime.fromtimestamp(value / 1000, UTC).date(), None
        return None, "lastmod is not a date"
    if isinstance(value, str):
        match = _LOOSE_DATE.match(value.strip())
        if match:
            try:
                return date(*(int(part) for part in match.groups())), None
            except ValueError:
                pass
        return None, "lastmod is not a date"
    return None, "lastmod is not a date"


def to_bool(value: Any) -> tuple[bool | None, bool]:
    """(value, ok) for a YAML/CSV boolean; ``ok`` is False for anything but true/false."""
    if value is None or value == "":
        return None, True
    if isinstance(value, bool):
        return value, True
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
        return value.strip().lower() in ("true", "yes"), True
    return None, False


def text(value: Any) -> str | None:
    """A scalar as stripped text; ``None`` for missing or empty values."""
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str)
    return str(value)


def raw_json(value: Any) -> str:
    """``value`` as one line of JSON (dates as ISO strings) for the rejects table."""
    return json.dumps(value, ensure_ascii=False, default=str)
