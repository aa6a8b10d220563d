"""Fixtures for the scenario generator tests: small generated scenarios, parsed back."""

from __future__ import annotations

from pathlib import Path

import pytest

from sanctionwatch.scenario import generate

from .scenario_files import Scenario

SMALL = 2_000
SEED = 20250221


def _make(root: Path, seed: int, transfers: int) -> Scenario:
    manifest = generate(root, seed=seed, transfers=transfers)
    return Scenario.load(root, manifest)


@pytest.fixture(scope="session")
def small(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """The smallest scenario (2,000 transfers)."""
    return _make(tmp_path_factory.mktemp("scenario_small"), SEED, SMALL)


@pytest.fixture(scope="session")
def medium(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    """A scenario large enough for partial label coverage and longer chains (30,000)."""
    return _make(tmp_path_factory.mktemp("scenario_medium"), 7, 30_000)


@pytest.fixture(params=["small", "medium"])
def scenario(request: pytest.FixtureRequest) -> Scenario:
    """Both sizes, for the invariants that must hold at any size."""
    got: Scenario = request.getfixturevalue(request.param)
    return got
