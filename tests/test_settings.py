"""Settings from ``SANCTIONWATCH_*`` variables; a bad one is a clear input error."""

from __future__ import annotations

import pytest

from sanctionwatch.errors import InputError
from sanctionwatch.settings import get_settings


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANCTIONWATCH_INDEX_CACHE", "false")
    monkeypatch.setenv("SANCTIONWATCH_INDEX_CACHE_MIN_TRANSFERS", "10")
    settings = get_settings()
    assert settings.index_cache is False
    assert settings.index_cache_min_transfers == 10


def test_a_bad_variable_names_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANCTIONWATCH_INDEX_CACHE", "maybe")
    monkeypatch.setenv("SANCTIONWATCH_INDEX_CACHE_MIN_TRANSFERS", "-1")
    with pytest.raises(InputError) as caught:
        get_settings()
    message = caught.value.message
    assert "SANCTIONWATCH_INDEX_CACHE:" in message
    assert "SANCTIONWATCH_INDEX_CACHE_MIN_TRANSFERS:" in message
    assert caught.value.exit_code == 2
