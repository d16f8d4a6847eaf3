"""State words: frozen or fresh, raw or roasted, new or used, live or meat, crude or refined...

The nomenclature splits many goods by their state alone: 0201.30 is boneless beef "fresh or chilled",
0202.30 the same beef "frozen"; 0901.11 coffee "not roasted", 0901.21 "roasted"; 4011 new tyres, 4012
used ones. Text similarity sees the same words on both sides and may rank the wrong state first. A
description that names a state is therefore read against the state each code's nomenclature text
names: a code of the opposite state is demoted (and never "sure"), a code of the same state or of none
is left as it is.

A state is read from the words of each clause (split at ``; , ( )``): after "not", "other than",
"excluding" or "except" in the same clause it counts as the opposite state ("not roasted" is
unroasted), and "whether or not ..." names no state at all. A text naming both states of an axis
("fresh, chilled or frozen", "used or new") names neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import numpy as np

from clearsight.hs.nomenclature import entries
from clearsight.hs.text import fold

#: Share of its score a code keeps when its state contradicts the description's: the nomenclature's
#: own words settle the state, so it falls below any plausible code of the right state. The rest goes
#: to the codes of the same chapter that name the description's state (0201.30 fresh to 0202.30
#: frozen), in proportion to their scores; a code naming no state neither gives nor takes.
CONTRADICTED = 1e-4


@dataclass(frozen=True)
class Axis:
    """Two opposite states and the words (regular expressions on folded text) that name each.
    ``flip``: "not X" names the other state (not roasted = unroasted); without it a negated word names
    nothing ("excluding fish meat" does not make fish live)."""

    name: str
    states: tuple[str, str]
    words: tuple[tuple[str, ...], tuple[str, ...]]
    flip: bool = True


# "used" of a kind used in / for ... is not second-hand; "new" of New Zealand is not unused.
_USED = r"(?<!kind )(?<!type )used(?! (?:in|for|with|as|on|by|to|at|during|under|together|when|solely|principally|mainly|chiefly|exclusively|wholly|primarily|only)\b)"
_NEW = r"(?:brand[- ])?new(?! (?:zealand|york|guinea|caledonia|south wales|delhi|mexico|jersey|issue)\b)"

AXES: tuple[Axis, ...] = (
    Axis(
        "temperature",
        ("frozen", "fresh or chilled"),
        (("frozen", "deep-frozen", "frzn?"), ("fresh", "chilled")),
    ),
    Axis("drying", ("dried", "fresh"), (("dried", "dehydrated", "desiccated"), ("fresh",))),
    Axis("roasting", ("roasted", "not roasted"), (("roasted", "roast"), ("unroasted", "green", "raw"))),
    Axis("caffeine", ("decaffeinated", "not decaffeinated"), (("decaffeinated", "decaf"), ("caffeinated",))),
    Axis(
        "condition",
        ("new", "used"),
        ((_NEW, "unused"), (_USED, "worn", "second[- ]?hand", "2nd[- ]hand", "retreaded", "pre-owned")),
    ),
    Axis(
        "life",
        ("live", "not live"),
        (
            ("live", "living", "alive"),
            (
                "meat",
                "carcass(?:es)?",
                "slaughtered",
                "dead",
                "fillets?",
                "frozen",
                "chilled",
                "dried",
                "smoked",
                "salted",
            ),
        ),
        flip=False,
    ),
    Axis(
        "working",
        ("unwrought", "wrought"),
        (("unwrought", "unworked"), ("wrought", "worked", "semi-manufactured")),
    ),
    Axis("refining", ("crude", "refined"), (("crude", "raw", "unrefined"), ("refined",))),
    Axis("tanning", ("raw", "tanned"), (("raw", "untanned"), ("tanned", "crust"))),
    Axis("knitting", ("knitted or crocheted", "woven"), (("knitted", "crocheted", "knit"), ("woven",))),
    Axis(
        "alloy", ("alloy", "non-alloy"), (("(?<!non-)(?<!non )alloy(?:ed|s)?",), ("non-alloy", "unalloyed"))
    ),
)

_COMPILED = [
    tuple(re.compile(r"\b(?:" + "|".join(side) + r")\b") if side else None for side in axis.words)
    for axis in AXES
]
_CLAUSE = re.compile(r"[;,()\[\]]")
_NEGATOR = re.compile(r"\b(?:not|other than|excluding|except)\b")
_WHETHER = re.compile(r"\bwhether or not\b[^;,()]*")
#: State per axis: 0 or 1 (the index in ``Axis.states``), -1 when the text names none (or both).
NONE = -1


def states(text: str) -> np.ndarray:
    """The state each axis of ``AXES`` names in a text (description or nomenclature): 0, 1 or -1."""
    found = [set() for _ in AXES]
    folded = _WHETHER.sub(" ", fold(text))
    for clause in _CLAUSE.split(folded):
        negation = _NEGATOR.search(clause)
        cut = negation.end() if negation else len(clause)
        for a, (axis, patterns) in enumerate(zip(AXES, _COMPILED, strict=True)):
            for side, pattern in enumerate(patterns):
                if pattern is None:
                    continue
                for m in pattern.finditer(clause):
                    if m.start() < cut:
                        found[a].add(side)
                    elif axis.flip:
                        found[a].add(1 - side)
    return np.array([next(iter(s)) if len(s) == 1 else NONE for s in found], dtype=np.int8)


@cache
def _code_states(codes: tuple[str, ...]) -> np.ndarray:
    """States of each subheading (rows) per axis: its own text's, else its heading's."""
    table = entries()
    out = np.full((len(codes), len(AXES)), NONE, dtype=np.int8)
    heading_cache: dict[str, np.ndarray] = {}
    for i, code in enumerate(codes):
        own = states(table[code].description) if code in table else np.full(len(AXES), NONE, np.int8)
        head = code[:4]
        if head not in heading_cache:
            heading_cache[head] = (
                states(table[head].description) if head in table else np.full(len(AXES), NONE, np.int8)
            )
        out[i] = np.where(own != NONE, own, heading_cache[head])
    return out


@cache
def _chapters(codes: tuple[str, ...]) -> np.ndarray:
    return np.unique([c[:2] for c in codes], return_inverse=True)[1]


def code_states(codes: np.ndarray) -> np.ndarray:
    """States of each code of a model's class array (cached per array content)."""
    return _code_states(tuple(str(c) for c in codes.tolist()))


def agreement(text: str, codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each code: (its nomenclature names the opposite of a state the text names, it names the
    same state as the text on some axis and the opposite on none)."""
    said = states(text)
    named = said != NONE
    if not named.any():
        none = np.zeros(len(codes), dtype=bool)
        return none, none
    of_codes = code_states(codes)[:, named]
    stated = of_codes != NONE
    against = (stated & (of_codes != said[named])).any(axis=1)
    same = (stated & (of_codes == said[named])).any(axis=1) & ~against
    return against, same


def contradictions(text: str, codes: np.ndarray) -> np.ndarray:
    """For each code, True where its nomenclature names the opposite state of one the text names."""
    return agreement(text, codes)[0]


def heading_contradicts(text: str, code: str) -> bool:
    """True where the heading of ``code`` itself names a state opposite to one the text names."""
    entry = entries().get(code[:4])
    if entry is None:
        return False
    said, of_heading = states(text), states(entry.description)
    return bool(((said != NONE) & (of_heading != NONE) & (said != of_heading)).any())


def named_states(text: str) -> list[str]:
    """The states a text names, in words ("frozen", "used"), for notes."""
    said = states(text)
    return [axis.states[s] for axis, s in zip(AXES, said.tolist(), strict=True) if s != NONE]


def reweigh(texts: list[str], codes: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Probabilities with the score of codes whose state contradicts the description's moved to the
    codes of their chapter that name the same state, and the rows renormalised (a row whose every
    code contradicts is left as it is)."""
    out = probs.copy()
    chapter = _chapters(tuple(str(c) for c in codes.tolist()))
    for row, text in enumerate(texts):
        against, same = agreement(text, codes)
        if not against.any() or against.all():
            continue
        p = out[row]
        moved = np.where(against, p * (1.0 - CONTRADICTED), 0.0)
        p = p - moved
        taking = np.where(same, p, 0.0)
        given = np.bincount(chapter, weights=moved)
        held = np.bincount(chapter, weights=taking)
        share = np.divide(taking, held[chapter], out=np.zeros_like(p), where=held[chapter] > 0)
        p = p + share * given[chapter]
        total = p.sum()
        if total > 0:
            out[row] = p / total
    return out
