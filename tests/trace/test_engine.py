"""The engine on hand-built graphs: exact taint per model, stop rules and accounting.

The mixing graph (times in seconds, amounts in wei):

    V --40 @10--> S (seed, since=10) --40 @12--> M
    X --60 @0---> M        Y --20 @15--> M
    M --30 @20--> A (exchange)        M --50 @30--> B (exchange)

S holds only stolen value, so all 40 reach M under every model. M's balance then mirrors
test_models: 60 clean, 40 dirty, 20 clean; spends 30 then 50.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sanctionwatch.trace.engine import UNLABELED_HUB, AssetTrace, _events_at, _injected, trace
from sanctionwatch.trace.evidence import _node_totals
from sanctionwatch.trace.models import MODELS

MIXING = [
    ("V", "S", 10, 40.0),
    ("X", "M", 0, 60.0),
    ("S", "M", 12, 40.0),
    ("Y", "M", 15, 20.0),
    ("M", "A", 20, 30.0),
    ("M", "B", 30, 50.0),
]
EXCHANGES = {"A": "exchange", "B": "exchange"}


def terminals(result: Any) -> dict[str, float]:
    return {t["address"]: t["tainted_amount"] for t in result.terminals}


def untraced(result: Any, model: str) -> dict[str, float]:
    return dict(result.summary["assets"]["ETH"][model]["untraced"])


@pytest.mark.parametrize(
    ("model", "a", "b", "held", "absorbed"),
    [
        ("haircut", 10.0, 50 / 3, 40 / 3, 0.0),
        ("fifo", 0.0, 20.0, 20.0, 0.0),
        ("lifo", 10.0, 30.0, 0.0, 0.0),
        ("tiho", 30.0, 10.0, 0.0, 0.0),
        ("poison", 30.0, 50.0, 40.0, 80.0),
    ],
)
def test_exact_taint_per_model(
    graph_store: Any, model: str, a: float, b: float, held: float, absorbed: float
) -> None:
    g = graph_store
    store = g(MIXING, EXCHANGES)
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), model=model)
    got = terminals(result)
    assert got.get(g.addr("A"), 0.0) == pytest.approx(a)
    assert got.get(g.addr("B"), 0.0) == pytest.approx(b)
    assert untraced(result, model)["held"] == pytest.approx(held)
    summary = result.summary["assets"]["ETH"][model]
    assert summary["source"] == pytest.approx(40.0)
    assert summary["absorbed_clean"] == pytest.approx(absorbed)
    assert result.summary["by_category"]["exchange"]["ETH"] == pytest.approx(a + b)


def test_all_models_side_by_side(graph_store: Any) -> None:
    g = graph_store
    store = g(MIXING, EXCHANGES)
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), model="all")
    b = next(t for t in result.terminals if t["address"] == g.addr("B"))
    assert b["models"] == pytest.approx(
        {"poison": 50.0, "haircut": 50 / 3, "fifo": 20.0, "lifo": 30.0, "tiho": 10.0}
    )
    assert b["range"] == pytest.approx([10.0, 50.0])
    assert set(result.summary["assets"]["ETH"]) == set(MODELS)


def test_json_shape_and_evidence(graph_store: Any) -> None:
    g = graph_store
    store = g(MIXING, EXCHANGES)
    out = trace(store, [("ethereum", g.addr("S"))], since=g.at(10)).to_dict()
    assert json.loads(json.dumps(out)) == out
    assert set(out) == {
        "seeds",
        "model",
        "primary_model",
        "models",
        "parameters",
        "nodes",
        "edges",
        "terminals",
        "links",
        "summary",
    }
    assert out["parameters"]["hops"] == 10
    assert out["models"] == ["haircut"]
    assert {e["stage"] for e in out["edges"]} >= {"exchange_deposit"}
    assert out["seeds"] == [{"address": g.addr("S"), "chain": "ethereum"}]
    nodes = {n["address"]: n for n in out["nodes"]}
    assert nodes[g.addr("M")]["hop"] == 1
    assert nodes[g.addr("M")]["tainted_in"]["ETH"] == pytest.approx(40.0)
    assert nodes[g.addr("A")]["labels"]["category"] == "exchange"
    edge = next(e for e in out["edges"] if e["to_address"] == g.addr("A"))
    assert edge["amount"] == "30"
    assert edge["tainted_amount"] == pytest.approx(10.0)
    assert edge["tx_hash"] == f"0x{4:064x}"
    assert edge["block_time"].startswith("2025-01-01T00:00:20")
    assert edge["hop"] == 2
    theft_edge = next(e for e in out["edges"] if e["to_address"] == g.addr("S"))
    assert (theft_edge["hop"], theft_edge["tainted_amount"]) == (0, 40.0)
    # the path to B: S -> M, then M -> B, in time order
    b = next(t for t in out["terminals"] if t["address"] == g.addr("B"))
    assert [(p["from_address"], p["to_address"]) for p in b["path"]] == [
        (g.addr("S"), g.addr("M")),
        (g.addr("M"), g.addr("B")),
    ]
    assert b["category"] == "exchange"
    assert b["label"] == f"exchange {'B'}"
    # where the time went: the phases the docs name, within the trace's own time
    phases = out["summary"]["phase_seconds"]
    assert set(phases) >= {"setup", "reach", "taint", "links", "evidence", "stages"}
    assert set(phases) <= {
        "index",
        "setup",
        "reach",
        "taint",
        "links",
        "utxo",
        "evidence",
        "stages",
    }
    assert all(seconds >= 0 for seconds in phases.values())
    assert sum(phases.values()) <= out["summary"]["seconds"] + 1e-3


def test_time_respecting(graph_store: Any) -> None:
    """Transfers before the funds arrived are not followed (S->C at 5, M->D at 11)."""
    g = graph_store
    edges = [*MIXING, ("S", "C", 5, 1.0), ("M", "D", 11, 5.0), ("M", "E", 12, 5.0)]
    store = g(edges, EXCHANGES)
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), model="poison")
    reached = {n["address"] for n in result.nodes}
    assert g.addr("C") not in reached
    assert g.addr("D") not in reached
    assert g.addr("E") in reached  # same second as the arrival: same block, followed
    for edge in result.edges:
        assert edge["block_time"] >= g.at(10).isoformat()[:19]


def test_failed_transfers_are_ignored(graph_store: Any) -> None:
    g = graph_store
    store = g([*MIXING, ("S", "F", 11, 40.0)], EXCHANGES, failed=[6])
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10))
    assert g.addr("F") not in {n["address"] for n in result.nodes}


def test_stops_at_labelled_exchange(graph_store: Any) -> None:
    """The exchange is a terminal: its own outflows are not followed."""
    g = graph_store
    store = g([*MIXING, ("A", "Z", 40, 30.0)], EXCHANGES)
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10))
    assert g.addr("Z") not in {n["address"] for n in result.nodes}
    # with no stop categories the value goes on to Z
    free = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), stop_categories=())
    assert g.addr("Z") in {n["address"] for n in free.nodes}


def test_unlabeled_hub_stop(graph_store: Any) -> None:
    g = graph_store
    edges = [("V", "S", 10, 40.0), ("S", "H", 11, 40.0)]
    edges += [("H", f"u{i}", 20 + i, 1.0) for i in range(5)]
    store = g(edges)
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), hub_degree=3)
    assert [(t["address"], t["category"], t["label"]) for t in result.terminals] == [
        (g.addr("H"), UNLABELED_HUB, None)
    ]
    assert result.terminals[0]["tainted_amount"] == pytest.approx(40.0)
    assert all(not n["address"].endswith(g.addr("u0")[-4:]) for n in result.nodes)


def test_labelled_hub_outside_the_stop_list(graph_store: Any) -> None:
    """A labelled address of a non-stop category with a huge degree is a hub too."""
    g = graph_store
    edges = [("V", "S", 10, 40.0), ("S", "H", 11, 40.0)]
    edges += [("H", f"u{i}", 20 + i, 1.0) for i in range(5)]
    store = g(edges, {"H": "defi"})
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), hub_degree=3)
    assert [(t["category"], t["label"]) for t in result.terminals] == [("hub:defi", "defi H")]


def test_dust_and_hop_limit_accounting(graph_store: Any) -> None:
    """S sends 39.99 down a chain A1->A2->A3 and 0.01 (dust) to Z; hops=2 stops at A2."""
    g = graph_store
    edges = [
        ("V", "S", 10, 4000.0),
        ("S", "A1", 11, 3999.0),
        ("S", "Z", 11, 1.0),
        ("A1", "A2", 12, 3999.0),
        ("A2", "A3", 13, 3999.0),
    ]
    store = g(edges)
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), hops=2, dust=1e-3)
    u = untraced(result, "haircut")
    assert u["below_dust"] == pytest.approx(1.0)
    assert u["hop_limit"] == pytest.approx(3999.0)
    assert u["held"] == pytest.approx(0.0)
    reached = {n["address"]: n["hop"] for n in result.nodes}
    assert reached[g.addr("A2")] == 2
    assert g.addr("A3") not in reached
    assert g.addr("Z") not in reached
    assert result.terminals == []


def test_unknown_model_is_an_input_error(graph_store: Any) -> None:
    from sanctionwatch.errors import InputError

    g = graph_store
    store = g(MIXING)
    with pytest.raises(InputError):
        trace(store, [("ethereum", g.addr("S"))], model="nope")
    with pytest.raises(InputError):
        trace(store, [("ethereum", g.addr("nobody"))])
    # at 0 hops nothing would be followed and the stolen value would not even be counted
    for hops in (0, 51):
        with pytest.raises(InputError, match="hops must be between 1 and 50"):
            trace(store, [("ethereum", g.addr("S"))], hops=hops)
    assert trace(store, [("ethereum", g.addr("S"))], hops=1).edges


def test_since_none_taints_every_seed_inflow(graph_store: Any) -> None:
    g = graph_store
    store = g([("W", "S", 5, 10.0), *MIXING], EXCHANGES)
    result = trace(store, [("ethereum", g.addr("S"))], since=None)
    assert result.summary["assets"]["ETH"]["haircut"]["source"] == pytest.approx(50.0)
    bounded = trace(store, [("ethereum", g.addr("S"))], since=g.at(10))
    assert bounded.summary["assets"]["ETH"]["haircut"]["source"] == pytest.approx(40.0)


def test_node_totals_sum_what_the_nodes_show() -> None:
    # per node, taint summed over its assets in their order; two assets of one name share
    # the node's key (the later one's amount is shown), so the sums follow the nodes' dicts
    first, second = AssetTrace(1, "haircut"), AssetTrace(2, "haircut")
    first.tainted_in, first.held_at = {3: 0.1, 7: 2.0}, {3: 0.1}
    second.tainted_in, second.held_at = {3: 0.2, 9: 5.0}, {9: 4.0}
    main = {1: first, 2: second}
    at = np.array([3, 7, 9], dtype=np.int64)
    for names in ({1: "ETH", 2: "USDT"}, {1: "USDT", 2: "USDT"}):
        nodes = [
            {
                "tainted_in": {
                    names[a]: tr.tainted_in[d] for a, tr in main.items() if d in tr.tainted_in
                },
                "held": {names[a]: tr.held_at[d] for a, tr in main.items() if d in tr.held_at},
            }
            for d in at.tolist()
        ]
        received, held = _node_totals(nodes, at, main, names.__getitem__)
        assert received.tolist() == [sum(n["tainted_in"].values()) for n in nodes]
        assert held.tolist() == [sum(n["held"].values()) for n in nodes]
    assert received.tolist() == [0.2, 2.0, 5.0]  # one name: the later asset's amount


class _Times:
    """The one thing ``_events_at`` asks of the index: a position's time."""

    def __init__(self, times: Any) -> None:
        self.times = np.asarray(times, dtype=np.int64)

    def t(self, positions: Any) -> Any:
        return self.times[np.asarray(positions, dtype=np.int64)]


@settings(max_examples=200)
@given(
    st.lists(st.integers(0, 20), min_size=1, max_size=60),
    st.data(),
)
def test_events_at_finds_each_position_where_a_search_of_every_event_does(
    times: list[int], data: st.DataObject
) -> None:
    """Positions found by their second among events in time order: as a dict of every
    event would say (absent ones -1), and the injected amounts land on those events."""
    n = len(times)
    index = _Times(times)
    listed = data.draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    ev = np.array(
        sorted(listed, key=lambda p: (times[p], data.draw(st.integers(0, 3)))), dtype=np.int64
    )
    ev = ev[np.argsort(index.t(ev), kind="stable")] if len(ev) else ev
    t = index.t(ev)
    wanted = data.draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n))
    where = {int(p): k for k, p in enumerate(ev.tolist())}
    at = _events_at(index, ev, t, np.array(wanted, dtype=np.int64))
    assert at.tolist() == [where.get(p, -1) for p in wanted]
    amounts = {p: float(k + 1) for k, p in enumerate(wanted)}
    hit, value = _injected(index, ev, t, amounts)
    assert hit.tolist() == [p in amounts for p in ev.tolist()]
    assert value.tolist() == [amounts.get(p, 0.0) for p in ev.tolist()]


# A deposit address D, unlabelled, sweeps what it receives to the hot wallet H; an earlier
# deposit (X's) was swept before the theft reached D.
SWEPT = [
    ("X", "D", 1, 10.0),
    ("D", "H", 5, 10.0),
    ("V", "S", 10, 40.0),
    ("S", "D", 12, 40.0),
    ("D", "H", 20, 40.0),
]


def test_swept_deposit_names_its_sweep_and_wallet(graph_store: Any) -> None:
    g = graph_store
    store = g(SWEPT, {"H": "exchange"})
    # D also swept a USDT deposit (asset 10) between the stolen deposit and its sweep: the
    # sweep named is the stolen asset's
    ids = dict(store.con.execute("SELECT address, id FROM addresses").fetchall())
    for n, (sender, at) in enumerate((("X", 2), ("D", 15))):
        receiver = "D" if sender == "X" else "H"
        store.con.execute(
            "INSERT INTO transfers VALUES ('ethereum', ?, 'token', '0', ?, ?, ?, ?, 10, 5, "
            "NULL, true, 0, ?)",
            [f"0x{100 + n:064x}", 100 + n, g.at(at).replace(tzinfo=None),
             ids[g.addr(sender)], ids[g.addr(receiver)], 100 + n],
        )  # fmt: skip
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), model="haircut")
    (d,) = (t for t in result.terminals if t["address"] == g.addr("D"))
    assert d["category"] == "exchange"
    assert d["label"] is None
    sweep = d["swept_to"]
    # the sweep after the stolen deposit arrived (t=20), not the earlier one (t=5)
    assert sweep["tx_hash"] == f"0x{4:064x}"
    assert sweep["block_time"] == g.at(20).isoformat()
    assert (sweep["address"], sweep["label"], sweep["asset"]) == (g.addr("H"), "exchange H", "ETH")
    assert sweep["amount"] == "40"
    assert "sweep heuristic" in d["evidence"]
    assert f"e.g. sweep 0x{4:064x} to exchange H {g.addr('H')}" in d["evidence"]


def test_a_payment_into_a_labelled_deposit_address_is_not_a_sweep(graph_store: Any) -> None:
    # P, labelled exchange, is a deposit address: it sweeps to two hot wallets of its
    # exchange. U pays into it: U is the user (a launderer), not a deposit address, and the
    # value ends at P.
    edges = [
        ("V", "S", 10, 40.0),
        ("S", "U", 12, 40.0),
        ("U", "P", 20, 40.0),
        ("P", "H1", 30, 20.0),
        ("P", "H2", 31, 20.0),
    ]
    g = graph_store
    store = g(edges, {"P": "exchange", "H1": "exchange", "H2": "exchange"})
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), model="haircut")
    assert terminals(result) == {g.addr("P"): pytest.approx(40.0)}
    assert not any("swept_to" in t for t in result.terminals)


def test_a_deposit_not_yet_swept_names_its_last_sweep(graph_store: Any) -> None:
    # the stolen deposit (t=12) arrived after D's last sweep (t=5): that sweep is named
    g = graph_store
    store = g(SWEPT[:4], {"H": "exchange"})
    result = trace(store, [("ethereum", g.addr("S"))], since=g.at(10), model="haircut")
    (d,) = (t for t in result.terminals if t["address"] == g.addr("D"))
    assert d["category"] == "exchange"
    assert d["swept_to"]["block_time"] == g.at(5).isoformat()
    assert d["swept_to"]["tx_hash"] == f"0x{1:064x}"
