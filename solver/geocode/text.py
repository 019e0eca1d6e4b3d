"""Fold address text into comparable keys: case, diacritics, punctuation, abbreviations.

Both the index and the queries go through the same folding, so ``Nørrebrogade``,
``NORREBROGADE`` and ``norrebrogade`` give one key, and ``Landstrasse``, ``Landstraße``
and ``Landstr.`` give ``landstr``. Street types are folded to one short form per
meaning (``street`` and ``st`` -> ``st``; ``avenue``, ``av`` and ``ave`` -> ``av``),
which also makes the ambiguous ``St`` (street or saint) harmless: both fold alike.
"""

from __future__ import annotations

import re
from functools import lru_cache

from unidecode import unidecode

# full word (and its usual short forms) -> the one short form used in keys
_WORD_FORMS: dict[str, tuple[str, ...]] = {
    "st": ("street", "saint", "sankt", "san", "santa", "sainte", "ste"),
    "str": ("strasse", "strada", "strae"),
    "av": ("avenue", "ave", "avda", "avenida", "avinguda", "aven"),
    "bd": ("boulevard", "blvd", "bld", "boul", "bvd"),
    "rd": ("road",),
    "ln": ("lane",),
    "dr": ("drive",),
    "ct": ("court",),
    "pl": ("place", "plaza", "platz", "pza", "plz"),
    "sq": ("square",),
    "ch": ("chemin",),
    "rte": ("route",),
    "r": ("rue",),
    "all": ("allee",),
    "esc": ("escalier", "escaliers"),
    "imp": ("impasse",),
    "qu": ("quai",),
    "tq": ("triq",),
    "msr": ("misrah",),
    "sqaq": ("sqq",),
    "g": ("gasse",),
    "w": ("weg",),
    "hwy": ("highway",),
    "mt": ("mount", "mont", "monte"),
    "n": ("north", "nord"),
    "s": ("south", "sud"),
    "e": ("east", "est"),
    "o": ("west", "ouest"),
}
_SHORT: dict[str, str] = {}
for _short, _longs in _WORD_FORMS.items():
    _SHORT[_short] = _short
    for _long in _longs:
        _SHORT[_long] = _short

# compound suffixes (German-speaking areas): Landstrasse, Landstr., Hauptstraße
_SUFFIXES = (("strasse", "str"), ("gasse", "g"), ("platz", "pl"), ("weg", "w"))
_NON_WORD = re.compile(r"[^0-9a-z]+")
_HOUSE = re.compile(r"[^0-9a-z/-]+")


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII words of ``text``, punctuation and diacritics removed.

    Parameters
    ----------
    text
        Any text (``"Nørrebrogade 12, København"``).

    Returns
    -------
    str
        Space-separated words (``"norrebrogade 12 kobenhavn"``).
    """
    folded = unidecode(text).lower().replace("'", "")
    return " ".join(_NON_WORD.sub(" ", folded).split())


def _short_word(word: str) -> str:
    if word in _SHORT:
        return _SHORT[word]
    for suffix, short in _SUFFIXES:
        if word.endswith(suffix) and len(word) > len(suffix) + 1:
            return word[: -len(suffix)] + short
    return word


@lru_cache(maxsize=200_000)
def street_key(text: str) -> str:
    """Return the comparable key of a street name (folded, street types in one short form).

    Parameters
    ----------
    text
        Street name as written (``"Rue Grimaldi"``, ``"Landstr."``).

    Returns
    -------
    str
        The key (``"r grimaldi"``, ``"landstr"``).
    """
    return " ".join(_short_word(word) for word in fold(text).split())


@lru_cache(maxsize=200_000)
def place_key(text: str) -> str:
    """Return the comparable key of a city, postcode or country (folded; no abbreviations).

    Parameters
    ----------
    text
        Name as written.

    Returns
    -------
    str
        The key.
    """
    return fold(text)


def postcode_key(text: str) -> str:
    """Return the key of a postcode: folded, no spaces (``"MST 1234"`` -> ``"mst1234"``).

    Parameters
    ----------
    text
        Postcode as written.

    Returns
    -------
    str
        The key.
    """
    return fold(text).replace(" ", "")


def housenumber_key(text: str) -> str:
    """Return the comparable key of a house number (``"12 A"`` -> ``"12a"``).

    Parameters
    ----------
    text
        House number as written.

    Returns
    -------
    str
        The key; empty when there is none.
    """
    return _HOUSE.sub("", unidecode(text).lower())
