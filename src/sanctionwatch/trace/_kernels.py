"""Compiled loops of the trace engine (numba) and the dense arrays they work on.

``engine.reach`` and ``engine.simulate`` keep their Python-level logic (rounds, roles,
dictionaries of the result); the per-transfer work runs here:

- ``reach_roles`` / ``reach_round`` / ``settle_round``: one frontier round of the
  time-respecting search, label-correcting in place on one packed (hop, arrival) label per
  address of the index (a large round on ``WORKERS`` threads: the kernels release the GIL);
  ``swept``: which newly reached addresses are exchange deposit addresses;
- ``ordered_events``: the events of the expanded addresses from their arrival on (in
  ``WORKERS`` slices of the addresses at once when there are many), in the engine's order
  (time, sender hop, -amount, position): one sort of the int64 keys the collecting kernel
  writes, then ties of time and sender hop ordered by ``order_events``;
- ``replay``: the taint models' hot loop over those events (``models`` is the reference: the
  arithmetic is the same, statement by statement); an address's balance is only built
  (``_balance_before``: its history replayed as clean value) when taint first reaches it;
- for the index: ``dense_rank`` and ``run_offsets`` (the build's dense ids and where each
  address's runs start), ``sender_order`` and ``radix_positions`` (the build's order of the
  transfers, and their order by receiver) and
  ``inflow_windows`` (an address's inflows in a time window, for many at once).

The worker threads (``_in_parts``, ``background``) are started on first use, and again in a
child forked after them (``os.register_at_fork``): a forked child has none of its parent's
threads and would otherwise wait for ever on work queued for them.

Dense arrays of one entry per address are taken from a small pool (``acquire``) and handed
back reset (``release``): allocating them per call costs more than a whole small trace
(page faults: ~20 ms per 100 MB). Where each address's outgoing transfers start is part of
the index (``TraceIndex.out_offsets``). Every kernel is compiled on first use and
cached on disk (``cache=True``): about 5 s once per install (or change of this file), then
~0.3 s to load in a new process.
"""

from __future__ import annotations

import itertools
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import numba
import numpy as np
import numpy.typing as npt

from sanctionwatch.trace.arrays import sorted_ints
from sanctionwatch.trace.index import Assets
from sanctionwatch.trace.models import EPS

I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
U8 = npt.NDArray[np.uint8]

NO_HOP = 2**30
NO_CUTOFF = -(2**62)  # a cutoff before any event: every event of the address is listed
NO_LABEL = (NO_HOP << 32) | 0xFFFFFFFF
MARK_LABEL = -(2**63)  # bit 63 of a label: listed as improved in this round
NO_INFO = 0xFFFFFFFF  # not reached (sender rank -1), not expanded
MASK32 = 0xFFFFFFFF
BIG_T = 2**40

# bits of the dense ``flags`` array (reach) and of ``ReachArrays.flags``
REACHED = 1
CHECKED = 2
STOPPED = 4
EXPANDED = 8
LEAF = 16
SEED = 32
LISTED = 64  # scratch: of a stop category

# model codes of ``replay``
HAIRCUT, POISON, TIHO, FIFO, LIFO = 0, 1, 2, 3, 4
MODEL_CODES = {"haircut": HAIRCUT, "poison": POISON, "tiho": TIHO, "fifo": FIFO, "lifo": LIFO}

_njit = numba.njit(cache=True, nogil=True)


# -- dense scratch arrays ---------------------------------------------------------------
@dataclass(slots=True)
class Scratch:
    """One entry per address; between uses every entry holds its array's sentinel."""

    label: I64  # reach: ``pack(hop, arrival)``; NO_LABEL
    info: I64  # simulate: ``(hop + 1) << 32 | cutoff`` (``ordered_events``); reach: ``done``
    flags: U8  # 0
    slot: I32  # simulate: expanded address -> its index; -1

    @classmethod
    def new(cls, m: int) -> Scratch:
        return cls(
            np.full(m, NO_LABEL, dtype=np.int64),
            np.full(m, NO_INFO, dtype=np.int64),
            np.zeros(m, dtype=np.uint8),
            np.full(m, -1, dtype=np.int32),
        )

    def view(self, m: int) -> Scratch:
        return Scratch(self.label[:m], self.info[:m], self.flags[:m], self.slot[:m])

    def reset(self, touched: I64, only: tuple[str, ...] = ()) -> None:
        if not only or "label" in only:
            self.label[touched] = NO_LABEL
        if not only or "info" in only:
            self.info[touched] = NO_INFO
        if not only or "flags" in only:
            self.flags[touched] = 0
        if not only or "slot" in only:
            self.slot[touched] = -1


def pack(hop: I64, arrival: I64) -> I64:
    """Reach labels: hop in bits 32-62, arrival in bits 0-31 clamped to [0, 2**32 - 1] (index
    times are in [0, 2**31): the clamped value compares with them as the exact one does)."""
    return (hop << 32) | np.clip(arrival, 0, MASK32)


def hop_of(label: I64) -> I64:
    return (label >> 32) & 0x7FFFFFFF


def arrival_of(label: I64) -> I64:
    return label & MASK32


_POOL: list[Scratch] = []
_POOL_LOCK = threading.Lock()
_POOL_SIZE = 2  # concurrent users beyond this allocate (and drop) their own


def acquire(m: int) -> tuple[Scratch, Scratch]:
    """(the pooled arrays, their view of length ``m``); every entry at its sentinel."""
    with _POOL_LOCK:
        while _POOL:
            full = _POOL.pop()
            if len(full.label) >= m:
                return full, full.view(m)
    full = Scratch.new(max(m, 1))
    return full, full.view(m)


def release(full: Scratch, view: Scratch, *touched: I64, only: tuple[str, ...] = ()) -> None:
    """Reset the entries the user wrote (every index it touched, in the arrays ``only``, by
    default all) and pool them."""
    for t in touched:
        if len(t):
            view.reset(t, only)
    with _POOL_LOCK:
        if len(_POOL) < _POOL_SIZE:
            _POOL.append(full)


@_njit
def _first_at(key, lo, hi, node, t):  # type: ignore[no-untyped-def]
    """First position in [lo, hi) (node's outgoing transfers) at time >= t."""
    if t <= 0:
        return lo
    target = (node << 32) | min(t, MASK32)
    if hi - lo <= 16:  # a few transfers: one cache line or two, no dependent loads
        while lo < hi and key[lo] < target:
            lo += 1
        return lo
    while lo < hi:
        mid = (lo + hi) >> 1
        if key[mid] < target:
            lo = mid + 1
        else:
            hi = mid
    return lo


@_njit
def inflow_windows(key, in_order, in_offsets, nodes, t_lo, t_hi):  # type: ignore[no-untyped-def]
    """Per i, [lo, hi) in ``in_order`` of the inflows of ``nodes[i]`` at index times in
    [t_lo[i], t_hi[i]] (two binary searches in the node's inflows, which are in time order)."""
    n = len(nodes)
    lo = np.empty(n, np.int64)
    hi = np.empty(n, np.int64)
    for i in range(n):
        x = nodes[i]
        for side in range(2):
            a, b = in_offsets[x], in_offsets[x + 1]
            # side 0: first inflow at t >= t_lo; side 1: first at t > t_hi
            while a < b:
                mid = (a + b) >> 1
                t = key[in_order[mid]] & MASK32
                if (t < t_lo[i]) if side == 0 else (t <= t_hi[i]):
                    a = mid + 1
                else:
                    b = mid
            if side == 0:
                lo[i] = a
            else:
                hi[i] = max(a, lo[i])
    return lo, hi


@_njit
def run_offsets(ends, shift, offsets):  # type: ignore[no-untyped-def]
    """``offsets`` (zeros, m + 1 entries) filled with where each of the m keys' runs starts
    among rows grouped by key, the key of a row being ``ends[k] >> shift``: the index's
    offsets (``index._offsets``; no int64 copy of ``ends`` as ``np.bincount`` makes) and
    ``counting_order``'s runs."""
    for k in range(len(ends)):
        offsets[(ends[k] >> shift) + 1] += 1
    for k in range(len(offsets) - 1):
        offsets[k + 1] += offsets[k]
    return offsets


@_njit
def counting_order(keys, m):  # type: ignore[no-untyped-def]
    """Row numbers sorted by key (keys in [0, m)), rows of one key in row order (what a
    stable argsort gives, in two passes), and where each key's run starts (m + 1 entries)."""
    n = len(keys)
    starts = run_offsets(keys, 0, np.zeros(m + 1, np.int64))
    fill = starts[:-1].copy()
    order = np.empty(n, np.int64)
    for i in range(n):
        s = keys[i]
        order[fill[s]] = i
        fill[s] += 1
    return order, starts


@_njit
def dense_rank(src_raw, dst_raw, hi):  # type: ignore[no-untyped-def]
    """``index._dense_ids`` by a presence bitmap over [0, hi] (ids non-negative, at most
    ``hi``): the sorted distinct ids of both ends (int64), and each id's rank among them
    (int32, over [0, hi]; the ends are renumbered by ``take_into``). No temporaries: 1.6 ->
    0.7 s at 34M transfers with the renumbering in this pass, on one core."""
    present = np.zeros(hi + 1, np.bool_)
    for x in src_raw:
        present[x] = True
    for x in dst_raw:
        present[x] = True
    rank = np.empty(hi + 1, np.int32)
    m = 0
    for k in range(hi + 1):
        if present[k]:
            rank[k] = m
            m += 1
    ids = np.empty(m, np.int64)
    for k in range(hi + 1):
        if present[k]:
            ids[rank[k]] = k
    return ids, rank


@_njit
def _digit_counts(keys, n_digits):  # type: ignore[no-untyped-def]
    """Per 8-bit digit of the keys (lowest first), how many keys have each value, shifted
    by one (``counts[d, b + 1]``) so that a running sum gives where each bucket starts."""
    counts = np.zeros((n_digits, 257), np.int64)
    for i in range(len(keys)):
        k = keys[i]
        for d in range(n_digits):
            counts[d, ((k >> (8 * d)) & 255) + 1] += 1
    return counts


@_njit
def _digit_starts(at, n):  # type: ignore[no-untyped-def]
    """``at`` (one digit's ``_digit_counts``) made into where each bucket starts, in place;
    False when all ``n`` keys share the digit (the pass is skipped)."""
    for b in range(256):
        if at[b + 1] == n:
            return False
    for b in range(256):
        at[b + 1] += at[b]
    return True


@_njit
def radix_positions(major, minor, minor_bits, key_bits):  # type: ignore[no-untyped-def]
    """Positions (int32) sorted by (major, minor, position): an LSD radix sort of the key
    ``major << minor_bits | minor`` (``key_bits`` wide, < 64; both non-negative) in 8-bit
    digits, each pass stable; the digits all keys share are skipped, and the counts of
    every digit come from one pass. The inflow order of the index build (34M transfers,
    48-bit keys: 6 passes): 1.3-1.5 s, where two packed np.sort and two gathers took 2.5-7.6
    s (numpy's sort ran at 2.7 s per 34M int64 on some days of this VM)."""
    n = len(major)
    key = np.empty(n, np.int64)
    for i in range(n):
        key[i] = (np.int64(major[i]) << minor_bits) | np.int64(minor[i])
    counts = _digit_counts(key, max((key_bits + 7) // 8, 1))
    pos = np.arange(n).astype(np.int32)
    spare_key = np.empty(0, np.int64)
    spare_pos = np.empty(0, np.int32)
    for d in range(len(counts)):
        at = counts[d]
        if not _digit_starts(at, n):
            continue
        if len(spare_key) == 0:  # allocated only when a pass is needed
            spare_key = np.empty(n, np.int64)
            spare_pos = np.empty(n, np.int32)
        shift = 8 * d
        for i in range(n):
            k = key[i]
            b = (k >> shift) & 255
            j = at[b]
            spare_key[j] = k
            spare_pos[j] = pos[i]
            at[b] = j + 1
        key, spare_key = spare_key, key
        pos, spare_pos = spare_pos, pos
    return pos


@_njit
def radix_sorted(keys):  # type: ignore[no-untyped-def]
    """A sorted copy of non-negative int64 ``keys`` (``keys`` itself is not written): an LSD
    radix sort in 8-bit digits, the digits all keys share skipped, the counts of every digit
    from one pass. ``arrays.sorted_ints`` calls it for large arrays: numpy's sort took
    83-90 ms for the 1.46M event keys of the 50M analyst trace's largest wave, this 26-29
    ms (numpy's sort ran at ~80 ns per int64 on this VM)."""
    n = len(keys)
    hi = 0
    for i in range(n):
        hi |= keys[i]
    n_bits = 0
    while (hi >> n_bits) > 0:
        n_bits += 1
    counts = _digit_counts(keys, max((n_bits + 7) // 8, 1))
    src = keys
    out = np.empty(n, np.int64)
    moved = False
    for d in range(len(counts)):
        at = counts[d]
        if not _digit_starts(at, n):
            continue
        shift = 8 * d
        for i in range(n):
            k = src[i]
            b = (k >> shift) & 255
            out[at[b]] = k
            at[b] += 1
        if moved:
            src, out = out, src
        else:  # the next pass writes a buffer of its own, never ``keys``
            moved = True
            src, out = out, np.empty(n, np.int64)
    if not moved:
        return keys.copy()
    return src


@_njit
def sender_order(src, t, rid, m):  # type: ignore[no-untyped-def]
    """Row numbers sorted by (src, t, rid) (``index._in_sender_order``): counted into one run
    per sender in row order, then each run not already in (t, rid) order sorted, by
    insertion for a few rows, else by the packed key ``t << 32 | rid`` (t in [0, 2**31),
    rid < 2**32: keys are unique, so the order is the same whatever the sort)."""
    order, starts = counting_order(src, m)
    for s in range(m):
        lo, hi = starts[s], starts[s + 1]
        in_order = True
        for j in range(lo + 1, hi):
            if _after(t, rid, order[j - 1], order[j]):
                in_order = False
                break
        if in_order:
            continue
        if hi - lo <= 32:
            for i in range(lo + 1, hi):
                v = order[i]
                j = i - 1
                while j >= lo and _after(t, rid, order[j], v):
                    order[j + 1] = order[j]
                    j -= 1
                order[j + 1] = v
            continue
        keys = np.empty(hi - lo, np.int64)
        for j in range(hi - lo):
            r = order[lo + j]
            keys[j] = (t[r] << 32) | rid[r]
        run = order[lo:hi].copy()
        by_key = np.argsort(keys)
        for j in range(hi - lo):
            order[lo + j] = run[by_key[j]]
    return order


@_njit
def _after(t, rid, a, b):  # type: ignore[no-untyped-def]
    """Row a sorts after row b by (t, rid)."""
    return t[a] > t[b] or (t[a] == t[b] and rid[a] > rid[b])


# -- phase 1 ----------------------------------------------------------------------------
@_njit
def swept(offsets, dst, in_offsets, is_exchange, nodes):  # type: ignore[no-untyped-def]
    """(swept, out-degree) per node: a node is swept (an exchange's deposit address) when it
    sent at least one transfer, all of them to one exchange wallet, and not more transfers
    than it received (a sweep gathers deposits; a launderer paying an exchange in chunks
    sends many transfers out of one inflow). Stops at a node's first transfer that breaks
    the rule: most nodes are decided by their first or second transfer."""
    n = len(nodes)
    out = np.zeros(n, np.bool_)
    counts = np.empty(n, np.int64)
    for i in range(n):
        x = nodes[i]
        lo, hi = offsets[x], offsets[x + 1]
        counts[i] = hi - lo
        if hi == lo or hi - lo > in_offsets[x + 1] - in_offsets[x]:
            continue
        first = dst[lo]
        if not is_exchange[first]:
            continue
        ok = True
        for p in range(lo + 1, hi):
            if dst[p] != first:
                ok = False
                break
        out[i] = ok
    return out, counts


@_njit
def forwards_only(offsets, dst, is_member, nodes):  # type: ignore[no-untyped-def]
    """Per node: it sent at least one transfer, and every one of them to a member (stops at
    the first that is not: most nodes are decided by their first transfer)."""
    out = np.zeros(len(nodes), np.bool_)
    for i in range(len(nodes)):
        x = nodes[i]
        lo, hi = offsets[x], offsets[x + 1]
        ok = hi > lo
        for p in range(lo, hi):
            if not is_member[dst[p]]:
                ok = False
                break
        out[i] = ok
    return out


@_njit
def reach_roles(frontier, flags, offsets, in_offsets, hub_degree):  # type: ignore[no-untyped-def]
    """Roles of the frontier's addresses not seen in a frontier before (``new``, marked
    CHECKED): a listed one (LISTED: of a stop category) or a hub (in- or out-degree above
    ``hub_degree``) is STOPPED, unless it is a start. Returns (new, stopped here, listed)."""
    n = len(frontier)
    new = np.empty(n, np.int64)
    hits = np.empty(n, np.int64)
    listed = np.empty(n, np.bool_)
    k = 0
    h = 0
    for i in range(n):
        g = frontier[i]
        f = flags[g]
        if f & CHECKED:
            continue
        flags[g] = f | CHECKED
        new[k] = g
        k += 1
        if f & SEED:
            continue
        if f & LISTED:
            listed[h] = True
        else:
            degree = max(offsets[g + 1] - offsets[g], in_offsets[g + 1] - in_offsets[g])
            if degree <= hub_degree:
                continue
            listed[h] = False
        flags[g] |= STOPPED
        hits[h] = g
        h += 1
    return new[:k], hits[:h], listed[:h]


def reach_round(
    key: I64,
    offsets: I32 | I64,
    dst: npt.NDArray[np.int32] | I64,
    asset: Assets,
    asset_id: int,
    frontier: I64,
    label: I64,
    done: I64,
    flags: U8,
    hops: int,
) -> tuple[I64, int]:
    """One round: the frontier's addresses not stopped are expanded below the hop limit
    (else they are leaves); their transfers at or after their arrival lower the recipients'
    labels (hop, arrival: see ``pack``) in place, marked. Returns (the improved recipients,
    unsorted, each once; how many addresses were expanded); then, sorted
    (``arrays.sorted_ints``), ``settle_round``.

    The round is synchronous: the hop a transfer gives is its sender's as the round began
    (read in the first step), so the labels after the round are the least (hop, time) per
    recipient over the round whatever the order of the transfers. One 8-byte label per
    address: a followed transfer costs one random access. ``done``: the label an address
    was last expanded with; expanded again with the same hop (an earlier arrival only), it
    only follows its transfers before the earlier expansion's arrival (the rest gave their
    recipients nothing new).

    Two steps: ``_round_ranges`` (which transfers to follow) and ``_round_walk`` (follow
    them, lowering the labels). On a frontier of at least ``PARALLEL_MIN_NODES`` addresses
    the first step runs in ``WORKERS`` slices of the frontier at once (each writes only its
    own addresses' flags); on at least ``PARALLEL_MIN`` transfers the walk runs in
    ``WORKERS`` parts at once, each over every followed transfer but lowering only the
    labels of its own range of recipients (dense ids are spread over the graph): the
    transfers are read by every part (in order, cheap), each label by one part only, with
    no list of finds to write and apply afterwards (that split, the transfers cut in runs
    and their finds then applied by recipient range, took ~20% longer on the 50M flood).
    """
    n_parts = WORKERS if len(frontier) >= PARALLEL_MIN_NODES else 1
    bounds = np.linspace(0, len(frontier), n_parts + 1).astype(np.int64).tolist()
    planned = _in_parts(
        lambda a, b: _round_ranges(key, offsets, frontier[a:b], label, done, flags, hops),
        list(itertools.pairwise(bounds)),
    )
    lo, hi, nxt = (np.concatenate([part[k] for part in planned]) for k in range(3))
    n_go = sum(int(part[3]) for part in planned)
    total = sum(int(part[4]) for part in planned)
    n_parts = 1 if total < PARALLEL_MIN else WORKERS
    cuts = np.linspace(0, len(label), n_parts + 1).astype(np.int64).tolist()
    improved = _in_parts(
        lambda a, b: _round_walk(key, dst, asset, asset_id, lo, hi, nxt, label, total, a, b),
        list(itertools.pairwise(cuts)),
    )
    return (improved[0] if n_parts == 1 else np.concatenate(improved)), n_go


def _cores() -> int:
    """The cores this process may run on (a container's cpuset, not the host's count)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


MAX_SLOTS = 2**62  # events' buffers of more slots are sorted by np.lexsort (tests lower it)
PARALLEL_MIN = 50_000  # transfers in a round: below, one thread (a thread costs ~50 us)
PARALLEL_MIN_NODES = 20_000  # addresses in a frontier: below, one thread
WORKERS = max(1, min(4, _cores()))
_WORKER_POOL: list[ThreadPoolExecutor] = []  # created on first use
_BACKGROUND: list[ThreadPoolExecutor] = []  # one thread for ``background``; on first use

_T = TypeVar("_T")


def _in_parts(fn: Callable[..., _T], parts: Sequence[tuple[Any, ...]]) -> list[_T]:
    """``fn(*part)`` for each part, in order; all but the first on the worker threads (the
    kernels release the GIL, so the parts run at once)."""
    if len(parts) == 1:
        return [fn(*parts[0])]
    with _POOL_LOCK:
        if not _WORKER_POOL:
            _WORKER_POOL.append(ThreadPoolExecutor(WORKERS - 1, thread_name_prefix="reach"))
    pending = [_WORKER_POOL[0].submit(fn, *part) for part in parts[1:]]
    return [fn(*parts[0]), *(f.result() for f in pending)]


@_njit
def _gather(values, at, out, lo, hi):  # type: ignore[no-untyped-def]
    for i in range(lo, hi):
        out[i] = values[at[i]]


def take_into(values: npt.NDArray[Any], at: npt.NDArray[Any], out: npt.NDArray[Any]) -> None:
    """``out[:] = values[at]`` in ``WORKERS`` slices at once: a gather at random positions
    waits on memory, and two threads keep twice as many reads in flight (the index build's
    inflow order at 34M transfers: 0.52-0.60 -> 0.22-0.27 s per gather). ``at`` must lie
    within ``values`` (the compiled loop does not check)."""
    n = len(at)
    if WORKERS == 1 or n < PARALLEL_MIN:
        bounds = [0, n]
    else:
        bounds = [n * k // WORKERS for k in range(WORKERS + 1)]
    parts = [(values, at, out, a, b) for a, b in itertools.pairwise(bounds)]
    _in_parts(_gather, parts)


def background(fn: Callable[..., _T], *args: Any) -> Future[_T]:
    """``fn(*args)`` on a thread of its own (work that releases the GIL, such as a DuckDB
    query, while the caller goes on)."""
    with _POOL_LOCK:
        if not _BACKGROUND:
            _BACKGROUND.append(ThreadPoolExecutor(1, thread_name_prefix="background"))
    return _BACKGROUND[0].submit(fn, *args)


def _after_fork_in_child() -> None:
    """A forked child has none of its parent's threads, but would still queue work for the
    pools' threads and wait for ever (a server that forks its workers after a trace): it
    starts its own pools, and a fresh lock (the parent may have held it in the fork)."""
    global _POOL_LOCK
    _POOL_LOCK = threading.Lock()
    _WORKER_POOL.clear()
    _BACKGROUND.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


@_njit
def _round_ranges(key, offsets, frontier, label, done, flags, hops):  # type: ignore[no-untyped-def]
    """The transfers a round follows: [lo, hi) per expanded address and the hop it gives.
    Marks EXPANDED (and LEAF at the hop limit) and records ``done``."""
    n = len(frontier)
    lo = np.empty(n, np.int64)
    hi = np.empty(n, np.int64)
    nxt = np.empty(n, np.int64)
    n_go = 0
    total = 0
    for i in range(n):
        g = frontier[i]
        f = flags[g]
        if f & STOPPED:  # never a start
            continue
        w = label[g]
        h = (w >> 32) & 0x7FFFFFFF
        if h >= hops:
            flags[g] = f | LEAF
            continue
        hi[n_go] = offsets[g + 1]
        lo[n_go] = _first_at(key, offsets[g], hi[n_go], g, w & MASK32)
        if f & EXPANDED and ((done[g] >> 32) & 0x7FFFFFFF) == h:
            hi[n_go] = _first_at(key, lo[n_go], hi[n_go], g, done[g] & MASK32)
        flags[g] = f | EXPANDED
        done[g] = w
        nxt[n_go] = h + 1
        total += hi[n_go] - lo[n_go]
        n_go += 1
    return lo[:n_go], hi[:n_go], nxt[:n_go], n_go, total


@_njit
def _round_walk(key, dst, asset, asset_id, lo, hi, nxt, label, total, r_lo, r_hi):  # type: ignore[no-untyped-def]
    """Follow the ranges' transfers of ``asset_id`` to recipients in [r_lo, r_hi), each
    lowering its recipient's label when it improves on it (``_lowered``); returns the
    recipients improved (each listed the first time, by its mark)."""
    improved = np.empty(min(total, r_hi - r_lo), np.int64)
    k = 0
    for i in range(len(lo)):
        h = nxt[i]
        for p in range(lo[i], hi[i]):
            r = dst[p]
            if r < r_lo or r >= r_hi or asset[p] != asset_id:
                continue
            w = label[r]
            v = _lowered(w, h, key[p] & MASK32)
            if v != w:
                k = _lower(label, r, w, v, improved, k)
    return improved[:k]


@_njit
def _lower(label, r, w, v, improved, k):  # type: ignore[no-untyped-def]
    """Set recipient r's label from w to v (lower, marked); list r in ``improved`` at k the
    first time in this round (w not yet marked). Returns the next free slot."""
    label[r] = v
    if w >= 0:  # not listed yet
        improved[k] = r
        k += 1
    return k


@_njit
def _lowered(w, h, t):  # type: ignore[no-untyped-def]
    """Label ``w`` lowered by hop h and time t, marked (``MARK_LABEL``: improved in this
    round); ``w`` itself when neither is better."""
    old_h = (w >> 32) & 0x7FFFFFFF
    old_t = w & MASK32
    if h < old_h or t < old_t:
        return MARK_LABEL | (min(h, old_h) << 32) | min(t, old_t)
    return w


@_njit
def reached(nodes, label, info, flags):  # type: ignore[no-untyped-def]
    """After the last round: per reached address (``nodes``, each once) its hop (int32),
    arrival and flags (EXPANDED, LEAF: never expanded, STOPPED, SEED); its label, info and
    flags are reset to their sentinels in the same pass."""
    n = len(nodes)
    hop = np.empty(n, np.int32)
    arrival = np.empty(n, np.int64)
    out = np.empty(n, np.uint8)
    for i in range(n):
        g = nodes[i]
        w = label[g]
        f = flags[g]
        if f & EXPANDED:
            f &= ~LEAF
        hop[i] = (w >> 32) & 0x7FFFFFFF
        arrival[i] = w & MASK32
        out[i] = f & (EXPANDED | LEAF | STOPPED | SEED)
        label[g] = NO_LABEL
        info[g] = NO_INFO
        flags[g] = 0
    return hop, arrival, out


@_njit
def minimum_at(best, nodes, value):  # type: ignore[no-untyped-def]
    """``np.minimum.at(best, nodes, value)`` (an address listed twice keeps its least
    value), without ufunc.at's cost per element (2.7M addresses: 175 -> ~10 ms)."""
    for i in range(len(nodes)):
        g = nodes[i]
        if value[i] < best[g]:
            best[g] = value[i]


@_njit
def settle_round(improved, label, flags, hops):  # type: ignore[no-untyped-def]
    """After ``reach_round``: unmark the improved labels, mark first reached addresses
    REACHED (returned), and improved ones below the hop limit no longer leaves."""
    k = len(improved)
    first = np.empty(k, np.int64)
    m = 0
    for j in range(k):
        r = improved[j]
        w = label[r] & ~MARK_LABEL
        label[r] = w
        f = flags[r]
        if (f & REACHED) == 0:
            f |= REACHED
            first[m] = r
            m += 1
        if ((w >> 32) & 0x7FFFFFFF) < hops:
            f &= ~LEAF
        flags[r] = f
    return first[:m]


# -- phase 2: events --------------------------------------------------------------------
@_njit
def _before(a, b, rank, neg, pkey):  # type: ignore[no-untyped-def]
    """Event a before event b: (sender hop, -amount, position, outflow before inflow)."""
    if rank[a] != rank[b]:
        return rank[a] < rank[b]
    if neg[a] != neg[b]:
        return neg[a] < neg[b]
    return pkey[a] < pkey[b]


@_njit
def _sort_run(idx, lo, hi, rank, neg, pkey):  # type: ignore[no-untyped-def]
    """Sort ``idx[lo:hi]`` (indices into the key arrays) by ``_before``, in place: insertion
    sort for a few, heapsort beyond (keys are unique; numba's own sorts take seconds to
    compile)."""
    if hi - lo <= 32:
        for i in range(lo + 1, hi):
            v = idx[i]
            j = i - 1
            while j >= lo and _before(v, idx[j], rank, neg, pkey):
                idx[j + 1] = idx[j]
                j -= 1
            idx[j + 1] = v
        return
    n = hi - lo
    for start in range(n // 2 - 1, -1, -1):
        _sift(idx, lo, start, n, rank, neg, pkey)
    for end in range(n - 1, 0, -1):
        idx[lo], idx[lo + end] = idx[lo + end], idx[lo]
        _sift(idx, lo, 0, end, rank, neg, pkey)


@_njit
def _sift(idx, lo, root, n, rank, neg, pkey):  # type: ignore[no-untyped-def]
    """Max-heap sift-down of ``idx[lo + root]`` within ``idx[lo:lo + n]`` (order ``_before``)."""
    while True:
        child = 2 * root + 1
        if child >= n:
            return
        if child + 1 < n and _before(idx[lo + child], idx[lo + child + 1], rank, neg, pkey):
            child += 1
        if not _before(idx[lo + root], idx[lo + child], rank, neg, pkey):
            return
        idx[lo + root], idx[lo + child] = idx[lo + child], idx[lo + root]
        root = child


@_njit
def _clean_spend(b, x, haircut):  # type: ignore[no-untyped-def]
    """What a clean balance holds after paying ``x`` (the models' arithmetic when dirty = 0)."""
    if haircut:
        if b <= EPS:
            return b
        b -= min(x, b)
        if b <= EPS:
            return 0.0
        return b
    return b - min(x, b)


def ordered_events(
    key: I64,
    offsets: I32 | I64,
    asset: Assets,
    amount: npt.NDArray[np.float64],
    in_order: I32 | I64,
    in_offsets: I32 | I64,
    dst: npt.NDArray[np.int32] | I64,
    asset_id: int,
    nodes: I64,
    cutoff: I64,
    info: I64,
    max_rank: int,
    degree: I64 | None = None,
) -> tuple[I64, I64, I64, I64, npt.NDArray[np.float64]]:
    """The events of the expanded addresses ``nodes`` (``_collect_events``) in the engine's
    order: (time, sender rank, -amount, position). Returns (position, sender, receiver,
    time, amount) in that order.

    Each event gets a sort key (t << shift | rank << bits | slot), written by the collecting
    kernel itself, so that one sort of int64 keys orders the events by (time, rank) and
    ``order_events`` orders the runs of equal (time, rank); ``slot`` is where the event's
    columns were written. With at least ``PARALLEL_MIN`` transfers to read, the addresses
    are collected in ``WORKERS`` slices at once, each into its own range of the buffers (as
    long as its addresses' transfers: no event is moved after it is written). When the
    slots do not fit beside time and rank in 63 bits, the events are gathered and sorted by
    ``np.lexsort`` instead."""
    if degree is None:  # each address's transfers, in and out (the caller may know them)
        degree = (offsets[nodes + 1] - offsets[nodes]) + (in_offsets[nodes + 1] - in_offsets[nodes])
    ends = np.cumsum(degree)
    total = int(ends[-1]) if len(ends) else 0
    if WORKERS == 1 or total < PARALLEL_MIN:
        bounds = [0, len(nodes)]
    else:
        targets = total * np.arange(1, WORKERS) // WORKERS
        bounds = [0, *np.searchsorted(ends, targets, side="right").tolist(), len(nodes)]
    rank_bits = max(1, int(max_rank).bit_length())
    slot_bits = 63 - 32 - rank_bits  # index times are below 2**32
    if total >= min(2**slot_bits, MAX_SLOTS):
        slot_bits = 0  # the key holds (t, rank) only; sorted by np.lexsort below
    pos_b = np.empty(total, np.int64)
    src_b = np.empty(total, np.int64)
    x_b = np.empty(total, np.float64)
    key_b = np.empty(total, np.int64)
    index_arrays = (key, offsets, asset, amount, in_order, in_offsets, asset_id)
    outputs = (pos_b, src_b, x_b, key_b, rank_bits, slot_bits)

    def collect(a: int, b: int) -> tuple[int, int]:
        base = int(ends[a - 1]) if a else 0
        return base, _collect_events(*index_arrays, nodes[a:b], cutoff[a:b], info, base, *outputs)

    parts = _in_parts(collect, [(a, b) for a, b in itertools.pairwise(bounds) if b > a] or [(0, 0)])
    if len(parts) == 1:
        keys = key_b[: parts[0][1]]
    else:
        keys = np.concatenate([key_b[base : base + k] for base, k in parts])
    if slot_bits:
        keys = sorted_ints(keys)
        return order_events(keys, pos_b, src_b, x_b, dst, rank_bits, slot_bits)
    at = np.concatenate([np.arange(base, base + k) for base, k in parts])
    pos, src, x = pos_b[at], src_b[at], x_b[at]
    t, rank = keys >> rank_bits, keys & ((1 << rank_bits) - 1)
    order = np.lexsort((pos, -x, rank, t))
    pos = pos[order]
    return pos, src[order], dst[pos].astype(np.int64), t[order], x[order]


@_njit
def _collect_events(  # type: ignore[no-untyped-def]
    key, offsets, asset, amount, in_order, in_offsets, asset_id, nodes, cutoff, info,
    base, out_pos, out_src, out_x, out_key, rank_bits, slot_bits
):  # fmt: skip
    """The events of the expanded addresses ``nodes`` at or after their cutoffs: each
    address's outflows from its cutoff, and its inflows from its cutoff that the sender does
    not list (a sender lists its outflows at or after its own cutoff). ``info`` per address:
    ``(hop + 1) << 32`` (0: no hop, sender rank -1) ``| cutoff`` clamped to [0, 2**32 - 1]
    for an expanded address, else 2**32 - 1 (one random access per inflow for both).

    Written from ``base`` on, per event: position, sender, amount, and the key ``t << (rank
    bits + slot bits) | rank + 1 << slot bits | slot`` (slot: where it was written; without
    slot bits, none). Returns how many. An address's events before its cutoff are not read
    here (see ``replay``); its inflows are read from the last back to the cutoff, so no
    search is needed.
    """
    n = len(nodes)
    t_shift = rank_bits + slot_bits
    k = base
    for i in range(n):
        x = nodes[i]
        own = info[x] >> 32
        for p in range(_first_at(key, offsets[x], offsets[x + 1], x, cutoff[i]), offsets[x + 1]):
            if asset[p] == asset_id:
                out_pos[k] = p
                out_src[k] = x
                out_x[k] = amount[p]
                tag = k if slot_bits else 0
                out_key[k] = ((key[p] & MASK32) << t_shift) | (own << slot_bits) | tag
                k += 1
        c = cutoff[i]
        for q in range(in_offsets[x + 1] - 1, in_offsets[x] - 1, -1):
            e = in_order[q]
            ke = key[e]
            t = ke & MASK32
            if t < c:
                break
            if asset[e] != asset_id:
                continue
            sender = ke >> 32
            w = info[sender]
            if t >= (w & MASK32):
                continue  # the sender lists it
            out_pos[k] = e
            out_src[k] = sender
            out_x[k] = amount[e]
            tag = k if slot_bits else 0
            out_key[k] = (t << t_shift) | ((w >> 32) << slot_bits) | tag
            k += 1
    return k - base


@_njit
def _balance_before(  # type: ignore[no-untyped-def]
    key, offsets, asset, amount, in_order, in_offsets, info, asset_id, x, until, haircut, buf
):
    """Address x's balance just before the event ``until`` = (t, sender rank, -amount, 2 *
    position + 1: one of its inflows) in the engine's order, all its earlier events replayed
    as clean value: inflows add, outflows pay what there is (the models' arithmetic when
    dirty = 0). ``buf``: (rank, -amount, 2 * position [+ 1 for an inflow], value) scratch."""
    t_e, rank_e, neg_e, pkey_e = until
    rank, neg, pkey, val, idx = buf
    own = (info[x] >> 32) - 1
    p = offsets[x]
    oc = _first_at(key, p, offsets[x + 1], x, t_e + 1)
    q = in_offsets[x]
    b = in_offsets[x + 1]
    bal = 0.0
    while True:
        while p < oc and asset[p] != asset_id:
            p += 1
        t_in = BIG_T
        while q < b:
            e = in_order[q]
            te = key[e] & MASK32
            if te > t_e:
                break
            if asset[e] == asset_id:
                t_in = te
                break
            q += 1
        if p >= oc and t_in == BIG_T:
            break
        t = min((key[p] & MASK32) if p < oc else BIG_T, t_in)
        m = 0
        while p < oc and (key[p] & MASK32) == t:
            if asset[p] == asset_id:
                rank[m] = own
                neg[m] = -amount[p]
                pkey[m] = 2 * p
                val[m] = -amount[p]
                m += 1
            p += 1
        while q < b:
            e = in_order[q]
            if (key[e] & MASK32) != t:
                break
            if asset[e] == asset_id:
                neg[m] = -amount[e]
                pkey[m] = 2 * e + 1
                val[m] = amount[e]
                m += 1
            q += 1
        if m > 1 or t == t_e:
            # the senders' ranks order the second's events: read (a random access each)
            # only where there is an order to decide
            for k in range(m):
                if pkey[k] & 1:
                    rank[k] = (info[key[pkey[k] >> 1] >> 32] >> 32) - 1
        if m > 1:
            for k in range(m):
                idx[k] = k
            _sort_run(idx, 0, m, rank, neg, pkey)
        else:
            idx[0] = 0
        for k in range(m):
            j = idx[k]
            if t == t_e:  # the event's own second: only what comes before it
                if rank[j] != rank_e:
                    if rank[j] > rank_e:
                        break
                elif neg[j] != neg_e:
                    if neg[j] > neg_e:
                        break
                elif pkey[j] >= pkey_e:
                    break
            v = val[j]
            bal = bal + v if v > 0 else _clean_spend(bal, -v, haircut)
        if t == t_e:
            break
    return bal


def order_events(
    keys: I64,
    pos: I64,
    src: I64,
    amount: npt.NDArray[np.float64],
    dst: npt.NDArray[np.int32] | I64,
    rank_bits: int,
    slot_bits: int,
) -> tuple[I64, I64, I64, I64, npt.NDArray[np.float64]]:
    """The events in the engine's order from ``keys`` (sorted (t, rank + 1, slot) keys, see
    ``_collect_events``): runs of equal (t, rank) ordered by (-amount, position). Returns
    (position, sender, receiver, time, amount) in that order.

    With many events, ``WORKERS`` slices of the keys at once, each cut at the start of a
    run, so that no run is split: the gathers at random slots and receivers are most of the
    time (72-87 ms on one core for the 50M analyst trace's 1.46M events)."""
    n = len(keys)
    outs = (
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.empty(n, np.int64),
        np.empty(n, np.float64),
    )
    bounds = [0, n]
    if WORKERS > 1 and n >= max(PARALLEL_MIN, 1):
        cuts = keys[n * np.arange(1, WORKERS) // WORKERS] >> slot_bits << slot_bits
        bounds = [0, *np.searchsorted(keys, cuts, side="left").tolist(), n]

    def order(a: int, b: int) -> None:
        parts = tuple(o[a:b] for o in outs)
        _order_events_into(keys[a:b], pos, src, amount, dst, rank_bits, slot_bits, *parts)

    _in_parts(order, [(a, b) for a, b in itertools.pairwise(bounds) if b > a] or [(0, 0)])
    return outs


@_njit
def _order_events_into(  # type: ignore[no-untyped-def]
    keys, pos, src, amount, dst, rank_bits, slot_bits, o_pos, o_src, o_dst, o_t, o_x
):
    """``order_events`` of ``keys`` into the given arrays (as long as ``keys``)."""
    n = len(keys)
    t_shift = rank_bits + slot_bits
    slot_mask = (1 << slot_bits) - 1
    for i in range(n):
        j = keys[i] & slot_mask
        o_pos[i] = pos[j]
        o_src[i] = src[j]
        o_t[i] = keys[i] >> t_shift
        o_x[i] = amount[j]
    i = 0
    while i < n:
        j = i + 1
        head = keys[i] >> slot_bits
        while j < n and (keys[j] >> slot_bits) == head:
            j += 1
        if j - i > 1:
            _sort_by_amount(o_pos, o_src, o_x, i, j)
        i = j
    for i in range(n):
        o_dst[i] = dst[o_pos[i]]


@_njit
def _sort_by_amount(pos, src, x, lo, hi):  # type: ignore[no-untyped-def]
    """Sort [lo, hi) of the three arrays by (-amount, position)."""
    if hi - lo <= 32:
        for i in range(lo + 1, hi):
            p, s, v = pos[i], src[i], x[i]
            j = i - 1
            while j >= lo and (x[j] < v or (x[j] == v and pos[j] > p)):
                pos[j + 1] = pos[j]
                src[j + 1] = src[j]
                x[j + 1] = x[j]
                j -= 1
            pos[j + 1] = p
            src[j + 1] = s
            x[j + 1] = v
        return
    n = hi - lo
    idx = np.empty(n, np.int64)
    rank = np.zeros(n, np.int64)
    neg = np.empty(n, np.float64)
    pkey = np.empty(n, np.int64)
    old_src = np.empty(n, np.int64)
    for i in range(n):
        idx[i] = i
        neg[i] = -x[lo + i]
        pkey[i] = pos[lo + i]
        old_src[i] = src[lo + i]
    _sort_run(idx, 0, n, rank, neg, pkey)
    for i in range(n):
        j = idx[i]
        pos[lo + i] = pkey[j]
        src[lo + i] = old_src[j]
        x[lo + i] = -neg[j]


# -- phase 2: the models ----------------------------------------------------------------
@_njit
def _take(lot_amt, lot_dirty, nxt, prv, head, tail, i, amount, from_front):  # type: ignore[no-untyped-def]
    """``models._take`` on address i's lot list (a linked list); returns (dirty out, paid)."""
    need = amount
    out = 0.0
    while need > EPS:
        lot = head[i] if from_front else tail[i]
        if lot < 0:
            break
        if lot_amt[lot] <= need + EPS:
            out += lot_dirty[lot]
            need -= lot_amt[lot]
            if from_front:
                head[i] = nxt[lot]
                if head[i] < 0:
                    tail[i] = -1
                else:
                    prv[head[i]] = -1
            else:
                tail[i] = prv[lot]
                if tail[i] < 0:
                    head[i] = -1
                else:
                    nxt[tail[i]] = -1
        else:
            share = lot_dirty[lot] * (need / lot_amt[lot])
            out += share
            lot_amt[lot] -= need
            lot_dirty[lot] -= share
            need = 0.0
    return out, amount - max(need, 0.0)


@_njit
def replay(  # type: ignore[no-untyped-def]
    model,
    ev_pos,
    ev_src,
    ev_dst,
    ev_t,
    ev_x,
    ev_inj,
    ev_is_inj,
    ev_reinj,
    slot,
    flags,
    cutoff,
    since_t,
    dust_abs,
    index_arrays,
    info,
    asset_id,
    longest,
):
    """The loop of ``engine.simulate`` over ordered events (see there), for one model.

    Slots 0..len(cutoff)-1 are the expanded addresses (``slot`` maps dense ids to them);
    other receivers of taint get slots from there on, written into ``slot`` (the caller
    resets them: ``new_nodes``). An expanded address's balance only matters once taint
    reaches it: until then its events are skipped, and at that inflow its clean balance is
    the replay of its whole history before it (``_balance_before``, on ``index_arrays`` =
    key, offsets, asset, amount, in_order, in_offsets). Taint reaching an address before its
    cutoff (its events before it are not all listed) sets ``sums[3]``: the caller then
    replays without cutoffs.
    """
    key, offsets, asset, amount, in_order, in_offsets = index_arrays
    haircut = model == HAIRCUT
    buf = (
        np.empty(longest, np.int64),
        np.empty(longest, np.float64),
        np.empty(longest, np.int64),
        np.empty(longest, np.float64),
        np.empty(longest, np.int64),
    )
    n = len(ev_pos)
    e = len(cutoff)
    cap = e + n
    total = np.zeros(e, np.float64)
    dirty = np.zeros(e, np.float64)
    ever = np.zeros(e, np.bool_)
    absorbed = np.zeros(e, np.float64)
    lots = model >= FIFO  # FIFO, LIFO
    front = model == FIFO
    n_lots = cap if lots else 0
    lot_amt = np.empty(n_lots, np.float64)
    lot_dirty = np.empty(n_lots, np.float64)
    nxt = np.empty(n_lots, np.int64)
    prv = np.empty(n_lots, np.int64)
    head = np.full(e if lots else 0, -1, np.int64)
    tail = np.full(e if lots else 0, -1, np.int64)
    used = 0
    tainted = np.zeros(cap, np.float64)
    first = np.full(cap, -1, np.int64)
    terminal = np.zeros(cap, np.float64)
    tainted_order = np.empty(cap, np.int64)
    terminal_order = np.empty(cap, np.int64)
    new_nodes = np.empty(n, np.int64)
    n_tainted = 0
    n_terminal = 0
    n_new = 0
    edge = np.zeros(n, np.float64)
    sums = np.zeros(4, np.float64)  # source, below dust, hop limit, taint before a cutoff
    # the ends' slots and the receivers' flags, read at random in tight loops of their own
    # (many reads in flight at once) rather than one by one in the loop below: 1.46M
    # events, 10-15% of the replay. A sender's slot cannot change in the loop in a way that
    # matters (a slot given there is >= e: not expanded); a receiver without a slot may get
    # one, so that one is read again
    ev_si = np.empty(n, np.int32)
    ev_di = np.empty(n, np.int32)
    ev_fl = np.empty(n, np.uint8)
    for k in range(n):
        ev_si[k] = slot[ev_src[k]]
    for k in range(n):
        ev_di[k] = slot[ev_dst[k]]
        ev_fl[k] = flags[ev_dst[k]]
    for k in range(n):
        p = ev_pos[k]
        s = ev_src[k]
        d = ev_dst[k]
        t = ev_t[k]
        x = ev_x[k]
        si = ev_si[k]
        if si >= e or (si >= 0 and not ever[si]):
            si = -1  # not expanded, or no taint yet: its balance is replayed when taint comes
        spent = 0.0
        if si >= 0:  # spend
            if model == HAIRCUT:
                b = total[si]
                if b > EPS:
                    paid = min(x, b)
                    spent = paid * (dirty[si] / b)
                    total[si] = b - paid
                    dirty[si] = max(dirty[si] - spent, 0.0)
                    if total[si] <= EPS:
                        total[si] = 0.0
                        dirty[si] = 0.0
            elif model == TIHO:
                paid = min(x, total[si])
                spent = min(paid, dirty[si])
                total[si] -= paid
                dirty[si] -= spent
            elif model == POISON:  # tainted: wholly dirty
                if x > total[si]:
                    absorbed[si] += x - total[si]
                    dirty[si] += x - total[si]
                    total[si] = x
                total[si] -= x
                dirty[si] = max(dirty[si] - x, 0.0)
                spent = x
            else:
                spent, paid = _take(lot_amt, lot_dirty, nxt, prv, head, tail, si, x, front)
                total[si] = max(total[si] - paid, 0.0)
                dirty[si] = max(dirty[si] - spent, 0.0)
        if ev_is_inj[k]:
            tainted_now = min(ev_inj[k], x)
            sums[0] += tainted_now
        else:
            tainted_now = spent
            if (ev_fl[k] & SEED) != 0 and t >= since_t:
                sums[0] += x - tainted_now
                tainted_now = x
            elif 0.0 < tainted_now < dust_abs:
                sums[1] += tainted_now
                tainted_now = 0.0
        di = ev_di[k]
        if di < 0:
            di = slot[d]
        if tainted_now > 0.0 and not ev_reinj[k]:
            edge[k] = tainted_now
            if di < 0:
                di = e + n_new
                slot[d] = di
                new_nodes[n_new] = d
                n_new += 1
            tainted[di] += tainted_now
            if first[di] < 0:
                first[di] = p
                tainted_order[n_tainted] = di
                n_tainted += 1
        if 0 <= di < e:  # deposit
            if t < cutoff[di]:
                if tainted_now > 0.0:
                    sums[3] = 1.0
                    break
                continue
            if not ever[di]:
                if tainted_now <= 0.0:
                    continue  # clean into a clean balance: replayed when taint comes
                until = (t, (info[s] >> 32) - 1, -x, 2 * p + 1)
                total[di] = _balance_before(
                    key,
                    offsets,
                    asset,
                    amount,
                    in_order,
                    in_offsets,
                    info,
                    asset_id,
                    d,
                    until,
                    haircut,
                    buf,
                )
                if lots and total[di] > 0.0:
                    lot_amt[used] = total[di]
                    lot_dirty[used] = 0.0
                    nxt[used] = -1
                    prv[used] = -1
                    head[di] = used
                    tail[di] = used
                    used += 1
            if model == POISON:
                if tainted_now > 0.0 and not ever[di]:
                    ever[di] = True
                    absorbed[di] += total[di] - dirty[di]
                    dirty[di] = total[di]
                if ever[di]:
                    absorbed[di] += x - tainted_now
                    tainted_now = x
                total[di] += x
                dirty[di] += tainted_now
            else:
                if lots:  # a lot per deposit, and a clean one per address: below e + n
                    lot_amt[used] = x
                    lot_dirty[used] = tainted_now
                    nxt[used] = -1
                    prv[used] = tail[di]
                    if tail[di] >= 0:
                        nxt[tail[di]] = used
                    else:
                        head[di] = used
                    tail[di] = used
                    used += 1
                total[di] += x
                dirty[di] += tainted_now
                if tainted_now > 0.0:
                    ever[di] = True
        elif tainted_now > 0.0:
            if (ev_fl[k] & STOPPED) != 0:
                if di < 0:
                    di = e + n_new
                    slot[d] = di
                    new_nodes[n_new] = d
                    n_new += 1
                if terminal[di] == 0.0:
                    terminal_order[n_terminal] = di
                    n_terminal += 1
                terminal[di] += tainted_now
            else:
                sums[2] += tainted_now
    return (
        sums,
        edge,
        dirty,
        absorbed,
        tainted,
        first,
        terminal,
        tainted_order[:n_tainted],
        terminal_order[:n_terminal],
        new_nodes[:n_new],
    )
