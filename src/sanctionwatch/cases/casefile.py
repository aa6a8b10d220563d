"""Case files: a case written as YAML, for ``sanctionwatch case new --file``.

```yaml
name: Bybit laundering, February 2025
description: Follow the Bybit theft to exchanges and OTC desks.
items:
  - {kind: incident, value: bybit-2025-02}
  - {kind: address, value: "0x47666fab8bd0ac7003bce3f5c3585383f09486e2", chain: ethereum}
  - {kind: name, value: "Park Jin Hyok"}
  - {kind: file, value: seeds.txt}
  - {kind: note, value: "Funds went through THORChain."}
  - {kind: source, value: "https://www.ic3.gov/PSA/2025/PSA250226"}
```

Every item is checked (a known incident id or name, a valid address on its chain, a
non-empty name, an http(s) URL for sources) and every problem is reported at once, naming
the file, the item number and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sanctionwatch.chain.addresses import address_problem, guess_chains
from sanctionwatch.chain.chains import CHAINS
from sanctionwatch.errors import FormatError, NotFoundError

ItemKind = Literal["incident", "address", "name", "file", "records", "note", "source"]


class CaseItem(BaseModel):
    """One thing a case investigates or records (validated; addresses canonical)."""

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    kind: ItemKind
    value: str = Field(min_length=1)
    chain: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> CaseItem:
        if self.kind == "address":
            canonical, chain = check_address(self.value, self.chain)
            object.__setattr__(self, "value", canonical)
            object.__setattr__(self, "chain", chain)
        elif self.chain is not None:
            raise ValueError("chain is only for address items")
        if self.kind == "source" and not self.value.startswith(("http://", "https://")):
            raise ValueError(f"source {self.value!r} is not an http(s) URL")
        if self.kind == "incident":
            from sanctionwatch.incidents.catalog import load_catalog

            try:
                object.__setattr__(self, "value", load_catalog().get(self.value).id)
            except NotFoundError as exc:
                raise ValueError(exc.message) from None
        return self


def check_address(address: str, chain: str | None) -> tuple[str, str]:
    """(canonical address, chain); ValueError naming the problem."""
    if chain is not None:
        if chain not in CHAINS:
            raise ValueError(f"chain {chain!r} is not one the store knows")
        canonical, problem = address_problem(CHAINS[chain], address)
        if canonical is None:
            raise ValueError(f"invalid {chain} address {address!r}: {problem}")
        return canonical, chain
    chains = guess_chains(address)
    valid = [(c.name, n) for c in chains if (n := address_problem(c, address)[0]) is not None]
    if not valid:
        raise ValueError(f"{address!r} is not a valid address on any known chain")
    found = dict(valid)
    pick = "ethereum" if "ethereum" in found else valid[0][0]  # EVM: ethereum unless told
    return found[pick], pick


class CaseFile(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    name: str = Field(min_length=1)
    description: str | None = None
    items: tuple[CaseItem, ...] = ()


def parse_case_file(path: Path) -> CaseFile:
    """Read and validate a case file; FormatError naming every bad item and field."""
    try:
        data: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise FormatError(f"Cannot read the case file {path}: {exc.strerror}.") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or "syntax error"
        raise FormatError(f"{path.name}{where}: not valid YAML ({problem}).") from None
    if not isinstance(data, dict):
        raise FormatError(f"{path.name}: expected a mapping with name, description, items.")
    problems: list[str] = []
    items: list[CaseItem] = []
    raw_items = data.get("items") or []
    if not isinstance(raw_items, list):
        raise FormatError(f"{path.name}: items must be a list.")
    for n, raw in enumerate(raw_items, start=1):
        try:
            items.append(CaseItem.model_validate(raw))
        except ValidationError as exc:
            for error in exc.errors():
                loc = ".".join(str(p) for p in error["loc"])
                message = str(error["msg"]).removeprefix("Value error, ")
                problems.append(f"{path.name}, item {n}: " + (f"{loc}: " if loc else "") + message)
    try:
        header = CaseFile.model_validate({**data, "items": []})
    except ValidationError as exc:
        for error in exc.errors():
            loc = ".".join(str(p) for p in error["loc"])
            problems.append(f"{path.name}: {loc}: {error['msg']}")
        header = None
    if problems or header is None:
        raise FormatError(
            f"The case file has {len(problems)} problem(s):\n  " + "\n  ".join(problems)
        )
    return CaseFile(name=header.name, description=header.description, items=tuple(items))
