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
from sanctionwatch.sanctions.screen import collapse_acronyms, compare_names

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


def test_organisation_spellings() -> None:
    org = {"korean": True, "person": False}  # a DPRK-listed organisation: both modes
    # the country written three ways
    assert (
        _score(
            "North Korea's Foreign Trade Bank",
            "Foreign Trade Bank of the Democratic People's Republic of Korea",
            **org,
        )
        >= 0.9
    )
    # Russian legal form in a transliteration rigour lacks
    assert _score("Obschestvo S Ogranichennoi Otvetstvennostyu Mokran", "Mokran LLC", **org) >= 0.7
    # an acronym for a run of words, linking words skipped
    assert (
        _score(
            "Strategic Rocket Force Command of KPA",
            "Strategic Rocket Force of the Korean People's Army",
            **org,
        )
        >= 0.7
    )
    it = ("Jinyong IT Cooperation Company", "Chinyong Information Technology Cooperation Company")
    assert _score(*it, **org) >= 0.9
    # two words written as one; English words are not folded away (cooperation/corporation)
    assert _score("Silver Star Network Technology", "Silverstar Network Technology", **org) >= 0.9
    mining = (
        "DPRKN Mining Development Trading Cooperation",
        "Korea Mining Development Trading Corporation",
    )
    assert _score(*mining, **org) >= 0.7
    # one word, another ending
    assert _score("Ministry of Land Transport", "Ministry of Land Transportation", **org) >= 0.7
    # a foreign city is where the firm sits, a Korean place is part of its name
    assert _score("Dandong Jinxiang Trading Company", "Jinxiang Trading Company", **org) >= 0.8
    assert _score("Rason International Commercial Bank", "Koryo Commercial Bank", **org) < 0.7
    # two different places or countries are two different things; Chosun is Korea
    assert _score("Bank of China", "Bank of Korea", **org) < 0.7
    assert _score("China Trading Company", "Korea Trading Company", **org) < 0.7
    assert _score("Dandong Trading Company", "Shenyang Trading Company", **org) < 0.7
    assert _score("Korea Kumbyol Trading Company", "Chosun Kumbyol Trading Company", **org) >= 0.8


def test_acronym_runs_need_a_distinctive_word() -> None:
    assert collapse_acronyms(("kpa",), ("korean", "peoples", "army"))[1] == ("kpa",)
    # generic words only do not spell an acronym
    assert collapse_acronyms(("it",), ("international", "trading"))[1] == (
        "international",
        "trading",
    )
    assert collapse_acronyms(("gbae",), ("general", "bureau", "of", "atomic", "energy"))[1] == (
        "gbae",
    )
    # a run of generic words does not stop the search for a later one
    later = collapse_acronyms(("it",), ("international", "trading", "information", "technology"))
    assert later[1] == ("international", "trading", "it")


def test_blocking_keys_for_acronyms_and_spellings() -> None:
    def keys(text: str, query: bool = False) -> frozenset[str]:
        name = prepare_name("name", text, query=query)
        assert name is not None
        return name.keys

    # an acronym finds its name, a name its acronym
    assert keys("RGB", query=True) & keys("Reconnaissance General Bureau") == {"^rgb"}
    assert keys("Reconnaissance General Bureau", query=True) & keys("RGB") == {"@rgb"}
    # two long names do not meet through their initials alone
    shared = keys("Korea Paekho Trading Corporation", query=True) & keys(
        "Korea Pyongyang Trading Company"
    )
    assert shared
    assert not {k for k in shared if k[0] in "@^"}
    assert keys("Cholson LLC", query=True) & keys("Korea Cholsan General Trading Corporation")
    assert keys("Guempungri", query=True) & keys("Shenyang Geumpungri Network Technology")


def test_non_korean_query_against_a_dprk_listed_person() -> None:
    """A Taiwanese person under a DPRK program: spelled as written, not as Korean syllables."""
    left = prepare_name("name", "Tsang Yun Yuan")
    right = prepare_name("name", "Tsang Yung Yuan")
    assert left is not None
    assert right is not None
    assert compare_names(left, right, korean=True, person=True, korean_query=False)[0] >= 0.7
    # a Korean query keeps the syllable rule: one letter makes another syllable
    korean = prepare_name("name", "Kim Yong Chol")
    listed = prepare_name("name", "Kim Song Chol")
    assert korean is not None
    assert listed is not None
    assert compare_names(korean, listed, korean=True, person=True, korean_query=True)[0] < 0.7


def test_a_match_through_folding_says_so() -> None:
    left = prepare_name("name", "Jinyong IT Cooperation Company")
    right = prepare_name("name", "Chinyong Information Technology Cooperation Company")
    assert left is not None
    assert right is not None
    score, detail = compare_names(left, right, korean=True, person=False)
    assert score == pytest.approx(1.0)
    assert "jinyong=chinyong (folded)" in detail
    assert "it=acronym of information technology" in detail
