"""The embedded store: one DuckDB file holding transfers, addresses, assets, labels and logs."""

from sanctionwatch.store.db import Store, open_store

__all__ = ["Store", "open_store"]
