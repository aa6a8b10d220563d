"""Scan records: normalise, link into networks, score indicators, explain every flag.

1. **prepare**: each record's values normalised (``itw.normalize``); values that cannot be
   read (a bad phone, an invalid wallet, a photo file that is not an image) become warnings
   on the record, which is kept.
2. **link**: a graph of records and values. Hard identifiers (payout account, wallet,
   e-mail, phone, shipping address, exact photo hash, device id, handle) join every record
   holding them; a value held by more than ``max_share`` records (a stock avatar, a shared
   office in a big firm, a support e-mail) is *common* and joins nothing (it is listed in
   the summary). Soft similarities add edges: near-duplicate résumés (MinHash over word
   bigrams, LSH bands with datasketch's parameters for ``RESUME_LSH_THRESHOLD``, verified
   Jaccard >= ``RESUME_MIN_JACCARD``), similar photos (pHash Hamming distance <=
   ``PHOTO_MAX_DISTANCE``, candidates from 4 x 16-bit bands), repository lists of which half
   the smaller one is shared (copied history) and follow edges. Similar names with the same
   birth date are evidence only (``EVIDENCE_ONLY``): too common to join networks on their
   own. Networks are the connected components (union-find) of two or more records.
3. **score**: record indicators, shared-value indicators (weighted by how many records hold
   the value) and pattern indicators combine by noisy-OR into 0-100 scores; ``flagged`` at
   ``threshold`` (default 50). A record's score uses its own indicators, the shared values
   it holds and its network's patterns; a record referred by a flagged record gets
   ``referred_by_flagged``. With a store, names are screened against the loaded sanctions
   lists and wallets measured for exposure; without one these are reported as not
   evaluated.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sanctionwatch.errors import InputError
from sanctionwatch.itw import indicators as ind
from sanctionwatch.itw.indicators import Context, Evidence, Indicator, Prepared, combine
from sanctionwatch.itw.link import Shared, UnionFind, link_records, shingle_hashes
from sanctionwatch.itw.normalize import (
    IpRanges,
    clean_country,
    name_key,
    normalize_email,
    normalize_payout,
    normalize_phone,
    normalize_postal,
    normalize_wallet,
    parse_ip_address,
    parse_photo_hash,
    parse_time,
    photo_hash_of,
)
from sanctionwatch.itw.records import MAX_FIELD_CHARS, Record, Reject
from sanctionwatch.store.db import Store

DEFAULT_THRESHOLD = 50.0
DEFAULT_MAX_SHARE = 25
_DEVICE_ID_PREFIXES = ("serial:", "sn:", "mac:", "id:", "asset:", "imei:", "uuid:")
#: Similarities too common among honest applicants to join networks on their own: they add
#: evidence between records that other values already put in one network.
EVIDENCE_ONLY = frozenset({"name_birth"})
HARD_KINDS = ("payout", "wallet", "email", "phone", "shipping", "photo", "device", "handle")
SOFT_KINDS = ("photo_similar", "resume", "name_birth", "repositories", "follows")


@dataclass(slots=True)
class Flag:
    """One indicator that fired, with its weight, source and evidence."""

    indicator: Indicator
    weight: float
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator.name,
            "catalogue_id": self.indicator.catalogue,
            "weight": self.weight,
            "source": self.indicator.source,
            "evidence": self.evidence,
        }


@dataclass(slots=True)
class ScanOptions:
    threshold: float = DEFAULT_THRESHOLD
    max_share: int = DEFAULT_MAX_SHARE
    ip_ranges: IpRanges | None = None
    store: Store | None = None
    exposure_hops: int = 3


@dataclass(slots=True)
class ScanResult:
    records: list[dict[str, Any]]
    networks: list[dict[str, Any]]
    rejects: list[Reject]
    warnings: list[dict[str, Any]]
    not_evaluated: list[dict[str, str]]
    summary: dict[str, Any]
    raw_records: list[Record] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "summary": self.summary,
            "networks": self.networks,
            "records": self.records,
            "rejects": [r.to_dict() for r in self.rejects],
            "warnings": self.warnings,
            "not_evaluated": self.not_evaluated,
            "indicators": [i.to_dict() for i in ind.all_indicators()],
        }


# -- prepare ----------------------------------------------------------------------------
def _resolve(record: Record, path: str) -> Path:
    candidate = Path(path)
    if not candidate.is_absolute() and record.file:
        candidate = Path(record.file).parent / candidate
    return candidate


def prepare(record: Record, index: int, ctx: Context) -> Prepared:
    """Normalise one record; problems become warnings, the record is always kept."""
    p = Prepared(index=index, record_id=record.record_id)
    warn = p.warnings.append
    p.country = clean_country(record.claimed_country) if record.claimed_country else None
    if record.claimed_country and p.country is None:
        warn(f"claimed_country {record.claimed_country!r} is not a country")
    p.timezone = record.claimed_timezone
    for text in record.emails:
        email, problem = normalize_email(text)
        if email is None:
            warn(f"email {text!r}: {problem}")
        else:
            p.emails.append(email)
    for text in record.phones:
        phone, problem = normalize_phone(text, p.country)
        if phone is None:
            warn(f"phone {text!r}: {problem}")
        else:
            p.phones.append(phone)
    p.home = list(dict.fromkeys(normalize_postal(a) for a in record.addresses))
    p.shipping = list(dict.fromkeys(normalize_postal(a) for a in record.shipping_addresses))
    for text in record.payout_accounts:
        key, country, problem = normalize_payout(text)
        if key is None:
            warn(f"payout_account {text!r}: {problem}")
        else:
            p.payouts.append((key, country))
    for text in record.wallets:
        key, chain, problem = normalize_wallet(text)
        if key is None or chain is None:
            warn(f"wallet {text!r}: {problem}")
        else:
            p.wallets.append((key, chain))
    p.handles = list(dict.fromkeys(h.strip().lower().lstrip("@") for h in record.handles))
    for text in record.devices:
        low = " ".join(text.lower().split())
        if low.startswith(_DEVICE_ID_PREFIXES):
            p.device_ids.append(low)
        else:
            p.device_names.append(low)
    for text in record.ip_addresses:
        address, problem = parse_ip_address(text)
        if address is None:
            warn(f"ip_address {text!r}: {problem}")
            continue
        ip = str(address)
        p.ips.append(ip)
        if ctx.ip_ranges is not None:
            hit = ctx.ip_ranges.lookup(address)
            if hit is not None:
                p.ip_hits.append((ip, hit))
    if record.photo_hash:
        p.photo = parse_photo_hash(record.photo_hash)
        if p.photo is None:
            warn(f"photo_hash {record.photo_hash[:80]!r} is not a hex hash")
        else:
            p.photo_bits = len(record.photo_hash.strip().lower().removeprefix("0x")) * 4
    elif record.photo_path:
        try:
            p.photo = int(photo_hash_of(_resolve(record, record.photo_path)), 16)
        except InputError as exc:
            warn(f"photo_path: {exc.message}")
    resume_text = record.resume_text
    if resume_text is None and record.resume_path:
        path = _resolve(record, record.resume_path)
        try:
            if path.stat().st_size > MAX_FIELD_CHARS * 4:
                warn(f"resume_path {path}: larger than {MAX_FIELD_CHARS * 4:,} bytes, not read")
            else:
                resume_text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            warn(f"resume_path {path}: cannot be read ({exc.strerror})")
    if resume_text:
        p.resume = shingle_hashes(resume_text)
    bad_times = 0
    seconds: list[int] = []
    for value in record.activity_times:
        moment = parse_time(value)
        if moment is None:
            bad_times += 1
        else:
            seconds.append(int(moment.timestamp()))
    if seconds:
        p.times = np.array(seconds, dtype=np.int64)
    if bad_times:
        warn(f"{bad_times} activity_times not ISO timestamps")
    if record.account_created_at:
        p.created = parse_time(record.account_created_at)
        if p.created is None:
            warn(f"account_created_at {record.account_created_at!r} is not an ISO timestamp")
    if record.full_name:
        p.name_key = name_key(record.full_name)
    p.birth_date = record.birth_date
    p.referred_by = record.referred_by
    if record.repositories:
        p.repositories = frozenset(r.strip().lower() for r in record.repositories)
    if record.follows:
        p.follows = frozenset(f.strip().lower().lstrip("@") for f in record.follows)
    return p


# -- score ------------------------------------------------------------------------------
_KIND_INDICATOR = {
    "payout": "payout",
    "wallet": "wallet",
    "email": "email",
    "phone": "phone",
    "photo": "photo",
    "photo_similar": "photo",
    "resume": "resume",
    "device": "device",
    "handle": "handle",
    "name_birth": "name_birth",
    "repositories": "repositories",
    "follows": "follows",
}


def _shared_indicator(link: Shared, prepared: Sequence[Prepared]) -> Indicator:
    if link.kind == "shipping":
        undeclared = sum(1 for i in link.records if link.value not in prepared[i].home)
        farm = undeclared >= 2 and 2 * undeclared >= len(link.records)
        return ind.SHARED_INDICATORS["laptop_farm" if farm else "shared_declared_address"]
    return ind.SHARED_INDICATORS[_KIND_INDICATOR[link.kind]]


def _within_components(links: Sequence[Shared], uf: UnionFind) -> list[Shared]:
    """Evidence-only links cut to the parts that lie inside one network (two records or more)."""
    out: list[Shared] = []
    for item in links:
        if item.kind not in EVIDENCE_ONLY:
            out.append(item)
            continue
        parts: dict[int, list[int]] = defaultdict(list)
        for k in item.records:
            parts[uf.find(k)].append(k)
        out.extend(
            Shared(item.kind, item.value, part, item.similarity)
            for part in parts.values()
            if len(part) >= 2
        )
    return out


def _link_dict(link: Shared, ids: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": link.kind,
        "value": link.value,
        "record_ids": [ids[i] for i in link.records],
    }
    if link.similarity is not None:
        out["similarity"] = link.similarity
    return out


def _flags_from_links(
    links: Sequence[Shared], prepared: Sequence[Prepared], ids: Sequence[str]
) -> list[Flag]:
    by_indicator: dict[str, tuple[Indicator, float, list[dict[str, Any]]]] = {}
    for link in links:
        indicator = _shared_indicator(link, prepared)
        weight = indicator.weight_for(len(link.records))
        _, best, items = by_indicator.get(indicator.name, (indicator, 0.0, []))
        items.append(_link_dict(link, ids))
        by_indicator[indicator.name] = (indicator, max(best, weight), items)
    return [
        Flag(indicator, weight, {"shared": items})
        for indicator, weight, items in by_indicator.values()
    ]


def _store_checks(
    store: Store, records: Sequence[Record], prepared: Sequence[Prepared], hops: int
) -> tuple[dict[int, list[Flag]], list[dict[str, str]]]:
    """Sanctions name screening and wallet exposure, where the store has what they need."""
    flags: dict[int, list[Flag]] = defaultdict(list)
    skipped: list[dict[str, str]] = []
    has_lists = _count(store, "sanction_list_versions") > 0
    if has_lists:
        from sanctionwatch.sanctions.screen import screen_names

        names: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for k, r in enumerate(records):
            for field_name in ("full_name", "client"):
                value = getattr(r, field_name)
                if value and len(value) <= 300:
                    names[value].append((k, field_name))
        results = screen_names(store, list(names), threshold=0.7, limit=3)
        for name, result in zip(names, results, strict=True):
            matches = [m for m in result.matches if m.match]
            if not matches:
                continue
            best = matches[0]
            for k, field_name in names[name]:
                flags[k].append(
                    Flag(
                        ind.SANCTIONED_NAME,
                        ind.SANCTIONED_NAME.weight,
                        {
                            "field": field_name,
                            "value": name,
                            "matches": [
                                {
                                    "entity": m.name,
                                    "matched_name": m.matched_name,
                                    "score": round(m.score, 3),
                                    "list": m.list,
                                    "list_id": m.list_id,
                                    "list_version": m.list_version,
                                }
                                for m in matches
                            ],
                            "best_score": round(best.score, 3),
                        },
                    )
                )
    else:
        skipped.append(
            {"indicator": ind.SANCTIONED_NAME.name, "reason": "no sanctions lists in the store"}
        )
    has_transfers = _count(store, "transfers") > 0
    wallets = [(k, chain, key.split(":", 1)[1]) for k, p in enumerate(prepared)
               for key, chain in p.wallets]  # fmt: skip
    if has_transfers and wallets:
        from sanctionwatch.trace.exposure import exposure

        queries = list(dict.fromkeys((chain, address) for _, chain, address in wallets))
        exposed = exposure(
            store, queries, direction="both", hops=hops, categories=["sanctioned", "theft"]
        )
        found = {}
        for (chain, address), entry in zip(queries, exposed.addresses, strict=True):
            hits = [
                {
                    "category": e["category"],
                    "direction": e["direction"],
                    "path_hops": e["path_hops"],
                    "share": None if e["share"] is None else round(e["share"], 4),
                }
                for e in entry.get("exposure", [])
            ]
            if hits:
                found[(chain, address)] = hits
        for k, chain, address in wallets:
            if (chain, address) in found:
                flags[k].append(
                    Flag(
                        ind.EXPOSED_WALLET,
                        ind.EXPOSED_WALLET.weight,
                        {"wallet": f"{chain}:{address}", "exposure": found[(chain, address)]},
                    )
                )
    elif not has_transfers:
        skipped.append(
            {"indicator": ind.EXPOSED_WALLET.name, "reason": "no transfers in the store"}
        )
    return flags, skipped


def _count(store: Store, table: str) -> int:
    import duckdb

    try:
        rows = store.con.execute(f"SELECT count(*) FROM {table}").fetchall()
    except duckdb.Error:  # a store without the table (older schema) simply has none
        return 0
    return int(rows[0][0]) if rows else 0


def scan(
    records: Sequence[Record],
    options: ScanOptions | None = None,
    rejects: Sequence[Reject] = (),
) -> ScanResult:
    """Link and score ``records`` (module docstring); rejects are passed through to the output."""
    options = options or ScanOptions()
    clock = time.perf_counter()
    ctx = Context(ip_ranges=options.ip_ranges)
    prepared = [prepare(r, k, ctx) for k, r in enumerate(records)]
    prepared_at = time.perf_counter()
    ids = [r.record_id for r in records]
    link_seconds: dict[str, float] = {}
    links, common = link_records(prepared, options.max_share, link_seconds)
    uf = UnionFind(len(records))
    for item in links:
        if item.kind in EVIDENCE_ONLY:
            continue
        first = item.records[0]
        for other in item.records[1:]:
            uf.union(first, other)
    links = _within_components(links, uf)
    linked_at = time.perf_counter()

    own: list[list[Flag]] = []
    for p in prepared:
        mine = []
        for indicator in ind.RECORD_INDICATORS:
            assert indicator.check is not None
            evidence = indicator.check(p, ctx)
            if evidence is not None:
                mine.append(Flag(indicator, indicator.weight, evidence))
        own.append(mine)
    not_evaluated: list[dict[str, str]] = []
    if options.ip_ranges is None:
        not_evaluated.append(
            {"indicator": "vpn_or_hosting_ip", "reason": "no --vpn-ranges CSV given"}
        )
    if options.store is not None:
        extra, skipped = _store_checks(options.store, records, prepared, options.exposure_hops)
        for k, flags in extra.items():
            own[k].extend(flags)
        not_evaluated.extend(skipped)
    else:
        not_evaluated.extend(
            {"indicator": i.name, "reason": "no store given (--db with lists / transfers)"}
            for i in ind.STORE_INDICATORS
        )

    members: dict[int, list[int]] = defaultdict(list)
    for k in range(len(records)):
        members[uf.find(k)].append(k)
    links_of: dict[int, list[Shared]] = defaultdict(list)
    for item in links:
        links_of[uf.find(item.records[0])].append(item)

    networks: list[dict[str, Any]] = []
    network_of: dict[int, int] = {}
    record_net_flags: dict[int, list[Flag]] = defaultdict(list)
    for root, group in members.items():
        if len(group) < 2:
            continue
        net_links = links_of[root]
        flags = _flags_from_links(net_links, prepared, ids)
        for indicator in (*ind.RECORD_INDICATORS, *ind.STORE_INDICATORS):
            if not indicator.pattern:
                continue
            firing = [k for k in group if any(f.indicator is indicator for f in own[k])]
            if len(firing) >= 2 and 2 * len(firing) >= len(group):
                pattern = Flag(
                    indicator,
                    indicator.weight,
                    {"pattern": True, "record_ids": [ids[k] for k in firing],
                     "of": len(group)},
                )  # fmt: skip
                flags.append(pattern)
        score = combine([f.weight for f in flags])
        n = len(networks)
        for k in group:
            network_of[k] = n
            held = [link for link in net_links if k in link.records]
            record_net_flags[k].extend(_flags_from_links(held, prepared, ids))
        networks.append(
            {
                "network_id": "",
                "record_ids": [ids[k] for k in sorted(group)],
                "score": score,
                "flagged": score >= options.threshold,
                "shared": [_link_dict(link, ids) for link in net_links],
                "flags": [f.to_dict() for f in flags],
            }
        )

    def record_flags(k: int) -> list[Flag]:
        return own[k] + record_net_flags.get(k, [])

    scores = [combine([f.weight for f in record_flags(k)]) for k in range(len(records))]
    flagged = {ids[k] for k in range(len(records)) if scores[k] >= options.threshold}
    referral: dict[int, Flag] = {}
    for k, p in enumerate(prepared):
        if p.referred_by and p.referred_by in flagged and p.referred_by != p.record_id:
            referral[k] = Flag(ind.REFERRAL, ind.REFERRAL.weight, {"referred_by": p.referred_by})
            scores[k] = combine([f.weight for f in record_flags(k)] + [ind.REFERRAL.weight])

    order = sorted(range(len(networks)), key=lambda n: (-networks[n]["score"],
                                                        networks[n]["record_ids"][0]))  # fmt: skip
    rename = {}
    for rank, n in enumerate(order, start=1):
        networks[n]["network_id"] = f"N{rank:05d}"
        rename[n] = networks[n]["network_id"]
    networks = [networks[n] for n in order]

    out_records: list[dict[str, Any]] = []
    warnings: list[dict[str, Any]] = []
    for k, r in enumerate(records):
        flags = record_flags(k) + ([referral[k]] if k in referral else [])
        out_records.append(
            {
                "record_id": r.record_id,
                "score": scores[k],
                "flagged": scores[k] >= options.threshold,
                "network_id": rename.get(network_of[k]) if k in network_of else None,
                "flags": [f.to_dict() for f in flags],
            }
        )
        for w in prepared[k].warnings:
            warnings.append({"record_id": r.record_id, "file": r.file, "line": r.line,
                             "warning": w})  # fmt: skip
    done = time.perf_counter()
    summary = {
        "records": len(records),
        "rejected_rows": len(rejects),
        "warnings": len(warnings),
        "networks": len(networks),
        "flagged_networks": sum(1 for n in networks if n["flagged"]),
        "flagged_records": sum(1 for r in out_records if r["flagged"]),
        "threshold": options.threshold,
        "max_share": options.max_share,
        "common_values_not_linked": [
            {"kind": c.kind, "value": c.value, "records": len(c.records)} for c in common
        ][:50],
        "seconds": {
            "prepare": round(prepared_at - clock, 3),
            "link": round(linked_at - prepared_at, 3),
            "link_soft": link_seconds,
            "score": round(done - linked_at, 3),
            "total": round(done - clock, 3),
        },
    }
    return ScanResult(
        out_records, networks, list(rejects), warnings, not_evaluated, summary, list(records)
    )


def scan_files(paths: Sequence[Path], options: ScanOptions | None = None) -> ScanResult:
    """Read and scan record files (see ``itw.records`` for the format)."""
    from sanctionwatch.itw.records import read_records

    records, rejects = read_records(paths)
    return scan(records, options, rejects)
