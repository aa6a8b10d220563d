"""The incident catalog: DPRK-attributed crypto thefts as a bundled, versioned dataset.

A subpackage of its own (not ``cases/``) because the catalog is reference data that
several parts read without any case: ``labels`` (attacker addresses become theft labels),
``trace`` (``incident:NAME`` seeds), reports and exports. Cases *refer to* incidents; they
do not own them. Modules: ``catalog`` (schema, loader, selection), ``summary`` (totals by
year/actor/vector), ``labels`` (writing attacker addresses into the store's labels).
"""

from sanctionwatch.incidents.catalog import (
    Catalog,
    Incident,
    default_catalog_path,
    load_catalog,
    parse_catalog,
    select,
)
from sanctionwatch.incidents.summary import Summary, summarize

__all__ = [
    "Catalog",
    "Incident",
    "Summary",
    "default_catalog_path",
    "load_catalog",
    "parse_catalog",
    "select",
    "summarize",
]
