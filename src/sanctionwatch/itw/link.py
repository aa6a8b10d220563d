"""Stage 2 of a scan: link prepared records into networks (see ``itw.scan``).

Hard identifiers join every record holding them unless the value is *common* (held by more
than ``max_share`` records); soft similarities (near-duplicate résumés by MinHash/LSH with
datasketch's parameters, similar photo hashes, similar names with one birth date, shared
repository lists, follow edges) add their own links. ``UnionFind`` gives the networks.
"""

from __future__ import annotations

import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sanctionwatch.itw.indicators import Prepared
from sanctionwatch.itw.normalize import words

RESUME_MIN_JACCARD = 0.5
RESUME_MIN_SHINGLES = 8
PHOTO_MAX_DISTANCE = 8
NAME_MIN_SIMILARITY = 0.8
REPOS_MIN_CONTAINMENT = 0.5
REPOS_MIN_OVERLAP = 3
MINHASH_PERM = 128
#: LSH band parameters are datasketch's for this threshold (below the verified one, for recall)
RESUME_LSH_THRESHOLD = 0.4


@dataclass(slots=True)
class Shared:
    """A value (or a similarity) that joins records: kind, value, who holds it."""

    kind: str
    value: str
    records: list[int]
    similarity: float | None = None


# -- linking -------------------------------------------------------------------------------
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


def link_records(
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
