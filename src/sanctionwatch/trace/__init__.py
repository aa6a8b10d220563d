"""Tracing stolen funds forward and measuring exposure (issue 3).

- ``index.TraceIndex``: account-model transfers as numpy CSR arrays for time-respecting
  frontier lookups; ``utxo.UtxoIndex`` the same for UTXO chains, output by output;
- ``models``: the taint models poison, haircut, FIFO, LIFO and TIHO;
- ``engine.trace``: a time-respecting trace from seeds that stops at services and hubs,
  accounts for every unit of value and returns evidence (``TraceResult.to_dict``);
- ``links``: continuation through DEX swaps, THORChain-style memo swaps, bridges and instant
  exchangers (rate matching) and mixer pools; ``utxo``: exact tracing on Bitcoin with
  CoinJoin and peel-chain detection; ``stages``: laundering-stage classification;
- ``exposure``: set-based direct and indirect exposure of many addresses to categories;
- ``exporters``: table, JSON, CSV, GraphML, FollowTheMoney and a self-contained HTML view;
- ``seeds``: addresses, ``incident:NAME`` and ``file:PATH`` as users write them.
"""

from sanctionwatch.trace.engine import DEFAULT_STOP, TraceResult, trace
from sanctionwatch.trace.exposure import exposure
from sanctionwatch.trace.index import TraceIndex
from sanctionwatch.trace.models import MODELS, Balance, TaintModel

__all__ = [
    "DEFAULT_STOP",
    "MODELS",
    "Balance",
    "TaintModel",
    "TraceIndex",
    "TraceResult",
    "exposure",
    "trace",
]
