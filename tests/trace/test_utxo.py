"""The UTXO tracer on hand-built Bitcoin transactions, random DAGs and generated scenarios.

Hand-built stores write rows straight into ``addresses``, ``utxo_outputs``, ``utxo_inputs``
and ``labels``: a transaction is ``(name, t, inputs, outputs)`` with inputs ``(tx name,
vout)`` and outputs ``(address name or None, satoshi)``; transactions without inputs fund
addresses (coinbase-like). The mixing transaction used for the exact model numbers:

    X 60 (clean), S 40 (injected, all dirty), Y 20 (clean)  ->  A 30 (exchange), B 50; fee 40

Scenario measurements (seeds 3 and 11, 30k transfers, haircut, stop at exchange/mixer/otc,
injections at the landing outputs of the ETH->BTC links): recall of the BTC laundering
addresses 718/718 and 503/503. Exchange deposits (20 per seed, 10 and 15 of them found by
the sweep heuristic, no false ones): poison equals the truth exactly; haircut is exact on
the taint that did not pass the launderers' CoinJoin (87.5% / 97.6% of the truth) and
dilutes the rest by the honest participants' share, so its largest per-address error is
16.0% / 3.5% (the reused deposit addresses all got some post-CoinJoin value). 1 CoinJoin
and 51 / 34 peel chains found. Background addresses reached: 72 of 790 and 93 of 596, every
one after the CoinJoin (its honest participants and their payees), with 4.5% / 2.7% of the
injected value. A trace takes 10-20 ms.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanctionwatch.chain.chains import get_chain
from sanctionwatch.chain.ingest import ingest_transfer_file
from sanctionwatch.chain.readers import ReadOptions
from sanctionwatch.errors import InputError
from sanctionwatch.labels import ingest_label_files
from sanctionwatch.scenario import generate
from sanctionwatch.store import Store, open_store
from sanctionwatch.trace.utxo import (
    UTXO_MODELS,
    UtxoIndex,
    UtxoInjection,
    UtxoTrace,
    model_doc,
    trace_utxo,
)

BASE = datetime(2025, 1, 1, tzinfo=UTC)
Tx = tuple[str, int, Sequence[tuple[str, int]], Sequence[tuple[str | None, int]]]


def txid(name: str) -> str:
    """A 64-hex-digit transaction id for a short name."""
    return name.encode().hex().rjust(64, "0")[-64:]


def baddr(name: str) -> str:
    return f"bc1q{name}"


def _insert(store: Store, head: str, row: str, rows: list[list[Any]]) -> None:
    if rows:
        store.con.execute(f"{head} {', '.join([row] * len(rows))}", [v for r in rows for v in r])


def fill(store: Store, txs: Sequence[Tx], labels: dict[str, str] | None = None) -> dict[str, int]:
    """Insert the transactions (and labels); returns address name -> id."""
    names: dict[str, int] = {}
    for _, _, _, outs in txs:
        for a, _ in outs:
            if a is not None:
                names.setdefault(a, len(names) + 1)
    for a in labels or {}:
        names.setdefault(a, len(names) + 1)
    made: dict[tuple[str, int], tuple[str | None, int | None]] = {}
    outputs: list[list[Any]] = []
    inputs: list[list[Any]] = []
    for line, (name, t, ins, outs) in enumerate(txs):
        when = (BASE + timedelta(seconds=t)).replace(tzinfo=None)
        for vin, (prev, vout) in enumerate(ins):
            a, v = made.get((prev, vout), (None, None))
            a_id = names.get(a) if a is not None else None
            inputs.append(["bitcoin", txid(name), vin, txid(prev), vout, a_id, v, t, when, line])
        for vout, (a, v) in enumerate(outs):
            made[(name, vout)] = (a, v)
            a_id = names.get(a) if a is not None else None
            outputs.append(["bitcoin", txid(name), vout, a_id, v, t, when, not ins, line])
    _insert(
        store,
        "INSERT INTO addresses (id, chain, address) VALUES",
        "(?, 'bitcoin', ?)",
        [[i, baddr(n)] for n, i in names.items()],
    )
    _insert(
        store,
        "INSERT INTO utxo_outputs VALUES",
        "(?, ?, ?, ?, ?, 'witness_v0_keyhash', ?, ?, ?, 0, ?)",
        outputs,
    )
    _insert(store, "INSERT INTO utxo_inputs VALUES", "(?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)", inputs)
    _insert(
        store,
        "INSERT INTO labels (address_id, chain, address, label, category, confidence_level, "
        "file_id, line) VALUES",
        "(?, 'bitcoin', ?, ?, ?, 100, 0, 0)",
        [[names[n], baddr(n), f"{c} {n}", c] for n, c in (labels or {}).items()],
    )
    return names


@dataclass
class Case:
    store: Store
    ids: dict[str, int]

    def stop(self, *categories: str) -> dict[int, str]:
        rows = self.store.con.execute(
            "SELECT address_id, category FROM address_categories"
        ).fetchall()
        return {int(a): c for a, c in rows if c in categories}

    def trace(self, injections: Sequence[UtxoInjection], **options: Any) -> UtxoTrace:
        options.setdefault("stop", self.stop("exchange", "mixer", "otc"))
        result = trace_utxo(self.store, "bitcoin", injections, **options)
        assert abs(result.balance_error()) <= 1e-9 * max(1.0, result.injected + result.absorbed)
        return result


@pytest.fixture
def build() -> Iterator[Any]:
    opened: list[Store] = []

    def make(txs: Sequence[Tx], labels: dict[str, str] | None = None) -> Case:
        store = open_store(":memory:")
        opened.append(store)
        return Case(store, fill(store, txs, labels))

    yield make
    for store in opened:
        store.close()


def inject(name: str, vout: int, dirty: float, hop: int = 0) -> UtxoInjection:
    return UtxoInjection(txid(name), vout, dirty, hop)


def edge_to(result: UtxoTrace, case: Case, name: str) -> list[Any]:
    return [e for e in result.edges if e.to_id == case.ids[name]]


# -- the models on one mixing transaction ------------------------------------------------
MIXING: list[Tx] = [
    ("fund", 0, [], [("X", 60), ("Y", 20)]),
    ("stolen", 5, [], [("S", 40)]),
    ("mix", 10, [("fund", 0), ("stolen", 0), ("fund", 1)], [("A", 30), ("B", 50)]),
]


@pytest.mark.parametrize(
    ("model", "a", "b", "fee", "absorbed"),
    [
        ("haircut", 10.0, 50 / 3, 40 / 3, 0.0),
        ("poison", 30.0, 50.0, 40.0, 80.0),
        ("fifo", 0.0, 20.0, 20.0, 0.0),  # X [0,60) S [60,100) Y [100,120): B [30,80), fee last
        ("lifo", 10.0, 30.0, 0.0, 0.0),  # Y [0,20) S [20,60) X [60,120): A [0,30), B [30,80)
        ("tiho", 0.0, 40.0, 0.0, 0.0),  # the 50 output first
    ],
)
def test_exact_taint_per_model(
    build: Any, model: str, a: float, b: float, fee: float, absorbed: float
) -> None:
    case = build(MIXING, {"A": "exchange"})
    result = case.trace([inject("stolen", 0, 40)], model=model)
    assert result.injected == 40
    assert result.terminals.get(case.ids["A"], 0.0) == pytest.approx(a)
    assert result.held_at.get(case.ids["B"], 0.0) == pytest.approx(b)
    assert result.fees == pytest.approx(fee)
    assert result.absorbed == pytest.approx(absorbed)
    if a:
        assert result.terminal_info[case.ids["A"]].category == "exchange"
    assert "\n" not in model_doc(model)
    assert model_doc(model).lower().startswith(model[:4])


def test_unknown_input_values_count_as_clean(build: Any) -> None:
    case = build(
        [
            ("stolen", 0, [], [("S", 40)]),
            ("mix", 10, [("stolen", 0), ("outside", 3)], [("A", 100)]),
        ]
    )
    case.store.con.execute(
        "UPDATE utxo_inputs SET value = 60 WHERE prev_txid = ?", [txid("outside")]
    )
    result = case.trace([inject("stolen", 0, 40)])
    assert result.held_at[case.ids["A"]] == pytest.approx(40.0)
    assert result.fees == 0.0


# -- hops, dust, stops -------------------------------------------------------------------
CHAIN: list[Tx] = [
    ("s", 0, [], [("S", 100)]),
    ("t1", 10, [("s", 0)], [("T1", 99)]),
    ("t2", 20, [("t1", 0)], [("T2", 98)]),
    ("t3", 30, [("t2", 0)], [("T3", 97)]),
]


@pytest.mark.parametrize(
    ("hops", "start_hop", "hop_limit", "fees", "held_at"),
    [
        (2, 0, 98.0, 2.0, None),
        (2, 1, 99.0, 1.0, None),
        (0, 0, 100.0, 0.0, None),
        (3, 0, 0.0, 3.0, "T3"),
    ],
)
def test_hop_limit_and_fees(
    build: Any, hops: int, start_hop: int, hop_limit: float, fees: float, held_at: str | None
) -> None:
    case = build(CHAIN)
    result = case.trace([inject("s", 0, 100, hop=start_hop)], hops=hops)
    assert result.hop_limit == pytest.approx(hop_limit)
    assert result.fees == pytest.approx(fees)
    if held_at:
        assert result.held_at[case.ids[held_at]] == pytest.approx(97.0)
    hops_seen = {case.ids.get(n): h for n, h in (("T1", 1), ("T2", 2)) if h + start_hop <= hops}
    for e in result.edges:
        if e.to_id in hops_seen:
            assert e.hop == hops_seen[e.to_id] + start_hop
    assert result.edges[0].stage == "injection"
    assert result.edges[0].hop == start_hop


def test_absolute_hops_with_late_injection(build: Any) -> None:
    case = build(CHAIN)
    result = case.trace([inject("s", 0, 100, hop=4)], hops=5)
    assert [e.hop for e in result.edges] == [4, 5]
    assert result.hop_limit == pytest.approx(99.0)  # t2 would be hop 6


def test_dust_is_not_followed(build: Any) -> None:
    case = build(
        [
            ("s", 0, [], [("S", 100)]),
            ("split", 10, [("s", 0)], [("P", 95), ("Q", 4)]),
            ("q", 20, [("split", 1)], [("R", 3)]),
        ]
    )
    result = case.trace([inject("s", 0, 100)], dust_abs=5.0)
    assert result.below_dust == pytest.approx(4.0)
    assert result.held == pytest.approx(95.0)
    assert result.fees == pytest.approx(1.0)
    assert not edge_to(result, case, "Q")
    assert case.ids["R"] not in result.nodes


def test_stops_at_labels_and_hubs(build: Any) -> None:
    txs: list[Tx] = [
        ("busy", 0, [], [("H", 1), ("H", 1), ("D", 1), ("D", 1)]),
        ("s", 1, [], [("S", 100)]),
        ("pay", 10, [("s", 0)], [("E", 20), ("H", 20), ("D", 20), ("K", 39)]),
        ("on", 20, [("pay", 1)], [("Z", 20)]),
    ]
    case = build(txs, {"E": "exchange", "D": "dex"})
    result = case.trace([inject("s", 0, 100)], hub_degree=2)
    cats = {n: result.terminal_info[case.ids[n]].category for n in ("E", "H", "D")}
    assert cats == {"E": "exchange", "H": "unlabeled_hub", "D": "hub:dex"}
    assert result.terminal_total == pytest.approx(60.0)
    assert result.held_at == {case.ids["K"]: pytest.approx(39.0)}
    assert case.ids["Z"] not in result.nodes  # nothing is followed out of a hub
    # with a higher hub degree H and D are ordinary addresses
    result = case.trace([inject("s", 0, 100)], hub_degree=1000)
    assert set(result.terminals) == {case.ids["E"]}
    assert result.held_at[case.ids["Z"]] == pytest.approx(20.0)


def test_default_stops_are_the_labelled_services(build: Any) -> None:
    case = build(MIXING, {"A": "exchange", "B": "unknown_service"})
    result = trace_utxo(case.store, "bitcoin", [inject("stolen", 0, 40)])
    assert set(result.terminals) == {case.ids["A"]}
    assert result.held_at == {case.ids["B"]: pytest.approx(50 / 3)}


def test_injection_at_a_stop_address_is_a_terminal(build: Any) -> None:
    case = build([("s", 0, [], [("E", 100)])], {"E": "exchange"})
    result = case.trace([inject("s", 0, 100)])
    assert result.terminals == {case.ids["E"]: 100.0}
    assert result.terminal_info[case.ids["E"]].path[0].stage == "injection"


# -- the deposit-address (sweep) heuristic -----------------------------------------------
SWEEPS: list[Tx] = [
    ("s", 0, [], [("S", 100)]),
    ("fund", 0, [], [("C", 50)]),
    ("pay", 10, [("s", 0)], [("D", 60), ("L", 39)]),  # D: an unlabelled deposit address
    ("dep", 20, [("pay", 1)], [("LD", 38)]),  # LD: a labelled deposit address
    ("sweep1", 30, [("pay", 0), ("fund", 0)], [("HOT", 109)]),
    ("sweep2", 40, [("dep", 0)], [("HOT", 37)]),
    ("withdraw", 50, [("sweep1", 0)], [("U", 100)]),  # the hot wallet pays a customer
]


def test_deposit_address_found_by_its_sweep(build: Any) -> None:
    case = build(SWEEPS, {"HOT": "exchange", "LD": "exchange"})
    result = case.trace([inject("s", 0, 100)])
    ids = case.ids
    assert result.terminals == {ids["D"]: pytest.approx(60.0), ids["LD"]: pytest.approx(38.0)}
    d = result.terminal_info[ids["D"]]
    assert d.category == "exchange"
    assert "sweep heuristic" in d.evidence
    assert f"sweep {txid('sweep1')} of 0.00000109 BTC to exchange HOT {baddr('HOT')}" in d.evidence
    assert d.swept_to is not None
    assert (d.swept_to["address"], d.swept_to["label"]) == (baddr("HOT"), "exchange HOT")
    assert (d.swept_to["tx_hash"], d.swept_to["amount"]) == (txid("sweep1"), "109")
    assert result.terminal_info[ids["LD"]].swept_to is None  # labelled: no heuristic
    assert result.terminal_info[ids["LD"]].evidence == "labelled exchange address"
    assert ids["L"] in result.nodes
    assert ids["L"] not in result.terminals
    assert ids["HOT"] not in result.nodes
    assert edge_to(result, case, "D")[0].stage == "exchange_deposit"
    # without exchange labels the sweep is an ordinary spend
    plain = case.trace([inject("s", 0, 100)], stop={})
    assert not plain.terminals
    assert plain.held_at[ids["U"]] == pytest.approx(100 * 60 / 110)


# -- stages --------------------------------------------------------------------------------
def _coinjoin() -> list[Tx]:
    funds: list[Tx] = [(f"f{i}", 0, [], [(f"C{i}", 20_000_000)]) for i in range(5)]
    equal: list[tuple[str | None, int]] = [(f"J{i}", 10_000_000) for i in range(10)]
    ins = [("s", 0)] + [(f"f{i}", 0) for i in range(5)]
    return [
        ("s", 0, [], [("S", 30_000_000)]),
        *funds,
        ("cj", 10, ins, [*equal, ("SC", 19_000_000), ("CC", 9_000_000)]),
        ("batch", 20, [("cj", 10)], [(f"P{i}", 3_000_000) for i in range(6)]),
    ]


def test_coinjoin_flag_and_evidence(build: Any) -> None:
    case = build(_coinjoin())
    result = case.trace([inject("s", 0, 30_000_000)])
    (cj,) = result.coinjoins
    assert cj["tx_hash"] == txid("cj")
    assert cj["evidence"] == "6 inputs (6 addresses), 10 equal outputs of 0.1 BTC"
    assert cj["equal_outputs"] == 10
    assert cj["denomination"] == "10000000"
    tainted = [e for e in result.edges if e.txid == txid("cj")]
    assert len(tainted) == 12
    assert {e.stage for e in tainted} == {"coinjoin"}
    assert all(e.after_coinjoin for e in tainted)
    assert tainted[0].tainted == pytest.approx(10_000_000 * 30 / 130)
    # one input paying six equal outputs is a batch payment, not a CoinJoin
    assert result.tx_stages[txid("batch")][0] == "split"
    assert {e.stage for e in result.edges if e.txid == txid("batch")} == {"split"}
    assert result.tx_stages[txid("batch")][1] == "6 of 6 outputs carry taint"
    # the threshold is a parameter
    assert not case.trace([inject("s", 0, 30_000_000)], coinjoin_min_equal=11).coinjoins


def _peel_txs(n: int) -> list[Tx]:
    """N0 peels 50,000 sat to exchange address E ``n`` times, fee 1,000 each."""
    txs: list[Tx] = [("s", 0, [], [("N0", 1_000_000)])]
    value, prev, prev_vout = 1_000_000, "s", 0
    for i in range(1, n + 1):
        value -= 51_000
        outs: list[tuple[str | None, int]] = [("E", 50_000), (f"N{i}", value)]
        if i % 2 == 0:
            outs.reverse()
        txs.append((f"p{i}", 10 * i, [(prev, prev_vout)], outs))
        prev, prev_vout = f"p{i}", 0 if i % 2 == 0 else 1
    return txs


def test_peel_chain(build: Any) -> None:
    case = build(_peel_txs(3), {"E": "exchange"})
    result = case.trace([inject("s", 0, 1_000_000)])
    assert result.peel_chains == [[txid("p1"), txid("p2"), txid("p3")]]
    for i in (1, 2, 3):
        stage, why = result.tx_stages[txid(f"p{i}")]
        assert stage == "peel_chain"
        assert why.startswith(f"peel {i} of a 3-transaction peel chain: 0.0005 BTC peeled off")
        (cont,) = edge_to(result, case, f"N{i}")
        assert cont.stage == "peel_chain"
    peels = edge_to(result, case, "E")
    assert len(peels) == 3
    assert {e.stage for e in peels} == {"exchange_deposit"}
    assert "peel_chain" in peels[0].stage_evidence
    assert result.terminals[case.ids["E"]] == pytest.approx(150_000.0)
    path = result.terminal_info[case.ids["E"]].path
    assert [(e.txid, e.to_id) for e in path] == [
        (txid("s"), case.ids["N0"]),
        (txid("p1"), case.ids["E"]),
    ]


def test_two_peels_are_not_a_chain(build: Any) -> None:
    case = build(_peel_txs(2), {"E": "exchange"})
    result = case.trace([inject("s", 0, 1_000_000)])
    assert not result.peel_chains
    assert result.tx_stages[txid("p1")][0] == "exchange_deposit"


def test_split_and_consolidation(build: Any) -> None:
    case = build(
        [
            ("s", 0, [], [("S", 1000)]),
            ("fan", 10, [("s", 0)], [("A", 250), ("B", 250), ("C", 250), ("D", 240)]),
            ("join", 20, [("fan", 0), ("fan", 1), ("fan", 2)], [("M", 740)]),
        ]
    )
    result = case.trace([inject("s", 0, 1000)])
    assert result.tx_stages[txid("fan")] == ("split", "4 of 4 outputs carry taint")
    assert result.tx_stages[txid("join")] == ("consolidation", "3 inputs into 1 outputs")
    (m,) = edge_to(result, case, "M")
    assert m.from_ids == (case.ids["A"], case.ids["B"], case.ids["C"])


def test_same_block_chain_follows_spends_not_txid_order(build: Any) -> None:
    # "zz" creates the output "aa" spends, in the same second; txid order puts aa first
    case = build(
        [
            ("s", 0, [], [("S", 100)]),
            ("zz", 10, [("s", 0)], [("M", 99)]),
            ("aa", 10, [("zz", 0)], [("N", 98)]),
        ]
    )
    assert txid("aa") < txid("zz")
    result = case.trace([inject("s", 0, 100)])
    assert result.held_at == {case.ids["N"]: pytest.approx(98.0)}


def test_injections_are_capped_at_the_output_value(build: Any) -> None:
    case = build(CHAIN)
    result = case.trace([inject("s", 0, 150), inject("t1", 0, 50, hop=1)], hops=1)
    assert result.injected == pytest.approx(100.0)  # 100 at s; t1 already carries 99 of 99
    result = case.trace([inject("s", 0, 30), inject("t1", 0, 80, hop=1)], hops=1)
    assert result.injected == pytest.approx(30 + (99 - 30 * 99 / 100))
    assert result.hop_limit == pytest.approx(99.0)


def test_errors(build: Any) -> None:
    case = build(CHAIN)
    with pytest.raises(InputError, match="not in the store"):
        case.trace([inject("nope", 0, 1)])
    with pytest.raises(InputError, match="Unknown taint model"):
        case.trace([inject("s", 0, 1)], model="magic")
    with pytest.raises(InputError, match="not a UTXO chain"):
        trace_utxo(case.store, "ethereum", [inject("s", 0, 1)])
    with pytest.raises(InputError, match="No tainted outputs"):
        case.trace([])


def test_parts_for_the_trace_json(build: Any) -> None:
    case = build(MIXING, {"A": "exchange"})
    index = UtxoIndex.build(case.store, "bitcoin")
    assert (index.n_tx, index.n_outputs, index.is_stale(case.store)) == (3, 5, False)
    result = case.trace([inject("stolen", 0, 40)], index=index)
    parts = result.to_parts(case.store)
    json.dumps(parts)
    edges = {e["to_address"]: e for e in parts["edges"]}
    a = edges[baddr("A")]
    keys = {"tx_hash", "chain", "from_address", "to_address", "asset", "amount"}
    keys |= {"tainted_amount", "block_time", "hop", "stage", "stage_evidence"}
    assert keys <= set(a)
    assert a["from_address"] == baddr("S")
    assert a["from_addresses"] == [baddr("S")]
    assert (a["asset"], a["amount"], a["chain"], a["hop"]) == ("BTC", "30", "bitcoin", 1)
    assert a["block_time"] == "2025-01-01T00:00:10+00:00"
    assert a["stage"] == "exchange_deposit"
    (term,) = parts["terminals"]
    assert term["address"] == baddr("A")
    assert term["label"] == "exchange A"
    assert [p["to_address"] for p in term["path"]] == [baddr("S"), baddr("A")]
    nodes = {n["address"]: n for n in parts["nodes"]}
    assert nodes[baddr("B")]["held"] == {"BTC": pytest.approx(50 / 3)}
    assert nodes[baddr("A")]["labels"]["category"] == "exchange"
    assert parts["summary"]["balance_error"] == pytest.approx(0.0, abs=1e-9)


# -- properties on random DAGs -----------------------------------------------------------
@st.composite
def dags(draw: Any) -> tuple[list[Tx], dict[str, str], list[tuple[str, int, int]], int, float]:
    names = [f"a{i}" for i in range(6)]
    txs: list[Tx] = []
    unspent: list[tuple[str, int, int]] = []  # tx, vout, value
    for k in range(draw(st.integers(2, 9))):
        name, t = f"t{k}", 10 * k + draw(st.integers(0, 5))
        ins: list[tuple[str, int]] = []
        total = draw(st.integers(1, 1000))
        if unspent and draw(st.booleans()):
            picks = draw(st.lists(st.sampled_from(range(len(unspent))), min_size=1, max_size=3))
            chosen = sorted(set(picks), reverse=True)
            total = 0
            for i in chosen:
                p, v, value = unspent.pop(i)
                ins.append((p, v))
                total += value
            total -= draw(st.integers(0, max(0, total // 5)))  # the fee
        n_out = draw(st.integers(1, 4))
        cuts = sorted(draw(st.lists(st.integers(0, total), min_size=n_out - 1, max_size=n_out - 1)))
        values = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        outs = [(draw(st.sampled_from(names)), v) for v in values]
        txs.append((name, t, ins, outs))
        unspent.extend((name, v, value) for v, (_, value) in enumerate(outs))
    labelled = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    funded = [(tx[0], v, value) for tx in txs for v, (_, value) in enumerate(tx[3])]
    sources = draw(st.lists(st.sampled_from(funded), min_size=1, max_size=2, unique=True))
    return (
        txs,
        dict.fromkeys(labelled, "exchange"),
        sources,
        draw(st.integers(0, 6)),
        draw(st.sampled_from([0.0, 5.0])),
    )


@settings(max_examples=120, suppress_health_check=[HealthCheck.too_slow])
@given(dags())
def test_conservation_upper_bound_and_time(
    case: tuple[list[Tx], dict[str, str], list[tuple[str, int, int]], int, float],
) -> None:
    txs, labels, sources, hops, dust = case
    with open_store(":memory:") as store:
        fill(store, txs, labels)
        stop = {
            int(a): c
            for a, c in store.con.execute(
                "SELECT address_id, category FROM address_categories"
            ).fetchall()
        }
        injections = [UtxoInjection(txid(t), v, float(value)) for t, v, value in sources]
        index = UtxoIndex.build(store, "bitcoin")
        results = {
            m: trace_utxo(
                store,
                "bitcoin",
                injections,
                model=m,
                hops=hops,
                stop=stop,
                dust_abs=dust,
                hub_degree=4,
                index=index,
            )
            for m in UTXO_MODELS
        }
    created = {txid(name): t for name, t, _, _ in txs}
    start = min(created[txid(t)] for t, _, _ in sources)
    poison = {e.outpoint: e.tainted for e in results["poison"].edges}
    for name, r in results.items():
        scale = max(1.0, r.injected + r.absorbed)
        assert abs(r.balance_error()) <= 1e-9 * scale, name
        # an injected output already carrying taint adds only the difference
        assert results["poison"].injected - 1e-9 * scale <= r.injected, name
        assert r.injected <= sum(value for _, _, value in sources) + 1e-9 * scale, name
        for e in r.edges:
            assert 0 <= e.tainted <= e.value + 1e-9 * scale
            assert e.tainted <= poison.get(e.outpoint, 0.0) + 1e-9 * scale, name
            seconds = (e.block_time - BASE).total_seconds()
            assert seconds >= start  # nothing tainted before the first injected output
        arrivals: dict[int | None, list[datetime]] = {}
        for e in r.edges:
            arrivals.setdefault(e.to_id, []).append(e.block_time)
        for e in r.edges:
            if e.stage != "injection":  # taint left an address only after it arrived there
                assert any(t <= e.block_time for a in e.from_ids for t in arrivals.get(a, []))
        for info in r.terminal_info.values():
            times = [p.block_time for p in info.path]
            assert times == sorted(times)


# -- generated scenarios -----------------------------------------------------------------
def load_btc(out: Path, seed: int) -> tuple[Store, dict[str, Any]]:
    generate(out, seed=seed, transfers=30_000)
    store = open_store(":memory:")
    options = ReadOptions(chain=get_chain("bitcoin"))
    ingest_transfer_file(store, out / "bitcoin/transactions.jsonl", "bitcoin-etl", options)
    ingest_label_files(store, sorted((out / "labels").glob("*.yaml")))
    return store, json.loads((out / "ground_truth.json").read_text())


@pytest.fixture(scope="module", params=[3, 11])
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    seed = int(request.param)
    store, truth = load_btc(tmp_path_factory.mktemp(f"btc{seed}"), seed)
    yield store, truth
    store.close()


def landings(store: Store, truth: dict[str, Any]) -> list[UtxoInjection]:
    """The outputs of the ETH->BTC links' payout transactions that pay their destination."""
    hop = {a["address"]: a["hop"] for a in truth["laundering_addresses"]}
    links = [x for x in truth["cross_chain_links"] if x["to_chain"] == "bitcoin"]
    rows = store.con.execute(
        "SELECT o.txid, o.vout, o.value::BIGINT, a.address FROM utxo_outputs o "
        "JOIN addresses a ON a.id = o.address_id WHERE o.txid IN (SELECT unnest(?::VARCHAR[]))",
        [[x["to_tx"] for x in links]],
    ).fetchall()
    out = {(tx, a): (vout, value) for tx, vout, value, a in rows}
    found = []
    for x in links:
        vout, value = out[(x["to_tx"], x["destination"])]
        found.append(UtxoInjection(x["to_tx"], vout, float(value), hop[x["destination"]], x))
    return found


def scenario_trace(store: Store, truth: dict[str, Any], model: str) -> dict[str, Any]:
    stop = {
        int(a): c
        for a, c in store.con.execute(
            "SELECT address_id, category FROM address_categories "
            "WHERE chain = 'bitcoin' AND category IN ('exchange', 'mixer', 'otc')"
        ).fetchall()
    }
    result = trace_utxo(store, "bitcoin", landings(store, truth), model=model, stop=stop)
    assert abs(result.balance_error()) <= 1e-9 * result.injected
    return {"result": result, **result.to_parts(store)}


def test_scenario_recall_amounts_and_stages(scenario: Any) -> None:
    store, truth = scenario
    haircut = scenario_trace(store, truth, "haircut")
    poison = scenario_trace(store, truth, "poison")
    result = haircut["result"]
    assert result.timings["trace"] < 2.0
    # recall of the Bitcoin laundering addresses
    wanted = {a["address"]: a for a in truth["laundering_addresses"] if a["chain"] == "bitcoin"}
    reached = {n["address"] for n in haircut["nodes"]}
    recall = sum(a in reached for a in wanted) / len(wanted)
    assert recall >= 0.98
    # exchange deposits: poison gives the truth; haircut equals it on the taint that did not
    # pass a CoinJoin and is diluted (never more) on the taint that did
    got = {t["address"]: t for t in haircut["terminals"]}
    upper = {t["address"]: t for t in poison["terminals"]}
    direct = total = 0.0
    for t in truth["terminals"]:
        if t["chain"] != "bitcoin" or t["category"] != "exchange":
            continue
        amount = int(t["amount"])
        mine, top = got[t["address"]], upper[t["address"]]
        assert mine["category"] == "exchange"
        assert top["tainted_amount"] == pytest.approx(amount, rel=0.01)
        assert mine["tainted_amount"] <= amount * (1 + 1e-9)
        part = mine["tainted_amount"] - mine["after_coinjoin"]
        assert part == pytest.approx(top["tainted_amount"] - top["after_coinjoin"], rel=1e-9)
        direct, total = direct + part, total + amount
    assert direct >= 0.5 * total
    # stages: the launderers' CoinJoin outputs, peel chains, deposits by the sweep heuristic
    assert result.coinjoins
    stage_of = {e["to_address"]: e["stage"] for e in haircut["edges"]}
    for a in wanted.values():
        if a["stage"] == "coinjoin":
            assert stage_of[a["address"]] == "coinjoin"
    assert result.peel_chains
    assert any("sweep heuristic" in t["evidence"] for t in haircut["terminals"])
    assert all(
        ("swept_to" in t) == ("sweep heuristic" in (t["evidence"] or ""))
        for t in haircut["terminals"]
    )
    launderers = {a for a, x in wanted.items() if x["stage"] != "exchange_deposit"}
    assert not launderers & {t["address"] for t in haircut["terminals"]}
    # precision: honest addresses get taint only through the CoinJoin (its other participants)
    labelled = {n["address"] for n in haircut["nodes"] if n["labels"]}
    background = reached - set(wanted) - labelled
    assert len(background) <= 0.2 * len(reached)
    leaked = [e for e in haircut["edges"] if e["to_address"] in background]
    assert all(e["after_coinjoin"] for e in leaked)
    assert sum(e["tainted_amount"] for e in leaked) <= 0.05 * result.injected


def test_rows_and_accounting_of_models_the_primary_does_not_have(build: Any) -> None:
    """Under ``all`` (``evidence._merge_utxo``): a Bitcoin destination only poison reaches
    is a row (0 under haircut, ``path_model`` poison, its path as poison's own), and every
    model's accounting of its legs is in ``summary.assets``, also where the primary model
    has no legs at all."""
    from sanctionwatch.trace.engine import ModelRun, TraceResult
    from sanctionwatch.trace.evidence import _merge_utxo

    # 10 of S's 100 are stolen; A (an exchange) gets 20 of the 200 that m mixes: haircut's
    # share (1) is below dust, poison's (20: a tainted input taints every output) is not
    case = build(
        [
            ("s", 0, [], [("S", 100)]),
            ("c", 0, [], [("C", 100)]),
            ("m", 10, [("s", 0), ("c", 0)], [("A", 20), ("B", 180)]),
        ],
        {"A": "exchange"},
    )
    models = ["poison", "haircut"]
    traced = {m: case.trace([inject("s", 0, 10)], model=m, dust_abs=2.0) for m in models}
    (alone,) = traced["poison"].to_parts(case.store)["terminals"]
    assert alone["address"] == baddr("A")
    assert traced["haircut"].to_parts(case.store)["terminals"] == []
    for haircut_legs in (True, False):
        runs = {
            "poison": ModelRun({}, [], [([], traced["poison"])]),
            "haircut": ModelRun({}, [], [([], traced["haircut"])] if haircut_legs else []),
        }
        summary: dict[str, Any] = {"by_category": {}, "assets": {}, "asset_info": {}}
        summary |= {"coinjoins": [], "peel_chains": []}
        result = TraceResult([], "all", [], [], [], summary, {}, {}, None, models)  # type: ignore[arg-type]
        _merge_utxo(case.store, result, runs, "haircut", "all", models, {}, None, {})  # type: ignore[arg-type]
        (row,) = result.terminals
        assert row["address"] == baddr("A")
        assert (row["tainted_amount"], row["path_model"]) == (0.0, "poison")
        assert row["models"] == {"poison": pytest.approx(20.0), "haircut": 0.0}
        assert row["range"] == [0.0, pytest.approx(20.0)]
        assert [e["tx_hash"] for e in row["path"]] == [e["tx_hash"] for e in alone["path"]]
        assert all(e["block_time"].endswith("+00:00") for e in row["path"])
        assert result.summary["by_category"] == {}  # the primary model's: nothing ended
        by_model = result.summary["assets"]["BTC"]
        assert sorted(by_model) == (["haircut", "poison"] if haircut_legs else ["poison"])
        assert by_model["poison"]["terminals"] == pytest.approx(20.0)
        assert result.summary["asset_info"]["BTC"] == {"chain": "bitcoin", "decimals": 8}
