"""What goes into a report, assembled from the catalog and a case's recorded runs.

A report is for a period (the catalog's thefts from ``--from`` to ``--to``) or for a case
(its incidents, and the latest run of each kind recorded for it). Every figure of the
executive summary is a ``Figure`` naming the rows it was computed from (incident ids, or a
run id and the terminal rows), so a reader — and a test — can check it. Sections whose
part has produced nothing say so instead of disappearing (IT-worker networks fill in when
a case records IT-worker results).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sanctionwatch.incidents.catalog import Catalog, Incident, load_catalog, select
from sanctionwatch.incidents.summary import summarize
from sanctionwatch.report.sankey import Flow
from sanctionwatch.trace.ended import ended_terminals, service_name

#: Terminal categories where funds can be frozen or questioned (who to ask).
OFF_RAMPS = ("exchange", "otc", "payment_service", "exchange_deposit", "bridge", "cross_chain_swap")


@dataclass(slots=True)
class Figure:
    """One number of the summary, with the rows behind it."""

    label: str
    value: float
    unit: str
    rows: list[str]
    source: str  # "catalog" or "run N"

    def text(self) -> str:
        if self.unit == "USD":
            return f"USD {self.value / 1e6:,.1f} m"
        if self.unit == "count":
            return f"{self.value:,.0f}"
        return f"{self.value:,.2f} {self.unit}"


@dataclass(slots=True)
class ReportData:
    title: str
    subtitle: str
    generated: str
    catalog: Catalog
    incidents: list[Incident]
    figures: list[Figure] = field(default_factory=list)
    by_year: list[dict[str, Any]] = field(default_factory=list)
    case: dict[str, Any] | None = None
    trace_run: dict[str, Any] | None = None
    off_ramps: list[dict[str, Any]] = field(default_factory=list)
    sankeys: list[dict[str, Any]] = field(default_factory=list)  # {asset, columns, flows}
    name_hits: list[dict[str, Any]] = field(default_factory=list)
    address_hits: list[dict[str, Any]] = field(default_factory=list)
    screening_runs: list[dict[str, Any]] = field(default_factory=list)
    itw: list[dict[str, Any]] = field(default_factory=list)
    itw_networks: list[dict[str, Any]] = field(default_factory=list)  # flagged, latest run
    itw_run: int | None = None
    annex_addresses: list[dict[str, Any]] = field(default_factory=list)
    annex_transactions: list[dict[str, Any]] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    methods: list[tuple[str, str]] = field(default_factory=list)


def period_report(start: str | None, end: str | None, catalog: Catalog | None = None) -> ReportData:
    """A report of the catalog's thefts from month ``start`` to ``end``."""
    catalog = catalog or load_catalog()
    incidents = select(catalog.incidents, start=start, end=end)
    data = ReportData(
        title="DPRK-attributed crypto thefts",
        subtitle=f"{start or 'first record'} to {end or 'latest record'}",
        generated=_now(),
        catalog=catalog,
        incidents=incidents,
    )
    _incident_parts(data)
    return data


def case_report(case: dict[str, Any], catalog: Catalog | None = None) -> ReportData:
    """A report of a case (``Case.to_dict(with_results=True)``)."""
    catalog = catalog or load_catalog()
    incidents = [catalog.get(i["value"]) for i in case["items"] if i["kind"] == "incident"]
    data = ReportData(
        title=f"Case {case['case_id']}: {case['name']}",
        subtitle=case.get("description") or "",
        generated=_now(),
        catalog=catalog,
        incidents=incidents,
        case=case,
    )
    _incident_parts(data)
    latest: dict[str, dict[str, Any]] = {}
    for run in case["runs"]:
        latest[run["kind"]] = run
    trace = latest.get("trace")
    if trace is not None and trace["status"] == "ok" and trace.get("result"):
        _trace_parts(data, trace)
    for kind in ("screen_names", "screen_addresses"):
        run = latest.get(kind)
        if run is not None:
            data.screening_runs.append(run)
            if run["status"] == "ok":
                _screen_parts(data, run)
    data.itw = [r for r in case["runs"] if r["kind"].startswith("itw")]
    itw = latest.get("itw")
    if itw is not None and itw["status"] == "ok" and itw.get("result"):
        data.itw_networks = [n for n in itw["result"].get("networks") or [] if n.get("flagged")]
        data.itw_run = itw["run_id"]
    data.sources += [i["value"] for i in case["items"] if i["kind"] == "source"]
    _methods(data, latest)
    return data


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _incident_parts(data: ReportData) -> None:
    counted = [i for i in data.incidents if i.counted]
    if data.case is not None and not data.incidents:
        data.methods.append(("Incident catalog", "the case names no catalog incidents"))
        return
    total = summarize(counted, "year")
    data.figures.append(
        Figure(
            "Stolen (value at the time)", total.total_usd, "USD", [i.id for i in counted], "catalog"
        )
    )
    data.figures.append(Figure("Thefts", len(counted), "count", [i.id for i in counted], "catalog"))
    if counted:
        largest = max(counted, key=lambda i: i.usd or 0)
        data.figures.append(
            Figure(f"Largest: {largest.name} ({largest.date})", largest.usd or 0, "USD",
                   [largest.id], "catalog")
        )  # fmt: skip
        confirmed = [i for i in counted if i.confidence == "confirmed"]
        data.figures.append(
            Figure(
                "Attributed by a government",
                sum(i.usd or 0 for i in confirmed),
                "USD",
                [i.id for i in confirmed],
                "catalog",
            )
        )
    data.by_year = [g.to_dict() for g in total.groups]
    seen: set[str] = set()
    for incident in data.incidents:
        for address in incident.addresses:
            data.annex_addresses.append(
                {
                    "chain": address.chain,
                    "address": address.address,
                    "role": f"{incident.name}: {address.role}",
                    "source": address.source or incident.sources[0],
                }
            )
        for url in [*incident.sources, *(a.url for a in incident.attribution)]:
            if url not in seen:
                seen.add(url)
                data.sources.append(url)
    data.methods.append(
        ("Incident catalog", f"{data.catalog.catalog} {data.catalog.version} "
         f"(updated {data.catalog.updated}); USD values at the time of each theft as its "
         "source reported them; returned thefts not counted")
    )  # fmt: skip


def whole(result: dict[str, Any], asset: Any, amount: Any) -> float:
    """A base-unit amount of ``asset`` in whole units (decimals from the trace result)."""
    info = ((result.get("summary") or {}).get("asset_info") or {}).get(str(asset)) or {}
    decimals = int(info.get("decimals") or 0)
    return float(amount or 0.0) / float(10**decimals)


def _trace_parts(data: ReportData, run: dict[str, Any]) -> None:
    data.trace_run = run
    result = run["result"]
    run_ref = f"run {run['run_id']}"
    ends = [
        {
            **t,
            "amount": whole(result, t.get("asset"), t.get("tainted_amount")),
            "service": service_name(t),
        }
        for t in ended_terminals(result)
    ]
    ramps = [t for t in ends if t.get("category") in OFF_RAMPS]
    ramps.sort(key=lambda t: -float(t["amount"]))
    data.off_ramps = ramps
    by_asset: dict[str, float] = {}
    for t in ramps:
        asset = str(t.get("asset"))
        by_asset[asset] = by_asset.get(asset, 0.0) + float(t["amount"])
    for asset, amount in sorted(by_asset.items()):
        rows = [f"{t['chain']}:{t['address']}" for t in ramps if str(t.get("asset")) == asset]
        data.figures.append(Figure(f"Reached off-ramps ({asset})", amount, asset, rows, run_ref))
    data.figures.append(
        Figure("Off-ramp addresses to ask for a freeze", len(ramps), "count",
               [f"{t['chain']}:{t['address']}" for t in ramps], run_ref)
    )  # fmt: skip
    data.sankeys = _sankeys(result)
    for t in ends:
        data.annex_addresses.append(
            {
                "chain": t.get("chain"),
                "address": t.get("address"),
                "role": f"terminal: {t['service']}",
                "source": run_ref,
            }
        )
    edges = [
        {**e, "amount": whole(result, e.get("asset"), e.get("tainted_amount"))}
        for e in result.get("edges") or []
    ]
    edges.sort(key=lambda e: -float(e["amount"]))
    data.annex_transactions = edges[:60]


def _sankeys(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Per asset: source -> last laundering stage before the end -> where it ended."""
    out = []
    ends = ended_terminals(result)
    assets = sorted({str(t.get("asset")) for t in ends})
    primary = result.get("primary_model") or "haircut"
    held: dict[str, float] = {}
    for a, by_model in ((result.get("summary") or {}).get("assets") or {}).items():
        untraced = ((by_model or {}).get(primary) or {}).get("untraced") or {}
        held[a] = float(untraced.get("held") or 0.0)
    for asset in assets:
        flows: dict[tuple[str, str], float] = {}
        for t in ends:
            if str(t.get("asset")) != asset:
                continue
            amount = whole(result, asset, t.get("tainted_amount"))
            stages = [p.get("stage") for p in t.get("path") or [] if p.get("stage")]
            last = stages[-1] if stages else "transfer"
            where = service_name(t)
            source = f"{asset} traced"
            flows[(source, f"via {last}")] = flows.get((source, f"via {last}"), 0.0) + amount
            flows[(f"via {last}", where)] = flows.get((f"via {last}", where), 0.0) + amount
        if held.get(asset):
            kept = whole(result, asset, held[asset])
            flows[(f"{asset} traced", "via holding")] = kept
            flows[("via holding", "still held (dormant)")] = kept
        middle = sorted({t for (s, t) in flows if s == f"{asset} traced"})
        right = sorted({t for (s, t) in flows if s in middle})
        out.append(
            {
                "asset": asset,
                "columns": [[f"{asset} traced"], middle, right],
                "flows": [Flow(s, t, v) for (s, t), v in flows.items()],
            }
        )
    return out


def _screen_parts(data: ReportData, run: dict[str, Any]) -> None:
    if run["kind"] == "screen_names":
        for result in run.get("result") or []:
            for match in result.get("matches") or []:
                if match.get("match"):
                    data.name_hits.append(
                        {"query": (result.get("query") or {}).get("name"), **match}
                    )
    else:
        for result in run.get("result") or []:
            if result.get("flagged"):
                data.address_hits.append(result)


def _methods(data: ReportData, latest: dict[str, dict[str, Any]]) -> None:
    trace = latest.get("trace")
    if trace is not None:
        p = trace["parameters"]
        seeds = ", ".join(p.get("seeds") or [])
        data.methods.append(
            (
                "Tracing",
                f"taint model {p.get('model')}, hop limit {p.get('hops')}, from "
                f"{p.get('since') or 'the start of the data'}; seeds {seeds}; run "
                f"{trace['run_id']} by {trace['run_by']} at {trace['finished_at'][:16]} UTC",
            )
        )
    for run in latest.values():
        versions = run.get("data_versions") or {}
        lists = ", ".join(f"{v['version']}" for v in versions.get("lists") or []) or "none loaded"
        files = (versions.get("ingest_log") or {}).get("files", 0)
        data.methods.append(
            (
                f"Data for run {run['run_id']} ({run['kind']})",
                f"sanctionwatch {versions.get('sanctionwatch')}, lists: {lists}; "
                f"{versions.get('transfers', 0):,} transfers from {files} ingested file(s), "
                f"{versions.get('labels', 0):,} labels",
            )
        )
