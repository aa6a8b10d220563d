"""Exposure on hand-built graphs with exact numbers, against a plain-Python reference, and on
a generated scenario (seed 3, 30k transfers).

The pro-rata graph (amounts in wei, asset ETH; S is sanctioned, U and V unlabelled):

    S --30--> A <--70-- U        A --50--> B <--50-- V        B --40--> Q <--10-- S

A's sanctioned share is 30/100 = 0.3; B's is 50 x 0.3 / 100 = 0.15; Q receives 10 directly
and 40 x 0.15 = 6 indirectly (3 transfers back): 16 of 50.
"""

from __future__ import annotations

import importlib
import itertools
import json
import random
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.errors import InputError
from sanctionwatch.labels import ingest_label_files
from sanctionwatch.scenario import generate
from sanctionwatch.store import Store, open_store
from sanctionwatch.trace.exposure import DEFAULT_CATEGORIES, exposure, resolve_addresses
from sanctionwatch.trace.index import TraceIndex

PRO_RATA = [
    ("S", "A", 0, 30.0),
    ("U", "A", 1, 70.0),
    ("A", "B", 2, 50.0),
    ("V", "B", 3, 50.0),
    ("B", "Q", 4, 40.0),
    ("S", "Q", 5, 10.0),
]
USDT = 10  # assets.id of USDT on Ethereum (6 decimals)


def entries(result: Any, address: str) -> dict[tuple[str, str, str | None], dict[str, Any]]:
    """(category, direction, asset) -> exposure entry of ``address``."""
    (entry,) = [a for a in result.addresses if a["address"] == address]
    return {(e["category"], e["direction"], e["asset"]): e for e in entry["exposure"]}


def eth(g: Any, name: str) -> tuple[str, str]:
    return ("ethereum", g.addr(name))


def add_transfers(store: Store, g: Any, rows: list[tuple[str, str, int, int, int]]) -> None:
    """Extra transfers (sender, receiver, t, amount, asset id) between existing names."""
    first = int(store.scalar("SELECT count(*) FROM transfers")) + 1000
    for k, (s, r, t, amount, asset) in enumerate(rows):
        store.con.execute(
            "INSERT INTO transfers VALUES ('ethereum', ?, 'token', '0', 1, ?, ?, ?, ?, ?, "
            "NULL, TRUE, 0, 0)",
            [
                f"0x{first + k:064x}",
                g.at(t).replace(tzinfo=None),
                store.address_id("ethereum", g.addr(s)),
                store.address_id("ethereum", g.addr(r)),
                asset,
                amount,
            ],
        )


# -- exact numbers -------------------------------------------------------------------
def test_direct_and_pro_rata_indirect_by_hops(graph_store: Any) -> None:
    g = graph_store
    store = g(PRO_RATA, {"S": "sanctioned"})
    expected = {1: (10.0, 0.0), 2: (10.0, 0.0), 3: (10.0, 6.0), 4: (10.0, 6.0)}
    for hops, (direct, indirect) in expected.items():
        got = entries(exposure(store, [eth(g, "Q")], hops=hops), g.addr("Q"))
        e = got[("sanctioned", "in", "ETH")]
        assert e["direct_amount"] == pytest.approx(direct)
        assert e["indirect_amount"] == pytest.approx(indirect)
        assert e["total_amount"] == pytest.approx(direct + indirect)
        assert e["share"] == pytest.approx((direct + indirect) / 50)
        assert e["path_hops"] == 1  # the shortest path is the direct transfer
        assert [(t["from_address"], t["to_address"], t["amount"]) for t in e["path"]] == [
            (g.addr("S"), g.addr("Q"), "10")
        ]
    result = exposure(store, [eth(g, "A"), eth(g, "B")], hops=2)
    a = entries(result, g.addr("A"))[("sanctioned", "in", "ETH")]
    assert (a["direct_amount"], a["indirect_amount"], a["share"]) == pytest.approx((30, 0, 0.3))
    b = entries(result, g.addr("B"))[("sanctioned", "in", "ETH")]
    assert (b["direct_amount"], b["indirect_amount"], b["share"]) == pytest.approx((0, 15, 0.15))
    assert b["path_hops"] == 2
    assert [(t["from_address"], t["to_address"]) for t in b["path"]] == [
        (g.addr("S"), g.addr("A")),
        (g.addr("A"), g.addr("B")),
    ]
    (entry,) = [x for x in result.addresses if x["address"] == g.addr("B")]
    assert entry["flow"] == {"in": {"ETH": 100.0}, "out": {"ETH": 40.0}}
    assert entry["labels"] is None
    assert result.summary["exposed"]["sanctioned"] == 2


def test_path_transfers_are_written_as_the_trace_writes_its_edges(graph_store: Any) -> None:
    """The same transfer in an exposure path and in a trace's edges: the same hash, position,
    chain, ends, asset, exact amount and ISO time with its UTC offset (one reader for both)."""
    from sanctionwatch.trace.engine import trace

    g = graph_store
    store = g(PRO_RATA, {"S": "sanctioned"})
    e = entries(exposure(store, [eth(g, "B")], hops=2), g.addr("B"))[("sanctioned", "in", "ETH")]
    first, second = e["path"]
    assert second == {
        "tx_hash": f"0x{2:064x}",
        "kind": "tx",
        "position": "",  # the transaction's own value
        "chain": "ethereum",
        "from_address": g.addr("A"),
        "to_address": g.addr("B"),
        "asset": "ETH",
        "amount": "50",
        "block_time": g.at(2).isoformat(),  # "2025-01-01T00:00:02+00:00"
    }
    traced = trace(store, [eth(g, "A")], hops=1)  # A's inflows are the source
    edges = {x["tx_hash"]: x for x in traced.edges}
    for sent in (first, second):
        assert {k: edges[sent["tx_hash"]][k] for k in sent} == sent


def test_labelled_origin_stops_propagation(graph_store: Any) -> None:
    """T (theft) -> E (exchange) -> Q: Q is exposed to the exchange, not to the theft."""
    g = graph_store
    edges = [("T", "E", 0, 100.0), ("E", "Q", 1, 40.0), ("W", "Q", 2, 60.0)]
    store = g(edges, {"T": "theft", "E": "exchange"})
    got = entries(exposure(store, [eth(g, "Q")], hops=5), g.addr("Q"))
    assert set(got) == {("exchange", "in", "ETH")}
    e = got[("exchange", "in", "ETH")]
    assert (e["direct_amount"], e["indirect_amount"], e["share"]) == pytest.approx((40, 0, 0.4))
    # passing through the exchange: it is still the origin of "exchange" and relays theft
    got = entries(exposure(store, [eth(g, "Q")], hops=2, through=["exchange"]), g.addr("Q"))
    theft = got[("theft", "in", "ETH")]
    assert (theft["direct_amount"], theft["indirect_amount"]) == pytest.approx((0, 40))
    assert theft["path_hops"] == 2
    assert [t["from_address"] for t in theft["path"]] == [g.addr("T"), g.addr("E")]
    assert got[("exchange", "in", "ETH")]["share"] == pytest.approx(0.4)
    # hops=1 cannot see behind E
    got = entries(exposure(store, [eth(g, "Q")], hops=1, through=["exchange"]), g.addr("Q"))
    assert ("theft", "in", "ETH") not in got


def test_direction_out_mirrors_in(graph_store: Any) -> None:
    """Q sends 60 to A, 40 to B, 20 to X; A sends half on to X; B all to S."""
    g = graph_store
    edges = [
        ("Q", "A", 0, 60.0),
        ("Q", "B", 1, 40.0),
        ("Q", "X", 2, 20.0),
        ("A", "X", 3, 30.0),
        ("A", "Y", 4, 30.0),
        ("B", "S", 5, 40.0),
    ]
    store = g(edges, {"X": "exchange", "S": "sanctioned"})
    result = exposure(store, [eth(g, "Q")], direction="out")
    got = entries(result, g.addr("Q"))
    assert set(got) == {("exchange", "out", "ETH"), ("sanctioned", "out", "ETH")}
    ex, sa = got[("exchange", "out", "ETH")], got[("sanctioned", "out", "ETH")]
    assert (ex["direct_amount"], ex["indirect_amount"]) == pytest.approx((20, 30))
    assert ex["share"] == pytest.approx(50 / 120)
    assert (sa["direct_amount"], sa["indirect_amount"]) == pytest.approx((0, 40))
    assert sa["share"] == pytest.approx(40 / 120)
    # evidence runs from the queried address to the labelled one
    assert [(t["from_address"], t["to_address"]) for t in sa["path"]] == [
        (g.addr("Q"), g.addr("B")),
        (g.addr("B"), g.addr("S")),
    ]
    assert ex["path_hops"] == 1
    # "in" sees nothing (Q received nothing); "both" gives the out entries only
    assert entries(exposure(store, [eth(g, "Q")], direction="in"), g.addr("Q")) == {}
    both = entries(exposure(store, [eth(g, "Q")], direction="both"), g.addr("Q"))
    assert set(both) == set(got)
    # S is labelled itself: a "self" entry (its inflow from B carries no category)
    s_got = entries(exposure(store, [eth(g, "S")], direction="in"), g.addr("S"))
    assert s_got[("sanctioned", "self", None)]["share"] == 1.0


def test_assets_are_separate(graph_store: Any) -> None:
    """S (sanctioned) sends Q 1 of its 5 ETH and all of its 2 USDT; A's USDT from S does
    not taint the ETH A sends Q."""
    g = graph_store
    store = g(
        [("S", "Q", 0, 10**18), ("U", "Q", 1, 3 * 10**18), ("U", "A", 2, 5 * 10**18)],
        {"S": "sanctioned"},
    )
    add_transfers(
        store,
        g,
        [("S", "Q", 3, 2_000_000, USDT), ("S", "A", 4, 7_000_000, USDT), ("A", "Q", 5, 10**18, 1)],
    )
    result = exposure(store, [eth(g, "Q")])
    got = entries(result, g.addr("Q"))
    assert set(got) == {("sanctioned", "in", "ETH"), ("sanctioned", "in", "USDT")}
    e, u = got[("sanctioned", "in", "ETH")], got[("sanctioned", "in", "USDT")]
    assert (e["direct_amount"], e["indirect_amount"]) == pytest.approx((1e18, 0))
    assert e["share"] == pytest.approx(0.2)  # 1 of 5 ETH: A's ETH is clean
    assert e["total_units"] == pytest.approx(1.0)
    assert (u["total_amount"], u["total_units"], u["share"]) == pytest.approx((2e6, 2.0, 1.0))
    assert u["path"][0]["asset"] == "USDT"
    (entry,) = result.addresses
    assert entry["flow"]["in"] == {"ETH": pytest.approx(5e18), "USDT": pytest.approx(2e6)}
    assert entry["flow_units"]["in"] == {"ETH": pytest.approx(5.0), "USDT": pytest.approx(2.0)}


def test_usd_where_present_and_partial(graph_store: Any) -> None:
    g = graph_store
    store = g(PRO_RATA, {"S": "sanctioned"})
    q = store.address_id("ethereum", g.addr("Q"))
    store.con.execute("UPDATE transfers SET usd_value = amount * 2 WHERE to_id = ?", [q])
    e = entries(exposure(store, [eth(g, "Q")]), g.addr("Q"))[("sanctioned", "in", "ETH")]
    assert e["usd"] == pytest.approx(0.32 * 100)
    assert e["usd_partial"] is False
    s = store.address_id("ethereum", g.addr("S"))
    store.con.execute("UPDATE transfers SET usd_value = NULL WHERE from_id = ?", [s])
    e = entries(exposure(store, [eth(g, "Q")]), g.addr("Q"))[("sanctioned", "in", "ETH")]
    assert e["usd"] == pytest.approx(0.32 * 80)  # only B's 40 (x 2 USD) is priced
    assert e["usd_partial"] is True


def test_unknown_and_invalid_addresses(graph_store: Any) -> None:
    g = graph_store
    store = g(PRO_RATA, {"S": "sanctioned"})
    stranger = "0x" + "ab" * 20
    result = exposure(store, [eth(g, "Q"), ("ethereum", stranger), 10**9])
    assert result.addresses[1] == {
        "address": stranger,
        "chain": "ethereum",
        "error": "not in the store",
    }
    assert result.addresses[2]["error"] == "not in the store"
    assert result.summary["not_in_store"] == 2
    with pytest.raises(InputError, match="0x12345"):
        exposure(store, [eth(g, "Q"), ("ethereum", "0x12345")])
    with pytest.raises(InputError, match="Unknown chain"):
        exposure(store, [("dogechain", g.addr("Q"))])
    with pytest.raises(InputError, match="hops"):
        exposure(store, [eth(g, "Q")], hops=0)
    with pytest.raises(InputError, match="Unknown or no categories"):
        exposure(store, [eth(g, "Q")], categories=["dprk"])
    with pytest.raises(InputError, match="nonsense"):
        resolve_addresses(store, [(None, g.addr("Q")), (None, "nonsense")])
    # an EVM address without a chain resolves to the chain(s) where the store has it
    assert resolve_addresses(store, [(None, g.addr("Q").upper().replace("0X", "0x"))]) == [
        eth(g, "Q")
    ]


# -- many addresses at once ----------------------------------------------------------
def random_graph(seed: int) -> tuple[list[tuple[str, str, int, float]], dict[str, str]]:
    rng = random.Random(seed)
    names = [f"n{k}" for k in range(40)]
    edges = [
        (rng.choice(names), rng.choice(names), t, float(rng.randint(1, 100))) for t in range(240)
    ]
    cats = ["sanctioned", "theft", "mixer", "exchange", "dex", "defi"]
    labels = {n: rng.choice(cats) for n in rng.sample(names, 9)}
    return edges, labels


def reference(
    edges: list[tuple[str, str, int, float]], labels: dict[str, str], q: str, hops: int
) -> dict[str, tuple[float, float]]:
    """Direction "in", plain Python: category -> (direct, total) of ``q``."""
    inflow: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for s, r, _, a in edges:
        inflow[r].append((s, a))
    nodes = {n for e in edges for n in e[:2]}

    def origin(n: str) -> dict[str, float]:
        return {labels[n]: 1.0} if n in labels else {}

    share = {n: origin(n) for n in nodes}
    for _ in range(hops - 1):
        new: dict[str, dict[str, float]] = {}
        for n in nodes:
            if n in labels:
                new[n] = origin(n)
                continue
            total = sum(a for _, a in inflow[n])
            acc: dict[str, float] = defaultdict(float)
            for s, a in inflow[n]:
                for c, v in share[s].items():
                    acc[c] += a * v / total
            new[n] = dict(acc)
        share = new
    out: dict[str, tuple[float, float]] = {}
    for c in {*labels.values()}:
        direct = sum(a for s, a in inflow[q] if labels.get(s) == c)
        total = sum(a * share[s].get(c, 0.0) for s, a in inflow[q])
        if total > 0:
            out[c] = (direct, total)
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_batch_equals_one_by_one_and_reference(graph_store: Any, seed: int) -> None:
    g = graph_store
    edges, labels = random_graph(seed)
    store = g(edges, labels)
    index = TraceIndex.build(store)
    cats = sorted(set(DEFAULT_CATEGORIES) | {"defi"})
    queried = ["n0", "n5", "n7", "n5"]  # a repeated address is answered twice
    batch = exposure(store, [eth(g, n) for n in queried], hops=3, categories=cats, index=index)
    assert len(batch.addresses) == 4
    assert batch.addresses[1] == batch.addresses[3]
    for name, entry in zip(queried, batch.addresses, strict=True):
        alone = exposure(store, [eth(g, name)], hops=3, categories=cats, index=index)
        assert alone.addresses == [entry]
        ref = reference(edges, labels, name, 3)
        got = {
            e["category"]: (e["direct_amount"], e["total_amount"])
            for e in entry["exposure"]
            if e["direction"] == "in"
        }
        assert got.keys() == ref.keys()
        for c, (direct, total) in ref.items():
            assert got[c] == pytest.approx((direct, total), rel=1e-9)
    # evidence: a chain of transfers from an address of the category to the queried one,
    # of length path_hops <= hops; one transfer exactly when there is direct exposure
    category_of = {g.addr(n): c for n, c in labels.items()}
    for entry in exposure(store, list(range(1, 41)), hops=3, categories=cats).addresses:
        for e in entry["exposure"]:
            if e["direction"] == "self":
                continue
            path = e["path"]
            assert len(path) == e["path_hops"] <= 3
            assert category_of[path[0]["from_address"]] == e["category"]
            assert path[-1]["to_address"] == entry["address"]
            for one, two in itertools.pairwise(path):
                assert one["to_address"] == two["from_address"]
                assert one["to_address"] not in category_of  # labelled addresses end paths
            assert (e["path_hops"] == 1) == (e["direct_amount"] > 0)


# -- a generated scenario ------------------------------------------------------------
def load(out: Path, seed: int, transfers: int) -> tuple[Store, dict[str, Any]]:
    """As tests/trace/test_scenario.py: Ethereum and TRON transfers plus the TagPacks."""
    generate(out, seed=seed, transfers=transfers)
    store = open_store(":memory:")
    plan = [
        ("ethereum/transactions.csv", "ethereum-etl", "ethereum"),
        ("ethereum/token_transfers.csv", "ethereum-etl", "ethereum"),
        ("ethereum/traces.csv", "ethereum-etl", "ethereum"),
        ("tron/usdt_transfers.csv", "csv", "tron"),
    ]
    for path, fmt, chain in plan:
        ingest_transfer_file(store, out / path, fmt, ReadOptions(chain=get_chain(chain)))
    ingest_label_files(store, sorted((out / "labels").glob("*.yaml")))
    return store, json.loads((out / "ground_truth.json").read_text())


@pytest.fixture(scope="module")
def scenario3(tmp_path_factory: pytest.TempPathFactory) -> Any:
    store, truth = load(tmp_path_factory.mktemp("exposure3"), 3, 30_000)
    yield store, truth
    store.close()


def test_scenario_exchange_deposits_are_exposed_to_the_theft(scenario3: Any) -> None:
    """The laundering terminals at exchange deposit addresses on Ethereum received mixer
    withdrawals: with the default stop rule they are 100% ``mixer``; looking through the
    mixer pools (4 transfers: theft -> split -> pool -> withdrawal -> deposit) they are
    exposed to ``theft``. The TRON deposit is behind a bridge (cross-chain: not followed);
    Bitcoin's deposits are not checked (UTXO transfers are not in the exposure graph)."""
    store, truth = scenario3
    theft = truth["theft"]["address"]
    theft_category = store.scalar(
        "SELECT category FROM address_categories WHERE chain = 'ethereum' AND address = ?",
        [theft],
    )
    assert theft_category == "theft"
    terminals = {
        (t["chain"], t["address"]) for t in truth["terminals"] if t["category"] == "exchange"
    }
    deposits = [
        (a["chain"], a["address"])
        for a in truth["laundering_addresses"]
        if a["stage"] == "exchange_deposit"
        and (a["chain"], a["address"]) in terminals
        and a["chain"] in ("ethereum", "tron")  # Bitcoin is UTXO: not in ``transfers``
    ]
    eth_deposits = [d for d in deposits if d[0] == "ethereum"]
    assert len(eth_deposits) >= 3
    index = TraceIndex.build(store)
    strict = exposure(store, eth_deposits, index=index)
    for entry in strict.addresses:
        got = {(e["category"], e["direction"]): e for e in entry["exposure"]}
        assert got[("mixer", "in")]["share"] == pytest.approx(1.0)
        assert ("theft", "in") not in got
    looking = exposure(store, deposits, hops=4, through=["mixer"], index=index)
    theft_labelled = {
        a
        for (a,) in store.con.execute(
            "SELECT address FROM address_categories WHERE category = 'theft'"
        ).fetchall()
    }
    for entry in looking.addresses:
        got = {(e["category"], e["direction"]): e for e in entry["exposure"]}
        if entry["chain"] == "tron":
            assert got[("bridge", "in")]["share"] == pytest.approx(1.0)
            assert ("theft", "in") not in got
            continue
        e = got[("theft", "in")]
        assert e["total_amount"] > 0
        assert 0 < e["share"] < 1
        assert e["path_hops"] == 4
        assert e["path"][0]["from_address"] in theft_labelled
        assert e["path"][-1]["to_address"] == entry["address"]
    # background addresses (neither laundering nor labelled): mostly no theft exposure
    laundering = {(a["chain"], a["address"]) for a in truth["laundering_addresses"]}
    background = [
        (c, a)
        for c, a in store.con.execute(
            "SELECT chain, address FROM addresses WHERE chain IN ('ethereum', 'tron') AND id "
            "NOT IN (SELECT address_id FROM address_categories) ORDER BY id"
        ).fetchall()
        if (c, a) not in laundering
    ]
    sample = random.Random(3).sample(background, 300)
    runs: list[tuple[dict[str, Any], float]] = [
        ({}, 0.02),
        ({"hops": 4, "through": ["mixer"]}, 0.2),
    ]
    for options, limit in runs:
        result = exposure(store, sample, index=index, **options)
        exposed = sum(
            any(e["category"] == "theft" for e in entry["exposure"]) for entry in result.addresses
        )
        assert exposed <= limit * len(sample), (options, exposed)


def test_scenario_100k_addresses_in_one_computation(scenario3: Any) -> None:
    store, _ = scenario3
    ids = [int(i) for (i,) in store.con.execute("SELECT id FROM addresses ORDER BY id").fetchall()]
    batch = (ids * (100_000 // len(ids) + 1))[:100_000]
    index = TraceIndex.build(store)
    clock = time.perf_counter()
    result = exposure(store, batch, index=index)
    seconds = time.perf_counter() - clock
    print(
        f"\nexposure of {len(batch):,} addresses ({len(ids):,} distinct, {index.n:,} "
        f"transfers): {seconds:.3f} s (index built in {index.build_seconds:.3f} s); "
        f"exposed: {result.summary['exposed']}"
    )
    assert len(result.addresses) == 100_000
    assert result.summary["not_in_store"] == 0
    # the same answer as a small batch
    small = exposure(store, batch[:50], index=index)
    assert result.addresses[:50] == small.addresses
    assert np.mean([bool(e["exposure"]) for e in result.addresses]) > 0.5


def test_cut_graphs_give_the_whole_graphs_entries(
    scenario3: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exposure computed on the graph cut to the queries' balls (and their flows from
    their own transfers) equals the computation on each asset's whole graph, float for
    float and path for path, over sizes, directions, hops and ``through``."""
    # the module itself (``sanctionwatch.trace.exposure`` the attribute is the function)
    module = importlib.import_module("sanctionwatch.trace.exposure")
    store, truth = scenario3
    index = TraceIndex.build(store)
    ids = [int(i) for (i,) in store.con.execute("SELECT id FROM addresses ORDER BY id").fetchall()]
    deposits = [
        (a["chain"], a["address"])
        for a in truth["laundering_addresses"]
        if a["stage"] == "exchange_deposit" and a["chain"] == "ethereum"
    ]
    cut = module._ball_graphs
    taken: list[bool] = []

    def spied(*args: Any, **kwargs: Any) -> Any:
        graphs = cut(*args, **kwargs)
        taken.append(graphs is not None)
        return graphs

    monkeypatch.setattr(module, "_ball_graphs", spied)
    rng = random.Random(5)
    exposed = 0
    for k in range(24):
        size = (1, 5, 50)[k % 3]
        queries: list[Any] = [*deposits[: k % 4], *rng.sample(ids, size)]
        options: dict[str, Any] = {
            "direction": ("in", "out", "both")[k % 3 if k < 12 else rng.randrange(3)],
            "hops": 1 + k % 5,
            "through": ["mixer"] if k % 4 == 1 else [],
        }
        balls = exposure(store, queries, index=index, **options)
        assert taken[-1], options  # the cut graphs were used
        calls = len(taken)
        whole = exposure(store, queries, index=index, cut=False, **options)
        assert len(taken) == calls or not taken[-1]  # the whole graphs
        assert balls.addresses == whole.addresses, options
        if k % 6 == 0:  # a budget too small: the cut falls back to the whole graphs
            monkeypatch.setattr(module, "BALL_BUDGET", 0.0)
            fallback = exposure(store, queries, index=index, **options)
            monkeypatch.undo()
            monkeypatch.setattr(module, "_ball_graphs", spied)
            assert not taken[-1]
            assert fallback.addresses == whole.addresses, options
        exposed += sum(1 for e in balls.addresses if e["exposure"])
    assert exposed > 50  # the comparison saw exposure, not only empty entries
