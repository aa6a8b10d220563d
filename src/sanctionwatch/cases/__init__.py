"""Cases: what an analyst investigates, persisted in the store with every run made for it.

``casefile`` (case files in YAML, validated item by item), ``cases`` (create, add, run,
show; who ran what, when, on which data and list versions), ``export`` (JSON, FtM, STIX).
The incident catalog itself lives in ``sanctionwatch.incidents`` (reference data that
cases refer to).
"""
