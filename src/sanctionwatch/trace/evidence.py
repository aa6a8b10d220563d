"""A trace's evidence: its dense ids and index positions turned back into addresses, labels,
transactions and paths (``assemble``, called by ``engine.trace``).

What a trace result holds (``engine.TraceResult``): nodes (every address taint reached or
passed, with its labels, hop, taint received and held), edges (every tainted transfer once,
with its transaction, amount, tainted amount, stage and link), terminals (where value ended,
each with the path of first tainted inflows back to a seed) and the summary (totals by
category, by asset and model). Account-model edges get their stages here, on columns
(``stages.edge_stages``); the nodes' stages and the rest are set by
``stages.classify_stages`` from the columns returned beside the result. UTXO legs come from
the UTXO tracer and are merged in (``_merge_utxo``).

Python objects are built once per node and edge, from columns (a flood trace at 50M has
~3.5 x 10^5 edges); the transactions' hashes and times are read from the store on a worker
thread while the addresses and labels are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt

from sanctionwatch.chain.chains import CHAINS
from sanctionwatch.labels.query import categories_of_ids, label_fields
from sanctionwatch.store.db import Store
from sanctionwatch.trace.arrays import distinct, find_sorted, lookup, member_mask
from sanctionwatch.trace.engine import NO_HOP, AssetTrace, ModelRun, Reach, TraceResult
from sanctionwatch.trace.index import F64, I64, MASK32, TraceIndex
from sanctionwatch.trace.links import Link
from sanctionwatch.trace.stages import (
    AccountColumns,
    edge_stages,
    into_stage,
    link_stage,
    out_of_stage,
    plain_sum,
)
from sanctionwatch.trace.transactions import (
    NO_TIME,
    Transactions,
    read_addresses,
    read_transactions,
    sweep_fields,
)


def assemble(
    store: Store,
    index: TraceIndex,
    seed_ids: list[int],
    primary: str,
    model: str,
    runs: dict[str, ModelRun],
    reaches: dict[int, Reach],
    models: list[str],
) -> tuple[TraceResult, AccountColumns]:
    """Turn dense ids and index positions back into addresses, labels and transactions;
    also the account-model nodes and edges as columns (for their stages)."""
    con = store.con
    run = runs[primary]
    main = run.traces
    hop_all = _min_hops(reaches.values(), len(index.ids))  # NO_HOP: not reached
    stopped_all: dict[int, str] = {}
    inferred_all: dict[int, str] = {}
    for r in reaches.values():
        stopped_all.update(r.stopped)
        inferred_all.update(r.inferred)
    positions: set[int] = {p for tr in main.values() for p in tr.edges}
    # the transactions' hashes and times (a scan of the store, ~0.3 s of DuckDB work at the
    # 50M analyst trace) are read on a worker thread, on a connection of its own, from
    # here on: the paths' other transfers, usually none, are read after them
    from sanctionwatch.trace import _kernels as kern

    ends = {d for tr in main.values() for d in (*tr.terminal, *tr.continued_at)}
    for lk in run.links:
        ends.add(int(index.src([lk.entry.position])[0]))
    # a swept deposit address among the terminals: its sweep (the transfer and the wallet
    # that tell which exchange to ask), read with the edges (the same row groups), not a node
    sweeps = _sweeps(index, main, [d for d in inferred_all if d in ends])
    tx_con = con.cursor()
    swept_asked = set(sweeps.values()) - positions
    asked = np.sort(
        np.fromiter([*positions, *swept_asked], np.int64, len(positions) + len(swept_asked))
    )
    pending_tx = kern.background(read_transactions, tx_con, index, asked)
    seed_dense = index.dense(seed_ids)
    dense_parts = [_keys(tr.tainted_in) for tr in main.values()]
    dense_parts += [_keys(tr.held_at) for tr in main.values()]
    dense_parts.append(seed_dense[seed_dense >= 0].astype(np.int64))
    # dense -> earliest first tainted inflow, any asset (for the paths; a flood trace has
    # no ends)
    first = _first_inflows(index, main) if ends else {}
    leg_entry = _leg_entries(run)
    paths = {d: _path(index, first, hop_all, d, leg_entry) for d in ends}
    # under ``all``, an address the primary model's taint never reaches (poison's upper
    # bound reaches more) has its path by the first model whose taint does (``path_model``)
    # (and so do the deposits into its legs to UTXO chains, and their senders: the account
    # hops of a Bitcoin terminal only that model reaches, ``_merge_utxo``)
    path_model: dict[int, str] = {}
    leg_deposits: set[int] = set()
    for m in models if model == "all" else []:
        deposits = {lk.entry.position for legs, _ in runs[m].utxo for lk in legs}
        leg_deposits |= deposits
        senders = {int(d) for d in index.src(sorted(deposits))} if deposits else set()
        extra = _tainted_ends(runs[m].traces) - paths.keys()
        if extra or senders - paths.keys():
            first_m = _first_inflows(index, runs[m].traces)
            legs_m = _leg_entries(runs[m])
            for d in sorted(extra | (senders - paths.keys())):
                paths[d] = _path(index, first_m, hop_all, d, legs_m)
                if d in extra:
                    path_model[d] = m
            sweeps.update(_sweeps(index, runs[m].traces, [d for d in inferred_all if d in extra]))
    on_paths_only = sorted(
        ({p for path in paths.values() for p in path} | leg_deposits) - positions
    )
    # read after the edges: the paths' other transfers and the sweeps not read with them
    later = sorted({*on_paths_only, *sweeps.values()} - positions - swept_asked)
    positions.update(on_paths_only)
    wallet_ids = index.ids[index.dst[list(sweeps.values())]].astype(np.int64).tolist()
    if positions:
        at = np.fromiter(positions, dtype=np.int64, count=len(positions))
        dense_parts += [index.key[at] >> 32, index.dst[at].astype(np.int64)]
    at_ordered = distinct(np.concatenate(dense_parts))
    ordered = at_ordered.tolist()
    store_ids = index.ids[at_ordered].astype(np.int64).tolist()
    # (chain, address) of each node in the nodes' order, and of the seeds
    book = read_addresses(con, [*store_ids, *seed_ids, *wallet_ids])

    def located_ids(ids: list[int]) -> list[tuple[str, str]]:
        """(chain, address) of store ids, ("?", "?") for an id not in the store."""
        return list(zip(*book.columns(ids, "?"), strict=True))

    labels = categories_of_ids(con, [*store_ids, *wallet_ids])
    asset_rows = con.execute("SELECT id, symbol, asset, decimals, chain FROM assets").fetchall()
    used = {a for mrun in runs.values() for a in mrun.traces}
    chains_of: dict[str, set[str]] = {}
    for i, sym, asset, _, chain in asset_rows:
        if int(i) in used:
            chains_of.setdefault(str(sym or asset), set()).add(str(chain))
    asset_info = {  # a symbol on several chains is named SYMBOL@chain (USDT@ethereum, USDT@tron)
        int(i): (
            str(sym or asset)
            + (f"@{chain}" if len(chains_of.get(str(sym or asset), ())) > 1 else ""),
            dec,
            chain,
        )
        for i, sym, asset, dec, chain in asset_rows
    }
    link_at: dict[int, tuple[Link, str]] = {}  # position -> link, "in" (entry) or "out" (leg)
    for lk in run.links:
        link_at.setdefault(lk.entry.position, (lk, "in"))
        if lk.position is not None and lk.kind != "mixer":
            link_at[lk.position] = (lk, "out")

    located_ordered = located_ids(store_ids)
    addr_of_dense = dict(zip(ordered, located_ordered, strict=True))

    def located(dense: int) -> tuple[str, str]:
        """(chain, address) of a dense id."""
        known = addr_of_dense.get(dense)
        return known if known is not None else located_ids([int(index.ids[dense])])[0]

    located_array = np.fromiter(located_ordered, dtype=object, count=len(located_ordered))

    def located_many(dense: I64) -> list[tuple[str, str]]:
        """``located`` of many (one binary search and one gather for all; the rest, if any,
        one by one)."""
        if not len(ordered):
            return [located(d) for d in dense.tolist()]
        at = find_sorted(at_ordered, dense)
        out: list[tuple[str, str]] = located_array[np.maximum(at, 0)].tolist()
        for k in np.flatnonzero(at < 0).tolist():
            out[k] = located(int(dense[k]))
        return out

    def address_of(dense: int) -> dict[str, Any]:
        chain, text = located(dense)
        return {"address": text, "chain": chain}

    symbols = {a: info[0] for a, info in asset_info.items()}

    def symbol(a: int) -> str:
        return symbols[a] if a in symbols else str(a)

    def edges_at(
        at: list[int],
        tainted: list[float],
        stage: Sequence[tuple[str | None, str | None]] | None = None,
    ) -> list[dict[str, Any]]:
        return _edges(index, at, tainted, stage, tx, located_many, symbol, hop_all, link_at)

    # per address, what it received and holds of each asset (in the assets' order)
    tainted_in: dict[int, dict[str, float]] = {}
    held_at: dict[int, dict[str, float]] = {}
    for a, tr in main.items():
        sym = symbol(a)
        _add_amounts(tainted_in, tr.tainted_in, sym)
        _add_amounts(held_at, tr.held_at, sym)
    node_labels: list[dict[str, Any] | None] = list(map(labels.get, store_ids))
    if inferred_all:  # a swept deposit address the labels do not name: an exchange's
        inferred_at = np.fromiter(inferred_all, dtype=np.int64, count=len(inferred_all))
        found_at, slot = lookup(at_ordered, inferred_at)
        for k in slot[found_at].tolist():
            if node_labels[k] is None:
                node_labels[k] = {  # (the terminal's ``evidence`` says why)
                    "category": "exchange",
                    "categories": ["exchange"],
                    "label": None,
                    "source": None,
                    "confidence": None,
                }
    labels_of = {  # dense -> its node's labels
        ordered[k]: lab for k, lab in enumerate(node_labels) if lab is not None
    }
    labelled = [k for k, lab in enumerate(node_labels) if lab is not None]  # nodes with labels
    node_hops = hop_all[at_ordered].astype(np.int64)
    node_hops[node_hops == NO_HOP] = 0
    nodes: list[dict[str, Any]] = [
        {
            "address": text,
            "chain": chain,
            "hop": hop,
            "labels": lab,
            "tainted_in": tainted_in.get(d) or {},
            "held": held_at.get(d) or {},
            "stage": None,
            "stage_evidence": None,
        }
        for d, (chain, text), hop, lab in zip(
            ordered, located_ordered, node_hops.tolist(), node_labels, strict=True
        )
    ]
    # every edge once: the tainted transfers, then the rest of the paths (copied per path)
    tainted_at = {p: amount for tr in main.values() for p, amount in tr.edges.items()}
    on_paths = [
        p
        for p in dict.fromkeys([*(q for path in paths.values() for q in path), *leg_deposits])
        if p not in tainted_at
    ]
    wanted = [*tainted_at, *on_paths]
    stage = _tainted_stages(index, tainted_at, labels_of, main, stopped_all, link_at)
    try:
        tx = pending_tx.result().joined(read_transactions(tx_con, index, later))
    finally:
        tx_con.close()
    built = dict(
        zip(
            wanted,
            edges_at(
                wanted,
                [*tainted_at.values(), *[0.0] * len(on_paths)],
                [*stage, *[(None, None)] * len(on_paths)],
            ),
            strict=True,
        )
    )
    edges = [built[p] for p in tainted_at]
    at_edges = np.fromiter(tainted_at, dtype=np.int64, count=len(tainted_at))
    # by the index's seconds when the store gave every edge its time (an edge it lacks has
    # the epoch as its time), else by the times alone
    seconds = index.t(at_edges) if tx.holds(at_edges) else None
    order = _edge_order(edges, seconds)
    edges = [edges[k] for k in order]
    at_edges = at_edges[np.asarray(order, dtype=np.int64)]
    received, held = _node_totals(nodes, at_ordered, main, symbol)
    accounts = AccountColumns(
        at_ordered,
        node_hops,
        received,
        held,
        np.asarray(labelled, dtype=np.int64),
        edges,
        index.src(at_edges).astype(np.int64),
        index.dst[at_edges].astype(np.int64),
    )
    swept_to = {
        d: _sweep_fields(
            p,
            located(int(index.dst[p])),
            labels.get(int(index.ids[index.dst[p]])),
            symbol(int(index.asset[p])),
            tx,
        )
        for d, p in sweeps.items()
    }
    terminals: list[dict[str, Any]] = []
    by_category: dict[str, dict[str, float]] = {}
    through: dict[str, dict[str, float]] = {}
    assets = [*main, *{a: None for m in models for a in runs[m].traces if a not in main}]
    taint_of: dict[str, dict[int, float]] = {}  # model -> position -> its taint (path_model)
    for a in assets:
        tr = main.get(a) or AssetTrace(a, primary)
        rows = [(d, amount, False) for d, amount in tr.terminal.items()]
        rows += [(d, amount, True) for d, amount in tr.continued_at.items()]
        rows.sort(key=lambda row: -row[1])
        if model == "all":  # and where only other models end or go on (the primary: 0)
            rows += _other_models_rows(runs, models, a, {(d, c) for d, _, c in rows})
        for d, amount, continued in rows:
            sid = int(index.ids[d])
            reason = stopped_all.get(d, "?")
            lab = labels.get(sid)
            item: dict[str, Any] = {
                **address_of(d),
                "category": reason,
                **label_fields(lab),
                "asset": symbol(a),
                "tainted_amount": amount,
                "continued": continued,
                "evidence": _with_sweep(inferred_all.get(d), swept_to.get(d)),
                **({"swept_to": swept_to[d]} if d in swept_to else {}),
                "path": [dict(built[p]) for p in paths.get(d, [])],
            }
            if d in path_model:  # its path's taint is that model's (the primary's is 0)
                m = item["path_model"] = path_model[d]
                if m not in taint_of:
                    taint_of[m] = _edge_taint(runs[m])
                for step, p in zip(item["path"], paths[d], strict=True):
                    step["tainted_amount"] = taint_of[m].get(p, 0.0)
            if model == "all":
                # what ended at the address (or went on from it, as this row says) under
                # each model: the row's own amount is the primary model's
                per = {
                    m: (
                        (
                            runs[m].traces[a].continued_at
                            if continued
                            else runs[m].traces[a].terminal
                        ).get(d, 0.0)
                        if a in runs[m].traces
                        else 0.0
                    )
                    for m in models
                }
                item["models"] = per
                item["range"] = [min(per.values()), max(per.values())]
            terminals.append(item)
            if amount <= 0.0:  # a row of other models only: the summary is the primary's
                continue
            bucket = through if continued else by_category
            cat = bucket.setdefault(reason, {})
            cat[symbol(a)] = cat.get(symbol(a), 0.0) + amount
    summary: dict[str, Any] = {
        "by_category": by_category,
        "through_links": through,
        "by_stage": {},
        "assets": {},
        "asset_info": {},
        "coinjoins": [],  # of the Bitcoin legs (``_merge_utxo``)
        "peel_chains": [],
    }
    for m, mrun in runs.items():
        for a, tr in mrun.traces.items():
            summary["assets"].setdefault(symbol(a), {})[m] = _asset_summary(tr)
    for a in {a for mrun in runs.values() for a in mrun.traces}:
        sym, dec, chain = asset_info.get(a, (str(a), None, None))
        summary["asset_info"][sym] = {"chain": chain, "decimals": dec}
    links_out = []
    for lk in run.links:
        p = lk.entry.position
        links_out.append(
            lk.to_dict(address_of(int(index.dst[p]))["chain"], symbol(int(index.asset[p])))
        )
    seeds_out = [{"address": text, "chain": chain} for chain, text in located_ids(seed_ids)]
    result = TraceResult(
        seeds_out, model, nodes, edges, terminals, summary, {}, reaches, index, models
    )
    result.links = links_out
    result.asset_names = symbols
    _merge_utxo(store, result, runs, primary, model, models, paths, index, built)
    # the rows only other models have (0 under the primary) after every row of the
    # primary model: the views that show the first rows show what the primary model found
    if model == "all":
        result.terminals.sort(key=lambda t: not t["tainted_amount"] > 0.0)
    for asset, by_model in summary["assets"].items():  # every model, in the models' order
        summary["assets"][asset] = {  # (zeros where no taint reached the asset under one)
            m: by_model[m] if m in by_model else _asset_summary(AssetTrace(-1, m)) for m in models
        }
    return result, accounts  # ``trace`` classifies the stages (``stages.classify_stages``)


def _add_amounts(into: dict[int, dict[str, float]], amounts: dict[int, float], sym: str) -> None:
    """``into[d][sym] = amount`` for each address's amount; the first asset's dicts made in
    one comprehension (most addresses have one asset)."""
    if not into:
        into.update({d: {sym: amount} for d, amount in amounts.items()})
        return
    for d, amount in amounts.items():
        found = into.get(d)
        if found is None:
            into[d] = {sym: amount}
        else:
            found[sym] = amount


def _keys(amounts: dict[int, Any]) -> I64:
    return np.fromiter(amounts, dtype=np.int64, count=len(amounts))


def _leg_entries(run: ModelRun) -> dict[int, int]:
    """A link's leg (its index position) -> the deposit that paid for it, for the paths (a
    mixer's or a same-transaction swap's leg is reached by its own tainted inflow)."""
    return {
        lk.position: lk.entry.position
        for lk in run.links
        if lk.position is not None and lk.kind not in ("mixer", "dex_swap")
    }


def _tainted_ends(traces: dict[int, AssetTrace]) -> set[int]:
    """The addresses where taint (above zero) ended or went on through a link."""
    return {
        d
        for tr in traces.values()
        for d, amount in (*tr.terminal.items(), *tr.continued_at.items())
        if amount > 0.0
    }


def _other_models_rows(
    runs: dict[str, ModelRun], models: list[str], asset: int, shown: set[tuple[int, bool]]
) -> list[tuple[int, float, bool]]:
    """Terminal rows (dense, 0.0, continued) of ``asset`` where some model other than the
    primary ends (or continues) taint and the primary's rows do not: by their largest
    amount over the models, then address."""
    best: dict[tuple[int, bool], float] = {}
    for m in models:
        tr = runs[m].traces.get(asset)
        if tr is None:
            continue
        for continued, amounts in ((False, tr.terminal), (True, tr.continued_at)):
            for d, amount in amounts.items():
                if amount > 0.0 and (d, continued) not in shown:
                    best[d, continued] = max(best.get((d, continued), 0.0), amount)
    ordered = sorted(best.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1]))
    return [(d, 0.0, continued) for (d, continued), _ in ordered]


def _sweeps(
    index: TraceIndex, traces: dict[int, AssetTrace], deposits: list[int]
) -> dict[int, int]:
    """dense -> the index position of the sweep that shows a deposit address for what it is:
    its first outgoing transfer of the stolen asset at or after its first tainted inflow
    (the exchange swept the stolen deposit; of any asset when none is), else its last
    one before."""
    out: dict[int, int] = {}
    key, asset = index.key, index.asset
    for d in sorted(deposits):
        firsts = [tr.first_edge[d] for tr in traces.values() if d in tr.first_edge]
        start, end = int(index.out_offsets[d]), int(index.out_offsets[d + 1])
        if end == start:  # (a swept address sent at least one transfer: always)
            continue
        if not firsts:
            out[d] = start
            continue
        first = min(firsts, key=lambda p: (int(key[p]) & MASK32, p))
        # its outgoing transfers are key[start:end] (few): the first at the inflow's time
        lo = start + int(np.searchsorted(key[start:end], (d << 32) | (int(key[first]) & MASK32)))
        same = np.flatnonzero(asset[lo:end] == asset[first])
        out[d] = lo + int(same[0]) if len(same) else lo if lo < end else end - 1
    return out


def _sweep_fields(
    position: int,
    wallet: tuple[str, str],
    label: dict[str, Any] | None,
    asset: str,
    tx: Transactions,
) -> dict[str, Any]:
    """A swept deposit terminal's ``swept_to`` from its sweep transfer's index position."""
    _, (tx_hash, amount, when, pos, kind) = tx.gather(np.array([position], dtype=np.int64))
    # (a transfer the store no longer holds: the epoch, as its edge)
    return sweep_fields(
        wallet, label, tx_hash[0], asset, amount[0], when[0] or NO_TIME, (kind[0], pos[0])
    )


def _with_sweep(why: str | None, sweep: dict[str, Any] | None) -> str | None:
    """A deposit address's evidence with its sweep named (the UTXO tracer's words)."""
    if why is None or sweep is None:
        return why
    to = f"{sweep['label'] or 'exchange'} {sweep['address']}"
    return f"{why}, e.g. sweep {sweep['tx_hash'] or '?'} to {to}"


def _first_inflows(index: TraceIndex, main: dict[int, AssetTrace]) -> dict[int, int]:
    """dense -> the earliest of its first tainted inflows over the assets (on a tie of time,
    the first asset's)."""
    dense = [_keys(tr.first_edge) for tr in main.values()]
    at = [np.fromiter(tr.first_edge.values(), np.int64, len(tr.first_edge)) for tr in main.values()]
    if not dense:
        return {}
    rank = np.concatenate([np.full(len(d), k, dtype=np.int64) for k, d in enumerate(dense)])
    d, p = np.concatenate(dense), np.concatenate(at)
    order = np.lexsort((rank, index.t(p), d))
    d, p = d[order], p[order]
    head = np.ones(len(d), dtype=bool)
    head[1:] = d[1:] != d[:-1]
    return dict(zip(d[head].tolist(), p[head].tolist(), strict=True))


def _node_totals(
    nodes: list[dict[str, Any]], at: I64, main: dict[int, AssetTrace], symbol: Any
) -> tuple[F64, F64]:
    """Taint received and held per node of the dense ids ``at`` (sorted), summed over its
    assets in their order, as the nodes' ``tainted_in`` and ``held`` dicts hold them. Two
    assets of one symbol share a key there (the later one's amount is kept): then the sums
    are taken from the dicts."""
    received = np.zeros(len(at), dtype=np.float64)
    held = np.zeros(len(at), dtype=np.float64)
    if len({symbol(a) for a in main}) < len(main):
        for k, node in enumerate(nodes[: len(at)]):
            received[k] = plain_sum(node["tainted_in"].values())
            held[k] = plain_sum(node["held"].values())
        return received, held
    for tr in main.values():
        for total, amounts in ((received, tr.tainted_in), (held, tr.held_at)):
            keys = np.fromiter(amounts, dtype=np.int64, count=len(amounts))
            values = np.fromiter(amounts.values(), dtype=np.float64, count=len(amounts))
            total[np.searchsorted(at, keys)] += values
    return received, held


# edges by time, then transaction and receiver (``itemgetter``: no Python call per edge)
_EDGE_ORDER = itemgetter("block_time", "tx_hash", "to_address")


def _edge_order(edges: list[dict[str, Any]], seconds: I64 | None) -> list[int]:
    """The order of ``edges`` by ``_EDGE_ORDER``, stable (as ``edges.sort``). With
    ``seconds`` (each edge's time rounded to the second, as the index holds it: never out of
    order with its ``block_time``), a numpy sort by the seconds, then a sort by the whole key
    of each run of edges in the same second only (the 50M analyst trace's 64,949 edges,
    shuffled: 145 -> 50 ms)."""
    if seconds is None:
        keys = list(map(_EDGE_ORDER, edges))
        return sorted(range(len(edges)), key=keys.__getitem__)
    by_second = np.argsort(seconds, kind="stable")
    ordered = seconds[by_second]
    order: list[int] = by_second.tolist()
    starts = np.flatnonzero(np.diff(ordered, prepend=ordered[:1] - 1))
    ends = np.append(starts[1:], len(ordered))
    shared = ends - starts > 1
    for a, b in zip(starts[shared].tolist(), ends[shared].tolist(), strict=True):
        order[a:b] = sorted(order[a:b], key=lambda k: _EDGE_ORDER(edges[k]))
    return order


def _tainted_stages(
    index: TraceIndex,
    tainted_at: dict[int, float],
    labels_of: dict[int, dict[str, Any]],
    main: dict[int, AssetTrace],
    stopped: dict[int, str],
    link_at: dict[int, tuple[Link, str]],
) -> list[tuple[str, str | None]]:
    """The laundering stage of each tainted transfer (``stages.edge_stages``), in the order
    of ``tainted_at``: from the link services' legs, the categories the terminals (and the
    links' ways through) were stopped as, and the nodes' labels."""
    ends = {d for tr in main.values() for d in (*tr.terminal, *tr.continued_at)}
    category = {d: stopped.get(d, "?") for d in ends}
    into = {
        d: found
        for d in {*category, *labels_of}
        if (found := into_stage(category.get(d), labels_of.get(d))) is not None
    }
    out_of = {d: found for d, lab in labels_of.items() if (found := out_of_stage(lab)) is not None}
    at = np.fromiter(tainted_at, dtype=np.int64, count=len(tainted_at))
    linked: dict[int, tuple[str, str]] = {}
    if link_at:
        at_link = np.fromiter(link_at, dtype=np.int64, count=len(link_at))
        for k in np.flatnonzero(member_mask(at, at_link)).tolist():
            lk, role = link_at[int(at[k])]
            linked[k] = link_stage(lk.kind, lk.confidence, role)
    return edge_stages(index.src(at), index.dst[at].astype(np.int64), into, out_of, linked)


def _min_hops(reaches: Iterable[Reach], size: int) -> npt.NDArray[np.int32]:
    """Fewest hops over every asset's reach, per dense id (NO_HOP where none)."""
    from sanctionwatch.trace import _kernels as kern

    best = np.full(size, NO_HOP, dtype=np.int32)
    for r in reaches:
        a = r.arrays()
        kern.minimum_at(best, a.nodes, a.hop)
    return best


def _asset_summary(tr: AssetTrace) -> dict[str, Any]:
    return {
        "traced": tr.source + tr.absorbed,
        "source": tr.source,
        "absorbed_clean": tr.absorbed,
        "terminals": sum(tr.terminal.values()),
        "through_links": tr.continued,
        "untraced": {
            "held": tr.held,
            "below_dust": tr.below_dust,
            "hop_limit": tr.hop_limit,
            "fees": tr.fees,
        },
    }


def _merge_utxo(
    store: Store,
    result: TraceResult,
    runs: dict[str, ModelRun],
    primary: str,
    model: str,
    models: list[str],
    paths: dict[int, list[int]],
    index: TraceIndex,
    built: dict[int, dict[str, Any]],
) -> None:
    """Add the UTXO legs' nodes, edges and terminals; terminals' paths start at the seeds,
    their account-model hops written as the trace's edges (``built``: index position ->
    edge, with the taint each carried)."""
    run = runs[primary]
    summary = result.summary
    # every model's accounting of its legs, also where the primary model has none
    per_model: dict[str, dict[tuple[str, str | None], float]] = {}
    # (chain, address) -> (model, its terminal, its legs by output): the first other model
    # that ends taint there, for the rows the primary model does not have
    others: dict[
        tuple[str, str | None], tuple[str, dict[str, Any], dict[tuple[str, int], Link]]
    ] = {}
    for m, mrun in runs.items():
        for legs, ut in mrun.utxo:
            per = per_model.setdefault(m, {})
            of_output = _legs_by_output(legs)
            for t in ut.to_parts(store)["terminals"] if m != primary and model == "all" else []:
                per[(t["chain"], t["address"])] = t["tainted_amount"]
                if t["tainted_amount"] > 0.0:
                    others.setdefault((t["chain"], t["address"]), (m, t, of_output))
            decimals = CHAINS[ut.chain].native_decimals if ut.chain in CHAINS else None
            summary["asset_info"][ut.asset] = {"chain": ut.chain, "decimals": decimals}
            summary["assets"].setdefault(ut.asset, {})[m] = {
                "traced": ut.injected + ut.absorbed,
                "source": ut.injected,
                "absorbed_clean": ut.absorbed,
                "terminals": ut.terminal_total,
                "through_links": 0.0,
                "untraced": {
                    "held": ut.held,
                    "below_dust": ut.below_dust,
                    "hop_limit": ut.hop_limit,
                    "fees": ut.fees,
                },
            }
    shown: set[tuple[str, str | None]] = set()
    for legs, ut in run.utxo:
        parts = ut.to_parts(store)
        by_output = _legs_by_output(legs)
        result.nodes.extend(parts["nodes"])
        for e in parts["edges"]:
            e["block_time"] = _utc(e["block_time"])
            result.edges.append(e)
        for t in parts["terminals"]:
            _account_hops(t, by_output, paths, index, built)
            shown.add((t["chain"], t["address"]))
            if model == "all":
                key = (t["chain"], t["address"])
                amounts = {m: per_model.get(m, {}).get(key, 0.0) for m in models}
                amounts[primary] = t["tainted_amount"]
                t["models"] = amounts
                t["range"] = [min(amounts.values()), max(amounts.values())]
            result.terminals.append(t)
            bucket = summary["by_category"].setdefault(t["category"], {})
            bucket[t["asset"]] = bucket.get(t["asset"], 0.0) + t["tainted_amount"]
        summary["coinjoins"].extend(parts["coinjoins"])
        summary["peel_chains"].extend(parts["peel_chains"])
    taint_of: dict[str, dict[int, float]] = {}
    for key, (m, t, by_output) in others.items():
        if key in shown:
            continue
        # a destination only other models reach: 0 under the primary model, the path and
        # its taint those of the first model that reaches it (as its account rows)
        if m not in taint_of:
            taint_of[m] = _edge_taint(runs[m])
        t = {**t, "tainted_amount": 0.0, "path": [dict(e) for e in t["path"]]}
        if "after_coinjoin" in t:
            t["after_coinjoin"] = 0.0
        _account_hops(t, by_output, paths, index, built, taint_of[m])
        t["path_model"] = m
        amounts = {mm: per_model.get(mm, {}).get(key, 0.0) for mm in models}
        amounts[primary] = 0.0
        t["models"] = amounts
        t["range"] = [min(amounts.values()), max(amounts.values())]
        result.terminals.append(t)
    if run.utxo:  # the legs' edges among the account-model ones, already in this order
        result.edges.sort(key=lambda e: (e["block_time"], e["tx_hash"], e["to_address"] or ""))


def _account_hops(
    terminal: dict[str, Any],
    by_output: dict[tuple[str, int], Link],
    paths: dict[int, list[int]],
    index: TraceIndex,
    built: dict[int, dict[str, Any]],
    taint: dict[int, float] | None = None,
) -> None:
    """A UTXO terminal's path (its times in UTC) preceded by the account-model hops to the
    deposit that paid for its leg: the hops to the sender, and the deposit, as the trace's
    edges (with ``taint``: the tainted amounts of that model instead)."""
    path = terminal["path"]
    for e in path:
        e["block_time"] = _utc(e["block_time"])
    if not path:
        return
    lk = by_output.get((path[0]["tx_hash"], int(path[0].get("vout") or 0)))
    if lk is None:
        return
    p = lk.entry.position
    at = [*paths.get(int(index.src([p])[0]), []), p]  # the hops to the sender, its deposit
    hops = [dict(built[q]) for q in at]
    if taint is not None:
        for step, q in zip(hops, at, strict=True):
            step["tainted_amount"] = taint.get(q, 0.0)
    terminal["path"] = [*hops, *path]


def _legs_by_output(legs: list[Link]) -> dict[tuple[str, int], Link]:
    """The links of UTXO legs by the output (txid, vout) each paid."""
    return {(str(lk.txid), int(lk.vout or 0)): lk for lk in legs}


def _edge_taint(run: ModelRun) -> dict[int, float]:
    """Index position -> the taint a model's run put on that transfer, over its assets."""
    return {p: v for tr in run.traces.values() for p, v in tr.edges.items()}


def _utc(when: str) -> str:
    """ISO time with its UTC offset (the store keeps UTC without one)."""
    return when if ("+" in when[10:] or when.endswith("Z")) else when + "+00:00"


def _path(
    index: TraceIndex,
    first: dict[int, int],
    hop: npt.NDArray[np.int32],
    dense: int,
    leg_entry: dict[int, int] | None = None,
) -> list[int]:
    """First tainted inflows from a seed to ``dense`` (each earlier than the next); a link's
    leg (a bridge payout, a swap's output) is followed by the deposit that paid for it."""
    path: list[int] = []
    seen: set[int] = set()
    node = dense
    jumps = leg_entry or {}
    key = index.key  # a transfer's sender is its key's high half (``index.src`` of one)
    while node in first and node not in seen and 0 < hop[node] < NO_HOP:
        seen.add(node)
        p = first[node]
        path.append(p)
        if p in jumps and int(key[jumps[p]]) >> 32 not in seen:
            p = jumps[p]
            path.append(p)
        node = int(key[p]) >> 32
    path.reverse()
    return path


def _edges(
    index: TraceIndex,
    positions: list[int],
    tainted: list[float],
    stage: Sequence[tuple[str | None, str | None]] | None,
    tx: Transactions,
    located_many: Any,
    symbol: Any,
    hop: npt.NDArray[np.int32],
    link_at: dict[int, tuple[Link, str]],
) -> list[dict[str, Any]]:
    """The edges at these index positions (one gather per column, then one dict each), with
    their ``stage`` (stage, evidence) if given."""
    at = np.asarray(positions, dtype=np.int64)
    srcs = (index.key[at] >> 32).astype(np.int64)
    senders = located_many(srcs)
    receivers = located_many(index.dst[at].astype(np.int64))
    asset_ids = index.asset[at].tolist()
    names = {a: symbol(a) for a in set(asset_ids)}
    assets = list(map(names.__getitem__, asset_ids))
    sender_hop = hop[srcs].astype(np.int64)
    # a sender the trace never reached: 0, a source inflow into a seed
    hops = np.where(sender_hop == NO_HOP, 0, sender_hop + 1).tolist()
    stages = stage or [(None, None)] * len(positions)
    found, (tx_hashes, amounts, times, in_tx, kinds) = tx.gather(at)
    for k in np.flatnonzero(~found).tolist():
        # not in the store (an index built without one): the index's amount
        tx_hashes[k], amounts[k], times[k], in_tx[k], kinds[k] = (
            "?",
            str(int(index.amount[positions[k]])),  # integer text, as the store writes it
            NO_TIME,
            "",
            "?",
        )
    links: list[dict[str, Any] | None] = [None] * len(positions)
    if link_at:  # a few hundred links among ~10^5 edges: found by one membership test
        linked = np.fromiter(link_at, dtype=np.int64, count=len(link_at))
        for k in np.flatnonzero(member_mask(at, linked)).tolist():
            lk, role = link_at[positions[k]]
            links[k] = {"kind": lk.kind, "confidence": lk.confidence, "role": role}
    # one dict display per edge in a comprehension over columns (no call per edge)
    return [
        {
            "tx_hash": tx_hash,
            "kind": transfer_kind,
            "position": position,
            "from_address": sender,
            "to_address": receiver,
            "asset": asset,
            "amount": amount,
            "tainted_amount": dirty,
            "block_time": when,
            "chain": chain,
            "hop": edge_hop,
            "stage": stage_kind,
            "stage_evidence": why,
            "link": link,
        }
        for (chain, sender), (_, receiver), asset, dirty, edge_hop, (
            stage_kind,
            why,
        ), tx_hash, amount, when, position, transfer_kind, link in zip(
            senders,
            receivers,
            assets,
            tainted,
            hops,
            stages,
            tx_hashes,
            amounts,
            times,
            in_tx,
            kinds,
            links,
            strict=True,
        )
    ]
