"""IT-worker scan speed: read + link + score N generated records (target: 100k in <= 60 s).

python bench/itw_speed.py [--records 100000] [--workdir bench/out]

The pool is generated (and written as JSON lines) in a child process first, so that the
peak memory reported is the scan's own: ``ru_maxrss`` of the process that reads and scans.
The pool's ground truth is then used to report accuracy at this size too (after timing).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path


def _generate(records: int, out: Path) -> None:
    from sanctionwatch.itw.generate import generate_pool
    from sanctionwatch.itw.records import write_records

    networks = max(records // 300, 3)
    pool = generate_pool(honest=records - networks * 7, networks=networks, seed=11)
    write_records(pool.records, out / "pool.jsonl")
    (out / "vpn_ranges.csv").write_text(pool.vpn_ranges_csv, encoding="utf-8")
    (out / "truth.json").write_text(json.dumps(pool.truth), encoding="utf-8")


def _scan(out: Path) -> None:
    from sanctionwatch.itw.normalize import IpRanges
    from sanctionwatch.itw.records import read_records
    from sanctionwatch.itw.scan import ScanOptions, scan

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    clock = time.perf_counter()
    records, rejects = read_records([out / "pool.jsonl"])
    read = time.perf_counter() - clock
    result = scan(records, ScanOptions(ip_ranges=IpRanges.load(out / "vpn_ranges.csv")), rejects)
    data = result.to_dict()
    total = time.perf_counter() - clock
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    from sanctionwatch.itw.evaluate import evaluate

    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    metrics = evaluate(data, truth)
    print(
        json.dumps(
            {
                "records": len(records),
                "read_seconds": round(read, 2),
                "scan_seconds": data["summary"]["seconds"],
                "total_seconds": round(total, 2),
                "peak_rss_mb": round(peak / 1024, 1),
                "rss_before_read_mb": round(before / 1024, 1),
                "networks": data["summary"]["networks"],
                "flagged_networks": data["summary"]["flagged_networks"],
                "accuracy": {k: v for k, v in metrics.items() if k != "false_positive_rate"},
                "false_positive_rate": {
                    k: v["rate"] for k, v in metrics["false_positive_rate"].items()
                },
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    parser.add_argument("--child", choices=["generate", "scan"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    out = args.workdir / f"itw_{args.records}"
    if args.child == "generate":
        _generate(args.records, out)
        return
    if args.child == "scan":
        _scan(out)
        return
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "pool.jsonl").exists():
        clock = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--records", str(args.records), "--workdir",
             str(args.workdir), "--child", "generate"],
            check=True,
        )  # fmt: skip
        print(f"generated {args.records:,} records in {time.perf_counter() - clock:.1f} s")
    done = subprocess.run(
        [sys.executable, __file__, "--records", str(args.records), "--workdir",
         str(args.workdir), "--child", "scan"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    report = json.loads(done.stdout.strip().splitlines()[-1])
    met = report["total_seconds"] <= 60 * args.records / 100_000
    print(
        f"itw scan: {report['records']:,} records read in {report['read_seconds']} s, "
        f"scanned in {report['total_seconds']} s total (prepare/link/score "
        f"{report['scan_seconds']}), peak RSS {report['peak_rss_mb']} MB; "
        f"{report['networks']:,} networks, {report['flagged_networks']:,} flagged "
        f"(target 100k in 60 s: {'met' if met else 'NOT met'})"
    )
    print(f"accuracy at this size (seed 11): {report['accuracy']}")
    print(f"false-positive rate per trap kind: {report['false_positive_rate']}")


if __name__ == "__main__":
    main()
