"""Fixtures shared by all tests.

``shared_data`` is the read-only ``../shared/data`` folder beside the checkout: tests that
need it skip on a user's fresh clone but fail in CI (CI=true), where it must be present.
``installed`` does the same for optional libraries that ``make`` installs (nomenklatura,
the report and export extras): a user's own install may lack them, CI may not.

Hypothesis runs without its per-example deadline: the first example of a test that calls a
numba kernel compiles it (0.3-5 s with a cold cache, as in a fresh clone), and Hypothesis
then reports the test as flaky ("Unreliable test timings"). Slow tests are found by the
suite's own duration, not by a deadline per example.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import settings

from sanctionwatch.store import Store, open_store

settings.register_profile("sanctionwatch", deadline=None)
settings.load_profile("sanctionwatch")

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The repository's sibling ``shared/data`` folder; skipped if absent (fails if CI=true)."""
    if not SHARED_DATA.is_dir():
        if _in_ci():
            pytest.fail(f"shared data folder {SHARED_DATA} is missing (required when CI=true)")
        pytest.skip(f"shared data folder {SHARED_DATA} not found")
    return SHARED_DATA


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


@pytest.fixture(scope="session")
def installed() -> Callable[[str], ModuleType]:
    """``installed(name)``: the module; skips the test if absent (fails if CI=true)."""

    def need(name: str) -> ModuleType:
        if _in_ci():
            return importlib.import_module(name)
        return pytest.importorskip(name)

    return need


@pytest.fixture
def store() -> Iterator[Store]:
    """A throw-away in-memory store."""
    with open_store(":memory:") as opened:
        yield opened


BYBIT_THEFT = "0x47666fab8bd0ac7003bce3f5c3585383f09486e2"  # the catalog's Bybit theft address
EthHop = tuple[str, str, str, int]  # sender, receiver, HH:MM on 2025-02-21, whole ETH


@pytest.fixture
def bybit_chain() -> Callable[..., None]:
    """``fill(store, hops, exchange=None)``: see ``_bybit_chain``."""
    return _bybit_chain


def _bybit_chain(store: Store, hops: list[EthHop], exchange: str | None = None) -> None:
    """The incident catalog's labels plus ETH transfers on the day of the Bybit theft
    (``hops``, in order); new addresses are added, ``exchange`` labelled as a deposit."""
    from datetime import datetime

    from sanctionwatch.incidents import load_catalog
    from sanctionwatch.incidents.labels import load_incident_labels

    load_incident_labels(store, load_catalog())
    ids = {BYBIT_THEFT: int(store.address_id("ethereum", BYBIT_THEFT) or 0)}
    base = int(store.scalar("SELECT max(id) FROM addresses"))
    for address in dict.fromkeys(a for hop in hops for a in hop[:2]):
        if address not in ids:
            base += 1
            ids[address] = base
            store.con.execute(
                "INSERT INTO addresses (id, chain, address) VALUES (?, 'ethereum', ?)",
                [base, address],
            )
    if exchange is not None:
        store.con.execute(
            "INSERT INTO labels (address_id, chain, address, label, category, file_id) "
            "VALUES (?, 'ethereum', ?, 'KoinBay deposit address', 'exchange', 0)",
            [ids[exchange], exchange],
        )
    for n, (sender, receiver, hhmm, eth) in enumerate(hops, start=1):
        store.con.execute(
            "INSERT INTO transfers VALUES ('ethereum', ?, 'tx', '', ?, ?, ?, ?, 1, ?, NULL, "
            "TRUE, 0, ?)",
            [
                f"0x{n:064x}",
                21_895_000 + n,
                datetime.fromisoformat(f"2025-02-21T{hhmm}:00"),
                ids[sender],
                ids[receiver],
                eth * 10**18,
                n,
            ],
        )


@pytest.fixture(scope="session")
def demo_scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A store made by ``sanctionwatch demo`` from a small generated scenario (seed 5, 5,000
    transfers, with Bitcoin legs), and its ground truth: for tests of the commands'
    outputs (one demo run for all of them)."""
    import json

    from typer.testing import CliRunner

    from sanctionwatch.cli.app import app

    folder = tmp_path_factory.mktemp("demo_scenario")
    db, data = folder / "store.duckdb", folder / "data"
    args = ["--db", str(db), "demo", "--out", str(data), "--transfers", "5000", "--seed", "5"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return db, json.loads((data / "ground_truth.json").read_text())
