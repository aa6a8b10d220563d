"""The laundering ledger: who holds how much of what, and when it arrived.

The laundering core moves every amount through this book, which refuses to spend funds
an address does not hold yet. That makes value conservation and time order hold by
construction, and the ground truth (terminals, dormant balances, fees, conversions) falls
out of the book instead of being computed separately.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any


class LedgerError(AssertionError):
    """The laundering core tried to spend what an address does not hold (a generator bug)."""


@dataclass(slots=True)
class AddrInfo:
    """A laundering address: its stage, hop distance from the theft and first receipt."""

    chain: str
    address: str
    stage: str
    hop: int
    owner: str  # "launderer" or "service" (exchange deposit address, OTC desk)
    first_seen: int | None = None
    label: str | None = None


class Book:
    """Balances of laundering addresses, terminals, fees and conversions."""

    def __init__(self) -> None:
        self.info: dict[tuple[str, str], AddrInfo] = {}
        self.bal: defaultdict[tuple[str, str, str], int] = defaultdict(int)
        self.ready: dict[tuple[str, str], int] = {}
        self.stolen: dict[str, int] = {}
        self.fees: defaultdict[str, int] = defaultdict(int)
        self.terminals: dict[tuple[str, str, str, str], list[Any]] = {}
        self.conversions: list[dict[str, Any]] = []
        self.links: list[dict[str, Any]] = []

    def register(
        self,
        chain: str,
        address: str,
        stage: str,
        hop: int,
        owner: str = "launderer",
        label: str | None = None,
    ) -> None:
        """Add a laundering address (keeps the smallest hop if seen again)."""
        key = (chain, address)
        got = self.info.get(key)
        if got is None:
            self.info[key] = AddrInfo(chain, address, stage, hop, owner, label=label)
        elif hop < got.hop:
            got.hop = hop

    def tracked(self, chain: str, address: str) -> bool:
        """Is this a laundering address whose balance the book follows?"""
        return (chain, address) in self.info

    def hop(self, chain: str, address: str) -> int:
        """Hop distance of a registered address."""
        return self.info[(chain, address)].hop

    def credit(self, chain: str, address: str, asset: str, amount: int, t: int) -> None:
        """Funds arrive at a laundering address at time ``t``."""
        if not self.tracked(chain, address):
            return
        if amount < 0:
            raise LedgerError(f"negative credit to {address}")
        self.bal[(chain, address, asset)] += amount
        info = self.info[(chain, address)]
        if info.first_seen is None or t < info.first_seen:
            info.first_seen = t
        key = (chain, address)
        self.ready[key] = max(self.ready.get(key, t), t)

    def debit(self, chain: str, address: str, asset: str, amount: int, t: int) -> None:
        """Funds leave a laundering address at time ``t`` (after they arrived)."""
        if not self.tracked(chain, address):
            return
        key = (chain, address, asset)
        info = self.info[(chain, address)]
        if amount < 0 or self.bal[key] < amount:
            raise LedgerError(f"{address} spends {amount} {asset} but holds {self.bal[key]}")
        if info.first_seen is None or t < info.first_seen:
            raise LedgerError(f"{address} spends at {t} before funds arrived")
        self.bal[key] -= amount

    def move(self, chain: str, frm: str, to: str, asset: str, amount: int, t: int) -> None:
        """Debit ``frm`` and credit ``to`` (either may be an untracked service)."""
        self.debit(chain, frm, asset, amount, t)
        self.credit(chain, to, asset, amount, t)

    def terminal(
        self, chain: str, address: str, category: str, label: str, asset: str, amount: int
    ) -> None:
        """Laundered value that reached a terminal (exchange, OTC desk, mixer, ...)."""
        key = (chain, address, category, asset)
        if key in self.terminals:
            self.terminals[key][1] += amount
        else:
            self.terminals[key] = [label, amount]

    def convert(
        self,
        kind: str,
        chain_in: str,
        tx_in: str,
        asset_in: str,
        amount_in: int,
        chain_out: str,
        tx_out: str,
        asset_out: str,
        amount_out: int,
    ) -> None:
        """A swap: ``amount_in`` of one asset became ``amount_out`` of another."""
        self.conversions.append(
            {
                "kind": kind,
                "chain_in": chain_in,
                "tx_in": tx_in,
                "asset_in": asset_in,
                "amount_in": str(amount_in),
                "chain_out": chain_out,
                "tx_out": tx_out,
                "asset_out": asset_out,
                "amount_out": str(amount_out),
            }
        )

    def accounting(self) -> dict[str, dict[str, str]]:
        """Per asset: stolen + produced = terminal + fees + consumed (checked, as strings)."""
        assets: dict[str, dict[str, int]] = {}

        def row(a: str) -> dict[str, int]:
            return assets.setdefault(
                a,
                {
                    "stolen": 0,
                    "produced_by_swaps": 0,
                    "consumed_by_swaps": 0,
                    "terminal": 0,
                    "fees": 0,
                },
            )

        for a, v in self.stolen.items():
            row(a)["stolen"] += v
        for c in self.conversions:
            row(c["asset_in"])["consumed_by_swaps"] += int(c["amount_in"])
            row(c["asset_out"])["produced_by_swaps"] += int(c["amount_out"])
        for (_, _, _, a), (_, v) in self.terminals.items():
            row(a)["terminal"] += v
        for a, v in self.fees.items():
            row(a)["fees"] += v
        out: dict[str, dict[str, str]] = {}
        for a, r in assets.items():
            left = r["stolen"] + r["produced_by_swaps"]
            right = r["terminal"] + r["fees"] + r["consumed_by_swaps"]
            if left != right:
                raise LedgerError(f"{a}: sources {left} != sinks {right}")
            out[a] = {k: str(v) for k, v in r.items()}
        return out
