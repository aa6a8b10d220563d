"""Synthetic DPRK-style laundering scenarios with ground truth, for tests and benchmarks.

``generate(out_dir, seed=..., transfers=...)`` writes Ethereum (ethereum-etl CSV), Bitcoin
(bitcoin-etl JSON lines) and TRON (canonical transfer CSV) data shaped on the February 2025
Bybit laundering, surrounded by heavy-tailed honest traffic, plus GraphSense TagPacks and a
ground-truth file. See ``generator.py`` for the files and ``_truth.py`` for the accounting.
"""

from sanctionwatch.scenario.generator import (
    GENERATOR_VERSION,
    FileEntry,
    ScenarioManifest,
    generate,
)

__all__ = ["GENERATOR_VERSION", "FileEntry", "ScenarioManifest", "generate"]
