"""Tracing stolen funds forward (issue 3: trace and exposure).

Built (account-model core):
- ``index.TraceIndex``: the transfers of a chain as numpy CSR arrays (``key = src << 32 | t``),
  ~30 bytes per transfer, for vectorized time-respecting frontier lookups;
- ``models``: the taint models poison, haircut, FIFO, LIFO and TIHO over per-address balances;
- ``engine.trace``: a time-respecting, per-asset trace from seed addresses that stops at
  labelled services and unlabelled hubs, accounts for every unit of traced value (terminal,
  held, below dust, hop limit) and returns evidence (transfers and paths) as JSON-ready dicts.

Still to come: continuing through DEX swaps, bridges and cross-chain swaps (THORChain memo
pairing, generic amount/time matcher); UTXO tracing on Bitcoin with CoinJoin flags;
laundering-stage classification; exposure (backward, set-based); exporters (CSV, GraphML,
FtM, HTML); the CLI wiring and the benchmark at 10M/50M transfers.
"""

from sanctionwatch.trace.engine import DEFAULT_STOP, TraceResult, trace
from sanctionwatch.trace.index import TraceIndex
from sanctionwatch.trace.models import MODELS, Balance, TaintModel

__all__ = ["DEFAULT_STOP", "MODELS", "Balance", "TaintModel", "TraceIndex", "TraceResult", "trace"]
