"""Continuations: where value that entered a swap, bridge or mixer comes out again.

A tainted transfer into a service of a link category is first a terminal of its asset's
trace. These matchers look for the leg that pays it back out; each found leg carries
``tainted_out = out_amount x dirty / amount`` of the entry (the dirty share of what went in)
and becomes the start of a further trace (``engine``), on the same or another chain:

- ``dex_swap`` (confidence 1): the same transaction pays the sender another asset back;
- ``cross_chain_swap`` by memo (confidence 1): THORChain-style ``=:CHAIN.ASSET:DEST`` memo on
  the inbound transaction, and an outbound transaction whose memo is ``OUT:<inbound hash>``
  paying DEST (on a UTXO chain: the output to DEST);
- ``bridge`` by matching (confidence <= 1): for services without memos (bridges, instant
  exchangers), a payout by a wallet of the same actor within ``window`` after the deposit, on
  another chain or in another asset, whose amount ratio to the deposit agrees (within 2%)
  with the service's rate, fees included — the densest band of amount ratios over all of the
  service's deposits and payouts in the days around (at least 3 deposits, and 30% of those
  with any payout, paid at it; an ordinary exchange shows no such rate and is not linked;
  ``traffic.ServiceTraffic`` reads that traffic from the trace index where it holds the wallets);
  confidence = that share / the number of payouts that agree for this deposit;
- ``mixer`` (pool haircut): the tainted deposits are put back into the pool, which is then
  traced like any address (withdrawals carry the pool's dirty share): the honest, diluting
  answer for a pool; withdrawals are flagged ``mixer`` with the pool's dirty share.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.chain.chains import CHAINS, is_utxo
from sanctionwatch.store.db import Store, values_query
from sanctionwatch.trace.arrays import expand_ranges, find_sorted, in_first_order, stable_order
from sanctionwatch.trace.index import TraceIndex
from sanctionwatch.trace.traffic import Deposits, Payouts, ServiceTraffic, spans

LINK_CATEGORIES = ("dex", "bridge", "cross_chain_swap", "mixer", "exchange")
MATCH_TOLERANCE = math.log(1.02)  # deposits and payouts agree on the rate within 2%
CALIBRATION = timedelta(days=3)  # a service's rate is measured on its traffic this close
CALIBRATION_DEPOSITS = 5_000
MIN_SUPPORT = 3  # deposits paid at the rate, at least
MIN_SHARE = 0.3  # of the deposits that have any payout in the window
# the fields of an entry's or leg's row in ``info`` (``find_links``' query: its rowid -> the
# rest of the row): chain, transaction, sender id, receiver id, asset id, time, epoch
# seconds, and the transaction's ``MEMO_KEY``
_CHAIN, _TX, _FROM, _TO, _ASSET, _TIME, _EPOCH, _MEMO_KEY = range(8)
# a transaction's key among the memos': DuckDB's hash, the same function wherever one
# process computes it (not stored: it may change with DuckDB's version)
MEMO_KEY = "hash(chain, tx_hash)"


@dataclass(slots=True)
class Entry:
    """A tainted transfer into a service (an index position of the account-model trace)."""

    position: int
    rowid: int
    category: str
    dirty: float
    amount: float
    hop: int  # hop of the receiving service (sender's hop + 1)


@dataclass(slots=True)
class Link:
    """One leg out of a service, matched to a tainted entry."""

    kind: str  # dex_swap | cross_chain_swap | bridge | mixer
    entry: Entry
    out_chain: str
    out_asset: str
    out_amount: float
    tainted_out: float
    confidence: float
    evidence: str
    from_tx: str = ""
    to_tx: str = ""
    position: int | None = None  # account leg: index position
    txid: str | None = None  # UTXO leg: the output
    vout: int | None = None

    def to_dict(self, entry_chain: str, entry_asset: str) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "from_chain": entry_chain,
            "from_tx": self.from_tx,
            "to_chain": self.out_chain,
            "to_tx": self.to_tx,
            "asset_in": entry_asset,
            "amount_in": self.entry.amount,
            "asset_out": self.out_asset,
            "amount_out": self.out_amount,
            "tainted_in": self.entry.dirty,
            "tainted_out": self.tainted_out,
            "confidence": round(self.confidence, 4),
            "evidence": self.evidence,
        }


class LinkCache:
    """What link matching reads from the store that does not change within one trace: the
    assets' symbols, the services' actors and their wallets, and each actor's traffic reader
    (a trace matches links once per wave: 11 waves at 50M, each asking for the same
    services)."""

    def __init__(self, store: Store, index: TraceIndex) -> None:
        self.store = store
        self.index = index
        self._symbols: dict[int, str] | None = None
        self._actor_of: dict[int, str | None] = {}  # service address id -> actor
        self._traffic: dict[str, ServiceTraffic] = {}
        self._memo_keys: npt.NDArray[np.uint64] | None = None
        self._memo_rowids: npt.NDArray[np.int64] | None = None

    @property
    def symbols(self) -> dict[int, str]:
        if self._symbols is None:
            self._symbols = {
                int(i): str(s or a)
                for i, s, a in self.store.con.execute(
                    "SELECT id, symbol, asset FROM assets"
                ).fetchall()
            }
        return self._symbols

    @property
    def memo_keys(self) -> npt.NDArray[np.uint64]:
        """``MEMO_KEY`` of every transaction with a memo, sorted (one scan of the memos, ~10
        ms for 2 x 10^5): a wave asks for the memos of the entries whose key is among them
        only, usually none (a join with the memos' text costs ~30 ms however few entries
        ask). Two transactions of one key only make a candidate that ``_memo_pairs`` drops."""
        if self._memo_keys is None:
            found = self.store.con.execute(
                f"SELECT rowid, {MEMO_KEY} AS k FROM tx_memos"
            ).fetchnumpy()
            keys = np.asarray(found["k"], dtype=np.uint64)
            by_key = np.argsort(keys, kind="stable")
            self._memo_keys = keys[by_key]
            self._memo_rowids = np.asarray(found["rowid"], dtype=np.int64)[by_key]
        return self._memo_keys

    def memo_rowids(self, keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """The rowids of the memos whose ``MEMO_KEY`` is one of ``keys``, sorted."""
        ordered = self.memo_keys
        assert self._memo_rowids is not None
        lo = np.searchsorted(ordered, keys, side="left").astype(np.int64)
        hi = np.searchsorted(ordered, keys, side="right").astype(np.int64)
        return np.unique(self._memo_rowids[expand_ranges(lo, hi)])

    def actors(self, address_ids: set[int]) -> dict[int, str]:
        """The actor of each of the addresses that has one (labels; an address labelled for
        several actors: the last by name, so that the choice does not depend on the scan)."""
        missing = sorted(a for a in address_ids if a not in self._actor_of)
        if missing:
            self._actor_of.update(dict.fromkeys(missing))
            for a, act in self.store.con.execute(
                "SELECT DISTINCT address_id, actor FROM labels WHERE actor IS NOT NULL "
                "AND address_id IN (SELECT unnest(?::BIGINT[])) ORDER BY ALL",
                [missing],
            ).fetchall():
                self._actor_of[int(a)] = str(act)
        return {a: act for a in address_ids if (act := self._actor_of[a]) is not None}

    def traffic(self, actors: list[str]) -> dict[str, ServiceTraffic]:
        """The traffic reader of every wallet of each of ``actors``: the wallets and their
        chains of those not asked before in one query (a scan of the addresses each)."""
        missing = sorted({a for a in actors if a not in self._traffic})
        if missing:
            # DISTINCT: a wallet has a label per source
            rows = self.store.con.execute(
                "SELECT DISTINCT l.actor, l.address_id, a.chain FROM labels l "
                "JOIN addresses a ON a.id = l.address_id "
                "WHERE l.actor IN (SELECT unnest(?::VARCHAR[])) ORDER BY 1, 2",
                [missing],
            ).fetchall()
            chains: dict[str, dict[int, str]] = {actor: {} for actor in missing}
            for actor, a, chain in rows:
                chains[str(actor)][int(a)] = str(chain)
            for actor, chain_of in chains.items():
                self._traffic[actor] = ServiceTraffic(
                    self.store, self.index, list(chain_of), chain_of
                )
        return {actor: self._traffic[actor] for actor in actors}


def find_links(
    store: Store,
    index: TraceIndex,
    entries: list[Entry],
    *,
    window: timedelta = timedelta(hours=6),
    match_exchanges: bool = True,
    cache: LinkCache | None = None,
) -> list[Link]:
    """Every leg out of the services the entries went into (each entry matched at most once
    per kind; an entry of a memo or same-transaction pair is not matched by amount).
    ``cache``: the store's facts of earlier calls in the same trace."""
    if not entries:
        return []
    cache = cache or LinkCache(store, index)
    # same-transaction candidates come from the index: their hashes are read in the same
    # query as the entries' (one scan of the transfers instead of two)
    rest = [e for e in entries if e.category != "mixer"]
    candidates = _same_tx_candidates(index, rest)
    legs = sorted({p for positions in candidates.values() for p in positions})
    info = _rows_of(store, index, [*(e.position for e in entries), *legs])
    links: list[Link] = []
    done: set[int] = set()
    symbols = cache.symbols
    mixer = [e for e in entries if e.category == "mixer"]
    for e in mixer:
        chain, tx_hash = info[e.rowid][_CHAIN], info[e.rowid][_TX]
        links.append(
            Link(
                "mixer",
                e,
                chain,
                symbols.get(int(info[e.rowid][_ASSET]), "?"),
                e.amount,
                e.dirty,
                1.0,
                "deposit into the mixer pool; withdrawals carry the pool's dirty share "
                "(pool haircut)",
                from_tx=tx_hash,
                to_tx=tx_hash,
                position=e.position,
            )
        )
        done.add(e.position)
    rest = [e for e in rest if e.position not in done]
    links += _same_tx(index, rest, candidates, info, done, symbols)
    rest = [e for e in rest if e.position not in done and e.category != "dex"]
    links += _memo_pairs(cache, _may_have_memos(cache, rest, info), info, done, symbols)
    rest = [e for e in rest if e.position not in done]
    if not match_exchanges:
        rest = [e for e in rest if e.category != "exchange"]
    links += _amount_matches(cache, rest, info, done, window)
    return links


def _rows_of(store: Store, index: TraceIndex, positions: list[int]) -> dict[int, tuple[Any, ...]]:
    """Rowid -> (chain, transaction, sender id, receiver id, asset id, time, epoch seconds,
    ``MEMO_KEY``) of the transfers at index positions (those the store holds). The ids and
    the asset come from the index; the store is asked for the rest only (a semi-join on
    rowid: 2x faster than a join for a few rows; the columns the index has cost ~30% of
    it at the 50M trace's 8,476 entries)."""
    at = np.asarray(positions, dtype=np.int64)
    rowids = index.rowid[at].astype(np.int64)
    with values_query(store.con, id=rowids) as (sql, params):
        rows = store.con.execute(
            f"""
            SELECT rowid, chain, tx_hash, block_time,
                   trunc(epoch(block_time))::BIGINT,  -- as traffic.epoch: whole seconds
                   {MEMO_KEY}
            FROM transfers WHERE rowid IN ({sql})
            """,
            params,
        ).fetchall()
    from_ids = index.ids[index.src(at)].tolist()
    to_ids = index.ids[index.dst[at].astype(np.int64)].tolist()
    of_rowid = {
        rid: (sender, receiver, asset)
        for rid, sender, receiver, asset in zip(
            rowids.tolist(), from_ids, to_ids, index.asset[at].tolist(), strict=True
        )
    }
    info: dict[int, tuple[Any, ...]] = {}
    for rid, chain, tx_hash, when, epoch, key in rows:
        sender, receiver, asset = of_rowid[int(rid)]
        info[int(rid)] = (chain, tx_hash, sender, receiver, asset, when, epoch, key)
    return info


_NO_ROW = (None, None)  # a leg the store no longer holds: never the same transaction


def _same_tx_candidates(index: TraceIndex, entries: list[Entry]) -> dict[int, list[int]]:
    """Entry rowid -> index positions of the legs that may pay its sender back in the same
    transaction: the sender's inflows in the same second, of another asset."""
    if not entries:
        return {}
    at = np.fromiter((e.position for e in entries), dtype=np.int64, count=len(entries))
    when = index.t(at)
    which, inflow = index.inflows_between_many(index.src(at), when, when)
    other = index.asset[inflow] != index.asset[at[which]]
    which, inflow = which[other], inflow[other]
    found: dict[int, list[int]] = {}
    for k, p in zip(which.tolist(), inflow.tolist(), strict=True):
        found.setdefault(entries[k].rowid, []).append(p)
    return found


def _same_tx(
    index: TraceIndex,
    entries: list[Entry],
    candidates: dict[int, list[int]],
    info: dict[int, tuple[Any, ...]],
    done: set[int],
    symbols: dict[int, str],
) -> list[Link]:
    """A swap inside one transaction: the sender gets another asset back in the same tx.

    The candidates come from the index (``_same_tx_candidates``) and ``info`` holds their
    transaction hashes: no scan of the transfers table for them.
    """
    by_rowid = {e.rowid: e for e in entries}
    out: list[Link] = []
    for rid, positions in candidates.items():
        e = by_rowid.get(rid)
        if e is None:
            continue  # not one of these entries
        chain, tx_hash = info[rid][_CHAIN], info[rid][_TX]
        legs = [
            (p, float(index.amount[p]), int(index.asset[p]))
            for p in positions
            if info.get(int(index.rowid[p]), _NO_ROW)[_TX] == tx_hash
        ]
        if not legs:
            continue
        share = e.dirty / e.amount if e.amount > 0 else 0.0
        for p, amount, asset_id in legs:
            out.append(
                Link(
                    "dex_swap",
                    e,
                    chain,
                    symbols.get(asset_id, str(asset_id)),
                    amount,
                    amount * share / len(legs),
                    1.0,
                    f"same transaction {tx_hash[:12]}…: {symbols.get(int(info[rid][_ASSET]), '?')} "
                    f"in, {symbols.get(asset_id, '?')} paid back to the sender",
                    from_tx=tx_hash,
                    to_tx=tx_hash,
                    position=p,
                )
            )
        done.add(e.position)
    return out


def _may_have_memos(
    cache: LinkCache, entries: list[Entry], info: dict[int, tuple[Any, ...]]
) -> list[Entry]:
    """The entries whose transaction's ``MEMO_KEY`` is among the memos'."""
    if not entries:
        return []
    keys = np.fromiter(
        (info[e.rowid][_MEMO_KEY] for e in entries), dtype=np.uint64, count=len(entries)
    )
    found = find_sorted(cache.memo_keys, keys) >= 0
    return [e for e, hit in zip(entries, found.tolist(), strict=True) if hit]


def _memo_pairs(
    cache: LinkCache,
    entries: list[Entry],
    info: dict[int, tuple[Any, ...]],
    done: set[int],
    symbols: dict[int, str],
) -> list[Link]:
    """THORChain-style: ``=:CHAIN.ASSET:DEST`` on the inbound, ``OUT:<HASH>`` on the outbound.

    The entries' memos are read by rowid (the memos of their keys; a join on the hashes'
    text took ~20 ms per wave at 50M), those of another transaction of the same key left
    out."""
    if not entries:
        return []
    con, index = cache.store.con, cache.index
    by_tx = {(info[e.rowid][_CHAIN], info[e.rowid][_TX]): e for e in entries}
    keys = np.fromiter(
        (info[e.rowid][_MEMO_KEY] for e in entries), dtype=np.uint64, count=len(entries)
    )
    with values_query(con, id=cache.memo_rowids(keys)) as (sql, params):
        rows = con.execute(
            f"SELECT chain, tx_hash, memo FROM tx_memos WHERE rowid IN ({sql}) ORDER BY rowid",
            params,
        ).fetchall()
    memos = [(chain, tx, memo) for chain, tx, memo in rows if (chain, tx) in by_tx]
    wanted: dict[
        str, tuple[Entry, str, str | None, str]
    ] = {}  # OUT memo -> entry, dest, chain, memo
    for chain, tx_hash, memo in memos:
        parsed = parse_swap_memo(str(memo))
        if parsed is None:
            continue
        dest_chain, dest = parsed
        key = "OUT:" + str(tx_hash).removeprefix("0x").upper()
        wanted[key] = (by_tx[(chain, tx_hash)], dest, dest_chain, str(memo))
    if not wanted:
        return []
    # ORDER BY: the links are made in this order, and their taint is summed in it (a
    # parallel semi-join returns rows in no fixed order: traces differed in last digits)
    outs = con.execute(
        "SELECT chain, tx_hash, memo FROM tx_memos WHERE memo IN (SELECT unnest(?::VARCHAR[])) "
        "ORDER BY rowid",
        [list(wanted)],
    ).fetchall()
    links: list[Link] = []
    # the outbound legs of every pair, in one query per chain model (not one per pair)
    utxo_txids = [str(t) for c, t, _ in outs if is_utxo(str(c))]
    in_utxo = set(utxo_txids)
    account_txs = [str(t) for c, t, _ in outs if str(t) not in in_utxo]
    utxo_legs: dict[tuple[str, str], list[tuple[int, float, str]]] = defaultdict(list)
    for chain, txid, vout, value, address in con.execute(
        """
        SELECT o.chain, o.txid, o.vout, o.value::DOUBLE, a.address FROM utxo_outputs o
        JOIN addresses a ON a.id = o.address_id
        WHERE o.txid IN (SELECT unnest(?::VARCHAR[])) ORDER BY o.chain, o.txid, o.vout
        """,
        [utxo_txids],
    ).fetchall():
        utxo_legs[(str(chain), str(txid))].append((int(vout), float(value), str(address)))
    account_legs: dict[tuple[str, str], list[tuple[int, float, int, str]]] = defaultdict(list)
    positions: dict[int, int] = {}  # rowid -> index position of the account legs
    if account_txs:
        rows = con.execute(
            """
            SELECT t.rowid, t.chain, t.tx_hash, t.amount::DOUBLE, t.asset_id, a.address,
                   t.from_id, epoch(t.block_time)::BIGINT
            FROM transfers t JOIN addresses a ON a.id = t.to_id
            WHERE t.tx_hash IN (SELECT unnest(?::VARCHAR[])) AND t.amount > 0
            ORDER BY t.rowid
            """,
            [account_txs],
        ).fetchall()
        at = index.positions_of([r[6] for r in rows], [r[7] for r in rows], [r[0] for r in rows])
        for (rowid, chain, tx_hash, value, asset_id, address, _, _), p in zip(
            rows, at.tolist(), strict=True
        ):
            account_legs[(str(chain), str(tx_hash))].append(
                (int(rowid), float(value), int(asset_id), str(address))
            )
            if p >= 0:
                positions[int(rowid)] = p
    for out_chain, out_tx, out_memo in outs:
        e, dest, dest_chain, memo = wanted[str(out_memo)]
        if dest_chain is not None and dest_chain != out_chain:
            continue
        share = e.dirty / e.amount if e.amount > 0 else 0.0
        evidence = f"memo {memo!r} on the inbound; {out_memo!r} on the outbound paying {dest}"
        leg_key = (str(out_chain), str(out_tx))
        if is_utxo(str(out_chain)):
            chain = CHAINS[str(out_chain)]
            found = [(vout, value) for vout, value, a in utxo_legs.get(leg_key, []) if a == dest]
            for vout, value in found:
                links.append(
                    Link(
                        "cross_chain_swap",
                        e,
                        str(out_chain),
                        chain.native_symbol,
                        value,
                        value * share / len(found),
                        1.0,
                        evidence,
                        from_tx=info[e.rowid][_TX],
                        to_tx=str(out_tx),
                        txid=str(out_tx),
                        vout=vout,
                    )
                )
        else:
            legs = [
                (r, v, a)
                for r, v, a, address in account_legs.get(leg_key, [])
                if address == dest and r in positions
            ]
            for rowid, value, asset_id in legs:
                links.append(
                    Link(
                        "cross_chain_swap",
                        e,
                        str(out_chain),
                        symbols.get(asset_id, "?"),
                        value,
                        value * share / len(legs),
                        1.0,
                        evidence,
                        from_tx=info[e.rowid][_TX],
                        to_tx=str(out_tx),
                        position=positions[rowid],
                    )
                )
        done.add(e.position)
    return links


_THOR_CHAINS = {
    "BTC": "bitcoin",
    "ETH": "ethereum",
    "BSC": "bsc",
    "AVAX": "avalanche",
    "BASE": "base",
    "TRON": "tron",
}


def parse_swap_memo(memo: str) -> tuple[str | None, str] | None:
    """(chain, destination) of a THORChain swap memo (``SWAP:``, ``s:`` or ``=:``), else None."""
    parts = memo.split(":")
    if len(parts) < 3 or parts[0].upper() not in ("SWAP", "S", "="):
        return None
    pool, dest = parts[1], parts[2]
    if not dest:
        return None
    symbol = pool.split(".", 1)[0].split("~", 1)[0].split("/", 1)[0].upper()
    return _THOR_CHAINS.get(symbol), dest


def _amount_matches(
    cache: LinkCache,
    entries: list[Entry],
    info: dict[int, tuple[Any, ...]],
    done: set[int],
    window: timedelta,
) -> list[Link]:
    """Bridges and instant exchangers without memos: match payouts by time and rate.

    The service's rate is calibrated on all its deposits and payouts around the tainted ones
    (``CALIBRATION`` either side): a swap service pays most deposits back at one rate, an
    ordinary exchange does not, so an exchange only links when it behaves like a swap.
    """
    if not entries:
        return []
    # the services the entries went into, and their actors
    actor_of = cache.actors({int(info[e.rowid][_TO]) for e in entries})
    by_actor: dict[str, list[Entry]] = defaultdict(list)
    for e in entries:
        owner = actor_of.get(int(info[e.rowid][_TO]))
        if owner is not None:
            by_actor[owner].append(e)
    symbols = cache.symbols
    readers = cache.traffic(list(by_actor))
    links: list[Link] = []
    for act, group in by_actor.items():
        traffic = readers[act]
        lo = min(info[e.rowid][_TIME] for e in group) - CALIBRATION
        hi = max(info[e.rowid][_TIME] for e in group) + CALIBRATION
        deposits = traffic.deposits(lo, hi, CALIBRATION_DEPOSITS)
        if not deposits:
            continue  # no rate to calibrate
        # only payouts within ``window`` after a calibration deposit or an entry are ever
        # compared: fetch those (a busy exchange pays out ~10^5 times in the whole window)
        starts = [*deposits.ts.tolist(), *(info[e.rowid][_EPOCH] for e in group)]
        # a payout in the deposits' own chain and asset is never a swap (``_service_rates``):
        # when all of them are in one, its payouts (an exchange's ~10^5) are not read
        paid = deposits.amount > 0
        kinds = np.unique(_kind_codes(deposits)[paid])
        only = None
        if len(kinds) == 1:
            k = int(np.flatnonzero(paid)[0])
            only = (deposits.chains[int(deposits.chain[k])], int(deposits.asset[k]))
        payouts = traffic.payouts(lo, hi + window, spans(starts, window), skip=only)
        if not payouts:
            continue
        # a labelled bridge may link on sparse traffic when every deposit near it is paid back
        # at one rate; an exchange needs MIN_SUPPORT deposits to count as a swap service
        bridges = all(e.category in ("bridge", "cross_chain_swap") for e in group)
        rates = _service_rates(deposits, payouts, window, sparse_ok=bridges)
        if not rates:
            continue
        # payouts by time; per (chain, asset) of the deposits, each payout's rate (NaN: none)
        by_time = stable_order(payouts.ts)
        pay_t = payouts.ts[by_time]
        pay_amount = payouts.amount[by_time]
        pay_chain, pay_asset = payouts.chain[by_time], payouts.asset[by_time]
        span = int(window.total_seconds())
        rate_cache: dict[tuple[Any, Any], npt.NDArray[np.float64]] = {}
        for e in group:
            chain_in, _, _, _, asset_in, t_in, t0 = info[e.rowid][:_MEMO_KEY]
            if e.amount <= 0:
                continue
            if (chain_in, asset_in) not in rate_cache:
                rate_of = np.full(len(pay_t), np.nan)
                for (c_in, a_in, c_out, a_out), (log_rate, _, _) in rates.items():
                    if (c_in, a_in) == (chain_in, asset_in) and c_out in payouts.chains:
                        code = payouts.chains.index(c_out)
                        rate_of[(pay_chain == code) & (pay_asset == a_out)] = log_rate
                rate_cache[(chain_in, asset_in)] = rate_of
            rate_of = rate_cache[(chain_in, asset_in)]
            lo = int(np.searchsorted(pay_t, t0, side="left"))
            hi = int(np.searchsorted(pay_t, t0 + span, side="right"))
            if lo >= hi:
                continue
            r_all = np.log(pay_amount[lo:hi] / e.amount)
            deviation = np.abs(r_all - rate_of[lo:hi])
            ok = np.flatnonzero(deviation <= MATCH_TOLERANCE)  # NaN (no rate) never is
            if not len(ok):
                continue
            # the closest to the service's rate, then the earliest
            pick = int(ok[np.lexsort((pay_t[lo:hi][ok], deviation[ok]))[0]])
            r, agreeing = float(r_all[pick]), len(ok)
            row = int(by_time[lo + pick])
            kind, chain_out, tx, ref, asset_out, amount, t_out, _ = payouts.row(row)
            _, share, calibration = rates[(chain_in, asset_in, chain_out, asset_out)]
            if tx is None:
                tx, t_out = traffic.details(int(ref))
            confidence = share / agreeing
            sym = CHAINS[chain_out].native_symbol if kind == "utxo" else symbols.get(asset_out, "?")
            evidence = (
                f"payout by a wallet of {act} {(t_out - t_in)} after the deposit at the "
                f"service's rate ({math.exp(r):.6g} per base unit; {calibration}); "
                f"{agreeing} candidate payout(s) agree"
            )
            links.append(
                Link(
                    "bridge",
                    e,
                    chain_out,
                    sym,
                    amount,
                    amount * e.dirty / e.amount,
                    confidence,
                    evidence,
                    from_tx=info[e.rowid][_TX],
                    to_tx=tx,
                    position=int(payouts.at[row]) if kind == "account" else None,
                    txid=tx if kind == "utxo" else None,
                    vout=ref if kind == "utxo" else None,
                )
            )
            done.add(e.position)
    # an account leg the index does not hold (a wallet on another chain) cannot be followed
    return [
        lk for lk in links if lk.txid is not None or (lk.position is not None and lk.position >= 0)
    ]


def _kind_codes(deposits: Deposits) -> npt.NDArray[np.int64]:
    """One code per (chain, asset id) of each deposit (asset ids are below 2**40)."""
    return deposits.chain * (2**40) + deposits.asset


def _service_rates(
    deposits: Deposits,
    payouts: Payouts,
    window: timedelta,
    sparse_ok: bool = False,
) -> dict[tuple[Any, ...], tuple[float, float, str]]:
    """(chain in, asset in, chain out, asset out) -> (log rate, share of deposits paid at it,
    description), for the pairs where the service behaves like a swap: at least
    ``MIN_SUPPORT`` deposits, and ``MIN_SHARE`` of those with any payout in the window, are
    paid back at one rate (the densest ``MATCH_TOLERANCE`` band of log amount ratios); with
    ``sparse_ok`` (a labelled bridge) fewer deposits do when all of them are, at a confidence
    reduced in proportion.
    Vectorized: payouts sorted by time, each deposit's window found by binary search."""
    span = int(window.total_seconds())
    # deposits by (chain, asset), in order of first appearance, each in the order given
    dep_groups: dict[tuple[Any, Any], tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]] = {}
    code = _kind_codes(deposits)
    positive_in = deposits.amount > 0
    for c in in_first_order(code[positive_in]).tolist():
        mine = positive_in & (code == c)
        key = (deposits.chains[c >> 40], c & (2**40 - 1))
        dep_groups[key] = (deposits.amount[mine], deposits.ts[mine])  # ts: epoch seconds
    # payouts by (chain, asset), each group in time order (ties: in the order given)
    pay_groups: dict[tuple[Any, Any], tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]] = {}
    positive = np.flatnonzero(payouts.amount > 0)
    group_code = payouts.chain[positive] * (2**40) + (payouts.asset[positive] + 1)
    for code in in_first_order(group_code).tolist():
        members = positive[group_code == code]
        members = members[stable_order(payouts.ts[members])]
        chain_out = payouts.chains[int(payouts.chain[members[0]])]
        pay_groups[(chain_out, int(payouts.asset[members[0]]))] = (
            payouts.ts[members],
            payouts.amount[members],
        )
    rates: dict[tuple[Any, ...], tuple[float, float, str]] = {}
    for key_in, (d_amount, d_t) in dep_groups.items():
        for key_out, (p_t, p_amount) in pay_groups.items():
            if key_out[0] == key_in[0] and key_out[1] == key_in[1]:
                # same asset on the same chain: an ordinary payout, not a swap (a UTXO
                # output's asset is -1, never a deposit's)
                continue
            lo = np.searchsorted(p_t, d_t, side="left")
            hi = np.searchsorted(p_t, d_t + span, side="right")
            pos = expand_ranges(lo.astype(np.int64), hi.astype(np.int64))
            if not len(pos):
                continue
            owner = np.repeat(np.arange(len(d_t)), hi - lo)
            ratio = np.log(p_amount[pos] / d_amount[owner])
            order2 = np.argsort(ratio, kind="stable")
            ratio, owner = ratio[order2], owner[order2]
            ends = np.searchsorted(ratio, ratio + MATCH_TOLERANCE, side="right")
            best = int(np.argmax(ends - np.arange(len(ratio))))
            band = slice(best, int(ends[best]))
            support = len(np.unique(owner[band]))
            with_candidates = len(np.unique(owner))
            share = support / with_candidates
            sparse = sparse_ok and support < MIN_SUPPORT and share == 1.0
            if (support >= MIN_SUPPORT and share >= MIN_SHARE) or sparse:
                share *= min(1.0, support / MIN_SUPPORT)  # less traffic, less confidence
                rates[(*key_in, *key_out)] = (
                    float(np.median(ratio[band])),
                    share,
                    f"{support} of {with_candidates} deposits nearby are paid at this rate",
                )
    return rates
