"""Korean names: Hangul to Latin, romanization folding, surname variants, syllable joins.

The lists write one Korean name in several romanizations: McCune-Reischauer (``Pak Chin-hyŏk``,
``Ri Jong Ch'ol``, the DPRK and UN style), Revised Romanization (``Bak Jin-hyeok``, South
Korea since 2000) and popular spellings (``Park``, ``Lee``, ``Choi``). This module reduces a
name to **folded tokens** that are equal for all of them:

- ``hangul_to_latin``: Hangul syllables to Revised Romanization, from the Unicode jamo
  decomposition (surname syllable first, one token per syllable);
- ``fold_token``: a romanized syllable or syllable group to one key — surname table first
  (Pak/Park/Bak, Ri/Rhee/Lee/Yi/I, Choe/Choi/Chwe, Jong/Chong/Jung, ...), then
  MR <-> RR folding (ŏ/eo -> o, ŭ/eu -> u, aspiration apostrophes dropped, k/g, p/b, t/d,
  ch/j, l/r, sh/s, doubled consonants single; ``jong`` -> ``chonk``);
- ``name_variants``: the token lists a name can be compared as: as written, and with the
  given-name syllables joined with the surname first or last (``Jong Un`` / ``Jong-un`` /
  ``Jongun``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_INITIALS = (
    "g", "kk", "n", "d", "tt", "r", "m", "b", "pp", "s", "ss", "", "j", "jj", "ch", "k", "t",
    "p", "h",
)  # fmt: skip
_VOWELS = (
    "a", "ae", "ya", "yae", "eo", "e", "yeo", "ye", "o", "wa", "wae", "oe", "yo", "u", "wo",
    "we", "wi", "yu", "eu", "ui", "i",
)  # fmt: skip
_FINALS = (
    "", "k", "k", "k", "n", "n", "n", "t", "l", "k", "m", "l", "l", "l", "p", "l", "m", "p",
    "p", "t", "t", "ng", "t", "t", "k", "t", "p", "t",
)  # fmt: skip
_HANGUL_FIRST = 0xAC00
_HANGUL_LAST = 0xD7A3

#: Hangul surnames whose usual romanization differs from the syllable's Revised Romanization.
HANGUL_SURNAMES: dict[str, str] = {
    "김": "kim",
    "박": "pak",
    "이": "ri",
    "리": "ri",
    "최": "choe",
    "정": "jong",
    "오": "o",
}

# One canonical key per group of surname spellings (folded form of the MR spelling).
_SURNAME_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pak", ("pak", "park", "bak", "bahk", "pack")),
    ("ri", ("ri", "rhee", "lee", "yi", "i", "li", "rhie", "yee", "lie", "rie", "reagh")),
    ("choe", ("choe", "choi", "chwe", "choy", "choei", "chey")),
    ("chong", ("jong", "chong", "jung", "chung", "jeong", "cheong", "joung")),
    ("o", ("o", "oh", "ohe")),
    ("chon", ("jon", "chon", "jeon", "cheon", "chun", "jun", "chŏn")),
    ("kim", ("kim", "gim", "ghim", "keem")),
    ("kang", ("kang", "gang", "kahng")),
    ("ryu", ("ryu", "yu", "yoo", "ryoo", "you")),
    ("ro", ("ro", "roh", "no", "noh")),
    ("rim", ("rim", "im", "lim", "yim")),
    ("ra", ("ra", "na", "rha")),
    ("yang", ("yang", "ryang")),
    ("sin", ("sin", "shin", "shinn")),
    ("so", ("so", "seo", "suh", "sŏ")),
    ("hyon", ("hyon", "hyun", "hyeon", "hyŏn")),
    ("chu", ("chu", "ju", "joo", "choo")),
    ("kwon", ("kwon", "gwon", "kwun")),
    ("mun", ("mun", "moon")),
    ("pae", ("pae", "bae", "bai")),
    ("paek", ("paek", "baek", "paik", "baik")),
    ("ko", ("ko", "go", "koh")),
    ("u", ("u", "woo", "wu")),
    ("song", ("song", "soung")),
    ("cho", ("cho", "jo", "joe")),
    ("han", ("han", "hahn")),
    ("hwang", ("hwang", "whang")),
    ("chang", ("chang", "jang")),
    ("tong", ("tong", "dong")),
    ("kil", ("kil", "gil")),
    ("kye", ("kye", "gye")),
    ("sim", ("sim", "shim")),
    ("om", ("om", "eom", "um")),
    ("ok", ("ok", "ock")),
)

_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u02bc\u02bb\u0060\u00b4]")
_SEPARATORS = re.compile(r"[^\w]+|_")
_DOUBLE = re.compile(r"(.)\1+")
_POPULAR_YU = re.compile(r"([^aeiouwy])yu(?=n)")


def is_hangul(char: str) -> bool:
    """True for a precomposed Hangul syllable (U+AC00..U+D7A3)."""
    return _HANGUL_FIRST <= ord(char) <= _HANGUL_LAST


def has_hangul(text: str) -> bool:
    """True when ``text`` holds at least one Hangul syllable."""
    return any(is_hangul(char) for char in text)


def syllable_to_latin(char: str) -> str:
    """Revised Romanization of one Hangul syllable (from its initial, vowel and final jamo)."""
    index = ord(char) - _HANGUL_FIRST
    initial, rest = divmod(index, 588)
    vowel, final = divmod(rest, 28)
    return _INITIALS[initial] + _VOWELS[vowel] + _FINALS[final]


def hangul_to_latin(text: str) -> str:
    """Hangul syllables to Latin, one token per syllable (``김정은`` -> ``kim jeong eun``).

    The first syllable of each Hangul word of two to four syllables is read as a surname and
    spelled as surnames usually are (김 -> kim, 박 -> pak, 이 -> ri); other characters stay.
    """
    out: list[str] = []
    for word in re.split(r"(\s+)", text):
        if not has_hangul(word):
            out.append(word)
            continue
        syllables: list[str] = []
        for position, char in enumerate(word):
            if not is_hangul(char):
                syllables.append(char)
                continue
            if position == 0 and char in HANGUL_SURNAMES and 2 <= len(word) <= 4:
                syllables.append(HANGUL_SURNAMES[char])
            else:
                syllables.append(syllable_to_latin(char))
        out.append(" ".join(syllables))
    return "".join(out)


def plain_tokens(name: str) -> list[str]:
    """Lower-case ASCII tokens: diacritics dropped, apostrophes removed, split at punctuation."""
    if has_hangul(name):
        name = hangul_to_latin(name)
    text = unicodedata.normalize("NFKD", name)
    text = "".join(char for char in text if not unicodedata.combining(char))
    text = _APOSTROPHES.sub("", text).lower()
    return [token for token in _SEPARATORS.split(text) if token]


def _fold_letters(token: str) -> str:
    text = token
    for old, new in POPULAR_SYLLABLES.items():  # also inside joined syllables (Chulsoo)
        text = text.replace(old, new)
    text = text.replace("eo", "o").replace("eu", "u").replace("oo", "u").replace("ee", "i")
    text = text.replace("ou", "o")  # Young = Yong = Yeong
    text = _POPULAR_YU.sub(r"\1yo", text)  # Kyung = Kyong, Hyun = Hyon (not Yun itself)
    for old, new in _CONSONANTS:
        text = text.replace(old, new)
    return _DOUBLE.sub(r"\1", text)


#: Popular spellings of a syllable whose vowel (ŏ) is written u: ``Chul`` is ``Ch'ŏl``.
POPULAR_SYLLABLES: dict[str, str] = {
    "cheul": "chol",
    "chul": "chol",
    "sub": "sop",
    "sup": "sop",
    "seob": "sop",
    "bum": "pom",
    "pum": "pom",
}

_CONSONANTS = (
    ("tch", "ch"),
    ("th", "t"),  # aspiration written with h: Thae = T'ae = Tae, Phil = P'il
    ("ph", "p"),
    ("kh", "k"),
    ("jj", "ch"),
    ("j", "ch"),
    ("sh", "s"),
    ("rh", "r"),
    ("g", "k"),  # also in "ng": joined and split syllables fold alike (chong+kang, chongkang)
    ("b", "p"),
    ("d", "t"),
    ("l", "r"),
)


@lru_cache(maxsize=200_000)
def fold_token(token: str) -> str:
    """One key for a romanized token: surname table, then MR <-> RR and consonant folding."""
    surname = SURNAMES.get(token)
    if surname is not None:
        return surname
    return _fold_letters(token)


#: Surname spelling -> canonical key (``park`` -> ``pak``, ``jung`` -> ``chonk``): the
#: folded form of the group's McCune-Reischauer spelling.
SURNAMES: dict[str, str] = {
    spelling.lower(): _fold_letters(key)
    for key, spellings in _SURNAME_GROUPS
    for spelling in spellings
}


def folded_tokens(name: str) -> list[str]:
    """``plain_tokens`` of ``name``, each folded (``Ri Jong Ch'ol`` == ``Lee Jeong Cheol``)."""
    return [fold_token(token) for token in plain_tokens(name)]


def name_variants(tokens: list[str]) -> list[tuple[str, ...]]:
    """The token lists a name is compared as: as is, and with the given-name syllables joined.

    ``[kim, chong, un]`` -> ``(kim, chong, un)``, ``(kim, chongun)``, ``(kimchong, un)``:
    surname first (the given name joined) or surname last.
    """
    variants = [tuple(tokens)]
    if len(tokens) == 2:
        variants.append(("".join(tokens),))
    elif 3 <= len(tokens) <= 4:
        variants.append((tokens[0], "".join(tokens[1:])))
        variants.append(("".join(tokens[:-1]), tokens[-1]))
    return variants


def looks_korean(tokens: list[str]) -> bool:
    """True when a token is a known Korean surname spelling and every token is short."""
    return bool(tokens) and any(t in SURNAMES for t in tokens) and max(map(len, tokens)) <= 8


_GLIDES = re.compile(r"(?<=[^aeiou])[wy]|^[wy]")
_VOWEL_RUN = re.compile(r"[aeiou]+")


def _vowel_class(run: str) -> str:
    if run == "a":
        return "a"
    return "o" if set(run) <= {"o", "u"} else "e"


@lru_cache(maxsize=100_000)
def syllable_shape(token: str) -> str:
    """A folded syllable with glides dropped and vowels reduced to three classes.

    Romanizations of one Korean syllable disagree most on the vowel (``So-nam``/``Su-nam``,
    ``Kon``/``Kwon``, ``Euk``/``Ok``): back rounded vowels (o, u, ŏ, ŭ) are one class, a
    another, the front vowels (e, i, ae) the third. Syllables of one shape are candidates for
    a partial match, never an exact one.
    """
    return _VOWEL_RUN.sub(lambda m: _vowel_class(m.group()), _GLIDES.sub("", token))
