"""The trace as a user runs it: one ``sanctionwatch trace`` command, a new process each time.

``trace_speed.py`` measures warm traces in one process. A command pays more: Python and the
compiled kernels load, the store opens, and the trace index is built (5-11 s at 50M
transfers) or, for a large store, mapped from the cache beside it (``trace/index_cache.py``).
This runs the analyst trace of the scenario's theft (K = 6, JSON to a file) as commands:

- no cache: ``SANCTIONWATCH_INDEX_CACHE=false``, the index built every time (what every
  command did before the cache);
- first: the cache empty, the command builds the index and writes it;
- cached: later commands, the index mapped from the cache.

It prints the median wall time of each (``--runs``), the ratio no cache / cached, and
checks that the JSON is the same every time (timings aside).

    python bench/trace_cli.py [--transfers 1000000 ...] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from trace_speed import store_arguments, stores  # the warm benchmark's stores

HOPS = 6


def run(db: Path, theft: dict[str, str], out: Path, env: dict[str, str]) -> tuple[float, Any]:
    """Wall seconds of one command, and its JSON without the timings."""
    command = [
        sys.executable,
        "-m",
        "sanctionwatch",
        "--db",
        str(db),
        "trace",
        theft["address"],
        "--chain",
        "ethereum",
        "--since",
        theft["time"],
        "--hops",
        str(HOPS),
        "--format",
        "json",
        "--out",
        str(out),
    ]
    clock = time.perf_counter()
    done = subprocess.run(command, env={**os.environ, **env}, capture_output=True, text=True)
    seconds = time.perf_counter() - clock
    if done.returncode:
        sys.exit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    data = json.loads(out.read_text())
    index = data["summary"].pop("index")
    for timing in ("seconds", "phase_seconds"):
        data["summary"].pop(timing)
    return seconds, (data, index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    store_arguments(parser, runs=3)
    args = parser.parse_args()
    results: dict[str, Any] = {}
    for n, db, theft in stores(args):
        cache = args.workdir / f"trace_cli_{n}.index"
        shutil.rmtree(cache, ignore_errors=True)
        out = args.workdir / f"trace_cli_{n}.json"
        # the cache at any size (by default only stores of 500,000 transfers or more have one)
        cached_env = {
            "SANCTIONWATCH_INDEX_CACHE_DIR": str(cache),
            "SANCTIONWATCH_INDEX_CACHE_MIN_TRANSFERS": "0",
        }
        plain_env = {**cached_env, "SANCTIONWATCH_INDEX_CACHE": "false"}
        run(db, theft, out, plain_env)  # warm-up: the store's pages, the kernels' cache
        plain = [run(db, theft, out, plain_env) for _ in range(args.runs)]
        first = run(db, theft, out, cached_env)
        cached = [run(db, theft, out, cached_env) for _ in range(args.runs)]
        reference = plain[0][1][0]
        same = all(r[1][0] == reference for r in [*plain, first, *cached])
        loaded = [r[1][1]["load_seconds"] for r in cached]
        row = {
            "no_cache_s": statistics.median(r[0] for r in plain),
            "first_s": first[0],
            "cached_s": statistics.median(r[0] for r in cached),
            "index_build_s": first[1][1]["build_seconds"],
            "index_load_s": statistics.median(loaded),
            "same_json": same,
            "cache_bytes": sum(f.stat().st_size for f in cache.rglob("*") if f.is_file()),
        }
        results[str(n)] = row
        print(
            f"  no cache  {row['no_cache_s']:7.2f} s  (index built: {row['index_build_s']:.2f} s)\n"
            f"  first     {row['first_s']:7.2f} s  (builds and writes the cache, "
            f"{row['cache_bytes'] / 1e9:.2f} GB)\n"
            f"  cached    {row['cached_s']:7.2f} s  (index checked and mapped: "
            f"{row['index_load_s']:.2f} s)\n"
            f"  no cache / cached: {row['no_cache_s'] / row['cached_s']:.1f}x; "
            f"same JSON every run: {same}",
            flush=True,
        )
        if not same:
            sys.exit("the cached index gave another trace")
        shutil.rmtree(cache, ignore_errors=True)
    (args.workdir / "trace_cli.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
