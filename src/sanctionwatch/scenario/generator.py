"""``generate()``: write a complete synthetic laundering scenario to a directory.

Order of work: services and the laundering core first (they decide the named addresses),
then the address registries, honest cross-chain traffic and the service payout chains, and
finally each chain's files in time windows (Bitcoin, Ethereum, TRON), streaming to disk in
bounded memory. Labels, ground truth and the manifest come last.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sanctionwatch.scenario._bgbtc import BtcBackground
from sanctionwatch.scenario._btc import BtcTable, Genesis, json_lines, payout_chain, table_from_txs
from sanctionwatch.scenario._core import Core
from sanctionwatch.scenario._coupled import make_coupled
from sanctionwatch.scenario._eth import (
    TOKEN_COLUMNS,
    TRACE_COLUMNS,
    TX_COLUMNS,
    EthBackground,
    EthBatch,
    batch_from_txs,
)
from sanctionwatch.scenario._eth import finalize as eth_finalize
from sanctionwatch.scenario._labels import write_tagpacks
from sanctionwatch.scenario._model import (
    BTC_BLOCK_TIME,
    ETH_BLOCK_TIME,
    T_END,
    T_START,
    TOKENS,
    TRON_BLOCK_TIME,
)
from sanctionwatch.scenario._plan import (
    MAX_TRANSFERS,
    MIN_TRANSFERS,
    SHARE_BTC,
    SHARE_TRON,
    Plan,
    make_plan,
)
from sanctionwatch.scenario._registry import (
    AddressFactory,
    BtcRegistry,
    EthRegistry,
    TronRegistry,
)
from sanctionwatch.scenario._services import Services, make_services
from sanctionwatch.scenario._sinks import Sink, Writer
from sanctionwatch.scenario._tron import TRON_COLUMNS, TronBackground, TronBatch
from sanctionwatch.scenario._tron import batch_from_transfers as tron_batch
from sanctionwatch.scenario._tron import finalize as tron_finalize
from sanctionwatch.scenario._truth import addresses_csv, ground_truth

GENERATOR_VERSION = "1.0.0"
Progress = Callable[[int, int], None]

ETH_ROWS_PER_WINDOW = 200_000
TRON_ROWS_PER_WINDOW = 200_000
BTC_OUTPUTS_PER_WINDOW = 2_500
# Even small scenarios use several windows, so state carried across windows (nonces, the
# Bitcoin UTXO pool, pending sweeps) is exercised by the unit tests.
MIN_WINDOWS = 4
MIN_WINDOWS_BTC = 12


@dataclass(slots=True)
class FileEntry:
    """One written file: path relative to the scenario directory, rows, bytes, sha256."""

    path: str
    rows: int
    bytes: int
    sha256: str


@dataclass(slots=True)
class ScenarioManifest:
    """What ``generate`` wrote (also saved as ``manifest.json``)."""

    out_dir: Path
    seed: int
    transfers_requested: int
    transfers_written: int
    generator_version: str
    files: list[FileEntry] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    parameters: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the directory as a string)."""
        d = asdict(self)
        d["out_dir"] = str(self.out_dir)
        return d


def _edges(t0: int, t1: int, n: int, step: int) -> list[int]:
    """``n`` windows covering [t0, t1), with edges on block boundaries."""
    n = max(1, n)
    raw = [t0 + (t1 - t0) * i // n for i in range(n + 1)]
    out = [T_START + (x - T_START) // step * step for x in raw]
    out[0], out[-1] = t0, t1
    return sorted(set(out))


class _Progress:
    def __init__(self, cb: Progress | None, total: int) -> None:
        self.cb = cb
        self.total = total
        self.done = 0

    def add(self, n: int) -> None:
        self.done += n
        if self.cb is not None:
            self.cb(min(self.done, self.total), self.total)

    def finish(self) -> None:
        """The total is an estimate: the last report always says 'done'."""
        if self.cb is not None:
            self.cb(self.total, self.total)


def _validate(out_dir: Path, seed: int, transfers: int) -> None:
    if isinstance(transfers, bool) or not isinstance(transfers, int):
        raise ValueError("transfers must be an integer")
    if transfers < MIN_TRANSFERS:
        raise ValueError(
            f"transfers must be at least {MIN_TRANSFERS:,} (got {transfers:,}): "
            "smaller scenarios cannot hold every laundering stage"
        )
    if transfers > MAX_TRANSFERS:
        raise ValueError(f"transfers must be at most {MAX_TRANSFERS:,} (got {transfers:,})")
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer (got {seed!r})")
    if out_dir.exists() and not out_dir.is_dir():
        raise ValueError(f"{out_dir} exists and is not a directory")


def generate(
    out_dir: Path, *, seed: int, transfers: int, progress: Progress | None = None
) -> ScenarioManifest:
    """Write a deterministic laundering scenario of about ``transfers`` transfers.

    A transfer is one row of ``ethereum/transactions.csv``, ``token_transfers.csv`` or
    ``traces.csv``, one Bitcoin transaction output, or one TRON transfer. The same seed and
    size give byte-identical files.

    Raises:
        ValueError: bad parameters (``transfers`` below 2,000, a negative seed, ...).
    """
    out_dir = Path(out_dir)
    _validate(out_dir, seed, transfers)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = make_plan(transfers)
    streams = np.random.SeedSequence([seed, 0x5CE7A210]).spawn(13)
    rngs = [np.random.default_rng(s) for s in streams]
    (
        r_addr,
        r_svc,
        r_gen,
        r_core,
        r_pool,
        r_breg,
        r_ereg,
        r_treg,
        r_cpl,
        r_btc,
        r_eth,
        r_tron,
        r_label,
    ) = rngs
    factory = AddressFactory(r_addr)
    svc = make_services(r_svc, factory)
    shares = [e.share for e in svc.exchanges]
    genesis = Genesis(r_gen)
    btc_reg = BtcRegistry(r_breg, plan.btc_wallets, plan.btc_deposit_addresses, shares)
    core = Core(r_core, plan, svc, factory, genesis)
    core.pool_wallet = lambda: btc_reg.pool_address(int(r_pool.integers(0, btc_reg.wallets)))
    core.run()

    eth_reg = _eth_registry(r_ereg, plan, svc, core, shares)
    for addr, meta in factory.btc_meta.items():
        btc_reg.add(addr, meta)
    for e, ex in enumerate(svc.exchanges):
        for a in ex.btc_hot:
            btc_reg.add(a, factory.btc_meta[a], hot_of_exchange=e)
    btc_reg.finalize()
    tron_reg = _tron_registry(r_treg, plan, svc, core)
    coupled = make_coupled(
        r_cpl, plan, svc, eth_reg, btc_reg, tron_reg, core.eth_sat, core.eth_usdt
    )

    outbounds = core.outbounds + coupled.outbounds
    thor = payout_chain(
        [o for o in outbounds if o.service == "thorchain"],
        svc.thor_btc_vault,
        btc_reg,
        genesis,
        r_gen,
    )
    exch = payout_chain(
        [o for o in outbounds if o.service == "exchanger"], svc.exch_btc, btc_reg, genesis, r_gen
    )
    bg_btc = BtcBackground(r_btc, btc_reg, svc, genesis)
    genesis_tab = genesis.table(btc_reg)
    btc_special = BtcTable.concat([table_from_txs(core.btc, btc_reg), thor, exch]).sorted_by_time()
    eth_special = EthBatch.concat([batch_from_txs(core.eth, eth_reg), coupled.eth])
    eth_special = eth_special.take(np.argsort(eth_special.time, kind="stable"))
    tron_special = TronBatch.concat([tron_batch(core.tron, tron_reg), coupled.tron])
    tron_special = tron_special.take(np.argsort(tron_special.time, kind="stable"))

    n_btc_special = len(btc_special.out_addr) + len(genesis_tab.out_addr)
    eth_share = transfers * (1 - SHARE_BTC - SHARE_TRON)
    eth_bg = max(eth_share - eth_special.rows, 0.2 * eth_share)
    btc_bg = max(transfers * SHARE_BTC - n_btc_special, 0.2 * transfers * SHARE_BTC)
    tron_bg = max(transfers * SHARE_TRON - tron_special.n, 0.2 * transfers * SHARE_TRON)
    prog = _Progress(
        progress, int(eth_bg + btc_bg + tron_bg) + eth_special.rows + n_btc_special + tron_special.n
    )

    files: list[dict[str, Any]] = []
    counts: dict[str, int] = {}
    writer = Writer()
    try:
        files += _write_btc(
            out_dir, genesis_tab, btc_special, bg_btc, btc_reg, btc_bg, counts, prog, writer
        )
        files += _write_eth(
            out_dir,
            eth_special,
            EthBackground(r_eth, eth_reg, svc),
            eth_reg,
            eth_bg,
            r_eth,
            counts,
            prog,
            writer,
        )
        files += _write_tron(
            out_dir,
            tron_special,
            TronBackground(r_tron, tron_reg, svc),
            tron_reg,
            tron_bg,
            counts,
            prog,
            writer,
        )
    finally:
        writer.close()

    packs = write_tagpacks(
        r_label, svc, core.book, core.theft, core.frozen, eth_reg, btc_reg, tron_reg
    )
    for relpath, (text, n_tags) in packs.items():
        sink = Sink(out_dir, relpath)
        sink.write_text(text)
        sink.rows = n_tags
        files.append(sink.close())

    prog.finish()
    written = sum(counts.values()) - counts["bitcoin_transactions"]
    parameters = {
        "transfers": transfers,
        "share_btc": SHARE_BTC,
        "share_tron": SHARE_TRON,
        "plan": plan.to_dict(),
        "eth_btc_sat": core.eth_sat,
        "eth_usdt_units": core.eth_usdt,
        "transfer_unit": "rows of the three Ethereum CSVs + Bitcoin outputs + TRON transfers",
    }
    truth = ground_truth(
        core.book,
        seed=seed,
        transfers=transfers,
        written=counts,
        theft=core.theft,
        frozen=core.frozen,
        parameters=parameters,
    )
    sink = Sink(out_dir, "ground_truth.json")
    sink.write_text(json.dumps(truth, separators=(",", ":")) + "\n")
    sink.rows = len(truth["laundering_addresses"])
    files.append(sink.close())
    sink = Sink(out_dir, "ground_truth_addresses.csv")
    sink.write_text(addresses_csv(core.book))
    sink.rows = len(core.book.info)
    files.append(sink.close())

    manifest = ScenarioManifest(
        out_dir=out_dir,
        seed=seed,
        transfers_requested=transfers,
        transfers_written=written,
        generator_version=GENERATOR_VERSION,
        files=[FileEntry(**f) for f in files],
        counts=counts,
        parameters=parameters,
    )
    doc = manifest.to_dict()
    doc.pop("out_dir")  # keep the manifest independent of where it was written
    (out_dir / "manifest.json").write_text(json.dumps(doc, indent=1) + "\n")
    return manifest


def _eth_registry(
    rng: np.random.Generator, plan: Plan, svc: Services, core: Core, shares: list[float]
) -> EthRegistry:
    reg = EthRegistry(rng, plan.eth_users, plan.eth_deposit_addresses, shares)
    named: list[str] = []
    for ex in svc.exchanges:
        named += ex.eth_hot
    named += [
        svc.victim_cold,
        svc.exploiter,
        svc.dex_router,
        *svc.dex_pools.values(),
        svc.thor_router,
        svc.thor_eth_vault,
        svc.exch_eth,
        svc.bridge_eth,
        *svc.mixer_pools.values(),
        *svc.relayers,
        *svc.misc_contracts,
    ]
    named += [t.address for t in TOKENS.values()]
    for tx in core.eth:
        named += [tx.frm, tx.to]
        for tok, a, b, _ in tx.tokens:
            named += [tok, a, b]
        for a, b, _ in tx.traces:
            named += [a, b]
    for a in named:
        reg.add(a)
    reg.finalize()
    return reg


def _tron_registry(rng: np.random.Generator, plan: Plan, svc: Services, core: Core) -> TronRegistry:
    reg = TronRegistry(rng, plan.tron_users, plan.tron_deposit_addresses, len(svc.tron_exchanges))
    for ex in svc.exchanges:
        for a in ex.tron_hot:
            reg.add(a)
    reg.add(svc.bridge_tron)
    reg.add(svc.issuer_tron)
    for _, a in svc.otc_desks:
        reg.add(a)
    for t in core.tron:
        reg.add(t.frm)
        reg.add(t.to)
    reg.finalize()
    return reg


def _write_btc(
    out: Path,
    genesis_tab: BtcTable,
    special: BtcTable,
    bg: BtcBackground,
    reg: BtcRegistry,
    bg_outputs: float,
    counts: dict[str, int],
    prog: _Progress,
    writer: Writer,
) -> list[dict[str, Any]]:
    sink = Sink(out, "bitcoin/transactions.jsonl", writer=writer)
    n_out = 0
    lines, m = json_lines(genesis_tab, reg)
    sink.write_lines(lines)
    n_out += m
    prog.add(m)
    bg.release(genesis_tab)
    t0 = int(genesis_tab.time.max()) + BTC_BLOCK_TIME
    n_win = max(MIN_WINDOWS_BTC, math.ceil(bg_outputs / BTC_OUTPUTS_PER_WINDOW))
    edges = _edges(t0, T_END, n_win, BTC_BLOCK_TIME)
    times = special.time
    for a, b in itertools.pairwise(edges):
        i0, i1 = np.searchsorted(times, [a, b])
        sp = special.slice(int(i0), int(i1))
        share = bg_outputs * (b - a) / (T_END - t0)
        tab = bg.window(a, b, round(share))
        merged = BtcTable.concat([sp, tab]).sorted_by_time()
        lines, m = json_lines(merged, reg)
        sink.write_lines(lines)
        n_out += m
        prog.add(m)
        bg.release(merged)
    if np.searchsorted(times, T_END) != len(times):
        raise AssertionError("laundering or payout transactions after the end of the data")
    counts["bitcoin_transactions"] = sink.rows
    counts["bitcoin_outputs"] = n_out
    return [sink.close()]


def _write_eth(
    out: Path,
    special: EthBatch,
    bg: EthBackground,
    reg: EthRegistry,
    bg_rows: float,
    rng: np.random.Generator,
    counts: dict[str, int],
    prog: _Progress,
    writer: Writer,
) -> list[dict[str, Any]]:
    s_tx = Sink(out, "ethereum/transactions.csv", TX_COLUMNS, writer)
    s_tok = Sink(out, "ethereum/token_transfers.csv", TOKEN_COLUMNS, writer)
    s_tr = Sink(out, "ethereum/traces.csv", TRACE_COLUMNS, writer)
    edges = _edges(
        T_START, T_END, max(MIN_WINDOWS, math.ceil(bg_rows / ETH_ROWS_PER_WINDOW)), ETH_BLOCK_TIME
    )
    carry = EthBatch.empty()
    times = special.time
    for a, b in itertools.pairwise(edges):
        i0, i1 = np.searchsorted(times, [a, b])
        sp = special.take(np.arange(i0, i1))
        share = bg_rows * (b - a) / (T_END - T_START)
        batch, new_carry = bg.window(a, b, round(share))
        due = carry.time < b
        batch = EthBatch.concat([sp, carry.take(np.flatnonzero(due)), batch])
        carry = EthBatch.concat([carry.take(np.flatnonzero(~due)), new_carry])
        txs, toks, traces = eth_finalize(batch, reg, rng)
        s_tx.write_table(txs)
        s_tok.write_table(toks)
        s_tr.write_table(traces)
        prog.add(batch.rows)
    counts["ethereum_transactions"] = s_tx.rows
    counts["ethereum_token_transfers"] = s_tok.rows
    counts["ethereum_traces"] = s_tr.rows
    return [s_tx.close(), s_tok.close(), s_tr.close()]


def _write_tron(
    out: Path,
    special: TronBatch,
    bg: TronBackground,
    reg: TronRegistry,
    bg_rows: float,
    counts: dict[str, int],
    prog: _Progress,
    writer: Writer,
) -> list[dict[str, Any]]:
    sink = Sink(out, "tron/usdt_transfers.csv", TRON_COLUMNS, writer)
    edges = _edges(
        T_START, T_END, max(MIN_WINDOWS, math.ceil(bg_rows / TRON_ROWS_PER_WINDOW)), TRON_BLOCK_TIME
    )
    carry: TronBatch | None = None
    times = special.time
    for a, b in itertools.pairwise(edges):
        i0, i1 = np.searchsorted(times, [a, b])
        share = bg_rows * (b - a) / (T_END - T_START)
        batch, new_carry = bg.window(a, b, round(share))
        parts = [special.take(np.arange(i0, i1)), batch]
        if carry is not None:
            due = carry.time < b
            parts.append(carry.take(np.flatnonzero(due)))
            new_carry = TronBatch.concat([carry.take(np.flatnonzero(~due)), new_carry])
        carry = new_carry
        table = tron_finalize(TronBatch.concat(parts), reg)
        sink.write_table(table)
        prog.add(table.num_rows)
    counts["tron_transfers"] = sink.rows
    return [sink.close()]
