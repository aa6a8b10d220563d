"""Name screening: who on the loaded lists could this name be?

For each query the index (``sanctions.index``) gives the entries sharing a blocking key;
each is scored by small feature functions ``(query, entry) -> FeatureScore``:

- ``name_tokens``: the best name of the entry (primary name, alias, previous name or weak
  alias) against the query, token by token, order-free, with given-name syllables joined
  or not; Korean names compared on folded tokens (``korean``: surname table, McCune-
  Reischauer <-> Revised Romanization, Hangul transliterated). Score: character-weighted
  share of matched tokens (exact, or edit-distance similarity >= 0.75 for tokens of four
  letters or more, six for Korean names), times 0.85 for every token left unmatched on
  either side (0.95 for list tokens of organisations: ``Ryonha Machinery`` is ``Korea Ryonha
  Machinery Joint Venture Corporation``); generic organisation words (``corporation``,
  ``trading``, ``korea``, foreign cities) weigh a fifth (two different places cost as
  distinct words); a word beginning the other (``transport``/``transportation``) scores
  0.8; for organisations acronyms stand for
  runs of words and two words for their compound (``collapse_acronyms``), and both
  spellings, written and folded, are tried (``compare_names``);
- ``name_logic_v2``: nomenklatura's logic-v2 matcher on the query name and the entry (the
  three best candidates with a ``name_tokens`` score from 0.4 to below 1.0), when
  nomenklatura is installed: the higher of the two name scores counts. It is not run for
  Korean people (a Korean surname or Hangul in the query, or a DPRK/Korean person listed),
  where ``name_tokens`` decides because logic-v2 matches e.g. ``Kim Jong Un`` with ``Kim Yo
  Jong`` (same syllables, other name);
- qualifiers, applied only to a name score >= 0.5 (never the only evidence):
  ``birth_date`` (+0.05 same day, +0.03 same year or month as far as both say, -0.05 same
  year but another day, -0.15 another year) and ``nationality`` (+0.03 shared, -0.1 none of
  the entry's nationality, citizenship or country).

``match`` is ``score >= threshold``. The JSON shape is documented in docs/screening.md;
``to_yente`` gives the yente ``/match`` response shape.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from rigour.text import levenshtein

from sanctionwatch.errors import InputError, MissingDependencyError
from sanctionwatch.sanctions.index import (
    LINKING_WORDS,
    IndexedEntry,
    IndexedName,
    ScreeningIndex,
    build_index,
    parse_birth_date,
    prepare_name,
)
from sanctionwatch.sanctions.korean import (
    fold_token,
    has_hangul,
    looks_korean,
    plain_tokens,
    syllable_shape,
)
from sanctionwatch.store.db import Store

Matcher = Literal["sanctionwatch", "logic-v2", "names-only"]
MATCHERS: tuple[str, ...] = ("sanctionwatch", "logic-v2", "names-only")
SCHEMAS: dict[str, frozenset[str]] = {
    "Person": frozenset({"Person"}),
    "Organization": frozenset({"Organization", "Company", "LegalEntity", "PublicBody"}),
    "Vessel": frozenset({"Vessel"}),
    "Airplane": frozenset({"Airplane"}),
}
MAX_NAME_LENGTH = 300
UNMATCHED_TOKEN_FACTOR = 0.85
FUZZY_MIN_SIMILARITY = 0.75
QUALIFIER_MIN_SCORE = 0.5
BLOCKING_CANDIDATES = 40
LOGIC_V2_CANDIDATES = 3
LOGIC_V2_MIN_SCORE = 0.4
GENERIC_WEIGHT = 0.2
ORG_EXTRA_FACTOR = 0.95
SYLLABLE_VOWEL_SIMILARITY = 0.8
OTHER_NUMBER_FACTOR = 0.5
ONE_SIDED_NUMBER_FACTOR = 0.8
ACRONYM_SIMILARITY = 0.8
STEM_MIN_LENGTH = 5
STEM_SIMILARITY = 0.8
_PATRONYMIC = re.compile(r"^\w{3,}(?:ovich|evich|ovna|evna|ogly|oglu|kyzy)$")
_GENERIC = (
    "corporation corp co company companies ltd limited llc inc jsc ojsc pjsc cjsc ooo zao oao"
    " plc gmbh ag sa srl bv pte pty fze fzco llp lp general trading import export and the of"
    " group holding holdings enterprise enterprises international korea korean dprk dprkn"
    " ao pao oy sarl too tnhh cong ty democratic republic"
    " choson chosun coltd private pvt"
)
# Countries and foreign places in company names: generic as long as only one side names
# one (a branch or the seat: ``Dandong Jinxiang Trade`` is ``Jinxiang Trading``); two
# different ones are two different things (``Bank of China`` is not ``Bank of Korea``).
# Korean places (Rason, Pyongyang) name DPRK banks and firms and are not in the list.
_KOREA = "korea korean dprk dprkn choson chosun"  # one country, several names
_PLACES = (
    _KOREA + " china russia dandong shenyang dalian yanji yanbian hunchun beijing"
    " shanghai hong kong hongkong hkg bangkok vladivostok moscow singapore"
)


def _as_written_and_folded(words: str) -> frozenset[str]:
    return frozenset(words.split()) | frozenset(fold_token(t) for t in words.split())


#: Generic words of organisation names, as plain and as folded tokens.
GENERIC_TOKENS = _as_written_and_folded(_GENERIC + " " + _PLACES)
PLACE_TOKENS = _as_written_and_folded(_PLACES)
KOREA_TOKENS = _as_written_and_folded(_KOREA)


@dataclass(slots=True, frozen=True)
class FeatureScore:
    """One feature's contribution: a score (a delta for qualifiers) and a readable detail."""

    score: float
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"score": round(self.score, 4), "detail": self.detail}


@dataclass(slots=True, frozen=True)
class NameQuery:
    """A screening request: a name and optional qualifiers."""

    name: str
    birth_date: str | None = None
    nationality: str | None = None
    schema: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "birth_date": self.birth_date,
            "nationality": self.nationality,
            "schema": self.schema,
        }


@dataclass(slots=True, frozen=True)
class NameMatch:
    """One candidate entry with its score and explanation."""

    list: str
    list_id: str | None
    entity_id: str
    schema: str
    name: str
    matched_name: str
    matched_property: str
    score: float
    match: bool
    programs: tuple[str, ...]
    list_version: str
    explanation: dict[str, FeatureScore]

    def to_dict(self) -> dict[str, Any]:
        return {
            "list": self.list,
            "list_id": self.list_id,
            "entity_id": self.entity_id,
            "schema": self.schema,
            "name": self.name,
            "matched_name": self.matched_name,
            "matched_property": self.matched_property,
            "score": round(self.score, 4),
            "match": self.match,
            "programs": list(self.programs),
            "list_version": self.list_version,
            "explanation": {k: v.to_dict() for k, v in self.explanation.items()},
        }


@dataclass(slots=True, frozen=True)
class NameResult:
    """The answer for one query: its best matches, highest score first."""

    query: NameQuery
    matches: tuple[NameMatch, ...]
    candidates: int
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "query": self.query.to_dict(),
            "matches": [m.to_dict() for m in self.matches],
            "candidates": self.candidates,
            "error": self.error,
        }


# -- features -------------------------------------------------------------------------------


@lru_cache(maxsize=1 << 20)  # list tokens recur in every query: pairs repeat
def token_similarity(
    left: str, right: str, fuzzy: bool = True, min_length: int = 4, syllables: bool = False
) -> float:
    """1.0 if equal; edit-distance similarity >= 0.75 from ``min_length`` letters; else 0.

    A word of five letters or more that begins the other (``transport``/``transportation``)
    scores ``STEM_SIMILARITY`` (not for Korean syllables).

    ``syllables`` (Korean person names): two folded syllables with the same consonants and
    another vowel of the same class (``kon``/``kwon``, ``so``/``su``; see
    ``korean.syllable_shape``) score ``SYLLABLE_VOWEL_SIMILARITY``.
    """
    if left == right:
        return 1.0
    if not fuzzy:
        return 0.0
    short = len(left) <= 5 and len(right) <= 5
    if syllables and short and syllable_shape(left) == syllable_shape(right):
        return SYLLABLE_VOWEL_SIMILARITY
    longest = max(len(left), len(right))
    shorter, other = sorted((left, right), key=len)
    if not syllables and len(shorter) >= STEM_MIN_LENGTH and other.startswith(shorter):
        return STEM_SIMILARITY  # one word, another ending (transport / transportation)
    if longest < min_length or abs(len(left) - len(right)) > longest * (1 - FUZZY_MIN_SIMILARITY):
        return 0.0
    similarity = 1.0 - levenshtein(left, right) / longest
    return similarity if similarity >= FUZZY_MIN_SIMILARITY else 0.0


def _optional(token: str) -> bool:
    """Generic words of organisation names and patronymics (``Viktorovich``), which lists
    give for some aliases and not for others: they weigh a fifth."""
    return token in GENERIC_TOKENS or _PATRONYMIC.search(token) is not None


@lru_cache(maxsize=1 << 18)
def _weight(token: str) -> float:
    return len(token) * (GENERIC_WEIGHT if _optional(token) else 1.0)


def align_tokens(
    query: Sequence[str],
    candidate: Sequence[str],
    fuzzy: bool = True,
    min_length: int = 4,
    extra_factor: float = UNMATCHED_TOKEN_FACTOR,
    syllables: bool = False,
    folded: tuple[Sequence[str], Sequence[str]] | None = None,
) -> tuple[float, str]:
    """Order-free greedy token alignment: matched characters share, 0.85 per unmatched token.

    Generic words of organisation names (``corporation``, ``trading``, ``co``, ...) weigh a
    fifth and cost nothing when unmatched; list tokens the query lacks cost ``extra_factor``.
    Different numbers (``KUM SONG 3`` / ``KUM SONG 7``) halve the score, a number on one
    side only costs a fifth. ``folded``: the same tokens folded (one for one); a pair then
    scores the better of the two spellings, written (fuzzy from four letters) and folded
    (``min_length``, ``syllables``).
    """
    # as written (fuzzy from four letters) when folded spellings are also given
    spelling = (4, False) if folded is not None else (min_length, syllables)
    pairs = []  # the token pairs that match at all, best first
    by_folding: set[tuple[int, int]] = set()  # pairs that match better folded
    for i, j in itertools.product(range(len(query)), range(len(candidate))):
        similarity = token_similarity(query[i], candidate[j], fuzzy, *spelling)
        if folded is not None and similarity < 1.0:
            as_folded = token_similarity(folded[0][i], folded[1][j], fuzzy, min_length, syllables)
            if as_folded > similarity:
                similarity = as_folded
                by_folding.add((i, j))
        if similarity > 0.0:
            pairs.append((similarity, i, j))
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_c: set[int] = set()
    matched = 0.0
    parts = []
    for similarity, i, j in pairs:
        if i in used_q or j in used_c:
            continue
        used_q.add(i)
        used_c.add(j)
        matched += similarity * (_weight(query[i]) + _weight(candidate[j]))
        parts.append(
            f"{query[i]}={candidate[j]}"
            + ("" if similarity == 1.0 else f"~{similarity:.2f}")
            + (" (folded)" if (i, j) in by_folding else "")
        )
    total = sum(map(_weight, query)) + sum(map(_weight, candidate))
    left_q = [q for i, q in enumerate(query) if i not in used_q and q not in GENERIC_TOKENS]
    left_c = [c for j, c in enumerate(candidate) if j not in used_c and c not in GENERIC_TOKENS]
    # a patronymic one side leaves out costs nothing; two different ones are two names
    extra_query = sum(1 for q in left_q if left_c or not _PATRONYMIC.search(q))
    extra_list = sum(1 for c in left_c if left_q or not _PATRONYMIC.search(c))
    # a place or country on each side, not the same one: two different things
    places_q = [q for i, q in enumerate(query) if i not in used_q and q in PLACE_TOKENS]
    places_c = [c for j, c in enumerate(candidate) if j not in used_c and c in PLACE_TOKENS]
    if (
        places_q and places_c and not (set(places_q) | set(places_c)) <= KOREA_TOKENS
    ):  # Chosun is Korea
        extra_query += len(places_q)
        extra_list += len(places_c)
    score = (matched / total if total else 0.0) * (
        UNMATCHED_TOKEN_FACTOR**extra_query * extra_factor**extra_list
    )
    extra_q = [query[i] for i in range(len(query)) if i not in used_q]
    extra_c = [candidate[j] for j in range(len(candidate)) if j not in used_c]
    detail = " ".join(parts)
    if extra_q:
        detail += f" | query only: {' '.join(extra_q)}"
    if extra_c:
        detail += f" | list only: {' '.join(extra_c)}"
    # numbers name things (vessels KUM SONG 3 / KUM SONG 7, units, branches): other numbers
    # are another thing, a number on one side only is likely another thing
    q_numbers = {t for t in query if t.isdigit()}
    c_numbers = {t for t in candidate if t.isdigit()}
    if q_numbers != c_numbers:
        factor = OTHER_NUMBER_FACTOR if q_numbers and c_numbers else ONE_SIDED_NUMBER_FACTOR
        score *= factor
        detail += f" | numbers differ (x{factor})"
    return score, detail


def compare_names(
    query: IndexedName,
    name: IndexedName,
    korean: bool,
    person: bool = True,
    korean_query: bool = True,
) -> tuple[float, str]:
    """Best alignment over the two names' variants (folded tokens when ``korean``).

    Fuzzy token similarity only between the names as written; joined given names
    (``chongun``) must be equal. Korean syllables are short and one letter makes another
    syllable (``yong``/``song``): for Korean names only tokens of six letters or more are
    compared fuzzily. Organisations, and people listed under a DPRK program when the query
    does not look Korean (``Tsang Yun Yuan`` for ``Tsang Yung Yuan``), are compared both as
    written and folded (``Chinyong`` is ``Jinyong``, but folding English words loses
    letters). For organisations an acronym on one side stands for the run of words on the
    other (``KPA``, ``Korean People's Army``).
    """
    both = korean and (not person or not korean_query)
    best = (0.0, "")
    q_variants = query.folded_variants if korean else query.plain_variants
    c_variants = name.folded_variants if korean else name.plain_variants
    notes: list[str] = []
    alternates: tuple[Sequence[str], Sequence[str]] | None = None
    first = (q_variants[0], c_variants[0])
    if both:
        first = (query.plain, name.plain)
        alternates = (query.folded, name.folded)
    if not person:
        q0, c0, notes = collapse_acronyms(*first)
        if alternates is not None and (len(q0), len(c0)) != tuple(map(len, first)):
            fq, fc, _ = collapse_acronyms(*alternates)
            alternates = (fq, fc) if (len(fq), len(fc)) == (len(q0), len(c0)) else None
        first = (q0, c0)
    if alternates is not None and tuple(map(len, alternates)) != tuple(map(len, first)):
        alternates = None  # Hangul names can fold to another number of tokens
    base_common = set(q_variants[0]) & set(c_variants[0])
    for (i, q), (j, c) in itertools.product(enumerate(q_variants), enumerate(c_variants)):
        if i == 0 and j == 0:
            q, c = first
        elif not person or not (set(q) & set(c)) - base_common:
            continue  # joined given names, for people, and only when a joined token matches
        score, detail = align_tokens(
            q,
            c,
            fuzzy=i == 0 and j == 0,
            min_length=6 if korean and person else 4,
            extra_factor=UNMATCHED_TOKEN_FACTOR if person else ORG_EXTRA_FACTOR,
            syllables=korean and person,
            folded=alternates if i == 0 and j == 0 else None,
        )
        if score > best[0]:
            prefix = "; ".join(notes) + " | " if notes and i == 0 and j == 0 else ""
            best = (score, prefix + detail)
    if not person and len(query.plain) == 1 and best[0] < ACRONYM_SIMILARITY:
        acronym = query.plain[0]
        if len(acronym) >= 3 and acronym in _acronyms(name):
            best = (ACRONYM_SIMILARITY, f"{acronym}=acronym of {name.text!r}")
    return best


def collapse_acronyms(
    query: Sequence[str], candidate: Sequence[str]
) -> tuple[tuple[str, ...], tuple[str, ...], list[str]]:
    """An acronym on one side for a run of words on the other becomes one token on both.

    ``(strategic, rocket, force, kpa)`` / ``(..., korean, peoples, army)``: the run
    ``korean peoples army`` is replaced by ``kpa``. Linking words (``of``, ``the``) inside
    the run are skipped; a run of generic words only (``international trading``) is none.
    Two words one side writes as one (``Silver Star`` / ``Silverstar``) become that one.
    """
    sides = [list(query), list(candidate)]
    notes: list[str] = []
    for short, long in ((sides[0], sides[1]), (sides[1], sides[0])):
        for token in list(short):
            if not (2 <= len(token) <= 5 and token.isalpha()) or token in GENERIC_TOKENS:
                continue
            if token in LINKING_WORDS or token in long:
                continue
            run = _acronym_run(token, long)
            if run is not None:
                start, stop = run
                notes.append(f"{token}=acronym of {' '.join(long[start:stop])}")
                long[start:stop] = [token]
    # two words one side writes as one (``Silver Star`` / ``Silverstar``)
    for split, whole in ((sides[0], sides[1]), (sides[1], sides[0])):
        for position in range(len(split) - 2, -1, -1):
            joined = split[position] + split[position + 1]
            if joined in whole and joined not in split:
                notes.append(f"{split[position]} {split[position + 1]}={joined}")
                split[position : position + 2] = [joined]
    return tuple(sides[0]), tuple(sides[1]), notes


def _acronym_run(acronym: str, words: Sequence[str]) -> tuple[int, int] | None:
    """The span of ``words`` whose initials (linking words skipped) spell ``acronym``."""
    for start, first in enumerate(words):
        if first in LINKING_WORDS or first[0] != acronym[0]:
            continue
        found, distinctive = 0, False
        for stop in range(start, len(words)):
            word = words[stop]
            if word in LINKING_WORDS:
                continue
            if len(word) < 2 or word[0] != acronym[found]:
                break
            found += 1
            distinctive = distinctive or word not in GENERIC_TOKENS
            if found == len(acronym):
                if distinctive:
                    return start, stop + 1
                break  # generic words only: look further on
    return None


def _acronyms(name: IndexedName) -> set[str]:
    """A name's acronyms: written in brackets (``Daedong Credit Bank (DCB)``) or its initials."""
    found = {plain_tokens(m)[0] for m in re.findall(r"\(([A-Za-z]{2,8})\)", name.text)}
    words = [
        t for t in plain_tokens(re.sub(r"\([^)]*\)", " ", name.text)) if t not in LINKING_WORDS
    ]
    if len(words) >= 3:
        found.add("".join(t[0] for t in words))
    return found


def name_tokens(
    query: IndexedName, entry: IndexedEntry, korean_query: bool
) -> tuple[FeatureScore, IndexedName | None]:
    """The entry's best name against the query (Korean folding for Korean names).

    Only the entry's names sharing a blocking key with the query are compared.
    """
    korean = korean_query or entry.korean
    person = entry.schema == "Person"
    best_score, best_detail, best_name = 0.0, "no name shares a token", None
    for name in entry.names:
        if not name.keys & query.keys:
            continue  # shares no blocking key: not the name that brought the entry
        score, detail = compare_names(query, name, korean, person, korean_query)
        if name.prop == "weakAlias":
            score *= 0.95
        exact_tie = score == best_score and name.plain == query.plain
        if score > best_score or (exact_tie and score > 0.0):
            best_score, best_detail, best_name = score, detail, name
    mode = "korean-folded" if korean else "plain"
    return FeatureScore(best_score, f"{mode}: {best_detail}"), best_name


def birth_date_qualifier(query_date: str, entry: IndexedEntry) -> FeatureScore | None:
    """+0.05 same day, +0.03 agreeing as far as both say, -0.05 same year, -0.15 other year."""
    if not entry.birth_dates:
        return None
    for listed in entry.birth_dates:
        if listed.startswith(query_date) or query_date.startswith(listed):
            bonus = 0.05 if min(len(listed), len(query_date)) >= 10 else 0.03
            return FeatureScore(bonus, f"{query_date} agrees with listed {listed}")
    listed_years = {d[:4] for d in entry.birth_dates}
    shown = ", ".join(entry.birth_dates[:4])
    if query_date[:4] in listed_years:
        return FeatureScore(-0.05, f"{query_date}: same year, other date than {shown}")
    return FeatureScore(-0.15, f"{query_date}: other year than {shown}")


def nationality_qualifier(country: str, entry: IndexedEntry) -> FeatureScore | None:
    """+0.03 when the entry has the country, -0.1 when it has others only."""
    if not entry.countries:
        return None
    if country in entry.countries:
        return FeatureScore(0.03, f"{country} listed")
    return FeatureScore(-0.1, f"{country} not among {', '.join(sorted(entry.countries))}")


# -- logic-v2 (optional) --------------------------------------------------------------------


class _LogicV2:
    """nomenklatura's logic-v2, imported lazily; name features only."""

    def __init__(self) -> None:
        try:
            from followthemoney import model
            from nomenklatura.matching import LogicV2  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MissingDependencyError(
                "The logic-v2 matcher needs nomenklatura: "
                "pip install --no-deps nomenklatura==4.17.4 (see docs/screening.md)."
            ) from exc
        self.model = model
        self.algorithm = LogicV2
        self.config = LogicV2.default_config()

    def query_proxy(self, query: NameQuery) -> Any:
        schema = "Person" if query.schema == "Person" else "LegalEntity"
        if query.schema == "Organization":
            schema = "Organization"
        proxy = self.model.make_entity(schema)
        # logic-v2 caches by entity id: every query proxy needs its own.
        proxy.id = f"sanctionwatch-query-{uuid.uuid4().hex}"
        proxy.add("name", query.name)
        return proxy

    def score(self, proxy: Any, entry: IndexedEntry) -> FeatureScore:
        if entry._proxy is None:
            entry._proxy = self.model.get_proxy(entry.entity())
        result = self.algorithm.compare(proxy, entry._proxy, self.config)
        name = result.explanations.get("name_match")
        detail = name.detail if name is not None and name.detail else ""
        return FeatureScore(float(result.score), str(detail))


def logic_v2_available() -> bool:
    """True when nomenklatura (logic-v2) can be imported."""
    try:
        _LogicV2()
    except MissingDependencyError:
        return False
    return True


# -- the screener ---------------------------------------------------------------------------


@dataclass
class Screener:
    """An index plus the matching settings; ``screen`` answers one query."""

    index: ScreeningIndex
    threshold: float = 0.7
    limit: int = 5
    matcher: Matcher = "sanctionwatch"
    use_logic_v2: bool = True
    _logic_v2: _LogicV2 | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.matcher not in MATCHERS:
            raise InputError(f"Unknown matcher {self.matcher!r}; one of {', '.join(MATCHERS)}.")
        if not 0.0 <= self.threshold <= 1.0:
            raise InputError(f"--threshold {self.threshold} is not between 0 and 1.")
        if self.limit < 1:
            raise InputError(f"--limit {self.limit} must be at least 1.")
        if self.matcher == "logic-v2":
            self._logic_v2 = _LogicV2()
        elif self.matcher == "sanctionwatch" and self.use_logic_v2:
            try:
                self._logic_v2 = _LogicV2()
            except MissingDependencyError:
                self._logic_v2 = None

    def screen(self, query: NameQuery) -> NameResult:
        """The best ``limit`` matches of one query (any score), highest first."""
        error = _query_problem(query)
        if error is not None:
            return NameResult(query=query, matches=(), candidates=0, error=error)
        prepared = prepare_name("name", query.name, query=True)
        if prepared is None:
            return NameResult(query, (), 0, f"name {query.name!r} has no letters or digits")
        numbers = self.index.candidates(set(prepared.keys), BLOCKING_CANDIDATES)
        allowed = SCHEMAS.get(query.schema) if query.schema else None
        entries = [self.index.entries[n] for n in numbers]
        if allowed is not None:
            entries = [e for e in entries if e.schema in allowed]
        matches = self.score_entries(query, entries, prepared)
        matches.sort(key=lambda m: (-m.score, m.list, m.entity_id))
        return NameResult(
            query=query, matches=tuple(matches[: self.limit]), candidates=len(entries)
        )

    def score_entries(
        self, query: NameQuery, entries: Sequence[IndexedEntry], prepared: IndexedName | None = None
    ) -> list[NameMatch]:
        """Score ``entries`` against a valid query (logic-v2 on the best few); zeros dropped."""
        if prepared is None:
            prepared = prepare_name("name", query.name, query=True)
            if prepared is None:
                return []
        korean_query = has_hangul(query.name) or looks_korean(list(prepared.plain))
        scored: list[tuple[float, IndexedEntry, dict[str, FeatureScore], IndexedName | None]] = []
        for entry in entries:
            explanation: dict[str, FeatureScore] = {}
            best_name: IndexedName | None = None
            name_score = 0.0
            if self.matcher != "logic-v2":
                feature, best_name = name_tokens(prepared, entry, korean_query)
                explanation["name_tokens"] = feature
                name_score = feature.score
            scored.append((name_score, entry, explanation, best_name))
        scored.sort(key=lambda item: -item[0])
        if self._logic_v2 is not None and self.matcher != "names-only":
            proxy = self._logic_v2.query_proxy(query)
            top = scored if self.matcher == "logic-v2" else scored[:LOGIC_V2_CANDIDATES]
            for position, (name_score, entry, explanation, best_name) in enumerate(top):
                korean_person = (korean_query or entry.korean) and entry.schema == "Person"
                if self.matcher != "logic-v2" and (
                    korean_person or not LOGIC_V2_MIN_SCORE <= name_score < 1.0
                ):
                    continue  # logic-v2 would not change the score (or not enough to match)
                feature = self._logic_v2.score(proxy, entry)
                explanation["name_logic_v2"] = feature
                scored[position] = (max(name_score, feature.score), entry, explanation, best_name)
        matches = []
        for name_score, entry, explanation, best_name in scored:
            score = name_score
            if self.matcher != "logic-v2" and name_score >= QUALIFIER_MIN_SCORE:
                score += self._qualifiers(query, entry, explanation)
            score = min(max(score, 0.0), 1.0)
            if score <= 0.0:
                continue
            matches.append(
                NameMatch(
                    list=entry.list_name,
                    list_id=entry.list_id,
                    entity_id=entry.entity_id,
                    schema=entry.schema,
                    name=entry.caption,
                    matched_name=best_name.text if best_name else entry.caption,
                    matched_property=best_name.prop if best_name else "name",
                    score=score,
                    match=score >= self.threshold,
                    programs=entry.programs,
                    list_version=entry.list_version,
                    explanation=explanation,
                )
            )
        return matches

    def _qualifiers(
        self, query: NameQuery, entry: IndexedEntry, explanation: dict[str, FeatureScore]
    ) -> float:
        delta = 0.0
        if query.birth_date:
            found = birth_date_qualifier(query.birth_date, entry)
            if found is not None:
                explanation["birth_date"] = found
                delta += found.score
        if query.nationality:
            found = nationality_qualifier(query.nationality, entry)
            if found is not None:
                explanation["nationality"] = found
                delta += found.score
        return delta


def _query_problem(query: NameQuery) -> str | None:
    if not query.name.strip():
        return "empty name"
    if len(query.name) > MAX_NAME_LENGTH:
        return f"name of {len(query.name):,} characters (at most {MAX_NAME_LENGTH})"
    return None


def make_query(
    name: str,
    birth_date: str | None = None,
    nationality: str | None = None,
    schema: str | None = None,
) -> NameQuery:
    """A validated query: InputError for a bad birth date, country or schema."""
    from followthemoney.types import registry

    if birth_date is not None:
        try:
            birth_date = parse_birth_date(birth_date)
        except ValueError:
            raise InputError(
                f"birth date {birth_date!r} is not YYYY, YYYY-MM or YYYY-MM-DD."
            ) from None
    if nationality is not None:
        country = registry.country.clean(nationality)
        if country is None:
            raise InputError(f"nationality {nationality!r} is not a country name or code.")
        nationality = country.lower()
    if schema is not None and schema not in SCHEMAS:
        raise InputError(f"schema {schema!r} is not one of {', '.join(SCHEMAS)}.")
    return NameQuery(
        name=name.strip(), birth_date=birth_date, nationality=nationality, schema=schema
    )


_INDEX_CACHE: dict[tuple[tuple[Any, ...], ...], ScreeningIndex] = {}


def index_for(store: Store) -> ScreeningIndex:
    """The screening index of the store's loaded versions (cached by their content sha256)."""
    key = tuple(
        store.con.execute(
            "SELECT version, list, sha256 FROM sanction_list_versions ORDER BY version"
        ).fetchall()
    )
    cached = _INDEX_CACHE.get(key)
    if cached is None:
        _INDEX_CACHE.clear()
        cached = _INDEX_CACHE[key] = build_index(store)
    return cached


def screen_names(
    store: Store,
    queries: Iterable[str | NameQuery],
    threshold: float = 0.7,
    limit: int = 5,
    birth_date: str | None = None,
    nationality: str | None = None,
    schema: str | None = None,
    matcher: Matcher = "sanctionwatch",
) -> list[NameResult]:
    """Screen each name against the latest issue of every loaded list (see module docstring)."""
    items = [
        q if isinstance(q, NameQuery) else make_query(q, birth_date, nationality, schema)
        for q in queries
    ]
    screener = Screener(index_for(store), threshold=threshold, limit=limit, matcher=matcher)
    return [screener.screen(q) for q in items]


def to_yente(results: Sequence[NameResult], threshold: float, limit: int) -> dict[str, Any]:
    """The yente ``/match`` response shape: ``responses: {q<n>: {query, results, total}}``."""
    responses: dict[str, Any] = {}
    for number, result in enumerate(results):
        props: dict[str, list[str]] = {"name": [result.query.name]}
        if result.query.birth_date:
            props["birthDate"] = [result.query.birth_date]
        if result.query.nationality:
            props["nationality"] = [result.query.nationality]
        responses[f"q{number}"] = {
            "status": 200 if result.error is None else 400,
            "query": {"schema": result.query.schema or "LegalEntity", "properties": props},
            "results": [
                {
                    "id": m.entity_id,
                    "caption": m.name,
                    "schema": m.schema,
                    "datasets": [m.list],
                    "target": True,
                    "score": round(m.score, 4),
                    "match": m.match,
                    "features": {k: round(v.score, 4) for k, v in m.explanation.items()},
                    "explanations": {k: v.to_dict() for k, v in m.explanation.items()},
                    "list_id": m.list_id,
                    "matched_name": m.matched_name,
                    "programs": list(m.programs),
                    "list_version": m.list_version,
                }
                for m in result.matches
            ],
            "total": {"value": len(result.matches), "relation": "eq"},
            "error": result.error,
        }
    return {"responses": responses, "limit": limit, "threshold": threshold}
