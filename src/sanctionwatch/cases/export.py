"""Exporting a case: its JSON record, FollowTheMoney entities, or a STIX 2.1 bundle.

- ``json``: the case, its items and every run with parameters, data versions, summary and
  full result (what ``case show`` prints, plus the evidence);
- ``ftm``: the entities of the case's incidents (``report.ftm``) and of its latest trace
  (``trace.exporters.ftm``), merged by id (the wallets of both share ids);
- ``stix``: the case's incidents as a bundle whose report is named after the case.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from sanctionwatch.cases.cases import get_case, latest_runs
from sanctionwatch.errors import InputError
from sanctionwatch.jsontext import dumps
from sanctionwatch.store.db import Store

FORMATS = ("json", "ftm", "stix")


def export_case(store: Store, case_id: int, fmt: str, stream: TextIO) -> int:
    """Write the case in ``fmt``; return how many records/entities/objects were written."""
    if fmt not in FORMATS:
        raise InputError(f"--format {fmt!r} is not one of {', '.join(FORMATS)}.")
    case = get_case(store, case_id)
    from sanctionwatch.incidents.catalog import load_catalog

    catalog = load_catalog()
    incidents = [catalog.get(i["value"]) for i in case.values("incident")]
    if fmt == "json":
        stream.write(dumps(case.to_dict(with_results=True)) + "\n")
        return 1
    if fmt == "stix":
        from sanctionwatch.report.stix import bundle

        made = bundle(catalog, incidents, title=f"Case {case.case_id}: {case.name}")
        stream.write(made.serialize(pretty=True, sort_keys=True) + "\n")
        return len(made.objects)
    from sanctionwatch.report.ftm import entities as incident_entities
    from sanctionwatch.trace.exporters.ftm import entities as trace_entities

    found: dict[str, Any] = {}
    items = list(incident_entities(incidents, catalog.version))
    trace = latest_runs(case).get("trace")
    if trace is not None and trace["status"] == "ok" and trace["result"]:
        items += trace_entities(trace["result"])
    for entity in items:
        assert entity.id is not None  # every exported entity has an id
        if entity.id in found:
            found[entity.id].merge(entity)
        else:
            found[entity.id] = entity
    for entity in found.values():
        stream.write(json.dumps(entity.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
    return len(found)
