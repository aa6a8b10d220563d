"""Exposure of many addresses: one set-based computation against a loop of single calls.

What an exchange's compliance team runs on a file of deposit addresses (issue: "a file of
100k addresses is one set-based computation, not a loop of single traces"). On the trace
benchmark's stores (``trace_speed.prepare``: the scenario, seed 1, its Ethereum transfers
and labels), with the trace index built once (not timed here: ``trace_speed.py`` measures
it) and one warm-up call:

- **set**: ``exposure(store, ids, index=index)`` for ``--addresses`` addresses at once
  (direction in, 3 hops, the default categories, evidence paths): median of ``--runs``;
- **loop**: the same function once per address, what a tool without a set-based form makes
  a user do, for the first ``--sample`` of those addresses: the median per address, times
  the number of addresses (extrapolated: the whole loop would take hours at 100,000);
- **whole graphs**: the set and three single calls again with the computation on each
  asset's whole graph instead of the graph cut to the queries' balls (``cut=False``: what
  ``exposure`` did before the cut), the ratio to the cut graphs;
- **busiest**: the worst case for the cut graphs, the three unlabelled addresses with the
  most inflows (both directions, 5 hops), cut and on the whole graphs;
- **agreement**: each sampled address's entry from the loop equals its entry in the set's
  result (the same amounts, categories and evidence paths), and the whole graphs' results
  equal the cut graphs' (the set's and the busiest addresses').

The addresses: a fixed random choice (numpy, seed 7) among the store's Ethereum addresses
that have indexed transfers.

    python bench/exposure_speed.py                  # 1M transfers, 10,000 addresses
    python bench/exposure_speed.py --transfers 10000000 --addresses 100000 [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from sanctionwatch.store import open_store
from sanctionwatch.trace.exposure import exposure
from sanctionwatch.trace.index import TraceIndex
from trace_speed import store_arguments, stores  # the tracing benchmark's stores

SEED = 7


def pick_addresses(index: TraceIndex, count: int) -> list[int]:
    """``count`` store address ids among the indexed ones, a fixed random choice."""
    ids = np.asarray(index.ids, dtype=np.int64)
    chosen = np.random.default_rng(SEED).choice(len(ids), min(count, len(ids)), replace=False)
    picked: list[int] = ids[np.sort(chosen)].tolist()
    return picked


def timed(fn: Any) -> tuple[float, Any]:
    clock = time.perf_counter()
    out = fn()
    return time.perf_counter() - clock, out


def measure(db: Path, n: int, args: argparse.Namespace) -> dict[str, Any]:
    store = open_store(db, read_only=True)
    try:
        build_s, index = timed(lambda: TraceIndex.build(store, "ethereum"))
        ids = pick_addresses(index, args.addresses)
        sample = ids[: args.sample]

        def every() -> Any:
            return exposure(store, ids, index=index)

        every()  # warm-up: kernels, the store's pages
        runs = [timed(every) for _ in range(args.runs)]
        set_s = statistics.median(s for s, _ in runs)
        result = runs[-1][1]
        by_id = dict(zip(ids, result.addresses, strict=True))
        exposure(store, sample[:1], index=index)  # warm-up of the single-address path
        singles = [timed(lambda i=i: exposure(store, [i], index=index)) for i in sample]
        per_address = statistics.median(s for s, _ in singles)
        same = all(r.addresses[0] == by_id[i] for i, (_, r) in zip(sample, singles, strict=True))
        exposed = sum(1 for entry in result.addresses if entry.get("exposure"))
        # the same on each asset's whole graph (what exposure did before the cut graphs)
        whole_runs = [
            timed(lambda: exposure(store, ids, index=index, cut=False)) for _ in range(args.runs)
        ]
        whole_one = [
            timed(lambda i=i: exposure(store, [i], index=index, cut=False)) for i in sample[:3]
        ]
        whole_s = statistics.median(s for s, _ in whole_runs)
        whole_per_address = statistics.median(s for s, _ in whole_one)
        same = same and whole_runs[-1][1].addresses == result.addresses
        # the worst case for the cut graphs: the busiest unlabelled receivers, both
        # directions, 5 hops (a hub's ball can pull in much of the graph)
        hubs = busiest_unlabelled(store, index)
        hub_s, hub_result = timed(lambda: exposure(store, hubs, index=index, **HUB_QUERY))
        hub_whole_s, hub_whole = timed(
            lambda: exposure(store, hubs, index=index, cut=False, **HUB_QUERY)
        )
        same = same and hub_result.addresses == hub_whole.addresses
    finally:
        store.close()
    return {
        "transfers_requested": n,
        "indexed_transfers": index.n,
        "index_build_s": build_s,
        "addresses": len(ids),
        "exposed_addresses": exposed,
        "set_s": set_s,
        "set_addresses_per_s": len(ids) / set_s,
        "loop_sample": len(sample),
        "loop_per_address_s": per_address,
        "loop_extrapolated_s": per_address * len(ids),
        "loop_over_set": per_address * len(ids) / set_s,
        "whole_graphs_set_s": whole_s,
        "whole_graphs_per_address_s": whole_per_address,
        "busiest_in_degrees": [int(index.in_degree(index.dense([h]))[0]) for h in hubs],
        "busiest_s": hub_s,
        "busiest_whole_graphs_s": hub_whole_s,
        "same_entries": same,
    }


HUB_QUERY: dict[str, Any] = {"direction": "both", "hops": 5}


def busiest_unlabelled(store: Any, index: TraceIndex, count: int = 3) -> list[int]:
    """Store ids of the ``count`` unlabelled addresses with the most indexed inflows."""
    rows = store.con.execute("SELECT address_id FROM address_categories").fetchall()
    labelled = {int(i) for (i,) in rows}
    degrees = index.in_degree(np.arange(len(index.ids), dtype=np.int64))
    picked: list[int] = []
    for dense in np.argsort(-degrees, kind="stable").tolist():
        store_id = int(index.ids[dense])
        if store_id not in labelled:
            picked.append(store_id)
            if len(picked) == count:
                break
    return picked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    store_arguments(parser, runs=3)
    parser.add_argument("--addresses", type=int, default=10_000)
    parser.add_argument("--sample", type=int, default=30)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for n, db, _ in stores(args):
        row = measure(db, n, args)
        results[str(n)] = row
        print(
            f"  {row['indexed_transfers']:,} indexed transfers (index built in "
            f"{row['index_build_s']:.2f} s); {row['addresses']:,} addresses, "
            f"{row['exposed_addresses']:,} of them exposed\n"
            f"  set-based exposure   {row['set_s']:8.2f} s "
            f"({row['set_addresses_per_s']:,.0f} addresses/s, median of {args.runs})\n"
            f"  loop of single calls {row['loop_extrapolated_s']:8.1f} s extrapolated "
            f"({row['loop_per_address_s'] * 1e3:.1f} ms per address, median of "
            f"{row['loop_sample']})\n"
            f"  loop / set: {row['loop_over_set']:,.0f}x\n"
            f"  on each asset's whole graph: set {row['whole_graphs_set_s']:.2f} s "
            f"({row['whole_graphs_set_s'] / row['set_s']:.1f}x the cut graphs), one address "
            f"{row['whole_graphs_per_address_s'] * 1e3:.0f} ms "
            f"({row['whole_graphs_per_address_s'] / row['loop_per_address_s']:.0f}x)\n"
            f"  the 3 busiest unlabelled receivers (in-degrees "
            f"{', '.join(f'{d:,}' for d in row['busiest_in_degrees'])}; both directions, "
            f"5 hops): {row['busiest_s']:.2f} s, on the whole graphs "
            f"{row['busiest_whole_graphs_s']:.2f} s\n"
            f"  the entries the same (sample alone, set, whole graphs, busiest): "
            f"{row['same_entries']}",
            flush=True,
        )
        if not row["same_entries"]:
            sys.exit("the entries differ between the set, single calls or the whole graphs")
    (args.workdir / "exposure_speed.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
