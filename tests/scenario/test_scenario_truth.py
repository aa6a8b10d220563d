"""The ground truth agrees with the data: stages, conservation, time order, memo pairs."""

from __future__ import annotations

from collections import defaultdict

from .scenario_files import Scenario, iso

STAGES = {
    "theft",
    "split",
    "dex_swap",
    "bridge",
    "mixer",
    "coinjoin",
    "peel_chain",
    "dormant",
    "otc",
    "exchange_deposit",
    "frozen",
}


def test_every_stage_and_terminal_kind_is_present(small: Scenario) -> None:
    truth = small.truth
    assert set(truth["stage_classes"]) == STAGES
    assert {a["stage"] for a in truth["laundering_addresses"]} == STAGES
    cats = {t["category"] for t in truth["terminals"]}
    assert {"exchange", "otc", "frozen", "mixer", "dormant"} <= cats
    kinds = {link["kind"] for link in truth["cross_chain_links"]}
    assert kinds == {"thorchain", "exchanger", "bridge"}
    assert {(a["chain"]) for a in truth["laundering_addresses"]} == {"ethereum", "bitcoin", "tron"}


def test_theft_matches_the_chain(scenario: Scenario) -> None:
    theft = scenario.truth["theft"]
    assert theft["time"] == "2025-02-21T14:13:00Z"
    got: defaultdict[str, int] = defaultdict(int)
    hashes = set(theft["tx_hashes"])
    for chain, _, to, asset, amount, ts, _ in scenario.transfers():
        if chain == "ethereum" and to == theft["address"] and ts < 1_740_147_180 + 600:
            got[asset] += amount
    assert {a["asset"]: int(a["amount"]) for a in theft["amounts"]} == dict(got)
    assert hashes <= {t["hash"] for t in scenario.eth_tx}
    assert {a["asset"] for a in theft["amounts"]} == {"ETH", "stETH", "mETH", "cmETH"}


def _flows(
    s: Scenario,
) -> tuple[
    dict[tuple[str, str, str], int],
    dict[tuple[str, str, str], int],
    list[tuple[str, str, str, int, int, int]],
]:
    """Per (chain, address, asset): total in, total out; and the ordered movements."""
    inflow: defaultdict[tuple[str, str, str], int] = defaultdict(int)
    outflow: defaultdict[tuple[str, str, str], int] = defaultdict(int)
    events: list[tuple[str, str, str, int, int, int]] = []
    for chain, frm, to, asset, amount, ts, order in s.transfers():
        if frm:
            outflow[(chain, frm, asset)] += amount
            events.append((chain, frm, asset, -amount, ts, order))
        if to:
            inflow[(chain, to, asset)] += amount
            events.append((chain, to, asset, amount, ts, order))
    return inflow, outflow, events


def test_laundering_addresses_conserve_value(scenario: Scenario) -> None:
    """Out <= in for every laundering address; what stays equals its dormant/frozen terminal."""
    inflow, outflow, _ = _flows(scenario)
    held: defaultdict[tuple[str, str, str], int] = defaultdict(int)
    for t in scenario.truth["terminals"]:
        if t["category"] in ("dormant", "frozen"):
            held[(t["chain"], t["address"], t["asset"])] += int(t["amount"])
    assets_of: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    for chain, addr, asset in list(inflow) + list(outflow):
        assets_of[(chain, addr)].add(asset)
    checked = 0
    for a in scenario.truth["laundering_addresses"]:
        assets = assets_of[(a["chain"], a["address"])]
        assert assets, f"{a['address']} never appears in the data"
        for asset in assets:
            key = (a["chain"], a["address"], asset)
            if a["owner"] == "launderer":
                assert outflow[key] <= inflow[key]
                assert inflow[key] - outflow[key] == held[key], key
                checked += 1
            elif a["stage"] == "exchange_deposit":
                assert outflow[key] <= inflow[key]
    assert checked >= len(scenario.truth["laundering_addresses"]) // 2


def test_laundering_funds_leave_only_after_they_arrive(scenario: Scenario) -> None:
    """Chronological running balance of each laundering address never goes negative."""
    _, _, events = _flows(scenario)
    launder = {
        (a["chain"], a["address"])
        for a in scenario.truth["laundering_addresses"]
        if a["owner"] == "launderer"
    }
    first_in: dict[tuple[str, str], int] = {}
    per: defaultdict[tuple[str, str, str], list[tuple[int, int, int]]] = defaultdict(list)
    for chain, addr, asset, delta, ts, _order in events:
        if (chain, addr) in launder:
            # credits sort before debits at equal time: a swap pays out in the same tx
            per[(chain, addr, asset)].append((ts, 0 if delta > 0 else 1, delta))
            if delta > 0:
                first_in[(chain, addr)] = min(first_in.get((chain, addr), ts), ts)
    for key, evs in per.items():
        bal = 0
        for ts, _, delta in sorted(evs):
            if delta < 0:
                assert ts >= first_in[key[:2]]
            bal += delta
            assert bal >= 0, key
    first_seen = {
        (a["chain"], a["address"]): a["first_seen"] for a in scenario.truth["laundering_addresses"]
    }
    for addr_key, ts in first_in.items():
        assert first_seen[addr_key] == iso(ts)


def test_accounting_balances_per_asset(scenario: Scenario) -> None:
    """stolen + produced by swaps = terminals + fees + consumed by swaps, for every asset."""
    truth = scenario.truth
    terminal: defaultdict[str, int] = defaultdict(int)
    for t in truth["terminals"]:
        terminal[t["asset"]] += int(t["amount"])
    produced: defaultdict[str, int] = defaultdict(int)
    consumed: defaultdict[str, int] = defaultdict(int)
    for c in truth["conversions"]:
        consumed[c["asset_in"]] += int(c["amount_in"])
        produced[c["asset_out"]] += int(c["amount_out"])
    stolen = {a["asset"]: int(a["amount"]) for a in truth["theft"]["amounts"]}
    fees = {k: int(v) for k, v in truth["fees"].items()}
    assets = set(stolen) | set(produced) | set(terminal)
    assert {"ETH", "stETH", "mETH", "cmETH", "BTC", "USDT"} <= assets
    for a in assets:
        left = stolen.get(a, 0) + produced[a]
        right = terminal[a] + fees.get(a, 0) + consumed[a]
        assert left == right, a
        assert truth["accounting"][a]["terminal"] == str(terminal[a])
    # the staked-ETH tokens were all swapped away; BTC and USDT only exist through swaps
    for tok in ("stETH", "mETH", "cmETH"):
        assert terminal[tok] == 0
        assert consumed[tok] == stolen[tok]


def test_terminals_match_received_amounts(scenario: Scenario) -> None:
    """Exchange and OTC terminals equal what laundering addresses sent there."""
    launder = {
        (a["chain"], a["address"])
        for a in scenario.truth["laundering_addresses"]
        if a["owner"] == "launderer"
    }
    sent: defaultdict[tuple[str, str, str], int] = defaultdict(int)
    btc_in_owner: dict[str, str] = {}
    for tx in scenario.btc:
        owners = {a for i in tx["inputs"] for a in i["addresses"]}
        btc_in_owner[tx["hash"]] = "L" if any(("bitcoin", a) in launder for a in owners) else ""
        if btc_in_owner[tx["hash"]]:
            for o in tx["outputs"]:
                for a in o["addresses"]:
                    sent[("bitcoin", a, "BTC")] += o["value"]
    for chain, frm, to, asset, amount, _, _ in scenario.transfers():
        if chain != "bitcoin" and (chain, frm) in launder:
            sent[(chain, to, asset)] += amount
    for t in scenario.truth["terminals"]:
        if t["category"] in ("exchange", "otc"):
            assert sent[(t["chain"], t["address"], t["asset"])] == int(t["amount"]), t


def test_thorchain_memos_pair_inbound_and_outbound(scenario: Scenario) -> None:
    """Each router deposit memo '=:BTC.BTC:<dest>' has a vault payout with OUT:<HASH>."""
    truth = scenario.truth
    router = next(link for link in truth["cross_chain_links"] if link["kind"] == "thorchain")
    router_addr = next(t["to_address"] for t in scenario.eth_tx if t["hash"] == router["from_tx"])
    outs: dict[str, tuple[str, list[str], int]] = {}
    for tx in scenario.btc:
        memos = [o["script_asm"].split(" ", 1)[1] for o in tx["outputs"] if o["type"] == "nulldata"]
        for m in memos:
            text = bytes.fromhex(m).decode()
            if text.startswith("OUT:"):
                outs[text[4:]] = (
                    tx["hash"],
                    [a for o in tx["outputs"] for a in o["addresses"]],
                    tx["block_timestamp"],
                )
    deposits = [t for t in scenario.eth_tx if t["to_address"] == router_addr]
    assert len(deposits) >= 8
    for t in deposits:
        memo = bytes.fromhex(t["input"][2:]).decode()
        assert memo.startswith("=:BTC.BTC:")
        dest = memo.split(":")[2]
        _tx_hash, addrs, ts = outs[t["hash"][2:].upper()]
        assert dest in addrs
        assert ts > int(t["block_timestamp"])
    links = [link for link in truth["cross_chain_links"] if link["kind"] == "thorchain"]
    for link in links:
        assert outs[link["from_tx"][2:].upper()][0] == link["to_tx"]
        assert link["memo"] == "=:BTC.BTC:" + link["destination"]
    launder_btc = {a["address"] for a in truth["laundering_addresses"] if a["chain"] == "bitcoin"}
    assert all(link["destination"] in launder_btc for link in links)


def test_other_cross_chain_links_exist_in_data(scenario: Scenario) -> None:
    eth = {t["hash"] for t in scenario.eth_tx}
    btc = {t["hash"]: t for t in scenario.btc}
    tron = {t["tx_hash"]: t for t in scenario.tron}
    for link in scenario.truth["cross_chain_links"]:
        assert link["from_tx"] in eth
        if link["to_chain"] == "bitcoin":
            paid = [a for o in btc[link["to_tx"]]["outputs"] for a in o["addresses"]]
            assert link["destination"] in paid
        else:
            assert tron[link["to_tx"]]["to_address"] == link["destination"]


def test_hops_and_stages_are_consistent(scenario: Scenario) -> None:
    addrs = scenario.truth["laundering_addresses"]
    by_stage: defaultdict[str, list[int]] = defaultdict(list)
    for a in addrs:
        by_stage[a["stage"]].append(a["hop"])
    assert by_stage["theft"] == [0]
    assert min(by_stage["split"]) == 1
    assert min(by_stage["peel_chain"]) > min(by_stage["bridge"])
    frozen = scenario.truth["frozen"]
    assert len(frozen) == 1
    assert frozen[0]["frozen_at"] > "2025-02-21"


def test_btc_fan_out_is_large_enough(medium: Scenario) -> None:
    n = sum(a["chain"] == "bitcoin" for a in medium.truth["laundering_addresses"])
    assert n >= 300


def test_honest_users_share_the_services(scenario: Scenario) -> None:
    """Naive tracing over-includes: honest deposits to the same THORChain router exist."""
    launder = {a["address"] for a in scenario.truth["laundering_addresses"]}
    router = next(
        t["to_address"]
        for t in scenario.eth_tx
        if t["input"].startswith("0x" + b"=:BTC.BTC:".hex()) and t["from_address"] in launder
    )
    honest = [
        t for t in scenario.eth_tx if t["to_address"] == router and t["from_address"] not in launder
    ]
    assert len(honest) >= 4
