"""Fixtures shared by all tests.

``shared_data`` is the read-only ``../shared/data`` folder beside the checkout: tests that
need it skip on a user's fresh clone but fail in CI (CI=true), where it must be present.
``installed`` does the same for optional libraries that ``make`` installs (nomenklatura,
the report and export extras): a user's own install may lack them, CI may not.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

from sanctionwatch.store import Store, open_store

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
