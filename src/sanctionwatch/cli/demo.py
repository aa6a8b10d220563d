"""``sanctionwatch demo``: the main job end to end on generated data.

The demo is a list of steps; later parts (trace, screening, reports) append theirs to
``DEMO_STEPS`` so that ``make demo`` grows with the system.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from sanctionwatch.cli.common import report_files, store_of
from sanctionwatch.cli.output import OutputFormat, out, progress_messages
from sanctionwatch.cli.stats import print_summary, store_summary
from sanctionwatch.store import Store
from sanctionwatch.store.ingestlog import FileResult


@dataclass(slots=True)
class DemoContext:
    store: Store
    data_dir: Path
    seed: int
    transfers: int
    download: bool = False  # try the official list addresses (else the fictional lists)


DemoStep = Callable[[DemoContext], None]


def step_generate(ctx: DemoContext) -> None:
    from sanctionwatch.cli.scenario import run_generator

    if (ctx.data_dir / "manifest.json").exists() and _same_params(ctx):
        out.print(f"[bold]1. scenario[/]: reusing {ctx.data_dir} (seed {ctx.seed})")
        return
    clock = time.perf_counter()
    run_generator(ctx.data_dir, ctx.seed, ctx.transfers)
    out.print(
        f"[bold]1. scenario[/]: {ctx.transfers:,} transfers written to {ctx.data_dir} "
        f"in {time.perf_counter() - clock:.1f} s"
    )


def _same_params(ctx: DemoContext) -> bool:
    import json

    from sanctionwatch.scenario import GENERATOR_VERSION

    manifest = json.loads((ctx.data_dir / "manifest.json").read_text())
    return bool(
        manifest.get("seed") == ctx.seed
        and manifest.get("transfers_requested") == ctx.transfers
        and manifest.get("generator_version") == GENERATOR_VERSION
    )


def step_ingest(ctx: DemoContext) -> None:
    from sanctionwatch.chain.chains import get_chain
    from sanctionwatch.chain.ingest import ingest_transfer_file
    from sanctionwatch.chain.readers import ReadOptions
    from sanctionwatch.labels.ingest import ingest_label_files

    out.print("[bold]2. ingest[/]: chain data and labels into the store")
    d = ctx.data_dir
    plan = [
        (d / "ethereum" / "transactions.csv", "ethereum-etl", "ethereum"),
        (d / "ethereum" / "token_transfers.csv", "ethereum-etl", "ethereum"),
        (d / "ethereum" / "traces.csv", "ethereum-etl", "ethereum"),
        (d / "bitcoin" / "transactions.jsonl", "bitcoin-etl", "bitcoin"),
        (d / "tron" / "usdt_transfers.csv", "csv", "tron"),
    ]
    results: list[FileResult] = []
    with progress_messages() as step:
        for path, fmt, chain in plan:
            if path.exists():
                results.append(
                    ingest_transfer_file(
                        ctx.store, path, fmt, ReadOptions(chain=get_chain(chain)), step
                    )
                )
        label_files = sorted((d / "labels").glob("*.yaml"))
        results.extend(
            ingest_label_files(
                ctx.store,
                label_files,
                progress=lambda r: step(f"{r.path}: {r.rows_new:,} new labels"),
            )
        )
    report_files(results, OutputFormat.table)


def step_stats(ctx: DemoContext) -> None:
    out.print("[bold]3. the store now holds[/]")
    print_summary(store_summary(ctx.store), OutputFormat.table)


#: Services listed per asset in the demo's "by service" table (the rest summed in one row).
TOP_SERVICES = 4


def step_trace(ctx: DemoContext) -> None:
    """Trace the scenario's theft under every model; print where it went; write the HTML."""
    import json

    from sanctionwatch.cli.output import print_table
    from sanctionwatch.trace.ended import ended_terminals, service_name
    from sanctionwatch.trace.engine import trace
    from sanctionwatch.trace.exporters import export
    from sanctionwatch.trace.index import TraceIndex

    truth = json.loads((ctx.data_dir / "ground_truth.json").read_text())
    theft = truth["theft"]
    since = datetime.fromisoformat(theft["time"].replace("Z", "+00:00"))
    clock = time.perf_counter()
    index = TraceIndex.build(ctx.store)
    built = time.perf_counter() - clock
    result = trace(
        index, [(theft["chain"], theft["address"])], store=ctx.store, since=since, model="all"
    )
    out.print(
        f"[bold]5. trace[/]: the theft at {theft['address']} since {theft['time']}, every "
        f"taint model (index of {index.n:,} transfers built in {built:.1f} s, "
        f"trace {result.summary['seconds']:.2f} s)"
    )
    data = result.to_dict()
    info = data["summary"]["asset_info"]

    def whole(asset: str, amount: float) -> str:
        decimals = info.get(asset, {}).get("decimals") or 0
        return f"{amount / 10**decimals:,.2f}"

    per: dict[tuple[str, str], dict[str, float]] = {}
    for t in data["terminals"]:
        if t["continued"]:
            continue
        key = (t["category"], t["asset"])
        for model, amount in t["models"].items():
            per.setdefault(key, {}).setdefault(model, 0.0)
            per[key][model] += amount
    rows = []
    for (category, asset), models in sorted(per.items(), key=lambda kv: -kv[1]["haircut"]):
        low, high = min(models.values()), max(models.values())
        rows.append([category, asset, whole(asset, models["haircut"]), whole(asset, low),
                     whole(asset, high)])  # fmt: skip
    for asset, by_model in data["summary"]["assets"].items():
        held = [m["untraced"]["held"] for m in by_model.values()]
        rows.append(["still held (dormant)", asset, whole(asset, by_model["haircut"]["untraced"]
                     ["held"]), whole(asset, min(held)), whole(asset, max(held))])  # fmt: skip
    print_table(
        "where the stolen value ended (haircut, and the range over all models)",
        ["destination", "asset", "haircut", "min", "max"],
        rows,
    )
    # the same value by named service, the largest per asset: who a freeze request goes to
    by_service: dict[str, dict[str, tuple[float, int]]] = {}
    for t in ended_terminals(data):
        services = by_service.setdefault(t["asset"], {})
        amount, count = services.get(service_name(t), (0.0, 0))
        services[service_name(t)] = (amount + t["tainted_amount"], count + 1)
    rows = []
    for asset in data["summary"]["assets"]:
        ranked = sorted((by_service.get(asset) or {}).items(), key=lambda kv: -kv[1][0])
        rows += [[name, asset, whole(asset, v), f"{n:,}"] for name, (v, n) in ranked[:TOP_SERVICES]]
        rest = ranked[TOP_SERVICES:]
        if rest:
            rows.append([f"... {len(rest)} more services", asset,
                         whole(asset, sum(v for _, (v, _) in rest)),
                         f"{sum(n for _, (_, n) in rest):,}"])  # fmt: skip
    print_table(
        "where it ended, by service (haircut; who to ask to freeze)",
        ["service", "asset", "haircut", "addresses"],
        rows,
    )
    stages = data["summary"]["by_stage"]
    print_table(
        "value moved by laundering stage (haircut)",
        ["stage", "asset", "tainted value"],
        [[s, a, whole(a, v)] for s, assets in stages.items() for a, v in sorted(assets.items())],
    )
    links = data["links"]
    kinds: dict[str, int] = {}
    for link in links:
        kinds[f"{link['kind']} {link['from_chain']}->{link['to_chain']}"] = (
            kinds.get(f"{link['kind']} {link['from_chain']}->{link['to_chain']}", 0) + 1
        )
    out.print("links followed: " + ", ".join(f"{k}: {v}" for k, v in sorted(kinds.items())))
    reached = {(n["chain"], n["address"]) for n in data["nodes"]}
    reached |= {(t["chain"], t["address"]) for t in data["terminals"]}
    hops = data["parameters"]["hops"]
    wanted = [(a["chain"], a["address"]) for a in truth["laundering_addresses"] if a["hop"] <= hops]
    found = sum(w in reached for w in wanted)
    out.print(
        f"ground truth: {found:,} of the {len(wanted):,} laundering addresses within {hops} hops "
        f"reached ({found / max(len(wanted), 1):.1%}); {len(reached):,} addresses in the trace"
    )
    html = ctx.data_dir / "trace.html"
    export(data, "html", html)
    out.print(f"wrote {html} (open it in a browser; it needs no network)")


def step_lists(ctx: DemoContext) -> None:
    """Load sanctions lists: the official issues when asked and reachable, else fictional ones."""
    import json

    from sanctionwatch.errors import SanctionwatchError
    from sanctionwatch.sanctions.load import load_list_file
    from sanctionwatch.sanctions.sample_lists import ListedWallet, write_sample_lists
    from sanctionwatch.sanctions.update import update_lists

    lists_dir = ctx.data_dir / "lists"
    if ctx.download:
        try:
            results = update_lists(ctx.store, ["ofac", "un"], lists_dir, timeout=5.0)
        except SanctionwatchError as exc:
            out.print(f"[bold]4. lists[/]: official download failed ({exc.message})")
        else:
            for r in results:
                out.print(f"[bold]4. lists[/]: official {r.source} list from {r.url}")
            return
    truth = json.loads((ctx.data_dir / "ground_truth.json").read_text())
    wallets = [ListedWallet(truth["theft"]["chain"], truth["theft"]["address"])]
    for chain, stage in (("tron", "otc"), ("bitcoin", "peel_chain")):
        wallets += [
            ListedWallet(a["chain"], a["address"])
            for a in truth["laundering_addresses"]
            if a["chain"] == chain and a["stage"] == stage
        ][:1]
    published = datetime.fromisoformat(truth["theft"]["time"].replace("Z", "+00:00")).date()
    sample = write_sample_lists(lists_dir, wallets, published)
    for path in (sample.un_xml, sample.ofac_sdn_csv):
        loaded = load_list_file(ctx.store, path)
        what = (
            f"{loaded.n_targets} parties, {loaded.n_addresses} addresses"
            if loaded.status == "loaded"
            else f"already in the store as {loaded.version_id}"
        )
        out.print(
            f"[bold]4. lists[/]: {loaded.list_name} from {path} ({what}): FICTIONAL entries "
            "in the official format, generated offline for the demo"
            + ("" if ctx.download else " (make demo DOWNLOAD=1 tries the official lists)")
        )


def step_screen(ctx: DemoContext) -> None:
    """Screen a few names (romanization variants, Hangul, a namesake) and addresses."""
    import json

    from sanctionwatch.cli.output import print_table
    from sanctionwatch.sanctions.address_screen import screen_addresses
    from sanctionwatch.sanctions.screen import screen_names

    names = ["Park Seong-cheol", "박성철", "Pak Song Min", "Choi Myung Kil", "Cholsan Sea Trading"]
    rows = []
    for result in screen_names(ctx.store, names, limit=1):
        best = result.matches[0].to_dict() if result.matches else None
        rows.append([result.query.name] + ([best["matched_name"], best["list"],
                    best["list_id"], f"{best['score']:.2f}", "yes" if best["match"] else "no"]
                    if best else ["", "", "", "", "no"]))  # fmt: skip
    print_table(
        "6. name screening (best candidate; threshold 0.70)",
        ["query", "matched name", "list", "list id", "score", "match"],
        rows,
    )
    truth = json.loads((ctx.data_dir / "ground_truth.json").read_text())
    queries = [truth["theft"]["address"], truth["theft"]["exploiter"]]
    queries += [a["address"] for a in truth["laundering_addresses"] if a["stage"] == "otc"][:1]
    queries += [a["address"] for a in truth["laundering_addresses"] if a["stage"] == "split"][:1]
    rows = []
    for hit_result in screen_addresses(ctx.store, queries):
        described = [_describe_hit(h.to_dict()) for h in hit_result.hits]
        rows.append([hit_result.query, "yes" if hit_result.flagged else "no", "; ".join(described)])
    print_table("6. address screening", ["address", "flagged", "hits"], rows)


def _describe_hit(hit: dict[str, Any]) -> str:
    if hit["source"] == "list":
        programs = ", ".join(hit["programs"])
        return f"{hit['status']} {hit['list']} {hit['list_id']} {hit['caption']} ({programs})"
    return f"label {hit['status']}: {hit['label']}" + (f" ({hit['actor']})" if hit["actor"] else "")


def step_incidents(ctx: DemoContext) -> None:
    """The incident catalog: totals for the MSMT period, and its addresses as labels."""
    from sanctionwatch.cli.output import print_table
    from sanctionwatch.incidents import load_catalog, select, summarize
    from sanctionwatch.incidents.labels import load_incident_labels
    from sanctionwatch.incidents.summary import MSMT_OCT_2025

    catalog = load_catalog()
    rows = []
    for start, end, published in MSMT_OCT_2025:
        result = summarize(select(catalog.incidents, start=start, end=end), "year")
        rows.append([f"{start} .. {end}", f"{result.total_usd / 1e9:.2f} bn", result.count,
                     f"{published / 1e9:.2f} bn"])  # fmt: skip
    print_table(
        f"8. incident catalog {catalog.version}: DPRK thefts (USD at the time) vs MSMT report",
        ["period", "catalog", "incidents", "MSMT (Oct 2025)"],
        rows,
    )
    loaded = load_incident_labels(ctx.store, catalog)
    out.print(
        f"8. incident labels: {loaded.labels} attacker addresses of {loaded.incidents} "
        f"incidents written as theft labels (trace incident:NAME starts from them)"
    )
    _demo_case_report(ctx)


def _demo_case_report(ctx: DemoContext) -> None:
    """A case for the scenario's theft: run everything for it, write HTML and PDF reports."""
    import json

    from sanctionwatch.cases.casefile import CaseItem
    from sanctionwatch.cases.cases import get_case, new_case, run_case
    from sanctionwatch.errors import MissingDependencyError
    from sanctionwatch.report.build import case_report
    from sanctionwatch.report.render import write_report

    truth_path = ctx.data_dir / "ground_truth.json"
    if not truth_path.exists():
        return
    theft = json.loads(truth_path.read_text())["theft"]
    items = [
        CaseItem(kind="address", value=theft["address"], chain=theft["chain"]),
        CaseItem(kind="name", value="Park Seong-cheol"),
        CaseItem(kind="note", value="Synthetic ExampleEx theft of the demo scenario."),
    ]
    records = ctx.data_dir / "itw" / "records.jsonl"
    if records.exists():  # the applicants the IT-worker step generated
        items.append(CaseItem(kind="records", value=str(records)))
    case_id = new_case(ctx.store, "ExampleEx theft (demo scenario)", "Where did it go?", items)
    since = datetime.fromisoformat(theft["time"].replace("Z", "+00:00"))
    clock = time.perf_counter()
    runs = run_case(ctx.store, case_id, hops=10, since=since, by="demo")
    done = ", ".join(f"{r['kind']} {r['status']}" for r in runs)
    out.print(f"8. case {case_id}: {done} in {time.perf_counter() - clock:.1f} s")
    data = case_report(get_case(ctx.store, case_id).to_dict(with_results=True))
    for name in ("report.html", "report.pdf"):
        try:
            written = write_report(data, ctx.data_dir / name)
        except MissingDependencyError as exc:
            out.print(f"8. report: {exc.message}")
            continue
        out.print(f"8. report: wrote {written}")


def step_itw(ctx: DemoContext) -> None:
    """IT workers: generate applicants with hidden networks, scan them, show what is flagged."""
    import json

    from sanctionwatch.cli.itw import print_networks
    from sanctionwatch.itw.evaluate import evaluate
    from sanctionwatch.itw.export import to_html
    from sanctionwatch.itw.generate import generate_pool
    from sanctionwatch.itw.normalize import IpRanges
    from sanctionwatch.itw.records import read_records, write_records
    from sanctionwatch.itw.scan import ScanOptions, scan

    folder = ctx.data_dir / "itw"
    pool = generate_pool(honest=1_500, networks=8, seed=ctx.seed)
    write_records(pool.records, folder / "records.jsonl")
    (folder / "vpn_ranges.csv").write_text(pool.vpn_ranges_csv, encoding="utf-8")
    (folder / "truth.json").write_text(json.dumps(pool.truth), encoding="utf-8")
    records, rejects = read_records([folder / "records.jsonl"])
    options = ScanOptions(ip_ranges=IpRanges.load(folder / "vpn_ranges.csv"), store=ctx.store)
    result = scan(records, options, rejects)
    s = result.summary
    out.print(
        f"[bold]7. IT workers[/]: {s['records']:,} generated applicant records "
        f"({len(pool.truth['networks'])} hidden networks) scanned in {s['seconds']['total']:.1f} s"
        f": {s['networks']:,} networks of shared values, {s['flagged_networks']} flagged"
    )
    print_networks(result, limit=10)
    metrics = evaluate(result.to_dict(), pool.truth)
    out.print(
        f"ground truth: network recall {metrics['network_recall']}, precision "
        f"{metrics['network_precision']}; record precision {metrics['record_precision']}, "
        f"recall {metrics['record_recall']}"
    )
    html = folder / "networks.html"
    html.write_text(to_html(result.to_dict()), encoding="utf-8")
    out.print(f"wrote {html} (every flagged network drawn with its evidence; works offline)")


DEMO_STEPS: list[DemoStep] = [
    step_generate,
    step_ingest,
    step_stats,
    # the lists before the trace: its terminals name the listed addresses as sanctioned
    # (a desk on a list is "sanctioned", not only "otc"), on the first run as on later ones
    step_lists,
    step_trace,
    step_screen,
    step_itw,
    step_incidents,
]


def demo(
    ctx: typer.Context,
    data_dir: Annotated[Path, typer.Option("--out", help="Folder for the generated data.")] = Path(
        "demo-data"
    ),
    seed: Annotated[int, typer.Option(help="Scenario seed.")] = 7,
    transfers: Annotated[int, typer.Option(help="Scenario size in transfers.")] = 1_000_000,
    download: Annotated[
        bool,
        typer.Option(
            "--download/--offline",
            help="Try the official OFAC and UN lists (5 s timeout) before the fictional ones.",
        ),
    ] = False,
) -> None:
    """Generate the default scenario, ingest it, and show what the store holds."""
    with store_of(ctx) as store:
        context = DemoContext(
            store=store, data_dir=data_dir, seed=seed, transfers=transfers, download=download
        )
        for step in DEMO_STEPS:
            step(context)
