"""Chain data: the chain registry, per-chain address validation, readers and the ingest."""
