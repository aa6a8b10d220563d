"""The screening index: designated parties of the latest issue of each list, and blocking keys.

Built once from ``sanction_entities`` (``target`` rows of the latest version of each loaded
list); a query is scored only against the entries that share a **blocking key** with it:
a folded name token (``korean.fold_token``: ``Park``/``Pak``/``Bak`` -> ``pak``) or a joined
given name (``Jong-un``/``Jong Un``/``Jongun`` -> ``chongun``). Keys held by more than
``COMMON_KEY_SHARE`` of all entries (``kim``, ``company``, ``limited``) only rank candidates
found through rarer keys, unless the query has nothing rarer.
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sanctionwatch.sanctions.korean import folded_tokens, has_hangul, name_variants, plain_tokens
from sanctionwatch.store.db import Store

NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
COUNTRY_PROPS = ("nationality", "citizenship", "country", "birthCountry")
COMMON_KEY_SHARE = 0.02
KOREAN_COUNTRIES = frozenset({"kp", "kr"})


@dataclass(slots=True)
class IndexedName:
    """One name of an entry, prepared for comparison."""

    prop: str
    text: str
    plain: tuple[str, ...]
    folded: tuple[str, ...]
    plain_variants: list[tuple[str, ...]]
    folded_variants: list[tuple[str, ...]]
    keys: frozenset[str] = frozenset()  # blocking keys (``name_keys``)


@dataclass(slots=True)
class IndexedEntry:
    """A designated party of one list version, as the screener needs it."""

    list_name: str
    list_version: str
    entity_id: str
    list_id: str | None
    schema: str
    caption: str
    programs: tuple[str, ...]
    birth_dates: tuple[str, ...]
    countries: frozenset[str]
    names: list[IndexedName]
    korean: bool
    entity_json: str
    _proxy: Any = field(default=None, repr=False)

    def entity(self) -> dict[str, Any]:
        """The FtM entity as a dict (parsed on demand)."""
        data: dict[str, Any] = json.loads(self.entity_json)
        return data


def prepare_name(prop: str, text: str, query: bool = False) -> IndexedName | None:
    """Tokens and comparison variants of one name; None for a name without letters.

    Legal forms are reduced to their short comparison form with rigour's table
    (``Obshchestvo s Ogranichennoi Otvetstvennostyu`` -> ``ooo``, ``Limited Liability
    Company`` -> ``llc``), so that they weigh as the generic words they are. ``query``: the
    blocking keys of a query rather than of a listed name (``name_keys``).
    """
    plain = plain_tokens(_legal_forms(text))
    if not plain:
        return None
    folded = folded_tokens(text if has_hangul(text) else " ".join(plain))
    name = IndexedName(
        prop=prop,
        text=text,
        plain=tuple(plain),
        folded=tuple(folded),
        plain_variants=name_variants(plain),
        folded_variants=name_variants(folded),
    )
    name.keys = frozenset(name_keys(name, query))
    return name


# Phrases lists write in several ways, reduced to one token before tokenising: the country
# (``North Korea's``, ``Democratic People's Republic of Korea``) and Russian legal forms
# in transliterations rigour's table lacks (``Obschestvo S Ogranichennoi Otvetstvennostyu``).
_PHRASES = (
    (re.compile(r"\bdemocratic people\W?s republic of korea\b|\bnorth korea(?:n|\W?s)?\b"), "dprk"),
    (re.compile(r"\bobs(?:h)?ch?estvo s ogranichenn\w* otvetstvenn\w*"), "ooo"),
    (re.compile(r"\b(?:zakrytoe|otkrytoe|publichnoe)? ?aktsionernoe obshch?estvo\b"), "ao"),
)


def _legal_forms(text: str) -> str:
    """Multi-word legal forms replaced by their short form (single words are generic already:
    rigour also reads a lone ``in`` as ``inc``, which would break ``O In Chun``), and the
    country and legal-form phrases of ``_PHRASES`` by one token."""
    from rigour.names.org_types import extract_org_types

    if has_hangul(text) or " " not in text:
        return text
    lowered = text.lower().replace("\u2019", "'")
    for pattern, short in _PHRASES:
        lowered = pattern.sub(f" {short} ", lowered)
    for phrase, short in extract_org_types(lowered):
        if " " in phrase.strip():
            lowered = lowered.replace(phrase, f" {short} ")
    return lowered


def name_keys(name: IndexedName, query: bool = False) -> set[str]:
    """Blocking keys of a name: folded tokens of two letters or more and joined variants;
    the consonants of tokens of six letters or more (``Cholson``/``Cholsan`` share
    ``~chlsn``, ``Guempungri``/``Geumpungri`` ``~gmpngr``); and initials, so that an
    acronym finds its name and a name its acronym: a listed name of three words or more has
    ``^rgb`` (``Reconnaissance General Bureau``), which the one-word query ``RGB`` also has;
    a listed one-word name has ``@rgb``, which a query of three words or more with those
    initials also has. Two long names never meet through their initials alone."""
    keys = {t for t in name.folded if len(t) >= 2}
    for variant in name.folded_variants[1:]:
        keys.update(t for t in variant if len(t) >= 2)
    if len(name.folded) == 1:
        keys.add(name.folded[0])
    for token in name.folded:
        skeleton = _VOWELS.sub("", token)
        if len(token) >= 6 and len(skeleton) >= 4:
            keys.add(f"~{skeleton}")
    words = [t for t in name.plain if t not in LINKING_WORDS]
    # "^": a long listed name and a one-word query; "@": a one-word listed name and a long query
    if len(words) >= 3:
        keys.add(("@" if query else "^") + "".join(t[0] for t in words))
    elif len(words) == 1 and 3 <= len(words[0]) <= 6:
        keys.add(("^" if query else "@") + words[0])
    return keys


_VOWELS = re.compile(r"[aeiouy]")
#: Words acronyms skip (``General Bureau of Atomic Energy`` -> ``GBAE``).
LINKING_WORDS = frozenset({"of", "the", "and", "for", "de", "la"})


class ScreeningIndex:
    """Entries plus an inverted index ``key -> entry numbers``; see the module docstring."""

    def __init__(self, entries: list[IndexedEntry]) -> None:
        self.entries = entries
        postings: dict[str, list[int]] = defaultdict(list)
        for number, entry in enumerate(entries):
            keys: set[str] = set()
            for name in entry.names:
                keys |= name_keys(name)
            for key in keys:
                postings[key].append(number)
        self.postings = dict(postings)
        total = max(len(entries), 1)
        self.idf = {key: math.log(1 + total / len(nums)) for key, nums in self.postings.items()}
        self.common_limit = max(50, int(total * COMMON_KEY_SHARE))
        self.versions = sorted({e.list_version for e in entries})

    def __len__(self) -> int:
        return len(self.entries)

    def candidates(self, query_keys: set[str], limit: int) -> list[int]:
        """Entry numbers sharing keys with the query, best (summed key weights) first."""
        known = [k for k in query_keys if k in self.postings]
        rare = [k for k in known if len(self.postings[k]) <= self.common_limit]
        use = rare or known
        weights: defaultdict[int, float] = defaultdict(float)
        for key in use:
            weight = self.idf[key]
            for number in self.postings[key]:
                weights[number] += weight
        if rare:
            common = [k for k in known if k not in rare]
            for key in common:
                weight = self.idf[key]
                for number in self.postings[key]:
                    if number in weights:
                        weights[number] += weight
        ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))
        return [number for number, _ in ranked[:limit]]


def _birth_dates(props: dict[str, list[str]]) -> tuple[str, ...]:
    return tuple(sorted(set(props.get("birthDate", []))))


def build_index(store: Store, lists: list[str] | None = None) -> ScreeningIndex:
    """The index of the designated parties on the latest loaded issue of each list."""
    where = "AND v.list IN (SELECT unnest(?))" if lists else ""
    params: list[Any] = [lists] if lists else []
    rows = store.con.execute(
        f"""
        WITH latest AS (
            SELECT list, arg_max(version, (published, version)) AS version
            FROM sanction_list_versions v WHERE true {where} GROUP BY list
        )
        SELECT l.list, v.version_id, e.entity_id, e.list_id, e.schema, e.caption,
               e.programs, e.entity
        FROM sanction_entities e
        JOIN latest l ON l.version = e.version
        JOIN sanction_list_versions v ON v.version = e.version
        WHERE e.target
        ORDER BY l.list, e.entity_id
        """,
        params,
    ).fetchall()
    entries = []
    for list_name, version_id, entity_id, list_id, schema, caption, programs, text in rows:
        data = json.loads(text)
        props: dict[str, list[str]] = data.get("properties", {})
        names = []
        seen: set[str] = set()
        for prop in NAME_PROPS:
            for value in props.get(prop, []):
                if value in seen:
                    continue
                seen.add(value)
                prepared = prepare_name(prop, value)
                if prepared is not None:
                    names.append(prepared)
        countries = frozenset(c.lower() for p in COUNTRY_PROPS for c in props.get(p, []))
        program_list = tuple(programs or ())
        korean = bool(countries & KOREAN_COUNTRIES) or any(
            p.startswith("DPRK") for p in program_list
        )
        entries.append(
            IndexedEntry(
                list_name=list_name,
                list_version=version_id,
                entity_id=entity_id,
                list_id=list_id,
                schema=schema,
                caption=caption or (names[0].text if names else entity_id),
                programs=program_list,
                birth_dates=_birth_dates(props),
                countries=countries,
                names=names,
                korean=korean,
                entity_json=text,
            )
        )
    return ScreeningIndex(entries)


def parse_birth_date(value: str) -> str:
    """A query birth date as an FtM date prefix (``1984``, ``1984-08``, ``1984-08-15``)."""
    text = value.strip()
    parts = text.split("-")
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(text)
    if len(parts) == 3:
        date.fromisoformat(text)
    return text
