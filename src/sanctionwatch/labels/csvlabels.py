"""Readers of CSV label files: our simple shape, eth-labels exports, OFAC SDN address lists.

Label files are small (at most ~100k rows), so Python's csv module reads them and every
row is checked on its own; a bad row becomes a reject naming its physical line (the
header is line 1). Which shape a file has is decided from its header alone.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from sanctionwatch.chain.chains import CHAINS
from sanctionwatch.errors import FormatError
from sanctionwatch.labels.rows import (
    LabelRow,
    ParsedFile,
    RejectRow,
    check_address,
    raw_json,
    resolve_chain,
    to_date,
)
from sanctionwatch.labels.taxonomy import (
    UNKNOWN,
    categorize,
    categorize_words,
    confidence_level,
)

LABELS_COLUMNS = ("chain", "address", "label", "category")
LABELS_OPTIONAL = ("abuse", "actor", "source", "confidence", "context", "lastmod")
ETH_LABELS_COLUMNS = ("chain", "label", "address", "name_tag")
OFAC_COLUMNS = ("address", "asset", "sdn_profile_id", "entity_name")

# eth-labels "chain" values (block explorers) -> (our chain, explorer host for the source).
EXPLORERS: Mapping[str, tuple[str, str]] = {
    "etherscan": ("ethereum", "etherscan.io"),
    "bscscan": ("bsc", "bscscan.com"),
    "arbiscan": ("arbitrum", "arbiscan.io"),
    "polygonscan": ("polygon", "polygonscan.com"),
    "optimism": ("optimism", "optimistic.etherscan.io"),
    "optimistic": ("optimism", "optimistic.etherscan.io"),
    "basescan": ("base", "basescan.org"),
    "snowtrace": ("avalanche", "snowtrace.io"),
    "snowscan": ("avalanche", "snowscan.xyz"),
}

# Explorer slugs naming what an address is *not* a service contract of: their name tags
# ("Across Protocol: ACX Token", "Binance Charity: ...", "Aave: Deployer") name a protocol
# but the address is a token, a donation wallet or a deployer, so only the slug decides.
NO_NAME_TAG_SLUGS = frozenset(
    {
        "token-contract",
        "old-contract",
        "bridged-token",
        "charity",
        "nonprofit",
        "endaoment",
        "take-action",
        "contract-deployer",
        "donate",
        "gitcoin-grants",
    }
)

_Row = dict[str, str]
_RowParser = Callable[[_Row, int, str], LabelRow | str]


def detect_shape(header: list[str]) -> str | None:
    """The format name of a CSV header, or None when it is no label file we know."""
    names = {h.strip().lower() for h in header}
    if set(OFAC_COLUMNS) <= names:
        return "ofac-addresses-csv"
    if set(ETH_LABELS_COLUMNS) <= names:
        return "eth-labels-csv"
    if set(LABELS_COLUMNS) <= names:
        return "labels-csv"
    return None


def _records(path: Path) -> Iterator[tuple[int, list[str]]]:
    """(first physical line, fields) per CSV record (a quoted field may span lines)."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.reader(fh)
        previous_end = reader.line_num
        for fields in reader:
            start = previous_end + 1
            previous_end = reader.line_num
            yield start, fields


def parse_csv_file(path: Path) -> ParsedFile:
    """Read one label CSV file of any known shape."""
    try:
        records = list(_records(path))
    except UnicodeDecodeError:
        raise FormatError(f"{path} is not a UTF-8 text file, so not a label CSV.") from None
    except csv.Error as exc:
        raise FormatError(f"{path} is not a readable CSV file: {exc}.") from None
    if not records:
        raise FormatError(f"{path} is empty: a label CSV needs a header and rows.")
    _, header = records[0]
    shape = detect_shape(header)
    if shape is None:
        raise FormatError(
            f"{path} has no label CSV header we know (need {','.join(LABELS_COLUMNS)}, or "
            f"{','.join(ETH_LABELS_COLUMNS)}, or {','.join(OFAC_COLUMNS)},...)."
        )
    keys = [h.strip().lower() for h in header]
    parsers: dict[str, _RowParser] = {
        "labels-csv": _labels_row,
        "eth-labels-csv": _eth_labels_row,
        "ofac-addresses-csv": _ofac_row,
    }
    parse_row = parsers[shape]
    parsed = ParsedFile(format=shape)
    if shape == "labels-csv":
        extra = [k for k in keys if k not in LABELS_COLUMNS + LABELS_OPTIONAL]
        if extra:
            parsed.notes.append(f"ignored columns: {', '.join(extra)}")
    pack = path.stem
    for line, fields in records[1:]:
        if not fields or all(not f.strip() for f in fields):
            continue  # blank line
        parsed.rows_read += 1
        if len(fields) != len(keys):
            parsed.rejects.append(
                RejectRow(
                    line,
                    f"row has {len(fields)} fields but the header has {len(keys)}",
                    raw_json(fields),
                )
            )
            continue
        row = {k: v.strip() for k, v in zip(keys, fields, strict=True)}
        result = parse_row(row, line, pack)
        if isinstance(result, str):
            parsed.rejects.append(RejectRow(line, result, raw_json(row)))
        else:
            parsed.labels.append(result)
    if parsed.rows_read == 0:
        raise FormatError(f"{path} has a header but no label rows.")
    return parsed


def _confidence(value: str | None) -> tuple[str | None, int | None, str | None]:
    """(id, level, problem): a TagPack confidence id, or an explicit level 0..100."""
    if not value:
        return None, None, None
    if value.isdigit():
        level = int(value)
        if level > 100:
            return None, None, "confidence level is above 100"
        return value, level, None
    return value, confidence_level(value), None


def _labels_row(row: _Row, line: int, pack: str) -> LabelRow | str:
    """Our simple shape: chain,address,label,category[,abuse,actor,source,confidence,...]."""
    address, label, written = row["address"], row["label"], row["category"]
    if not address:
        return "row has no address"
    if not label:
        return "row has no label"
    chain, problem = resolve_chain(row["chain"], address)
    if chain is None:
        return problem or "unknown chain"
    canonical, problem = check_address(chain, address)
    if canonical is None:
        return problem or "invalid address"
    confidence, level, problem = _confidence(row.get("confidence"))
    if problem is not None:
        return problem
    lastmod, problem = to_date(row.get("lastmod"))
    if problem is not None:
        return problem
    abuse = row.get("abuse") or None
    category = categorize(written, abuse)
    if category == UNKNOWN:
        category = categorize_words(written) or UNKNOWN
    return LabelRow(
        chain=chain.name,
        address=canonical,
        label=label,
        category=category,
        source_category=written or None,
        abuse=abuse,
        actor=row.get("actor") or None,
        confidence=confidence,
        confidence_level=level,
        source=row.get("source") or None,
        pack=pack,
        lastmod=lastmod,
        context=row.get("context") or None,
        line=line,
    )


def _eth_labels_row(row: _Row, line: int, pack: str) -> LabelRow | str:
    """eth-labels export: chain (explorer), label (explorer slug), address, name_tag."""
    explorer, slug, address, name_tag = (
        row["chain"].lower(),
        row["label"],
        row["address"],
        row["name_tag"],
    )
    if explorer not in EXPLORERS:
        return f"chain {explorer or '(empty)'} is not supported"
    chain_name, host = EXPLORERS[explorer]
    if not address:
        return "row has no address"
    label = name_tag or slug
    if not label:
        return "row has no label"
    canonical, problem = check_address(CHAINS[chain_name], address)
    if canonical is None:
        return problem or "invalid address"
    return LabelRow(
        chain=chain_name,
        address=canonical,
        label=label,
        category=eth_labels_category(slug, name_tag),
        source_category=slug or None,
        confidence="web_crawl",
        confidence_level=confidence_level("web_crawl"),
        source=f"https://{host}/accounts/label/{slug}" if slug else f"https://{host}",
        pack=pack,
        line=line,
    )


def eth_labels_category(slug: str, name_tag: str) -> str:
    """Our category from an explorer slug, else from its name tag (unless it names a token)."""
    by_slug = categorize_words(slug)
    if by_slug is not None:
        return by_slug
    if slug.lower() in NO_NAME_TAG_SLUGS or " token" in f" {name_tag.lower()}":
        return UNKNOWN
    return categorize_words(name_tag) or UNKNOWN


_LIST_SPLIT = re.compile(r"\s*;\s*")


def _ofac_row(row: _Row, line: int, pack: str) -> LabelRow | str:
    """OFAC SDN digital currency address: sanctioned, abuse sanction, authority data."""
    address, asset, uid, name = (
        row["address"],
        row["asset"],
        row["sdn_profile_id"],
        row["entity_name"],
    )
    if not address:
        return "row has no address"
    if not name:
        return "row has no entity_name"
    chain, problem = resolve_chain(asset, address)
    if chain is None:
        problem = problem or "unknown chain"
        if problem.startswith("chain "):  # OFAC calls it an asset
            problem = "asset " + problem.removeprefix("chain ")
        return problem
    canonical, problem = check_address(chain, address)
    if canonical is None:
        return problem or "invalid address"
    listed, problem = to_date(row.get("listed_date"))
    if problem is not None:
        return problem.replace("lastmod", "listed_date")
    programs = row.get("programs", "")
    akas = row.get("akas", "")
    context = {
        "sdn_profile_id": uid,
        "asset": asset,
        "party_type": row.get("party_type") or None,
        "programs": [p for p in _LIST_SPLIT.split(programs) if p] if programs else [],
        "listed_date": row.get("listed_date") or None,
        "akas": [a.strip() for a in akas.split("|") if a.strip()] if akas else [],
    }
    return LabelRow(
        chain=chain.name,
        address=canonical,
        label=name,
        category="sanctioned",
        abuse="sanction",
        confidence="authority_data",
        confidence_level=confidence_level("authority_data"),
        source=f"OFAC SDN uid {uid}",
        pack=pack,
        creator="US Treasury OFAC",
        lastmod=listed,
        context=json.dumps(context, ensure_ascii=False),
        line=line,
    )
