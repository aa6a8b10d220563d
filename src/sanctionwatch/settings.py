"""Typed settings in one place, read from ``SANCTIONWATCH_*`` environment variables.

CLI options override these; tests override them with ``Settings(...)`` or monkeypatched env.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from sanctionwatch.errors import InputError


class Settings(BaseSettings):
    """Runtime configuration. Every field can be set as ``SANCTIONWATCH_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="SANCTIONWATCH_", extra="ignore")

    db: Path = Field(
        default=Path("sanctionwatch.duckdb"), description="DuckDB database file of the store."
    )
    threads: int | None = Field(
        default=None, description="DuckDB worker threads (default: all cores)."
    )
    memory_limit: str | None = Field(
        default=None, description="DuckDB memory limit, e.g. '8GB' (default: DuckDB's 80%)."
    )
    rpc_batch_size: int = Field(
        default=50, ge=1, le=1000, description="JSON-RPC requests per batch call."
    )
    rpc_retries: int = Field(
        default=5, ge=0, le=50, description="Retries of a failed JSON-RPC batch."
    )
    rpc_timeout: float = Field(default=30.0, gt=0, description="JSON-RPC timeout in seconds.")
    index_cache: bool = Field(
        default=True,
        description="Keep the trace index of a large store on disk (beside the store) and "
        "reuse it while the transfers are unchanged.",
    )
    index_cache_min_transfers: int = Field(
        default=500_000,
        ge=0,
        description="Cache the trace index of stores with at least this many transfers "
        "(a smaller one builds in well under a second).",
    )
    index_cache_dir: Path | None = Field(
        default=None, description="Where cached trace indexes go (default: <db>.index/)."
    )


def get_settings() -> Settings:
    """Settings from the environment (a fresh read each call, so tests can change env).

    A variable that does not parse is an ``InputError`` naming it (not pydantic's
    traceback)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"SANCTIONWATCH_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise InputError(f"Invalid setting in the environment: {problems}.") from exc
