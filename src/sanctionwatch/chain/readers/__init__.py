"""Readers turn one file into staged rows; the ingest validates and stores them.

One module per format, each a ``TransferReader`` subclass registered in ``READERS``.
Adding a format is adding a module here and a line in ``READERS``.
"""

from collections.abc import Callable
from functools import partial

from sanctionwatch.chain.readers.base import ReadOptions, Staged, TransferReader
from sanctionwatch.chain.readers.bitcoin_etl import BitcoinEtlReader
from sanctionwatch.chain.readers.ethereum_etl import EthereumEtlReader
from sanctionwatch.chain.readers.table import TableReader

READERS: dict[str, Callable[[], TransferReader]] = {
    "ethereum-etl": EthereumEtlReader,
    "bitcoin-etl": BitcoinEtlReader,
    "csv": TableReader,
    "parquet": partial(TableReader, parquet=True),
}

__all__ = ["READERS", "ReadOptions", "Staged", "TransferReader"]
