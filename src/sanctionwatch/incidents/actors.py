"""DPRK threat actors: ATT&CK IDs and aliases (a bundled table distilled from the MISP
galaxy; see ``data/actors.yaml`` for its source), looked up by name or any alias."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from sanctionwatch.errors import FormatError


class ActorSanction(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    authority: str
    program: str
    list_id: str
    listed: dt.date
    url: str


class Actor(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    attack_id: str | None = Field(default=None, pattern=r"^G\d{4}$")
    country: str = "KP"
    aliases: tuple[str, ...] = ()
    description: str = ""
    sanctions: tuple[ActorSanction, ...] = ()


class ActorTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    source_url: str
    actors: tuple[Actor, ...]

    def get(self, name: str) -> Actor | None:
        """The actor called ``name`` or having it as an alias (case-insensitive)."""
        key = name.strip().lower()
        for actor in self.actors:
            if actor.name.lower() == key or key in (a.lower() for a in actor.aliases):
                return actor
        return None


def actors_path() -> Path:
    return Path(str(resources.files("sanctionwatch.incidents") / "data" / "actors.yaml"))


@lru_cache(maxsize=1)
def load_actors() -> ActorTable:
    """The bundled actor table (validated)."""
    path = actors_path()
    try:
        return ActorTable.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
    except ValidationError as exc:
        raise FormatError(f"{path.name}: {exc.errors()[0]['msg']}.") from None
