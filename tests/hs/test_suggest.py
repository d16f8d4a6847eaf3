"""Suggestions: zero-shot from the nomenclature, trained on declarations, honest about bad input."""

from __future__ import annotations

import numpy as np
import pytest

from clearsight.hs.classifier import HSClassifier
from clearsight.hs.history import read_history, texts_and_codes
from clearsight.hs.suggest import Suggester, load_suggester, rank_at
from clearsight.hs.train import accuracy_table, evaluate, topk_accuracy

#: Descriptions written for this test in the style of a classification specialist (not taken from the
#: synthetic catalogue), with their HS 2022 subheadings.
SPECIALIST = [
    ("Portable automatic data processing machine (notebook PC), 15.6 inch, 16 GB RAM", "847130"),
    ("Women's dresses of synthetic fibres, woven", "620443"),
    ("Fresh bananas, Cavendish, green, in 18 kg cartons", "080390"),
    ("Crude palm oil in bulk, for refining", "151110"),
    ("Frozen whole round horse mackerel (Trachurus spp.)", "030355"),
    ("Hot-rolled steel coils, non-alloy, 3 mm thick, width 1250 mm", "720838"),
    ("Ball bearings, deep groove, 6203 series", "848210"),
    ("Semi-trailers, flatbed, three axles", "871639"),
    ("Electric water pumps, centrifugal, 1 HP", "841370"),
    ("Printed books, school textbooks in English", "490199"),
    ("Wrist watches, quartz, analogue display, plastic strap", "910211"),
    ("Ceramic wash basins and toilet bowls (sanitary ware)", "691010"),
]


def test_zero_shot_reads_specialist_descriptions(retriever):
    suggester = Suggester(None, retriever)
    texts, truth = [t for t, _ in SPECIALIST], [c for _, c in SPECIALIST]
    scores = accuracy_table(suggester, texts, truth)
    assert scores["top5_hs2"] == 1.0
    assert scores["top1_hs4"] >= 10 / 12
    assert scores["top5_hs6"] >= 9 / 12


def test_answers_say_why_nothing_is_suggested(retriever):
    texts = ["", "冷冻虾", "84713000", "x" * 5000, "qwzx vbnm", "250 ctns 1x40HC", "cotton t-shirts"]
    answers = Suggester(None, retriever).suggest(texts, top=3)
    assert [bool(a.suggestions) for a in answers] == [False] * 6 + [True]
    assert all(a.note for a in answers[:6])
    assert "hs show" in answers[2].note and "5,000 characters" in answers[3].note
    assert "no confident suggestion" in answers[4].note
    best = answers[6].suggestions[0]
    assert (best.code, best.level) == ("610910", "subheading")
    assert set(answers[6].to_json_dict()) == {"text", "suggestions"}
    assert set(answers[6].to_json_dict()["suggestions"][0]) == {"code", "level", "score", "description"}


def test_level_says_how_deep_the_suggestion_is_sure(retriever):
    # no material named: the heading (T-shirts, knitted) is sure, the subheading (of cotton or not) is not
    answer = Suggester(None, retriever).suggest(["t-shirts"], top=2)[0]
    assert [s.code[:4] for s in answer.suggestions] == ["6109", "6109"]
    assert all(s.level == "heading" for s in answer.suggestions)


def test_hierarchy_sums_subheadings_into_headings():
    codes = np.array(["610910", "610990", "620520"])
    probs = np.array([[0.3, 0.3, 0.4]])
    groups, grouped = rank_at(codes, probs, 4)
    assert groups.tolist() == ["6109", "6205"] and grouped.tolist() == [[0.6, 0.4]]
    # the best subheading is in the wrong heading, the best heading is right
    assert topk_accuracy(["610990"], codes, probs, 6, 1) == 0.0
    assert topk_accuracy(["610990"], codes, probs, 4, 1) == 1.0


def test_trained_model_beats_zero_shot_on_held_out_declarations(synthetic_warehouse):
    report = evaluate(synthetic_warehouse, None, holdout=0.2)
    trained, zero = report["trained"], report["zero_shot"]
    assert report["test_items"] > 1500 and report["train_items"] > 6000
    assert trained["top1_hs6"] > 0.85 and trained["top1_hs6"] > zero["top1_hs6"] + 0.2
    assert zero["top1_hs4"] > 0.75  # the nomenclature alone gets most headings right
    for scores in (trained, zero):
        for d in (2, 4, 6):
            assert scores[f"top5_hs{d}"] >= scores[f"top1_hs{d}"]
        assert scores["top1_hs2"] >= scores["top1_hs6"]


def test_model_learns_codes_and_keeps_the_nomenclature_for_the_rest(synthetic_warehouse, retriever):
    texts, codes = texts_and_codes(read_history(synthetic_warehouse).pairs)
    model = HSClassifier().fit(texts, codes, retriever=retriever)
    assert model.n_examples_ == len(texts) and model.n_texts_ < len(texts)
    suggester = Suggester(model, retriever)
    # goods never declared in the synthetic world still get their heading from the nomenclature
    unseen = ["live goats", "fishing rods", "live horses for breeding"]
    assert not {"0104", "9507", "0101"} & {c[:4] for c in codes}
    answers = suggester.suggest(unseen, top=3)
    assert [a.suggestions[0].code[:4] for a in answers] == ["0104", "9507", "0101"]


def test_fresh_workspace_is_zero_shot_and_caches_the_retriever(tmp_path):
    models = tmp_path / "models"
    models.mkdir()
    suggester = load_suggester(models)
    assert suggester.mode == "zero-shot"
    assert (models / "hs" / "nomenclature.joblib").is_file()
    assert load_suggester(models).suggest(["solar panels 400W"], 1)[0].suggestions[0].code == "854143"


@pytest.mark.parametrize("top", [1, 5])
def test_top_limits_the_suggestions(retriever, top):
    answer = Suggester(None, retriever).suggest(["frozen shrimps"], top=top)[0]
    assert 1 <= len(answer.suggestions) <= top
    scores = [s.score for s in answer.suggestions]
    assert scores == sorted(scores, reverse=True)


def test_rank_at_groups_each_codes_array_by_its_own_codes():
    """Arrays made and freed one after another may share an address: each still gets its own groups."""
    for pair in (["010110", "020210"], ["030310", "040410"], ["050510", "060610"]):
        groups, grouped = rank_at(np.array(pair), np.array([[0.25, 0.75]]), 4)
        assert groups.tolist() == [pair[0][:4], pair[1][:4]]
        assert grouped.tolist() == [[0.25, 0.75]]
