"""Loading list files into the store as versions.

Each file is one version of one list and one transaction: its version row, FtM entities,
crypto addresses, ingest_log entry and the refreshed ``sanctioned`` labels of that list
commit together, or nothing does. The file is parsed completely before the transaction
starts, so a malformed file (bad XML, truncated ``.bz2``, empty, unknown format) raises a
``FormatError`` and leaves the store untouched.

Loading is idempotent: a file whose sha256 (as stored, or of its decompressed content)
is already a version adds nothing. Versions are never replaced: an older issue stays
queryable next to the newer one.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
from followthemoney import EntityProxy

from sanctionwatch.errors import FormatError, InputError
from sanctionwatch.sanctions.addresses import normalize_listed
from sanctionwatch.sanctions.labels import sync_list_labels
from sanctionwatch.sanctions.model import LIST_NAMES, ListedEntity, ListFormat, ListIssue
from sanctionwatch.sanctions.parsers import detect_format, get_format, ofac_csv
from sanctionwatch.sanctions.source import file_sha256
from sanctionwatch.store.db import Store
from sanctionwatch.store.ingestlog import FileResult, next_file_id, write_log

NAME_PROPS = ("name", "alias", "weakAlias", "previousName")


@dataclass(slots=True)
class LoadResult:
    """What loading one file did (printed by ``lists load``)."""

    path: str
    format: str
    list_name: str
    status: str  # loaded | already loaded
    version: int | None
    version_id: str
    published: date | None
    sha256: str
    file_sha256: str
    n_entities: int = 0
    n_targets: int = 0
    n_addresses: int = 0
    n_addresses_chain: int = 0
    labels_active: int = 0
    labels_delisted: int = 0
    file_id: int | None = None
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "format": self.format,
            "list": self.list_name,
            "status": self.status,
            "version": self.version,
            "version_id": self.version_id,
            "published": None if self.published is None else self.published.isoformat(),
            "sha256": self.sha256,
            "file_sha256": self.file_sha256,
            "entities": self.n_entities,
            "parties": self.n_targets,
            "addresses": self.n_addresses,
            "addresses_on_known_chains": self.n_addresses_chain,
            "labels_active": self.labels_active,
            "labels_delisted": self.labels_delisted,
            "file_id": self.file_id,
            "seconds": round(self.seconds, 3),
            "notes": self.notes,
        }


Progress = Callable[[LoadResult], None]

_ENTITY_SCHEMA = pa.schema(
    [
        ("entity_id", pa.string()),
        ("schema", pa.string()),
        ("caption", pa.string()),
        ("list_id", pa.string()),
        ("target", pa.bool_()),
        ("programs", pa.list_(pa.string())),
        ("listed_on", pa.date32()),
        ("content_hash", pa.string()),
        ("entity", pa.string()),
    ]
)
_ADDRESS_SCHEMA = pa.schema(
    [
        ("currency", pa.string()),
        ("chain", pa.string()),
        ("address", pa.string()),
        ("address_as_listed", pa.string()),
        ("reason", pa.string()),
        ("entity_id", pa.string()),
        ("wallet_id", pa.string()),
        ("list_id", pa.string()),
        ("programs", pa.list_(pa.string())),
        ("listed_on", pa.date32()),
    ]
)


def load_list_files(
    store: Store,
    paths: Sequence[Path | str],
    *,
    list_name: str | None = None,
    fmt: str | None = None,
    published: date | None = None,
    source: str | None = None,
    progress: Progress | None = None,
) -> list[LoadResult]:
    """Load each file as a version of its list, one transaction per file.

    Every path is checked and its format detected before anything is loaded; all problems
    are reported at once.
    """
    if list_name is not None and list_name not in LIST_NAMES:
        raise InputError(f"Unknown list {list_name!r}; known: {', '.join(LIST_NAMES)}.")
    resolved = [Path(p) for p in paths]
    # add.csv / alt.csv given next to their sdn.csv are read with it
    mains = {p if p.is_dir() else p.parent for p in resolved if ofac_csv.is_main(p)}
    resolved = [p for p in resolved if not (ofac_csv.is_companion(p) and p.parent in mains)]
    problems = []
    formats: list[ListFormat] = []
    for path in resolved:
        try:
            formats.append(get_format(fmt) if fmt else detect_format(path))
        except FormatError as exc:
            problems.append(exc.message.rstrip("."))
    if problems:
        raise FormatError("; ".join(problems) + ".")
    results = []
    for path, list_format in zip(resolved, formats, strict=True):
        result = load_list_file(
            store,
            path,
            list_format,
            list_name=list_name,
            published=published,
            source=source,
        )
        results.append(result)
        if progress is not None:
            progress(result)
    return results


def load_list_file(
    store: Store,
    path: Path,
    list_format: ListFormat | None = None,
    *,
    list_name: str | None = None,
    published: date | None = None,
    source: str | None = None,
) -> LoadResult:
    """Parse ``path`` completely, then store it as a new version (or report it known)."""
    clock = time.perf_counter()
    started = datetime.now(UTC)
    list_format = list_format or detect_format(path)
    stored_hash = (list_format.fingerprint or file_sha256)(path)
    known = _known_version(store.con, stored_hash)
    if known is not None:
        return _already(path, list_format, known, stored_hash, clock)
    parsed = list_format.parse(path, list_name)
    staged = _stage(parsed.entities)
    issue = parsed.issue
    if source is not None:
        issue.source = source
    if published is not None:
        issue.published, issue.published_from = published, "option"
    if staged.n_targets == 0:
        raise FormatError(f"{path} holds no designated parties; nothing was loaded.")
    known = _known_version(store.con, issue.sha256)
    if known is not None:
        return _already(path, list_format, known, stored_hash, clock)
    result = LoadResult(
        path=str(path),
        format=list_format.name,
        list_name=issue.list_name,
        status="loaded",
        version=None,
        version_id="",
        published=issue.published,
        sha256=issue.sha256,
        file_sha256=stored_hash,
        n_entities=staged.n_entities,
        n_targets=staged.n_targets,
        n_addresses=staged.addresses.num_rows,
        n_addresses_chain=staged.n_addresses_chain,
        notes=list(issue.notes),
    )
    with store.transaction() as con:
        file_id = next_file_id(con)
        version = int(
            con.execute(
                "SELECT coalesce(max(version), 0) + 1 FROM sanction_list_versions"
            ).fetchall()[0][0]
        )
        version_id = _version_id(con, issue)
        result.version, result.version_id, result.file_id = version, version_id, file_id
        _insert_version(con, result, issue, staged.counts, file_id)
        _insert_arrow(con, "sanction_entities", version, staged.entities)
        _insert_arrow(con, "sanction_addresses", version, staged.addresses)
        sync = sync_list_labels(con, issue.list_name)
        result.labels_active, result.labels_delisted = sync.active, sync.delisted
        log = FileResult(
            path=result.path,
            format=f"list:{list_format.name}",
            file_id=file_id,
            sha256=stored_hash,
            rows_read=staged.n_entities,
            rows_new=staged.n_entities,
            notes=result.notes,
            table_rows={
                "sanction_entities": staged.n_entities,
                "sanction_addresses": staged.addresses.num_rows,
            },
        )
        log.seconds = time.perf_counter() - clock
        write_log(
            con,
            log,
            started,
            {"list": issue.list_name, "version_id": version_id, "source": issue.source},
        )
    result.seconds = time.perf_counter() - clock
    return result


# -- staging ---------------------------------------------------------------------------
@dataclass(slots=True)
class _Staged:
    entities: pa.Table
    addresses: pa.Table
    n_entities: int
    n_targets: int
    n_addresses_chain: int
    counts: dict[str, Any]


def _canonical(entity: EntityProxy) -> str:
    """The entity as JSON with sorted keys and values: equal JSON means equal content."""
    data = entity.to_dict()
    props = {k: sorted(v) for k, v in data.get("properties", {}).items()}
    return json.dumps({"schema": data["schema"], "properties": props}, sort_keys=True)


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _stage(listed: Iterable[ListedEntity]) -> _Staged:
    """Consume the parser's entities into Arrow tables (entities and addresses)."""
    columns: dict[str, list[Any]] = {name: [] for name in _ENTITY_SCHEMA.names}
    dependents: dict[str, list[str]] = defaultdict(list)
    target_rows: dict[str, int] = {}
    addresses: dict[tuple[str, str, str], dict[str, Any]] = {}
    schemata: Counter[str] = Counter()
    programs: Counter[str] = Counter()
    names: Counter[str] = Counter()
    seen: set[str] = set()
    listings = 0  # address listings as written, duplicates included
    for item in listed:
        entity = item.entity
        entity_id = str(entity.id)
        if entity.schema.name == "CryptoWallet":
            listings += len(entity.get("publicKey"))
        if entity_id in seen:  # a list naming the same thing twice: keep the first
            continue
        seen.add(entity_id)
        own_hash = _sha(_canonical(entity))
        schemata[entity.schema.name] += 1
        if item.target:
            target_rows[item.list_id] = len(columns["entity_id"])
            programs.update(item.programs)
            for prop in NAME_PROPS:
                names[prop] += len(entity.get(prop, quiet=True))
        else:
            dependents[item.list_id].append(own_hash)
        columns["entity_id"].append(entity_id)
        columns["schema"].append(entity.schema.name)
        columns["caption"].append(entity.caption)
        columns["list_id"].append(item.list_id)
        columns["target"].append(item.target)
        columns["programs"].append(list(item.programs))
        columns["listed_on"].append(item.listed_on)
        columns["content_hash"].append(own_hash)
        columns["entity"].append(json.dumps(entity.to_dict(), ensure_ascii=False))
        if entity.schema.name == "CryptoWallet":
            _wallet_rows(item, addresses)
    for list_id, row in target_rows.items():
        parts = [columns["content_hash"][row], *sorted(dependents.get(list_id, []))]
        columns["content_hash"][row] = _sha("\n".join(parts))
    address_rows = list(addresses.values())
    address_table = pa.Table.from_pylist(address_rows, schema=_ADDRESS_SCHEMA)
    return _Staged(
        entities=pa.Table.from_pydict(columns, schema=_ENTITY_SCHEMA),
        addresses=address_table,
        n_entities=len(columns["entity_id"]),
        n_targets=len(target_rows),
        n_addresses_chain=sum(1 for row in address_rows if row["chain"] is not None),
        counts={
            "schemata": dict(sorted(schemata.items())),
            "programs": dict(sorted(programs.items())),
            "names": dict(names),
            "address_listings": listings,
            "currencies": dict(sorted(Counter(r["currency"] for r in address_rows).items())),
            "chains": dict(sorted(Counter(r["chain"] or "(none)" for r in address_rows).items())),
        },
    )


def _wallet_rows(item: ListedEntity, out: dict[tuple[str, str, str], dict[str, Any]]) -> None:
    wallet = item.entity
    currency = wallet.first("currency") or wallet.first("currencySymbol") or "UNKNOWN"
    holder = wallet.first("holder") or str(wallet.id)
    for written in wallet.get("publicKey"):
        listed = normalize_listed(currency, written)
        key = (listed.currency, listed.address, holder)
        if key in out:
            continue
        out[key] = {
            "currency": listed.currency,
            "chain": listed.chain,
            "address": listed.address,
            "address_as_listed": written,
            "reason": listed.reason,
            "entity_id": holder,
            "wallet_id": str(wallet.id),
            "list_id": item.list_id,
            "programs": list(item.programs),
            "listed_on": item.listed_on,
        }


# -- writing ---------------------------------------------------------------------------
def _known_version(con: duckdb.DuckDBPyConnection, sha256: str) -> str | None:
    rows = con.execute(
        "SELECT version_id FROM sanction_list_versions WHERE sha256 = ? OR file_sha256 = ? "
        "ORDER BY version LIMIT 1",
        [sha256, sha256],
    ).fetchall()
    return None if not rows else str(rows[0][0])


def _already(
    path: Path, list_format: ListFormat, version_id: str, stored_hash: str, clock: float
) -> LoadResult:
    return LoadResult(
        path=str(path),
        format=list_format.name,
        list_name=version_id.split("@", 1)[0],
        status="already loaded",
        version=None,
        version_id=version_id,
        published=None,
        sha256="",
        file_sha256=stored_hash,
        seconds=time.perf_counter() - clock,
        notes=[f"same content as version {version_id}: nothing added"],
    )


def _version_id(con: duckdb.DuckDBPyConnection, issue: ListIssue) -> str:
    stamp = issue.published.isoformat() if issue.published else "undated"
    base = f"{issue.list_name}@{stamp}"
    taken = {
        str(row[0])
        for row in con.execute(
            "SELECT version_id FROM sanction_list_versions WHERE version_id LIKE ?",
            [base + "%"],
        ).fetchall()
    }
    if base not in taken:
        return base
    n = 2
    while f"{base}#{n}" in taken:
        n += 1
    return f"{base}#{n}"


def _insert_version(
    con: duckdb.DuckDBPyConnection,
    result: LoadResult,
    issue: ListIssue,
    counts: dict[str, Any],
    file_id: int,
) -> None:
    con.execute(
        "INSERT INTO sanction_list_versions VALUES "
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.version,
            result.version_id,
            issue.list_name,
            issue.published,
            issue.published_from,
            result.format,
            issue.source,
            issue.sha256,
            result.file_sha256,
            file_id,
            datetime.now(UTC).replace(tzinfo=None),
            result.n_entities,
            result.n_targets,
            result.n_addresses,
            result.n_addresses_chain,
            json.dumps(counts, sort_keys=True),
            json.dumps(issue.notes),
        ],
    )


def _insert_arrow(con: duckdb.DuckDBPyConnection, table: str, version: int, rows: pa.Table) -> None:
    """Append an Arrow table of rows (all columns but ``version``) to ``table``."""
    con.register("_sanction_rows", rows)
    try:
        columns = ", ".join(rows.schema.names)
        con.execute(
            f"INSERT INTO {table} (version, {columns}) SELECT ?, {columns} FROM _sanction_rows",
            [version],
        )
    finally:
        con.unregister("_sanction_rows")
