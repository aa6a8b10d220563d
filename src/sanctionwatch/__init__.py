"""sanctionwatch: monitor DPRK sanctions evasion through cyber activity.

The package is split by the parts of the system (see docs/ARCHITECTURE.md):
``chain`` (transfers, readers, address validation), ``labels`` (TagPacks, taxonomy),
``store`` (the embedded DuckDB store), ``scenario`` (synthetic laundering scenarios),
``trace``, ``sanctions``, ``itw``, ``cases``, ``report`` and ``web``; ``cli`` is a thin
Typer layer over the library functions.
"""

__version__ = "0.1.0"
