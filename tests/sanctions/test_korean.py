"""The Korean layer: Hangul romanization, folding, surname variants, syllable joins."""

from __future__ import annotations

import pytest

from sanctionwatch.sanctions.index import prepare_name
from sanctionwatch.sanctions.korean import (
    SURNAMES,
    fold_token,
    folded_tokens,
    hangul_to_latin,
    has_hangul,
    name_variants,
    syllable_to_latin,
)
from sanctionwatch.sanctions.screen import compare_names

SURNAME_GROUPS = [
    ("Pak", "Park", "Bak"),
    ("Ri", "Rhee", "Lee", "Yi", "I"),
    ("Choe", "Choi", "Chwe"),
    ("Jong", "Chong", "Jung"),
    ("O", "Oh"),
    ("Jon", "Chon", "Jeon"),
    ("Kim", "Gim"),
]


@pytest.mark.parametrize("group", SURNAME_GROUPS, ids=lambda g: "/".join(g))
def test_surname_variants_fold_to_one_key(group: tuple[str, ...]) -> None:
    keys = {fold_token(spelling.lower()) for spelling in group}
    assert len(keys) == 1, keys
    assert all(spelling.lower() in SURNAMES for spelling in group)


@pytest.mark.parametrize(
    ("mr", "rr"),
    [
        ("Ch'ŏl", "Cheol"),  # ŏ/eo, aspiration apostrophe
        ("Hyŏk", "Hyeok"),
        ("Ŭn", "Eun"),  # ŭ/eu
        ("Kŭm", "Geum"),  # k/g initial
        ("P'yŏng", "Pyeong"),  # p'/p
        ("T'ae", "Tae"),
        ("Pong", "Bong"),  # p/b
        ("Tong", "Dong"),  # t/d
        ("Chin", "Jin"),  # ch/j
        ("Kwang", "Gwang"),
        ("Sŏng", "Seong"),
        ("Ryŏl", "Ryeol"),
        ("Shin", "Sin"),
    ],
)
def test_mccune_reischauer_and_revised_romanization_fold_together(mr: str, rr: str) -> None:
    assert folded_tokens(mr) == folded_tokens(rr)


def test_different_syllables_stay_different() -> None:
    assert fold_token("un") != fold_token("il")
    assert fold_token("kim") != fold_token("pak")
    assert folded_tokens("Kim Jong Un") != folded_tokens("Kim Jong Il")


@pytest.mark.parametrize(
    ("hangul", "latin"),
    [
        ("김정은", "kim jeong eun"),
        ("박진혁", "pak jin hyeok"),
        ("리영길", "ri yeong gil"),
        ("최룡해", "choe ryong hae"),
        ("한", "han"),
    ],
)
def test_hangul_to_revised_romanization(hangul: str, latin: str) -> None:
    assert hangul_to_latin(hangul) == latin


def test_syllable_decomposition() -> None:
    assert syllable_to_latin("각") == "gak"
    assert syllable_to_latin("쌍") == "ssang"
    assert syllable_to_latin("뷁") == "bwek"  # final ㄺ reads k
    assert has_hangul("Kim 김")
    assert not has_hangul("Kim")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("김정은", "Kim Jong Un"),
        ("박진혁", "Park Jin Hyok"),
        ("박진혁", "Pak Jin-hyŏk"),
        ("Ri Jong Ch'ol", "Lee Jeong Cheol"),
        ("Choe Ryong Hae", "Choi Ryong-hae"),
        ("Jon Il Chun", "Jeon Il-chun"),
        ("O Kuk Ryol", "Oh Geuk-ryeol"),
    ],
)
def test_same_folded_tokens(left: str, right: str) -> None:
    assert folded_tokens(left) == folded_tokens(right)


@pytest.mark.parametrize(
    "written", ["Kim Jong Un", "Kim Jong-un", "Kim Jongun", "Jong-un Kim", "Jong Un Kim", "김정은"]
)
def test_given_name_splitting_and_name_order(written: str) -> None:
    query = prepare_name("name", written)
    listed = prepare_name("name", "KIM Jong Un")
    assert query is not None
    assert listed is not None
    score, _ = compare_names(query, listed, korean=True)
    assert score == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("query", "other"),
    [
        ("Kim Jong Un", "Kim Jong Il"),
        ("Kim Jong Un", "Kim Yo Jong"),
        ("Kim Jong Un", "Kim Jong Man"),
        ("Park Jin Hyok", "Kim Jin Hyok"),
        ("Ri Jong Chol", "Ri Song Chol"),
    ],
)
def test_different_people_sharing_a_surname_stay_below_threshold(query: str, other: str) -> None:
    left = prepare_name("name", query)
    right = prepare_name("name", other)
    assert left is not None
    assert right is not None
    score, _ = compare_names(left, right, korean=True)
    assert score < 0.7


def test_name_variants_join_given_names() -> None:
    assert name_variants(["kim", "chong", "un"]) == [
        ("kim", "chong", "un"),
        ("kim", "chongun"),
        ("kimchong", "un"),
    ]
    assert name_variants(["kim", "chongun"]) == [("kim", "chongun"), ("kimchongun",)]


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Ri Tae-Chol", "Ri Thae Chul"),
        ("Kang P'il-Hun", "Kang Phil Hun"),
        ("Ku Seung Sub", "Ku Sung Sop"),
        ("Kim Young-Chol", "Kim Yong Chol"),
        ("Ra Kyung-Su", "Ra Ky'ong-su"),
        ("Hyun", "Hyon"),
    ],
)
def test_popular_spellings(left: str, right: str) -> None:
    assert folded_tokens(left) == folded_tokens(right)


def _score(query: str, listed: str, korean: bool = True, person: bool = True) -> float:
    left = prepare_name("name", query)
    right = prepare_name("name", listed)
    assert left is not None
    assert right is not None
    return compare_names(left, right, korean=korean, person=person)[0]


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Han Kon U", "Han Kwon U"),  # glide written or not
        ("Pang So-nam", "Pang Su Nam"),  # o / u
        ("O Chong Euk", "O Chong Ok"),
    ],
)
def test_a_syllable_differing_in_its_vowel_is_a_partial_match(query: str, listed: str) -> None:
    assert 0.7 <= _score(query, listed) < 1.0


@pytest.mark.parametrize(
    ("query", "listed"),
    [
        ("Jong Song Hwa", "Jong Song Ho"),  # a / o: other syllables
        ("Min Byong Chun", "Min Byong Chol"),  # other final consonant
        ("Ri Yong Gi", "Ri Yong Gil"),
    ],
)
def test_other_syllables_stay_below_threshold(query: str, listed: str) -> None:
    assert _score(query, listed) < 0.7


def test_legal_forms_acronyms_and_patronymics() -> None:
    org = {"korean": False, "person": False}
    assert _score("Obshchestvo S Ogranichennoi Otvetstvennostyu Mokran", "Mokran LLC", **org) >= 0.7
    assert _score("DCB", "Daedong Credit Bank (DCB)", **org) >= 0.7
    assert _score("KCB", "Daedong Credit Bank (DCB)", **org) < 0.7
    assert _score("Budnev Aleksey Viktorovich", "Budnev Aleksey", korean=False) >= 0.7
    # two different patronymics are two different people
    assert _score("Kozlov Sergey Ivanovich", "Kozlov Sergey Mikhaylovich", korean=False) < 0.7
    # the lone word "in" is not rigour's "inc": Korean given names keep it
    assert _score("O In Chun", "O In Jun") == pytest.approx(1.0)


def test_numbers_name_different_things() -> None:
    vessel = {"korean": False, "person": False}
    assert _score("KUM SONG 3", "KUM SONG 7", **vessel) < 0.7
    assert _score("MI RIM 2", "MI RIM", **vessel) < 0.7
    assert _score("Department 53", "Department 53", **vessel) == pytest.approx(1.0)
