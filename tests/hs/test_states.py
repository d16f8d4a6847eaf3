"""State words: a description naming a state (frozen, roasted, used, live, crude, unwrought...) gets the
code whose nomenclature text names the same state, and is never "sure" of the opposite one."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from clearsight.hs.states import AXES, NONE, contradictions, named_states, states
from clearsight.hs.suggest import Suggester

CASES = [
    (row["code"], row["description"])
    for row in csv.DictReader(
        (
            line
            for line in (Path(__file__).parent / "data" / "state_words.tsv").open()
            if not line.startswith("#")
        ),
        delimiter="\t",
    )
]


def test_the_set_is_large_enough_and_pairs_opposite_states():
    assert len(CASES) >= 20
    codes = {c for c, _ in CASES}
    for pair in (("020230", "020130"), ("090111", "090121"), ("4011", "4012"), ("151110", "151190")):
        assert set(pair) <= codes


@pytest.mark.parametrize(("code", "text"), CASES, ids=[t for _, t in CASES])
def test_top_suggestion_has_the_state_of_the_description(retriever, code, text):
    best = Suggester(None, retriever).suggest([text], top=3)[0].suggestions[0]
    assert best.code.startswith(code), (text, best)


def test_frozen_beef_is_not_sure_of_fresh_or_chilled(retriever):
    suggester = Suggester(None, retriever)
    frozen = suggester.suggest(["frozen boneless beef cuts"], top=5)[0]
    assert (frozen.suggestions[0].code, frozen.suggestions[0].level) == ("020230", "subheading")
    fresh = [s for s in frozen.suggestions if s.code.startswith("0201")]
    assert all(s.level not in ("subheading", "heading") for s in fresh)  # 0201 itself says fresh or chilled
    # the same words without the state: both states stay candidates
    plain = suggester.probabilities(["boneless beef cuts"])[0][0]
    stated = suggester.probabilities(["frozen boneless beef cuts"])[0][0]
    column = {c: i for i, c in enumerate(suggester.codes.tolist())}
    assert stated[column["020130"]] < plain[column["020130"]] / 100


def test_the_score_of_the_opposite_state_moves_to_the_same_state_in_the_chapter(retriever):
    """Without the state word the words point at new truck tyres (4011.20); "second hand" moves that
    score to the used tyres of chapter 40, and the new ones are no longer called sure."""
    suggester = Suggester(None, retriever)
    plain = suggester.suggest(["tyres for trucks"], top=1)[0].suggestions[0]
    assert plain.code == "401120"
    answer = suggester.suggest(["second hand tyres for trucks"], top=10)[0]
    assert answer.suggestions[0].code.startswith("4012")
    new = [s for s in answer.suggestions if s.code.startswith("4011")]
    assert all(s.level in ("chapter", "uncertain") for s in new)  # 4011 itself says new
    # both states named: neither counts, the words decide
    assert named_states("new tyres, retreaded") == [] and named_states("second hand tyres") == ["used"]


def test_states_read_negations_and_ignore_whether_or_not():
    axis = {a.name: i for i, a in enumerate(AXES)}
    coffee = states("Coffee; not roasted or decaffeinated")
    assert coffee[axis["roasting"]] == 1 and coffee[axis["caffeine"]] == 1  # neither roasted nor decaf
    assert states("Coffee, whether or not roasted or decaffeinated")[axis["roasting"]] == NONE
    assert states("palm oil, other than crude, whether or not refined")[axis["refining"]] == 1
    assert states("Rubber; new pneumatic tyres, of a kind used on motor cars")[axis["condition"]] == 0
    assert states("Rags; used or new")[axis["condition"]] == NONE
    assert states("New Zealand lamb")[axis["condition"]] == NONE
    assert states("brake pads used for trucks")[axis["condition"]] == NONE
    assert states("Fish; fresh or chilled, excluding fish fillets and other fish meat")[axis["life"]] == 1
    assert states("(not knitted or crocheted)")[axis["knitting"]] == 1
    assert states("Iron or non-alloy steel")[axis["alloy"]] == 1 and states("alloy steel")[axis["alloy"]] == 0


def test_no_state_no_change(retriever):
    suggester = Suggester(None, retriever)
    assert not contradictions("cotton t-shirts", suggester.codes).any()
    p = suggester.probabilities(["cotton t-shirts"])[0][0]
    raw, _ = retriever.probabilities([" ".join(["cotton", "t-shirt"])])
    assert np.allclose(p, raw[0])
