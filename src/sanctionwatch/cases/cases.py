"""Cases in the store: create, add items, run the engines for them, show, export.

A case groups what an analyst investigates (``case_items``: incidents, addresses, names,
seed files, notes, sources) and every run made for it (``case_runs``). Each run records
who ran it (``SANCTIONWATCH_ANALYST`` or the login name), when, with which parameters, on
which data (``data_versions``: tool and schema version, incident catalog version, the
latest version of every sanctions list, the ingest log's size and last file, label
count), its key figures (``summary``) and its full result (``result``, the evidence), so a
finding can be re-run and compared.

Runs (``run_case``), each recorded even when skipped or failed (with the message):

- ``incidents``: the catalog rows of the case's incidents and their total;
- ``trace``: a trace from the case's incidents (``incident:ID``), addresses and seed files,
  from the earliest incident date, with the given hop limit and taint model;
- ``screen_names``: the case's names against the loaded sanctions lists;
- ``screen_addresses``: the case's addresses against lists and labels;
- ``exposure``: the case's addresses' exposure (both directions, at most 10 hops) to
  sanctioned, theft, mixer and other risky categories, with the shortest evidence paths;
- ``itw``: the case's IT-worker record files (``records`` items) scanned, with names
  screened against the loaded lists and wallets' exposure measured in the store.
"""

from __future__ import annotations

import getpass
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sanctionwatch import __version__
from sanctionwatch.cases.casefile import CaseItem
from sanctionwatch.errors import InputError, NotFoundError, SanctionwatchError
from sanctionwatch.store.db import Store
from sanctionwatch.store.schema import SCHEMA_VERSION

RUN_KINDS: tuple[str, ...] = (
    "incidents",
    "trace",
    "screen_names",
    "screen_addresses",
    "exposure",
    "itw",
)


def analyst(explicit: str | None = None) -> str:
    """Who is acting: the option, else SANCTIONWATCH_ANALYST, else the login name."""
    if explicit:
        return explicit
    from_env = os.environ.get("SANCTIONWATCH_ANALYST")
    if from_env:
        return from_env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(slots=True)
class Case:
    case_id: int
    name: str
    description: str | None
    created_at: datetime
    created_by: str
    status: str
    items: list[dict[str, Any]] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self, with_results: bool = False) -> dict[str, Any]:
        runs = [
            r if with_results else {k: v for k, v in r.items() if k != "result"} for r in self.runs
        ]
        return {
            "case_id": self.case_id,
            "name": self.name,
            "description": self.description,
            "created_at": self.created_at.isoformat() + "Z",
            "created_by": self.created_by,
            "status": self.status,
            "items": self.items,
            "runs": runs,
        }

    def values(self, kind: str) -> list[dict[str, Any]]:
        return [i for i in self.items if i["kind"] == kind]


# -- create and add ----------------------------------------------------------------------


def new_case(
    store: Store,
    name: str,
    description: str | None = None,
    items: Sequence[CaseItem] = (),
    by: str | None = None,
) -> int:
    """Create a case (with its first items) in one transaction; return its id."""
    if not name.strip():
        raise InputError("A case needs a name.")
    who = analyst(by)
    with store.transaction() as con:
        case_id = int(
            con.execute("SELECT coalesce(max(case_id), 0) + 1 FROM cases").fetchall()[0][0]
        )
        con.execute(
            "INSERT INTO cases VALUES (?, ?, ?, ?, ?, 'open')",
            [case_id, name.strip(), description, _now(), who],
        )
        _insert_items(store, case_id, items, who)
    return case_id


def add_items(store: Store, case_id: int, items: Sequence[CaseItem], by: str | None = None) -> int:
    """Add items to a case (repeats of an existing kind/value/chain are ignored)."""
    _require(store, case_id)
    with store.transaction():
        return _insert_items(store, case_id, items, analyst(by))


def _insert_items(store: Store, case_id: int, items: Sequence[CaseItem], who: str) -> int:
    added = 0
    for item in items:
        exists = store.scalar(
            "SELECT count(*) FROM case_items WHERE case_id = ? AND kind = ? AND value = ? "
            "AND chain IS NOT DISTINCT FROM ?",
            [case_id, item.kind, item.value, item.chain],
        )
        if exists:
            continue
        item_id = int(
            store.scalar(
                "SELECT coalesce(max(item_id), 0) + 1 FROM case_items WHERE case_id = ?",
                [case_id],
            )
        )
        store.con.execute(
            "INSERT INTO case_items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [case_id, item_id, item.kind, item.value, item.chain, item.note, _now(), who],
        )
        added += 1
    return added


def _require(store: Store, case_id: int) -> None:
    if not store.scalar("SELECT count(*) FROM cases WHERE case_id = ?", [case_id]):
        raise NotFoundError(f"No case {case_id}; `sanctionwatch case list` shows the cases.")


# -- read ----------------------------------------------------------------------------------


def list_cases(store: Store) -> list[dict[str, Any]]:
    rows = store.con.execute(
        """
        SELECT c.case_id, c.name, c.status, c.created_at, c.created_by,
               (SELECT count(*) FROM case_items i WHERE i.case_id = c.case_id),
               (SELECT count(*) FROM case_runs r WHERE r.case_id = c.case_id),
               (SELECT max(finished_at) FROM case_runs r WHERE r.case_id = c.case_id)
        FROM cases c ORDER BY c.case_id
        """
    ).fetchall()
    return [
        {
            "case_id": r[0],
            "name": r[1],
            "status": r[2],
            "created_at": r[3].isoformat() + "Z",
            "created_by": r[4],
            "items": r[5],
            "runs": r[6],
            "last_run": None if r[7] is None else r[7].isoformat() + "Z",
        }
        for r in rows
    ]


def get_case(store: Store, case_id: int) -> Case:
    """The case with its items and runs (newest run last)."""
    _require(store, case_id)
    row = store.con.execute(
        "SELECT case_id, name, description, created_at, created_by, status FROM cases "
        "WHERE case_id = ?",
        [case_id],
    ).fetchall()[0]
    case = Case(*row)
    for i in store.con.execute(
        "SELECT item_id, kind, value, chain, note, added_at, added_by FROM case_items "
        "WHERE case_id = ? ORDER BY item_id",
        [case_id],
    ).fetchall():
        case.items.append(
            {
                "item_id": i[0],
                "kind": i[1],
                "value": i[2],
                "chain": i[3],
                "note": i[4],
                "added_at": i[5].isoformat() + "Z",
                "added_by": i[6],
            }
        )
    for r in store.con.execute(
        "SELECT run_id, kind, status, started_at, finished_at, run_by, parameters, "
        "data_versions, summary, result, message FROM case_runs WHERE case_id = ? "
        "ORDER BY run_id",
        [case_id],
    ).fetchall():
        case.runs.append(
            {
                "run_id": r[0],
                "kind": r[1],
                "status": r[2],
                "started_at": r[3].isoformat() + "Z",
                "finished_at": r[4].isoformat() + "Z",
                "run_by": r[5],
                "parameters": json.loads(r[6]),
                "data_versions": json.loads(r[7]),
                "summary": None if r[8] is None else json.loads(r[8]),
                "result": None if r[9] is None else json.loads(r[9]),
                "message": r[10],
            }
        )
    return case


def latest_runs(case: Case) -> dict[str, dict[str, Any]]:
    """The newest run of each kind."""
    latest: dict[str, dict[str, Any]] = {}
    for run in case.runs:
        latest[run["kind"]] = run
    return latest


# -- data versions -------------------------------------------------------------------------


def data_versions(store: Store) -> dict[str, Any]:
    """What the store held when a run was made: enough to tell whether data changed."""
    from sanctionwatch.incidents.catalog import load_catalog

    catalog = load_catalog()
    lists = store.con.execute(
        """
        SELECT list, arg_max(version_id, version), max(published)
        FROM sanction_list_versions GROUP BY list ORDER BY list
        """
    ).fetchall()
    ingest = store.con.execute(
        "SELECT count(*), max(file_id), arg_max(sha256, file_id), arg_max(path, file_id) "
        "FROM ingest_log"
    ).fetchall()[0]
    return {
        "sanctionwatch": __version__,
        "schema": SCHEMA_VERSION,
        "incident_catalog": f"{catalog.catalog} {catalog.version}",
        "lists": [
            {"list": r[0], "version": r[1], "published": None if r[2] is None else str(r[2])}
            for r in lists
        ],
        "ingest_log": {
            "files": ingest[0],
            "last_file_id": ingest[1],
            "last_sha256": ingest[2],
            "last_path": ingest[3],
        },
        "labels": int(store.scalar("SELECT count(*) FROM labels")),
        "transfers": int(store.scalar("SELECT count(*) FROM transfers")),
    }


# -- runs ----------------------------------------------------------------------------------


@dataclass(slots=True)
class RunOutcome:
    kind: str
    status: str
    parameters: dict[str, Any]
    summary: dict[str, Any] | None = None
    result: Any = None
    message: str | None = None


def run_case(
    store: Store,
    case_id: int,
    kinds: Sequence[str] = RUN_KINDS,
    *,
    hops: int = 6,
    model: str = "haircut",
    since: datetime | None = None,
    by: str | None = None,
) -> list[dict[str, Any]]:
    """Run ``kinds`` for the case, record each run, return the runs as recorded.

    ``since`` (UTC) overrides the trace's start (default: the earliest incident date).
    """
    unknown = [k for k in kinds if k not in RUN_KINDS]
    if unknown:
        raise InputError(f"Unknown run kind(s) {', '.join(unknown)}; use {', '.join(RUN_KINDS)}.")
    case = get_case(store, case_id)
    who = analyst(by)
    versions = data_versions(store)
    recorded = []
    for kind in kinds:
        started = _now()
        clock = time.perf_counter()
        try:
            outcome = _RUNNERS[kind](store, case, hops, model, since)
        except SanctionwatchError as exc:
            outcome = RunOutcome(kind, "error", {}, message=exc.message)
        outcome.parameters["seconds"] = round(time.perf_counter() - clock, 3)
        with store.transaction() as con:
            run_id = int(
                con.execute(
                    "SELECT coalesce(max(run_id), 0) + 1 FROM case_runs WHERE case_id = ?",
                    [case_id],
                ).fetchall()[0][0]
            )
            con.execute(
                "INSERT INTO case_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    case_id,
                    run_id,
                    kind,
                    outcome.status,
                    started,
                    _now(),
                    who,
                    json.dumps(outcome.parameters, default=str),
                    json.dumps(versions, default=str),
                    None if outcome.summary is None else json.dumps(outcome.summary, default=str),
                    None if outcome.result is None else json.dumps(outcome.result, default=str),
                    outcome.message,
                ],
            )
        recorded.append(
            {
                "run_id": run_id,
                "kind": kind,
                "status": outcome.status,
                "summary": outcome.summary,
                "message": outcome.message,
            }
        )
    return recorded


def _incidents_of(case: Case) -> list[Any]:
    from sanctionwatch.incidents.catalog import load_catalog

    catalog = load_catalog()
    return [catalog.get(i["value"]) for i in case.values("incident")]


def _run_incidents(
    store: Store, case: Case, hops: int, model: str, since: datetime | None
) -> RunOutcome:
    from sanctionwatch.incidents.summary import summarize

    incidents = _incidents_of(case)
    params: dict[str, Any] = {"incidents": [i.id for i in incidents]}
    if not incidents:
        return RunOutcome("incidents", "skipped", params, message="the case has no incidents")
    summary = summarize(incidents, "year")
    return RunOutcome(
        "incidents",
        "ok",
        params,
        summary=summary.to_dict(),
        result=[i.to_dict() for i in incidents],
    )


def _run_trace(
    store: Store, case: Case, hops: int, model: str, since: datetime | None
) -> RunOutcome:
    from sanctionwatch.incidents.catalog import theft_start
    from sanctionwatch.trace.engine import DEFAULT_STOP
    from sanctionwatch.trace.engine import trace as run_trace
    from sanctionwatch.trace.seeds import resolve_seeds

    incidents = _incidents_of(case)
    seeds = [f"incident:{i.id}" for i in incidents]
    seeds += [
        f"{a['chain']}:{a['value']}" if a["chain"] else a["value"] for a in case.values("address")
    ]
    seeds += [f"file:{f['value']}" for f in case.values("file")]
    if since is None:
        since = theft_start(incidents)
    params: dict[str, Any] = {
        "seeds": seeds,
        "hops": hops,
        "model": model,
        "since": None if since is None else since.isoformat(),
    }
    if not seeds:
        return RunOutcome("trace", "skipped", params, message="the case has no seeds")
    seed_ids = resolve_seeds(store, seeds)
    result = run_trace(
        store,
        seed_ids,
        since=since,
        hops=hops,
        model=model,
        stop_categories=DEFAULT_STOP,
    ).to_dict()
    return RunOutcome("trace", "ok", params, summary=trace_summary(result), result=result)


def trace_summary(result: dict[str, Any]) -> dict[str, Any]:
    """Key figures of a trace result: counts, value ending per category (terminals that did
    not continue through a link), value by stage, and the largest terminal addresses."""
    summary = result.get("summary") or {}
    from sanctionwatch.trace.ended import ended_terminals, service_name

    ends = ended_terminals(result)
    top = sorted(ends, key=lambda t: -float(t.get("tainted_amount") or 0.0))[:10]
    return {
        "seeds": len(result.get("seeds") or []),
        "nodes": len(result.get("nodes") or []),
        "edges": len(result.get("edges") or []),
        "terminals": len(ends),
        "links": len(result.get("links") or []),
        "model": result.get("primary_model"),
        "by_category": summary.get("by_category") or {},
        "by_stage": summary.get("by_stage") or {},
        "top_terminals": [
            {
                "chain": t.get("chain"),
                "address": t.get("address"),
                "category": t.get("category"),
                "label": t.get("label"),
                "service": service_name(t),  # a swept deposit: by the wallet it sweeps to
                "asset": t.get("asset"),
                "tainted_amount": t.get("tainted_amount"),
            }
            for t in top
        ],
    }


def _run_screen_names(
    store: Store, case: Case, hops: int, model: str, since: datetime | None
) -> RunOutcome:
    from sanctionwatch.sanctions.screen import screen_names

    names = [n["value"] for n in case.values("name")]
    params: dict[str, Any] = {"names": names, "threshold": 0.7}
    if not names:
        return RunOutcome("screen_names", "skipped", params, message="the case has no names")
    results = [r.to_dict() for r in screen_names(store, names, limit=3)]
    matches = [m for r in results for m in r.get("matches") or [] if m.get("match")]
    return RunOutcome(
        "screen_names",
        "ok",
        params,
        summary={"names": len(names), "matches": len(matches)},
        result=results,
    )


def _run_screen_addresses(
    store: Store, case: Case, hops: int, model: str, since: datetime | None
) -> RunOutcome:
    from sanctionwatch.sanctions.address_screen import screen_addresses

    items = case.values("address")
    for incident in _incidents_of(case):
        items += [{"value": a.address, "chain": a.chain} for a in incident.addresses]
    items = list({(i["chain"], i["value"]): i for i in items}.values())
    params: dict[str, Any] = {"addresses": [i["value"] for i in items]}
    if not items:
        return RunOutcome("screen_addresses", "skipped", params, message="no addresses")
    results = []
    for item in items:
        results += [r.to_dict() for r in screen_addresses(store, [item["value"]], item["chain"])]
    flagged = [r for r in results if r.get("flagged")]
    return RunOutcome(
        "screen_addresses",
        "ok",
        params,
        summary={"addresses": len(results), "flagged": len(flagged)},
        result=results,
    )


def _run_exposure(
    store: Store, case: Case, hops: int, model: str, since: datetime | None
) -> RunOutcome:
    from sanctionwatch.trace.exposure import MAX_HOPS, exposure

    items = case.values("address")
    hops = max(1, min(hops, MAX_HOPS))
    params: dict[str, Any] = {
        "addresses": [i["value"] for i in items],
        "direction": "both",
        "hops": hops,
    }
    if not items:
        return RunOutcome("exposure", "skipped", params, message="the case has no addresses")
    result = exposure(
        store, [(str(i["chain"]), str(i["value"])) for i in items], direction="both", hops=hops
    ).to_dict()
    exposed = [a for a in result["addresses"] if a.get("exposure")]
    summary = {
        "addresses": len(items),
        "exposed": len(exposed),
        "by_category": result["summary"]["exposed"],
        "not_in_store": result["summary"]["not_in_store"],
    }
    return RunOutcome("exposure", "ok", params, summary=summary, result=result)


def _run_itw(store: Store, case: Case, hops: int, model: str, since: datetime | None) -> RunOutcome:
    from pathlib import Path

    from sanctionwatch.itw.scan import ScanOptions, scan_files

    files = [Path(f["value"]) for f in case.values("records")]
    params: dict[str, Any] = {"files": [str(f) for f in files]}
    if not files:
        return RunOutcome("itw", "skipped", params, message="the case has no record files")
    result = scan_files(files, ScanOptions(store=store)).to_dict()
    result.pop("indicators", None)  # the catalogue, the same for every run
    summary = result["summary"]
    return RunOutcome("itw", "ok", params, summary=summary, result=result)


_RUNNERS = {
    "incidents": _run_incidents,
    "trace": _run_trace,
    "screen_names": _run_screen_names,
    "screen_addresses": _run_screen_addresses,
    "exposure": _run_exposure,
    "itw": _run_itw,
}
