"""The ground truth of a scenario: which addresses launder, at which stage, and where the
stolen value ended up (terminals), with the accounting that ties it to the theft.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sanctionwatch.scenario._book import Book
from sanctionwatch.scenario._model import STAGES

ACCOUNTING_RULE = (
    "Per asset (ETH, stETH, mETH, cmETH in wei-like base units; BTC in satoshi; USDT on TRON "
    "in 6-decimal units): stolen + produced_by_swaps = terminal + fees + consumed_by_swaps. "
    "Swaps (DEX, THORChain-like, instant exchanger, bridge) consume one asset and produce "
    "another at the rate recorded in 'conversions' (service fees are inside that rate). "
    "'terminal' sums the 'terminals' list: value that reached an exchange deposit address "
    "(the amount received there; the exchange's own sweep afterwards is not counted), an OTC "
    "desk, the frozen address, a mixer pool (deposited and never withdrawn by the "
    "launderers), or that is still held by a laundering address at the end (dormant). "
    "'fees' are Bitcoin miner fees paid from laundered outputs and mixer relayer fees. "
    "Ethereum gas is not deducted from values (gas is paid out of band), so on Ethereum and "
    "TRON the values a laundering address sends never exceed what it received; on Bitcoin "
    "inputs = outputs + fee."
)


def iso(t: int) -> str:
    """Unix seconds -> ISO-8601 UTC."""
    return dt.datetime.fromtimestamp(t, tz=dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def ground_truth(
    book: Book,
    *,
    seed: int,
    transfers: int,
    written: dict[str, int],
    theft: dict[str, Any],
    frozen: list[dict[str, Any]],
    parameters: dict[str, Any],
) -> dict[str, Any]:
    """The ground-truth document (JSON-ready, amounts as strings)."""
    addrs = sorted(book.info.values(), key=lambda a: (a.chain, a.first_seen or 0, a.hop, a.address))
    stages_present = {a.stage for a in addrs}
    return {
        "seed": seed,
        "transfers_requested": transfers,
        "transfers_written": written,
        "theft": theft,
        "laundering_addresses": [
            {
                "chain": a.chain,
                "address": a.address,
                "stage": a.stage,
                "first_seen": iso(a.first_seen) if a.first_seen is not None else None,
                "hop": a.hop,
                "owner": a.owner,
                **({"label": a.label} if a.label else {}),
            }
            for a in addrs
        ],
        "terminals": [
            {
                "chain": c,
                "address": a,
                "category": cat,
                "label": v[0],
                "asset": asset,
                "amount": str(v[1]),
            }
            for (c, a, cat, asset), v in sorted(book.terminals.items())
        ],
        "stage_classes": [s for s in STAGES if s in stages_present],
        "cross_chain_links": book.links,
        "conversions": book.conversions,
        "fees": {k: str(v) for k, v in sorted(book.fees.items())},
        "accounting": book.accounting(),
        "accounting_rule": ACCOUNTING_RULE,
        "frozen": [{**f, "frozen_at": iso(f["frozen_at"])} for f in frozen],
        "parameters": parameters,
        "notes": (
            "Synthetic data shaped on public accounts of the February 2025 Bybit theft; all "
            "service names are fictional. 'owner' is 'launderer' for addresses the launderers "
            "control and 'service' for exchange deposit addresses and OTC desks they used. "
            "'hop' counts transfers from the theft address (a cross-chain swap is one hop). "
            "Internal ETH transfers (theft, DEX payouts, THORChain router to vault, mixer "
            "withdrawals) are in ethereum/traces.csv. Background balances are not tracked "
            "(background wallets are assumed funded before 2025-01-01), except Bitcoin, "
            "where every input spends an earlier output."
        ),
    }


def addresses_csv(book: Book) -> str:
    """``ground_truth_addresses.csv``: chain,address,stage,hop."""
    lines = ["chain,address,stage,hop"]
    for a in sorted(book.info.values(), key=lambda a: (a.chain, a.hop, a.address)):
        lines.append(f"{a.chain},{a.address},{a.stage},{a.hop}")
    return "\n".join(lines) + "\n"
