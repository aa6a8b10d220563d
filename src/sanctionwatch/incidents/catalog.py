"""The incident catalog: its schema, and a loader that validates every row.

The catalog is a YAML file (``data/incidents.yaml`` in the package, or any file of the
same shape) with a header (``catalog``, ``version``, ``updated``) and a list of
``incidents``. Each incident is checked against the models below when the file is
loaded; every problem of every row is reported at once, each naming the file, the row
number (1-based position in ``incidents``), the row's id and the field, so a bad edit is
found before anything uses the data.

Field meanings (the user documentation lives in docs/incidents.md):

- ``usd`` is the value at the time of the theft as reported by ``usd_source`` (never
  re-priced here); ``null`` only with a ``usd_note`` saying why it is unknown.
- ``attribution`` lists who attributed the theft to the DPRK, of what kind (government,
  multilateral, vendor, victim, researcher) and with what confidence (confirmed > high >
  medium > low); the incident's confidence is the highest of them.
- ``addresses`` are attacker-side addresses (theft, exploiter, attacker, laundering,
  infrastructure) on chains the store knows, validated and kept in canonical form.
- ``status`` ``returned`` marks thefts whose funds were given back in full: listed, but
  left out of theft totals unless asked for.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sanctionwatch.chain.addresses import address_problem
from sanctionwatch.chain.chains import CHAINS
from sanctionwatch.errors import FormatError, NotFoundError
from sanctionwatch.labels.taxonomy import CONFIDENCE_LEVELS

Confidence = Literal["low", "medium", "high", "confirmed"]
CONFIDENCE_ORDER: tuple[str, ...] = ("low", "medium", "high", "confirmed")
PartyKind = Literal["government", "multilateral", "vendor", "victim", "researcher"]
Sector = Literal["exchange", "defi", "bridge", "wallet", "payment", "gaming", "gambling", "other"]
Vector = Literal[
    "private_key_compromise",
    "hot_wallet_compromise",
    "supply_chain",
    "social_engineering",
    "multisig_ui_manipulation",
    "smart_contract_exploit",
    "malware",
    "insider",
    "infrastructure_compromise",
    "unknown",
]
AddressRole = Literal["theft", "exploiter", "attacker", "laundering", "infrastructure"]
Status = Literal["stolen", "returned"]

_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CHAIN_NAME = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_URL = re.compile(r"^https?://\S+$")
EARLIEST = dt.date(2009, 1, 3)


def _url(value: str) -> str:
    value = value.strip()
    if not _URL.match(value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class StolenAmount(_Model):
    """One asset taken, in native units (a decimal string, exact)."""

    asset: str = Field(min_length=1)
    amount: str

    @field_validator("amount", mode="before")
    @classmethod
    def _decimal(cls, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError("amount must be a decimal number written as a string")
        text = str(value).strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValueError(f"amount {text!r} is not a decimal number") from None
        if not number.is_finite() or number <= 0:
            raise ValueError(f"amount {text!r} must be a positive number")
        return text


class Attribution(_Model):
    """Who attributed the theft to the DPRK, and how sure they are."""

    party: str = Field(min_length=2)
    kind: PartyKind
    confidence: Confidence
    date: dt.date | None = None
    url: str

    @field_validator("url")
    @classmethod
    def _check_url(cls, value: str) -> str:
        return _url(value)


class AttackerAddress(_Model):
    """An attacker-side address; ``address`` is canonical once validated."""

    chain: str
    address: str
    role: AddressRole
    confidence: str = "forensic"  # a TagPack confidence id (labels.taxonomy)
    source: str | None = None

    @field_validator("chain")
    @classmethod
    def _known_chain(cls, value: str) -> str:
        if value not in CHAINS:
            raise ValueError(f"chain {value!r} is not one the store knows ({', '.join(CHAINS)})")
        return value

    @field_validator("confidence")
    @classmethod
    def _known_confidence(cls, value: str) -> str:
        if value not in CONFIDENCE_LEVELS:
            raise ValueError(f"confidence {value!r} is not a TagPack confidence id")
        return value

    @model_validator(mode="after")
    def _canonical(self) -> AttackerAddress:
        canonical, problem = address_problem(CHAINS[self.chain], self.address)
        if canonical is None:
            raise ValueError(f"invalid {self.chain} address {self.address!r}: {problem}")
        if canonical != self.address:
            object.__setattr__(self, "address", canonical)
        return self


class Incident(_Model):
    """One DPRK-attributed theft."""

    id: str
    name: str = Field(min_length=1)
    date: dt.date
    victim: str = Field(min_length=1)
    victim_country: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    sector: Sector
    chains: tuple[str, ...] = Field(min_length=1)
    stolen: tuple[StolenAmount, ...] = ()
    usd: int | None = Field(ge=0)
    usd_source: str | None = None
    usd_note: str | None = None
    status: Status = "stolen"
    vector: Vector
    actor: str = Field(min_length=2)
    attribution: tuple[Attribution, ...] = Field(min_length=1)
    disputed: str | None = None
    addresses: tuple[AttackerAddress, ...] = ()
    sources: tuple[str, ...] = Field(min_length=1)
    notes: str | None = None
    description: str = Field(min_length=20)

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"id {value!r} must be lower-case words joined by '-'")
        return value

    @field_validator("date")
    @classmethod
    def _plausible_date(cls, value: dt.date) -> dt.date:
        if value < EARLIEST or value > dt.date.today():
            raise ValueError(f"date {value} is outside {EARLIEST}..today")
        return value

    @field_validator("chains")
    @classmethod
    def _chain_names(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if not _CHAIN_NAME.match(name):
                raise ValueError(f"chain name {name!r} must be lower-case (e.g. ethereum)")
        return value

    @field_validator("usd", mode="before")
    @classmethod
    def _whole_dollars(cls, value: Any) -> Any:
        if isinstance(value, bool) or (value is not None and not isinstance(value, int)):
            raise ValueError("usd must be a whole number of dollars (or null with usd_note)")
        return value

    @field_validator("sources")
    @classmethod
    def _source_urls(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_url(v) for v in value)

    @model_validator(mode="after")
    def _usd_explained(self) -> Incident:
        if self.usd is None and not self.usd_note:
            raise ValueError("usd is null: give usd_note saying why the value is unknown")
        if self.usd is not None and not self.usd_source:
            raise ValueError("usd needs usd_source (who valued it, at what time)")
        return self

    # -- derived -------------------------------------------------------------------
    @property
    def confidence(self) -> str:
        """The highest confidence of the attributions."""
        return max((a.confidence for a in self.attribution), key=CONFIDENCE_ORDER.index)

    @property
    def counted(self) -> bool:
        """Whether the theft counts in totals by default (funds not returned)."""
        return self.status == "stolen"

    @property
    def month(self) -> str:
        return f"{self.date.year:04d}-{self.date.month:02d}"

    def to_dict(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        data["confidence"] = self.confidence
        return data


def theft_start(incidents: Iterable[Incident]) -> dt.datetime | None:
    """00:00 UTC of the earliest incident's date: the default theft time (``--since``) of a
    trace from these incidents (value their addresses held before that day is clean); None
    for no incident. The catalog dates a theft to the day, so the day's start is the latest
    time that cannot miss any of it."""
    first = min((i.date for i in incidents), default=None)
    return None if first is None else dt.datetime(first.year, first.month, first.day, tzinfo=dt.UTC)


class Catalog(_Model):
    """The whole catalog: header plus validated incidents, in date order."""

    catalog: str
    version: str
    updated: dt.date
    incidents: tuple[Incident, ...]
    path: str = ""

    def get(self, key: str) -> Incident:
        """The incident with id ``key``, or the only one whose name/victim contains it."""
        found = self.find(key)
        if len(found) == 1:
            return found[0]
        if not found:
            raise NotFoundError(
                f"No incident matches {key!r}; `sanctionwatch incidents list` shows the ids."
            )
        ids = ", ".join(i.id for i in found)
        raise NotFoundError(f"{key!r} matches several incidents ({ids}); give the id.")

    def find(self, key: str) -> list[Incident]:
        """Incidents whose id is ``key``, else those whose id, name or victim contain it."""
        needle = key.strip().lower()
        exact = [i for i in self.incidents if i.id == needle]
        if exact:
            return exact
        return [
            i
            for i in self.incidents
            if needle and (needle in i.id or needle in i.name.lower() or needle in i.victim.lower())
        ]


# -- loading ---------------------------------------------------------------------------

DEFAULT_NAME = "incidents.yaml"


def default_catalog_path() -> Path:
    """The catalog bundled with the package."""
    return Path(str(resources.files("sanctionwatch.incidents") / "data" / DEFAULT_NAME))


@lru_cache(maxsize=4)
def _load_cached(path: str, mtime_ns: int) -> Catalog:
    return parse_catalog(Path(path).read_text(encoding="utf-8"), source=path)


def load_catalog(path: Path | str | None = None) -> Catalog:
    """Load and validate a catalog file (default: the bundled one)."""
    target = Path(path) if path is not None else default_catalog_path()
    try:
        mtime = target.stat().st_mtime_ns
    except OSError as exc:
        raise FormatError(f"Cannot read the incident catalog {target}: {exc.strerror}.") from None
    return _load_cached(str(target), mtime)


def parse_catalog(text: str, source: str = "<catalog>") -> Catalog:
    """Validate catalog YAML text; FormatError listing every bad row and field."""
    name = Path(source).name
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FormatError(f"{name}{where}: not valid YAML ({problem}).") from None
    if not isinstance(data, dict) or not isinstance(data.get("incidents"), list):
        raise FormatError(f"{name}: expected a mapping with an 'incidents' list.")
    problems: list[str] = []
    for key in ("catalog", "version", "updated"):
        if key not in data:
            problems.append(f"{name}: header field {key!r} is missing")
    incidents: list[Incident] = []
    seen: dict[str, int] = {}
    for n, row in enumerate(data["incidents"], start=1):
        label = _row_label(name, n, row)
        if not isinstance(row, dict):
            problems.append(f"{label}: expected a mapping of fields")
            continue
        try:
            incident = Incident.model_validate(row)
        except ValidationError as exc:
            problems.extend(f"{label}: {message}" for message in _messages(exc))
            continue
        if incident.id in seen:
            problems.append(f"{label}: id {incident.id!r} repeats row {seen[incident.id]}")
            continue
        seen[incident.id] = n
        incidents.append(incident)
    if problems:
        shown = problems[:25]
        more = f" (and {len(problems) - 25} more)" if len(problems) > 25 else ""
        raise FormatError(
            f"The incident catalog has {len(problems)} problem(s){more}:\n  " + "\n  ".join(shown)
        )
    try:
        return Catalog(
            catalog=str(data["catalog"]),
            version=str(data["version"]),
            updated=data["updated"],
            incidents=tuple(sorted(incidents, key=lambda i: (i.date, i.id))),
            path=source,
        )
    except ValidationError as exc:
        raise FormatError(f"{name}: header: " + "; ".join(_messages(exc)) + ".") from None


def _row_label(name: str, n: int, row: object) -> str:
    ident = row.get("id") if isinstance(row, dict) else None
    return f"{name}, incident {n}" + (f" (id {ident!r})" if ident else "")


def _messages(exc: ValidationError) -> Iterable[str]:
    for error in exc.errors():
        loc = ".".join(str(p) for p in error["loc"])
        message = str(error["msg"]).removeprefix("Value error, ")
        yield f"{loc}: {message}" if loc else message


# -- selection -------------------------------------------------------------------------

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def parse_month(text: str, option: str = "month") -> tuple[int, int]:
    """``YYYY-MM`` as (year, month); InputError-style FormatError otherwise."""
    from sanctionwatch.errors import InputError

    match = _MONTH.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InputError(f"{option} {text!r} is not a month (YYYY-MM).")
    return int(match.group(1)), int(match.group(2))


def select(
    incidents: Sequence[Incident],
    *,
    start: str | None = None,
    end: str | None = None,
    min_confidence: str = "low",
    include_returned: bool = False,
) -> list[Incident]:
    """Incidents from month ``start`` to month ``end`` (both ``YYYY-MM``, inclusive)."""
    lo = parse_month(start, "--from") if start else (0, 0)
    hi = parse_month(end, "--to") if end else (9999, 12)
    if lo > hi:
        from sanctionwatch.errors import InputError

        raise InputError(f"--from {start} is after --to {end}.")
    if min_confidence not in CONFIDENCE_ORDER:
        from sanctionwatch.errors import InputError

        raise InputError(
            f"Confidence {min_confidence!r} is not one of {', '.join(CONFIDENCE_ORDER)}."
        )
    floor = CONFIDENCE_ORDER.index(min_confidence)
    return [
        i
        for i in incidents
        if lo <= (i.date.year, i.date.month) <= hi
        and CONFIDENCE_ORDER.index(i.confidence) >= floor
        and (include_returned or i.counted)
    ]
