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
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.errors import InputError
from sanctionwatch.itw import indicators as ind
from sanctionwatch.itw.indicators import Context, Evidence, Indicator, Prepared, combine
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
    words,
)
from sanctionwatch.itw.records import MAX_FIELD_CHARS, Record, Reject
from sanctionwatch.store.db import Store

DEFAULT_THRESHOLD = 50.0
DEFAULT_MAX_SHARE = 25
RESUME_MIN_JACCARD = 0.5
RESUME_MIN_SHINGLES = 8
PHOTO_MAX_DISTANCE = 8
NAME_MIN_SIMILARITY = 0.8
REPOS_MIN_CONTAINMENT = 0.5
REPOS_MIN_OVERLAP = 3
MINHASH_PERM = 128
#: LSH band parameters are datasketch's for this threshold (below the verified one, for recall)
RESUME_LSH_THRESHOLD = 0.4
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
class Shared:
    """A value (or a similarity) that joins records: kind, value, who holds it."""

    kind: str
    value: str
    records: list[int]
    similarity: float | None = None


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


# -- link -------------------------------------------------------------------------------
class UnionFind:
    """Disjoint sets over 0..n-1 with path halving and union by size."""

    def __init__(self, n: int) -> None:
        self.parent = list(range(n))
        self.size = [1] * n

    def find(self, a: int) -> int:
        parent = self.parent
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]


def _hard_values(p: Prepared) -> list[tuple[str, str]]:
    values = [("payout", k) for k, _ in p.payouts]
    values += [("wallet", k) for k, _ in p.wallets]
    values += [("email", e) for e in p.emails]
    values += [("phone", ph.e164) for ph in p.phones]
    values += [("shipping", s) for s in p.shipping]
    values += [("device", d) for d in p.device_ids]
    values += [("handle", h) for h in p.handles]
    if p.photo is not None:
        values.append(("photo", f"{p.photo:0{max(p.photo_bits // 4, 1)}x}"))
    return list(dict.fromkeys(values))


def _pairs_to_groups(kind: str, pairs: dict[tuple[int, int], tuple[float, str]]) -> list[Shared]:
    """Soft pairs of one kind -> one Shared per connected group (min similarity shown)."""
    if not pairs:
        return []
    nodes = sorted({a for pair in pairs for a in pair})
    local = {n: k for k, n in enumerate(nodes)}
    uf = UnionFind(len(nodes))
    for a, b in pairs:
        uf.union(local[a], local[b])
    groups: dict[int, list[int]] = defaultdict(list)
    for n in nodes:
        groups[uf.find(local[n])].append(n)
    per_group: dict[int, list[tuple[float, str]]] = defaultdict(list)
    for (a, _b), item in pairs.items():
        per_group[uf.find(local[a])].append(item)
    out: list[Shared] = []
    for root, members in groups.items():
        mine = per_group[root]
        low = min(s for s, _ in mine)
        texts = list(dict.fromkeys(text for _, text in mine))
        value = "; ".join(texts[:5]) + (f"; … (+{len(texts) - 5})" if len(texts) > 5 else "")
        out.append(Shared(kind, value, sorted(members), round(low, 3)))
    return out


_BIGRAM_MIX = np.uint32(0x9E3779B1)


def shingle_hashes(text: str) -> npt.NDArray[np.uint32]:
    """Sorted unique 32-bit hashes of a text's word bigrams (what résumé similarity compares).

    A bigram's hash is ``crc32(word1) * 0x9E3779B1 + crc32(word2)`` modulo 2^32: the word
    hashes are computed once and combined with numpy (a CRC-32 of every bigram string costs
    twice as much).
    """
    tokens = words(text)
    if not tokens:
        return np.zeros(0, dtype=np.uint32)
    hashed = np.fromiter(
        (zlib.crc32(t.encode("utf-8")) for t in tokens), dtype=np.uint32, count=len(tokens)
    )
    if len(hashed) < 2:
        return hashed
    with np.errstate(over="ignore"):
        return np.unique(hashed[:-1] * _BIGRAM_MIX + hashed[1:])


def minhash_signatures(
    arrays: Sequence[npt.NDArray[np.uint32]], num_perm: int = MINHASH_PERM
) -> npt.NDArray[np.uint32]:
    """datasketch MinHash values (default ``affine32`` scheme, seed 1) of many sets at once.

    The same numbers as ``MinHash(num_perm, hashfunc=int).update_batch`` over each set's
    items (MurmurHash3 pre-mix by datasketch's ``_fmix``, then ``a * h + b`` modulo 2^32 in
    a compiled loop) without one MinHash object per record.
    """
    from datasketch import MinHash
    from datasketch.minhash import _fmix

    from sanctionwatch.itw._kernels import minhash_rows

    a, b = (np.asarray(x, dtype=np.uint32) for x in MinHash(num_perm).permutations)
    if not arrays:
        return np.zeros((0, num_perm), dtype=np.uint32)
    lengths = np.fromiter((len(x) for x in arrays), dtype=np.int64, count=len(arrays))
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    with np.errstate(over="ignore"):
        mixed = _fmix(np.concatenate(arrays).astype(np.uint32), 32).astype(np.uint32)
    result: npt.NDArray[np.uint32] = minhash_rows(mixed, offsets, a, b)
    return result


def _band_candidates(
    signatures: npt.NDArray[np.uint32], bands: int, rows: int, max_share: int
) -> npt.NDArray[np.int64]:
    """Pairs (i < j) of rows that agree on all ``rows`` values of at least one band.

    The LSH banding of datasketch's ``MinHashLSH`` (same ``b`` x ``r``), grouped with numpy
    sorts instead of one Python object per record; buckets larger than ``max_share`` are a
    common template, not a link, and give no pairs.
    """
    found: list[npt.NDArray[np.int64]] = []
    mix = np.uint64(0x9E3779B97F4A7C15)
    with np.errstate(over="ignore"):
        for band in range(bands):
            block = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
            key = np.zeros(len(signatures), dtype=np.uint64)
            for column in range(rows):
                key = (key ^ block[:, column]) * mix
            order = np.argsort(key, kind="stable")
            ordered = key[order]
            starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
            sizes = np.diff(np.r_[starts, len(ordered)])
            for start, size in zip(starts[sizes >= 2], sizes[sizes >= 2], strict=True):
                if size > max_share:
                    continue
                members = np.sort(order[start : start + size])
                i, j = np.triu_indices(len(members), k=1)
                found.append(np.stack([members[i], members[j]], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.unique(np.concatenate(found), axis=0)


def _soft_resume(prepared: Sequence[Prepared], max_share: int) -> list[Shared]:
    """Near-duplicate résumés: MinHash LSH bands give candidates, exact Jaccard decides."""
    from datasketch import MinHashLSH

    candidates = [p for p in prepared if len(p.resume) >= RESUME_MIN_SHINGLES]
    if len(candidates) < 2:
        return []
    signatures = minhash_signatures([p.resume for p in candidates])
    lsh = MinHashLSH(threshold=RESUME_LSH_THRESHOLD, num_perm=MINHASH_PERM)  # b, r only
    pairs_at = _band_candidates(signatures, lsh.b, lsh.r, max_share)
    # the MinHash estimate prunes hopeless pairs before the exact Jaccard (chunked: memory)
    keep = np.zeros(len(pairs_at), dtype=bool)
    for start in range(0, len(pairs_at), 200_000):
        chunk = pairs_at[start : start + 200_000]
        estimate = (signatures[chunk[:, 0]] == signatures[chunk[:, 1]]).mean(axis=1)
        keep[start : start + len(chunk)] = estimate >= RESUME_MIN_JACCARD - 0.15
    pairs: dict[tuple[int, int], tuple[float, str]] = {}
    for a, b in pairs_at[keep].tolist():
        ha, hb = candidates[a].resume, candidates[b].resume
        common = len(np.intersect1d(ha, hb, assume_unique=True))
        jaccard = common / (len(ha) + len(hb) - common)
        if jaccard >= RESUME_MIN_JACCARD:
            pairs[(candidates[a].index, candidates[b].index)] = (jaccard, "near-duplicate résumé")
    return _pairs_to_groups("resume", pairs)


def _soft_photo(prepared: Sequence[Prepared], max_share: int) -> list[Shared]:
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    photos = {p.index: p.photo for p in prepared if p.photo is not None and p.photo_bits == 64}
    for idx, h in photos.items():
        for band in range(4):
            buckets[(band, (h >> (16 * band)) & 0xFFFF)].append(idx)
    pairs: dict[tuple[int, int], tuple[float, str]] = {}
    for members in buckets.values():
        if len(members) < 2 or len(members) > max_share * 4:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                distance = (photos[a] ^ photos[b]).bit_count()
                if 0 < distance <= PHOTO_MAX_DISTANCE:
                    key = (min(a, b), max(a, b))
                    pairs[key] = (1 - distance / 64, f"pHash distance {distance}")
    return _pairs_to_groups("photo_similar", pairs)


def _name_similarity(a: str, b: str) -> float:
    from rigour.text import levenshtein

    longest = max(len(a), len(b))
    return 1.0 - levenshtein(a, b) / longest if longest else 0.0


def _soft_names(prepared: Sequence[Prepared], max_share: int) -> list[Shared]:
    blocks: dict[str, list[Prepared]] = defaultdict(list)
    for p in prepared:
        if p.birth_date and p.name_key:
            blocks[p.birth_date.strip()].append(p)
    pairs: dict[tuple[int, int], tuple[float, str]] = {}
    for date, members in blocks.items():
        if len(members) < 2 or len(members) > max_share * 20:
            continue
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                score = _name_similarity(a.name_key, b.name_key)
                if score >= NAME_MIN_SIMILARITY:
                    pairs[(a.index, b.index)] = (score, f"born {date}")
    return _pairs_to_groups("name_birth", pairs)


def _soft_repositories(prepared: Sequence[Prepared], max_share: int) -> list[Shared]:
    holders: dict[str, list[int]] = defaultdict(list)
    repos = {p.index: p.repositories for p in prepared if p.repositories}
    for idx, names in repos.items():
        for name in names:
            holders[name].append(idx)
    overlap: dict[tuple[int, int], int] = defaultdict(int)
    for members in holders.values():
        if 2 <= len(members) <= max_share:
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    overlap[(min(a, b), max(a, b))] += 1
    pairs: dict[tuple[int, int], tuple[float, str]] = {}
    for (a, b), count in overlap.items():
        containment = count / min(len(repos[a]), len(repos[b]))
        if count >= REPOS_MIN_OVERLAP and containment >= REPOS_MIN_CONTAINMENT:
            common = sorted(repos[a] & repos[b])
            listed = ", ".join(common[:5]) + (", …" if len(common) > 5 else "")
            pairs[(a, b)] = (containment, f"{count} repository names in common ({listed})")
    return _pairs_to_groups("repositories", pairs)


def _soft_follows(prepared: Sequence[Prepared]) -> list[Shared]:
    """Follow relations between records: ``follows`` entries matched to other records'
    handles (``service:name``; a bare name is taken as a GitHub login)."""
    owner: dict[str, int] = {}
    for p in prepared:
        for h in p.handles:
            owner.setdefault(h, p.index)
    pairs: dict[tuple[int, int], tuple[float, str]] = {}
    for p in prepared:
        for f in p.follows:
            other = owner.get(f if ":" in f else f"github:{f}")
            if other is not None and other != p.index:
                a, b = min(p.index, other), max(p.index, other)
                text = f"{prepared[a].record_id} ~ {prepared[b].record_id}"
                pairs[(a, b)] = (1.0, text)
    return _pairs_to_groups("follows", pairs)


def link(
    prepared: Sequence[Prepared], max_share: int, timings: dict[str, float] | None = None
) -> tuple[list[Shared], list[Shared]]:
    """(links, common values): every shared value or similarity, and the too-common ones."""
    holders: dict[tuple[str, str], list[int]] = defaultdict(list)
    for p in prepared:
        for kv in _hard_values(p):
            holders[kv].append(p.index)
    links: list[Shared] = []
    common: list[Shared] = []
    for (kind, value), members in holders.items():
        if len(members) < 2:
            continue
        (common if len(members) > max_share else links).append(Shared(kind, value, members))
    softs: list[tuple[str, Callable[[], list[Shared]]]] = [
        ("photo_similar", lambda: _soft_photo(prepared, max_share)),
        ("resume", lambda: _soft_resume(prepared, max_share)),
        ("name_birth", lambda: _soft_names(prepared, max_share)),
        ("repositories", lambda: _soft_repositories(prepared, max_share)),
        ("follows", lambda: _soft_follows(prepared)),
    ]
    for kind, soft in softs:
        clock = time.perf_counter()
        links += soft()
        if timings is not None:
            timings[kind] = round(time.perf_counter() - clock, 3)
    return links, common


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
    links, common = link(prepared, options.max_share, link_seconds)
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
