"""The taint models on one balance, numbers worked out by hand.

Balance: 60 clean (oldest), 40 dirty, 20 clean (newest); total 120, dirty 40. Then two
spends, 30 and 50.
"""

from __future__ import annotations

import pytest

from sanctionwatch.trace.models import MODELS, Balance


def spends(model: str) -> tuple[float, float, float, float]:
    spec = MODELS[model]
    b = Balance()
    spec.deposit(b, 60.0, 0.0)
    spec.deposit(b, 40.0, 40.0)
    spec.deposit(b, 20.0, 0.0)
    first = spec.spend(b, 30.0)
    second = spec.spend(b, 50.0)
    return first, second, b.dirty, b.absorbed


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        # 30 x 40/120 = 10; then 50 x 30/90 = 16.67; 40 - 26.67 = 13.33 left dirty
        ("haircut", (10.0, 50 / 3, 40 / 3, 0.0)),
        # oldest first: 30 of the 60 clean; then 30 clean + 20 dirty; 20 dirty left
        ("fifo", (0.0, 20.0, 20.0, 0.0)),
        # newest first: 20 clean + 10 dirty; then 30 dirty + 20 clean; nothing dirty left
        ("lifo", (10.0, 30.0, 0.0, 0.0)),
        # dirty first: 30 dirty; then the remaining 10 dirty + 40 clean
        ("tiho", (30.0, 10.0, 0.0, 0.0)),
        # everything is dirty once taint arrived: 60 + 20 clean absorbed; 40 left of 120
        ("poison", (30.0, 50.0, 40.0, 80.0)),
    ],
)
def test_model_numbers(model: str, expected: tuple[float, float, float, float]) -> None:
    assert spends(model) == pytest.approx(expected)


@pytest.mark.parametrize("model", list(MODELS))
def test_overdraft_is_paid_from_implicit_clean_balance(model: str) -> None:
    """Spending more than the known balance takes the known lots first, the rest is clean."""
    spec = MODELS[model]
    b = Balance()
    spec.deposit(b, 10.0, 10.0)
    dirty = spec.spend(b, 25.0)
    assert dirty == pytest.approx(25.0 if model == "poison" else 10.0)
    assert b.total == pytest.approx(0.0)
    assert b.dirty == pytest.approx(0.0)


def test_every_model_is_documented() -> None:
    for spec in MODELS.values():
        assert spec.doc
        assert spec.spend.__doc__
