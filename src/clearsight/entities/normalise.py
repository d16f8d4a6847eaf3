"""Names, addresses, telephones and e-mails in one written form, so records compare on what they say.

A clerk writes ``ACACIA FOODS LIMITED``, an officer ``Acacia Foods Ltd.``, a French register ``Société
Acacia S.A.R.L.``: the name core (``acacia foods``), its legal form (``ltd``) and a blocking key
(common trade words removed) come out the same. Accents are removed with ``unicodedata`` (NFKD, combining
marks dropped) and Cyrillic and Greek letters are transliterated to Latin; other scripts are kept as
they are (they still compare with themselves).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Legal forms, as written (normalised, without dots) -> one canonical token.
LEGAL_FORMS: dict[str, str] = {
    "limited": "ltd", "ltd": "ltd", "ldt": "ltd", "plc": "plc", "llc": "llc", "l l c": "llc",
    "inc": "inc", "incorporated": "inc", "corp": "corp", "corporation": "corp", "co": "co",
    "company": "co", "sarl": "sarl", "s a r l": "sarl", "sa": "sa", "s a": "sa", "sas": "sas",
    "gmbh": "gmbh", "g m b h": "gmbh", "ag": "ag", "bv": "bv", "b v": "bv", "nv": "nv", "spa": "spa",
    "s p a": "spa", "srl": "srl", "sl": "sl", "s l": "sl", "pvt": "pvt", "private": "pvt", "pty": "pty",
    "pte": "pte", "kk": "kk", "k k": "kk", "jsc": "jsc", "ooo": "llc", "zao": "jsc", "oao": "jsc",
    "as": "as", "a s": "as", "ab": "ab", "sdn bhd": "sdnbhd", "bhd": "bhd", "ltda": "ltda", "pt": "pt",
    "sp z o o": "spzoo", "s r o": "sro", "sro": "sro", "ea": "ea",
}  # fmt: skip
#: Words most trade names share: they say little about who a trader is, so the blocking key drops them.
COMMON_TOKENS = frozenset(
    [
        "and",
        "the",
        "of",
        "group",
        "holdings",
        "holding",
        "enterprises",
        "enterprise",
        "trading",
        "traders",
        "trade",
        "general",
        "international",
        "import",
        "export",
        "imports",
        "exports",
        "co",
        "company",
        "new",
        "intl",
    ]
)
CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
GREEK = dict(
    zip(
        "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώς",
        [
            "a",
            "b",
            "g",
            "d",
            "e",
            "z",
            "i",
            "th",
            "i",
            "k",
            "l",
            "m",
            "n",
            "x",
            "o",
            "p",
            "r",
            "s",
            "t",
            "y",
            "f",
            "ch",
            "ps",
            "o",
            "a",
            "e",
            "i",
            "i",
            "o",
            "y",
            "o",
            "s",
        ],
        strict=True,
    )
)
TRANSLITERATION = str.maketrans({k: ("" if v == "_" else v) for k, v in {**CYRILLIC, **GREEK}.items()})
#: Address words written several ways.
ADDRESS_WORDS = {
    "rd": "road", "st": "street", "str": "street", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
    "bldg": "building", "ste": "suite", "fl": "floor", "po": "po", "p o": "po", "box": "box", "hwy": "highway",
}  # fmt: skip
_NON_WORD = re.compile(r"[^0-9a-z]+")
_MULTI_LEGAL = sorted((k for k in LEGAL_FORMS if " " in k), key=len, reverse=True)


def plain(text: str | None) -> str:
    """Lower case, no accents, Latin letters, digits and single spaces only ("" for nothing)."""
    if not text:
        return ""
    text = text.casefold().translate(TRANSLITERATION)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = text.replace("&", " and ")
    return " ".join(_NON_WORD.sub(" ", text).split())


@lru_cache(maxsize=1_000_000)
def name_parts(name: str | None) -> tuple[str, str, str]:
    """``(core, legal_form, key)`` of a trade name.

    ``core``: the name without its legal form(s); ``legal_form``: the canonical legal forms found
    (space-separated, in order); ``key``: ``core`` without common trade words or numbers, for
    blocking ("" when nothing distinctive is left).
    """
    text = f" {plain(name)} "
    for phrase in _MULTI_LEGAL:  # "s a r l", "sdn bhd" ... before single words
        text = text.replace(f" {phrase} ", f" {LEGAL_FORMS[phrase].replace(' ', '')}§ ")
    words, forms = [], []
    for w in text.split():
        if w.endswith("§"):
            forms.append(w[:-1])
        elif w in LEGAL_FORMS and (words or forms):  # a leading "co" or "sa" may be part of the name
            forms.append(LEGAL_FORMS[w])
        else:
            words.append(w)
    core = " ".join(words)
    key = " ".join(w for w in words if w not in COMMON_TOKENS and not w.isdigit())
    return core, " ".join(forms), key


@lru_cache(maxsize=1_000_000)
def name_skeleton(key: str) -> str:
    """The consonants of a blocking key, spaces dropped and repeats collapsed, its first letter kept:
    ``faraja textiles`` and ``faraj textiles`` both read ``frjtxtls``, ``huaxin`` and ``haxin`` read
    ``hxn``. Typing slips change vowels and doubled letters most, so records a slip keeps apart on
    the key still meet on the skeleton."""
    compact = key.replace(" ", "")
    if not compact:
        return ""
    rest = re.sub(r"[aeiouy]", "", compact[1:])
    return re.sub(r"(.)\1+", r"\1", compact[0] + rest)


def jaro_winkler(a: str, b: str) -> float:
    """Jaro-Winkler similarity of two strings (1.0 the same, 0.0 nothing in common), the measure
    Splink compares names with, for the few pairs resolution checks outside Splink."""
    if a == b:
        return 1.0
    if not a or not b:
        return 0.0
    window = max(max(len(a), len(b)) // 2 - 1, 0)
    used = [False] * len(b)
    matched_a = []
    for i, ch in enumerate(a):
        for j in range(max(0, i - window), min(len(b), i + window + 1)):
            if not used[j] and b[j] == ch:
                used[j] = True
                matched_a.append(ch)
                break
    if not matched_a:
        return 0.0
    matched_b = [b[j] for j in range(len(b)) if used[j]]
    m = len(matched_a)
    transpositions = sum(x != y for x, y in zip(matched_a, matched_b, strict=True)) / 2
    jaro = (m / len(a) + m / len(b) + (m - transpositions) / m) / 3
    prefix = 0
    for x, y in zip(a[:4], b[:4], strict=False):
        if x != y:
            break
        prefix += 1
    return jaro + prefix * 0.1 * (1 - jaro)


@lru_cache(maxsize=1_000_000)
def address_form(address: str | None) -> str:
    """An address in one spelling: ``12 Harbour Rd., Mombasa`` -> ``12 harbour road mombasa``."""
    return " ".join(ADDRESS_WORDS.get(w, w) for w in plain(address).split())


def phone_form(phone: str | None) -> str:
    """The last nine digits of a telephone number (the subscriber number without country or trunk
    prefix: ``+254 712 345 678``, ``0712345678`` and ``00254-712-345678`` agree); "" when shorter."""
    digits = re.sub(r"\D", "", phone or "")
    return digits[-9:] if len(digits) >= 7 else ""


def email_form(email: str | None) -> str:
    """An e-mail address in lower case without spaces; "" when it has no ``@``."""
    text = (email or "").strip().casefold()
    return text if "@" in text else ""


__all__ = ["address_form", "email_form", "jaro_winkler", "name_parts", "name_skeleton", "phone_form", "plain"]
