"""Taint models: how much of a transfer leaving an address is dirty.

Balances (the same for every model): each traced address keeps, per asset, the value it holds
as a list of lots in arrival order, each lot ``[amount, dirty]``. Every inflow in the data
(traced or not) is a deposit; every outflow is a spend. Events are applied in time order; at
equal timestamps inflows of an address come before its outflows (same block). When an
outflow exceeds the known balance, the shortfall is paid from an *implicit clean balance*
(value that arrived before the data starts or by transfers not loaded): the model takes what
it can from the known lots first, the rest is clean.

A model is two functions with one interface: ``deposit(balance, amount, dirty)`` and
``spend(balance, amount) -> dirty part``. They mutate the balance in place (the hot loop runs
per event, so no copies); their docstrings are the user documentation.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

EPS = 1e-12


@dataclass(slots=True)
class Balance:
    """One address's holding of one asset: lots in arrival order and their sums."""

    lots: deque[list[float]] = field(default_factory=deque)
    total: float = 0.0
    dirty: float = 0.0
    ever_dirty: bool = False
    absorbed: float = 0.0  # clean value turned dirty (poison only)


def deposit_plain(b: Balance, amount: float, dirty: float) -> None:
    """An inflow is one lot; its dirty part is what the sender's model said."""
    b.lots.append([amount, dirty])
    b.total += amount
    b.dirty += dirty
    if dirty > 0:
        b.ever_dirty = True


def deposit_poison(b: Balance, amount: float, dirty: float) -> None:
    """Poison: once an address has received any taint, all it holds and receives is dirty."""
    if dirty > 0 and not b.ever_dirty:
        b.ever_dirty = True
        b.absorbed += b.total - b.dirty
        b.dirty = b.total
    if b.ever_dirty:
        b.absorbed += amount - dirty
        dirty = amount
    b.total += amount
    b.dirty += dirty


def spend_poison(b: Balance, amount: float) -> float:
    """Poison (upper bound): every transfer out of an ever-tainted address is wholly dirty."""
    if not b.ever_dirty:
        b.total = max(b.total - amount, 0.0)
        return 0.0
    if amount > b.total:  # the implicit balance is dirty too: count it as absorbed
        b.absorbed += amount - b.total
        b.dirty += amount - b.total
        b.total = amount
    b.total -= amount
    b.dirty = max(b.dirty - amount, 0.0)
    return amount


def spend_haircut(b: Balance, amount: float) -> float:
    """Haircut: dirty part = amount x (dirty / balance) at send time; taint is diluted."""
    if b.total <= EPS:
        return 0.0
    paid = min(amount, b.total)
    out = paid * (b.dirty / b.total)
    b.total -= paid
    b.dirty = max(b.dirty - out, 0.0)
    if b.total <= EPS:
        b.total, b.dirty = 0.0, 0.0
    return out


def _take(b: Balance, amount: float, from_front: bool) -> float:
    need = amount
    out = 0.0
    lots = b.lots
    while need > EPS and lots:
        lot = lots[0] if from_front else lots[-1]
        if lot[0] <= need + EPS:
            out += lot[1]
            need -= lot[0]
            if from_front:
                lots.popleft()
            else:
                lots.pop()
        else:
            share = lot[1] * (need / lot[0])
            out += share
            lot[0] -= need
            lot[1] -= share
            need = 0.0
    paid = amount - max(need, 0.0)
    b.total = max(b.total - paid, 0.0)
    b.dirty = max(b.dirty - out, 0.0)
    return out


def spend_fifo(b: Balance, amount: float) -> float:
    """FIFO: a transfer out spends the oldest lots first, carrying their dirty parts."""
    return _take(b, amount, from_front=True)


def spend_lifo(b: Balance, amount: float) -> float:
    """LIFO: a transfer out spends the newest lots first, carrying their dirty parts."""
    return _take(b, amount, from_front=False)


def spend_tiho(b: Balance, amount: float) -> float:
    """TIHO (taint in, highest out): a transfer out carries dirty value first, up to all of it.

    Outflows of one address in the same second are applied largest first, so taint goes to the
    highest outputs. The lot list is not used: only the dirty and total sums matter.
    """
    paid = min(amount, b.total)
    out = min(paid, b.dirty)
    b.total -= paid
    b.dirty -= out
    return out


@dataclass(frozen=True, slots=True)
class TaintModel:
    """One model: its name, its deposit and spend rules, and whether it keeps lots."""

    name: str
    deposit: Callable[[Balance, float, float], None]
    spend: Callable[[Balance, float], float]
    uses_lots: bool

    @property
    def doc(self) -> str:
        return (self.spend.__doc__ or "").strip().splitlines()[0]


def _deposit_sums(b: Balance, amount: float, dirty: float) -> None:
    """Haircut and TIHO only need the sums, not the lots."""
    b.total += amount
    b.dirty += dirty
    if dirty > 0:
        b.ever_dirty = True


MODELS: dict[str, TaintModel] = {
    "poison": TaintModel("poison", deposit_poison, spend_poison, uses_lots=False),
    "haircut": TaintModel("haircut", _deposit_sums, spend_haircut, uses_lots=False),
    "fifo": TaintModel("fifo", deposit_plain, spend_fifo, uses_lots=True),
    "lifo": TaintModel("lifo", deposit_plain, spend_lifo, uses_lots=True),
    "tiho": TaintModel("tiho", _deposit_sums, spend_tiho, uses_lots=False),
}
