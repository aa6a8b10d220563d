"""Name screening accuracy and speed: sanctionwatch vs nomenklatura logic-v2 and ofac alone.

Pairs are built from the lists themselves (2025-11-19 OFAC SDN issue and the UN list):

positives (query name -> the entry, the entry reduced to its primary name)
- ``alias``: a listed alias, weak alias or previous name of a DPRK-program party;
- ``romanization``: a generated variant of a DPRK person's Korean primary name (popular surname
  spelling, Revised-Romanization given name ``Jin-hyeok``, or given name first);
- ``hangul``: a Hangul name listed as an alias (OFAC) against the Latin primary name;
- ``cross_list``: the UN primary name against the OFAC entry of the same person, joined by
  passport number or by full date of birth plus surname;
- reported apart, not in the totals (``alias_kind``; words compared without generic words
  and legal forms, spellings one edit apart or one word beginning the other counted as one
  word, acronyms and compounds resolved):
  ``alias_substituted``, aliases where each name has a word the other lacks
  (``Ministry of State Security Farm Bureau`` / ``... Prisons Bureau``, ``Min Byong Chun``
  / ``Min Byong Chol``): a name cannot tell them from the hard negatives
  ``org_shares_words`` and ``unlisted_variant``, which are built the same way; the totals
  are also printed with them counted as positives;
  ``cover``, aliases sharing fewer than half the words of the shorter name or only one of
  several (``Hidden Cobra`` for ``Lazarus Group``, a company's earlier name, ``Kim Jin-Sok``
  for ``Kim Tong Myong``);
  ``hangul_org``, Hangul company names (translated words: 무역회사 = trading company);

hard negatives (two different listed DPRK persons, same list)
- ``same_surname``: sharing only the surname; ``shares_most``: sharing two or more tokens;
- ``org_shares_words``: two different listed DPRK organisations sharing two or more words
  that are not generic (``corporation``, ``korea``, ...);
- ``unlisted_variant``: a made-up unlisted person, a listed DPRK person's name with the last
  given-name syllable replaced by a common one of another shape (``Kim Song Chol`` ->
  ``Kim Song Hak``), against that listed person;
  ``namesake`` (apart, not in the totals): the same name (folded), e.g. two Kim Yong Chol.

Each pair is scored by the three matchers at the default threshold 0.7; precision, recall
and F1 are over the categories not reported apart. Speed: the full index is built, then 1,000
and 10,000 names screened (listed names and variants), and single-query latency p50/p95.

    python bench/screening_accuracy.py [--data ../shared/data] [--workdir bench/out]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import random
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from rigour.text import levenshtein

from sanctionwatch.sanctions.index import IndexedEntry, IndexedName, prepare_name
from sanctionwatch.sanctions.korean import fold_token, has_hangul, looks_korean, syllable_shape
from sanctionwatch.sanctions.load import load_list_files
from sanctionwatch.sanctions.screen import (
    GENERIC_TOKENS,
    Screener,
    collapse_acronyms,
    index_for,
    make_query,
)
from sanctionwatch.store import open_store

THRESHOLD = 0.7
SWEEP = (0.5, 0.55, 0.6, 0.65, 0.7, 0.8)
POPULAR = {
    "pak": "Park", "ri": "Lee", "choe": "Choi", "chong": "Jung", "o": "Oh", "chon": "Jeon",
    "kim": "Gim", "rim": "Lim", "sin": "Shin", "hyon": "Hyun", "chu": "Joo", "mun": "Moon",
    "pae": "Bae", "paek": "Baek", "ko": "Koh", "ryu": "Yu", "kang": "Gang", "ro": "Roh",
}  # fmt: skip
POSITIVE = ("alias", "romanization", "hangul", "cross_list")
NEGATIVE = ("same_surname", "shares_most", "unlisted_variant", "org_shares_words")
# Given-name syllables for made-up unlisted people (common in DPRK names).
SYLLABLES = (
    "chol", "song", "yong", "hyok", "nam", "il", "ho", "su", "min", "gwang", "myong", "hak",
    "jin", "chun", "sik", "ung", "hui", "ok", "hwa", "sun", "bok", "gil", "dok", "rim",
)  # fmt: skip


def is_dprk(entry: IndexedEntry) -> bool:
    return any(p.startswith("DPRK") for p in entry.programs) or (
        entry.list_name == "un_sc_consolidated" and (entry.list_id or "").startswith("KP")
    )


def same_word(left: tuple[str, str], right: tuple[str, str]) -> bool:
    """Two (plain, folded) tokens are one word spelled two ways: folded equal, one edit in
    four letters or more (``Yung``/``Yun``, ``Zeel``/``Zil``), or one begins the other
    (``transport``/``transportation``). Independent of the matchers' scores."""
    (a, fa), (b, fb) = left, right
    if a == b or fa == fb:
        return True
    shorter, longer = sorted((a, b), key=len)
    if len(shorter) >= 5 and longer.startswith(shorter):
        return True
    return len(longer) >= 4 and 1 - levenshtein(a, b) / len(longer) >= 0.75


def alias_kind(primary: IndexedName, alias: IndexedName) -> str:
    """How a listed alias relates to the primary name (see the module docstring).

    Tokens are compared without generic words and legal forms; an acronym on one side
    stands for its words on the other. ``alias``: half the tokens of the shorter name and
    two or more (or its only one) have a counterpart, and only one side has words the other
    lacks; ``alias_substituted``: both sides have words the other lacks, as the hard
    negatives ``org_shares_words`` and ``unlisted_variant`` do (``Farm`` / ``Prisons``
    Bureau, ``Min Byong Chun`` / ``Chol``); ``cover``: fewer tokens in common.
    """
    plain_p, plain_a, _ = collapse_acronyms(primary.plain, alias.plain)
    # folded tokens pair with plain ones when acronyms and compounds left them aligned
    folded_p = primary.folded if len(primary.folded) == len(plain_p) else plain_p
    folded_a = alias.folded if len(alias.folded) == len(plain_a) else plain_a
    left = [(t, f) for t, f in zip(plain_p, folded_p, strict=True) if t not in GENERIC_TOKENS]
    right = [(t, f) for t, f in zip(plain_a, folded_a, strict=True) if t not in GENERIC_TOKENS]
    unmatched = list(right)
    shared = 0
    for token in left:
        for other in unmatched:
            if same_word(token, other):
                unmatched.remove(other)
                shared += 1
                break
    shortest = min(len(left), len(right))
    if not (shortest and shared * 2 >= shortest and (shared >= 2 or shortest == 1)):
        return "cover"
    return "alias_substituted" if unmatched and len(left) > shared else "alias"


def restricted(entry: IndexedEntry, text: str, number: int) -> IndexedEntry:
    """The entry with one name only (its FtM entity too, under a fresh id for logic-v2)."""
    name = prepare_name("name", text)
    assert name is not None
    data = {
        "id": f"{entry.entity_id}-bench-{number}",
        "schema": entry.schema,
        "properties": {"name": [text]},
    }
    return dataclasses.replace(entry, names=[name], entity_json=json.dumps(data), _proxy=None)


def rr_syllable(syllable: str) -> str:
    """A McCune-Reischauer-looking syllable as Revised Romanization might write it."""
    s = syllable.lower().replace("'", "").replace("\u2019", "")
    for old, new in (("ch", "j"), ("k", "g"), ("p", "b"), ("t", "d")):
        if s.startswith(old):
            s = new + s[len(old) :]
            break
    if "eo" in s or "eu" in s:
        return s  # Revised Romanization already
    return re.sub(r"^(\w*?)(y?)o([lknmpt])$", r"\1\2eo\3", s)


def variants(primary: str, rng: random.Random) -> list[str]:
    tokens = [t for t in re.split(r"[\s-]+", primary) if t]
    if not 2 <= len(tokens) <= 4 or has_hangul(primary):
        return []
    surname, given = tokens[0], tokens[1:]
    popular = POPULAR.get(fold_token(surname.lower()), surname.title())
    rr_given = "-".join(rr_syllable(g) for g in given)
    out = [
        f"{popular} {' '.join(given)}",
        f"{surname.title()} {rr_given.title()}",
        f"{' '.join(g.title() for g in given)} {surname.title()}",
    ]
    return [rng.choice(out)]


def build_pairs(entries: list[IndexedEntry], seed: int = 7) -> list[tuple[str, str, IndexedEntry]]:
    """(category, query, candidate) pairs; see the module docstring."""
    rng = random.Random(seed)
    pairs: list[tuple[str, str, IndexedEntry]] = []
    dprk = [e for e in entries if is_dprk(e) and e.names]
    number = 0
    for entry in dprk:
        primary = entry.names[0].text
        for name in entry.names[1:]:
            number += 1
            candidate = restricted(entry, primary, number)
            if has_hangul(name.text):
                kind = "hangul" if entry.schema == "Person" else "hangul_org"
                pairs.append((kind, name.text, candidate))
            elif not has_hangul(primary) and re.search(r"[^\x00-\u024f]", name.text):
                continue  # other scripts (Chinese): not in this benchmark
            else:
                pairs.append((alias_kind(entry.names[0], name), name.text, candidate))
        korean_name = "kp" in entry.countries or looks_korean(list(entry.names[0].folded))
        if entry.schema == "Person" and korean_name:
            for text in variants(primary, rng):
                number += 1
                pairs.append(("romanization", text, restricted(entry, primary, number)))
    # cross-list: UN 1718 persons <-> OFAC persons by passport or full birth date + surname
    un = [e for e in dprk if e.list_name == "un_sc_consolidated" and e.schema == "Person"]
    ofac = [e for e in dprk if e.list_name == "us_ofac_sdn" and e.schema == "Person"]

    def passports(e: IndexedEntry) -> set[str]:
        props = e.entity().get("properties", {})
        return {re.sub(r"\W", "", p).upper() for p in props.get("passportNumber", [])}

    ofac_passports = {e.entity_id: passports(e) for e in ofac}
    for u in un:
        u_pass = passports(u)
        u_days = {d for d in u.birth_dates if len(d) == 10}
        for o in ofac:
            same_doc = bool(u_pass & ofac_passports[o.entity_id])
            same_day = bool(u_days & set(o.birth_dates)) and (
                u.names[0].folded[:1] == o.names[0].folded[:1]
            )
            if same_doc or same_day:
                number += 1
                pairs.append(
                    ("cross_list", u.names[0].text, restricted(o, o.names[0].text, number))
                )
    # hard negatives within each list
    persons = [e for e in dprk if e.schema == "Person"]
    by_surname: dict[tuple[str, str], list[IndexedEntry]] = defaultdict(list)
    for e in persons:
        by_surname[(e.list_name, e.names[0].folded[0])].append(e)
    negatives: dict[str, list[tuple[str, str, IndexedEntry]]] = defaultdict(list)
    for group in by_surname.values():
        for a, b in zip(group, group[1:] + group[:1], strict=True):
            if a is b or set(a.birth_dates) & set(b.birth_dates):
                continue
            shared = set(a.names[0].folded) & set(b.names[0].folded)
            kind = "shares_most" if len(shared) >= 2 else "same_surname"
            if sorted(a.names[0].folded) == sorted(b.names[0].folded):
                kind = "namesake"  # two listed people with the same name: a name cannot tell
            number += 1
            negatives[kind].append((kind, a.names[0].text, restricted(b, b.names[0].text, number)))
    # unlisted people: a listed name with one given-name syllable replaced by another of
    # another shape (korean.syllable_shape), kept when no listed person has that name
    listed = {tuple(sorted(e.names[0].folded)) for e in persons}
    for e in persons:
        tokens = [t for t in re.split(r"[\s-]+", e.names[0].text) if t]
        if len(tokens) != 3 or not looks_korean([fold_token(t.lower()) for t in tokens]):
            continue
        last = fold_token(tokens[2].lower())
        choices = [x for x in SYLLABLES if syllable_shape(fold_token(x)) != syllable_shape(last)]
        made_up = f"{tokens[0]} {tokens[1]} {rng.choice(choices).title()}"
        made = prepare_name("name", made_up)
        if made is None or tuple(sorted(made.folded)) in listed:
            continue
        number += 1
        negatives["unlisted_variant"].append(
            ("unlisted_variant", made_up, restricted(e, e.names[0].text, number))
        )
    # organisations: two different listed DPRK organisations sharing two or more words that
    # are not generic (``Korea Ryonbong General Corporation`` / ``Ryonbong Bank``)
    orgs = [e for e in dprk if e.schema != "Person" and e.names]
    by_word: dict[str, list[IndexedEntry]] = defaultdict(list)
    for e in orgs:
        for token in set(e.names[0].folded) - GENERIC_TOKENS:
            by_word[token].append(e)
    seen: set[tuple[str, str]] = set()
    for group in by_word.values():
        for a, b in itertools.combinations(group[:40], 2):
            if a.list_name != b.list_name or (a.entity_id, b.entity_id) in seen:
                continue
            shared = (set(a.names[0].folded) & set(b.names[0].folded)) - GENERIC_TOKENS
            if len(shared) < 2 or sorted(a.names[0].folded) == sorted(b.names[0].folded):
                continue
            seen.add((a.entity_id, b.entity_id))
            number += 1
            negatives["org_shares_words"].append(
                ("org_shares_words", a.names[0].text, restricted(b, b.names[0].text, number))
            )
    for found in negatives.values():
        pairs.extend(found[:600])
    return pairs


class NomenklaturaOnly:
    """A nomenklatura algorithm on (query name, candidate's FtM entity)."""

    def __init__(self, name: str) -> None:
        from followthemoney import model
        from nomenklatura.matching import get_algorithm

        algorithm = get_algorithm(name)
        assert algorithm is not None
        self.algorithm = algorithm
        self.config = algorithm.default_config()
        self.model = model
        self.count = 0

    def score(self, query: str, entry: IndexedEntry) -> float:
        self.count += 1
        proxy = self.model.make_entity("Person" if entry.schema == "Person" else "LegalEntity")
        proxy.id = f"bench-query-{self.count}"
        proxy.add("name", query)
        result = self.algorithm.compare(proxy, self.model.get_proxy(entry.entity()), self.config)
        return float(result.score)


def evaluate(pairs: list[tuple[str, str, IndexedEntry]], scorers: dict[str, Any]) -> None:
    counts: dict[str, dict[str, list[int]]] = {m: defaultdict(lambda: [0, 0]) for m in scorers}
    scored: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for category, query, entry in pairs:
        for matcher, scorer in scorers.items():
            score = scorer(query, entry)
            scored[matcher].append((category, score))
            cell = counts[matcher][category]
            cell[0] += 1
            cell[1] += score >= THRESHOLD
    categories = sorted({c for c, _, _ in pairs}, key=lambda c: (c in NEGATIVE, c))
    print(f"\npairs per category, share scored >= {THRESHOLD} (positives: recall; negatives: FPR)")
    print(f"{'category':<14}{'n':>6}" + "".join(f"{m:>16}" for m in scorers))
    for category in categories:
        n = counts[next(iter(scorers))][category][0]
        row = "".join(
            f"{counts[m][category][1] / n:>16.3f}" if n else f"{'-':>16}" for m in scorers
        )
        print(f"{category:<14}{n:>6}{row}")
    for title, positives in (
        ("totals (pairs a name can decide: all but cover, alias_substituted, hangul_org, "
         "namesake)", POSITIVE),
        ("totals with alias_substituted counted as positives", (*POSITIVE, "alias_substituted")),
    ):  # fmt: skip
        print(f"\n{title}")
        print(f"{'matcher':<16}{'precision':>10}{'recall':>10}{'F1':>10}")
        for matcher in scorers:
            tp = sum(counts[matcher][c][1] for c in positives)
            pos = sum(counts[matcher][c][0] for c in positives)
            fp = sum(counts[matcher][c][1] for c in NEGATIVE)
            precision = tp / (tp + fp) if tp + fp else 0.0
            recall = tp / pos if pos else 0.0
            f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
            print(f"{matcher:<16}{precision:>10.3f}{recall:>10.3f}{f1:>10.3f}")
    print("\nprecision / recall by threshold (the default is 0.7)")
    print(f"{'matcher':<16}" + "".join(f"{t:>14}" for t in SWEEP))
    for matcher, rows in scored.items():
        cells = []
        for t in SWEEP:
            tp = sum(1 for c, v in rows if c in POSITIVE and v >= t)
            fp = sum(1 for c, v in rows if c in NEGATIVE and v >= t)
            pos = sum(1 for c, _ in rows if c in POSITIVE)
            cells.append(f"{tp / (tp + fp) if tp + fp else 0.0:.3f}/{tp / pos:.3f}")
        print(f"{matcher:<16}" + "".join(f"{c:>14}" for c in cells))


def speed(screener: Screener, names: list[str]) -> None:
    screener.screen(make_query(names[0]))
    timings = []
    for name in names[:500]:
        started = time.perf_counter()
        screener.screen(make_query(name))
        timings.append(time.perf_counter() - started)
    timings.sort()
    p50 = statistics.median(timings) * 1000
    p95 = timings[int(len(timings) * 0.95)] * 1000
    print(f"\nsingle query: p50 {p50:.1f} ms, p95 {p95:.1f} ms (index built)")
    for n in (1_000, 10_000):
        batch = [names[i % len(names)] for i in range(n)]
        started = time.perf_counter()
        for name in batch:
            screener.screen(make_query(name))
        print(f"{n:,} names: {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--workdir", type=Path, default=Path("bench/out"))
    parser.add_argument("--no-speed", action="store_true")
    args = parser.parse_args()
    if not (args.data / "sanctions").is_dir():
        print(f"skipped: the real lists are not at {args.data / 'sanctions'}")
        return
    args.workdir.mkdir(parents=True, exist_ok=True)
    db = args.workdir / "screening.duckdb"
    with open_store(db) as store:
        if not store.con.execute("SELECT count(*) FROM sanction_list_versions").fetchone()[0]:  # type: ignore[index]
            base = args.data / "sanctions"
            load_list_files(
                store,
                [
                    base / "ofac/sdn_advanced_2025-11-19.xml.bz2",
                    base / "un/un_consolidated_2026-05-08.xml",
                ],
            )
        started = time.perf_counter()
        index = index_for(store)
        print(f"index: {len(index):,} entries, built in {time.perf_counter() - started:.1f} s")
    ours = Screener(index)
    pairs = build_pairs(index.entries)
    scorers: dict[str, Any] = {
        "sanctionwatch": lambda q, e: max(
            (m.score for m in ours.score_entries(make_query(q), [e])), default=0.0
        ),
    }
    try:
        for name in ("logic-v2", "ofac"):
            scorers[name] = NomenklaturaOnly(name).score
    except ImportError:
        print("nomenklatura not installed: sanctionwatch only")
    evaluate(pairs, scorers)
    if not args.no_speed:
        rng = random.Random(11)
        names = [e.names[0].text for e in index.entries if e.names]
        names += [q for c, q, _ in pairs if c in POSITIVE]
        rng.shuffle(names)
        speed(ours, names)


if __name__ == "__main__":
    main()
