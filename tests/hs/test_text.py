"""Normalisation: declarants' shorthand and the nomenclature's wording meet on the same tokens."""

from __future__ import annotations

import pytest

from clearsight.hs.text import FOR, SEP, normalise, problem_with, tokens, without_marker


def test_shorthand_packing_and_spelling_are_normalised():
    assert tokens("GALV. STEEL SHEETS 2 CTNS 1X40HC") == ["galvanised", "steel", "sheet"]
    assert tokens("s/steel cooking pots") == ["stainless", "steel", "cooking", "pot"]
    assert tokens("Aluminum foil") == tokens("aluminium foils")
    assert tokens("T Shirts, 100% Cotton") == ["t-shirt", SEP, "cotton"]
    assert tokens("cotton tee shirts") == ["cotton", "t-shirt"]
    assert normalise("Model SX-514, brand Sunray, 250 PCS") == "sunray"


def test_use_part_and_material_words_are_kept_as_markers():
    assert tokens("brake discs 4 cars") == ["brake", "disc", FOR, "car"]
    assert tokens("Carrier bags of polyethylene (HDPE)") == [
        "carrier",
        "bag",
        FOR,
        "polyethylene",
        SEP,
        "polyethylene",
    ]
    assert without_marker(normalise("Wardrobes, MDF")) == "wardrobe mdf"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("x" * 1001, "1,001 characters"),
        ("冷冻虾", "no Latin letters"),
        ("8471.30", "is a number"),
        ("12 24 36", "is a number"),
        ("250 ctns 1x40HC", "says nothing"),
    ],
)
def test_unreadable_descriptions_say_why(text, fragment):
    assert fragment in problem_with(text)


def test_readable_descriptions_have_no_problem():
    assert problem_with("Crevettes congelées") is None  # accents are folded, the words are kept
    assert problem_with("laptop") is None
