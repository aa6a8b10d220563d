"""Scenario generator speed: seconds to write N transfers (target: 10M in <= 60 s).

python bench/scenario_speed.py [--transfers 10000000] [--workdir bench/out]
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

from sanctionwatch.scenario import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--transfers", type=int, default=10_000_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    args = parser.parse_args()
    out = args.workdir / "scenario"
    shutil.rmtree(out, ignore_errors=True)
    clock = time.perf_counter()
    manifest = generate(out, seed=1, transfers=args.transfers)
    seconds = time.perf_counter() - clock
    written = manifest.transfers_written
    per_10m = seconds * 10_000_000 / args.transfers
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(
        f"scenario generator: {args.transfers:,} transfers requested, {written:,} written "
        f"in {seconds:.1f} s = {written / seconds:,.0f}/s, {size / 1e9:.2f} GB "
        f"(target 10M in 60 s: {'met' if per_10m <= 60 else 'NOT met'})"
    )
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
