"""HS classification: the HS 2022 nomenclature and national tariff, search by words, a classifier that
suggests codes for a goods description, and the check of declared codes against the suggested ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from clearsight.core.exports import lazy_exports

if TYPE_CHECKING:
    from clearsight.hs.check import CheckResult, check_declarations
    from clearsight.hs.classifier import HSClassifier
    from clearsight.hs.nomenclature import check_code, lineage, load_nomenclature, load_tariff, section_names
    from clearsight.hs.retrieval import search_codes
    from clearsight.hs.suggest import MODEL_FILE, Suggester, Suggestion, hs_models_dir, load_suggester
    from clearsight.hs.train import TrainResult, evaluate

__all__ = [
    "MODEL_FILE",
    "CheckResult",
    "HSClassifier",
    "Suggester",
    "Suggestion",
    "TrainResult",
    "check_code",
    "check_declarations",
    "evaluate",
    "hs_models_dir",
    "lineage",
    "load_nomenclature",
    "load_suggester",
    "load_tariff",
    "search_codes",
    "section_names",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "CheckResult": "check",
        "check_declarations": "check",
        "HSClassifier": "classifier",
        "check_code": "nomenclature",
        "lineage": "nomenclature",
        "load_nomenclature": "nomenclature",
        "load_tariff": "nomenclature",
        "section_names": "nomenclature",
        "search_codes": "retrieval",
        "MODEL_FILE": "suggest",
        "Suggester": "suggest",
        "Suggestion": "suggest",
        "hs_models_dir": "suggest",
        "load_suggester": "suggest",
        "TrainResult": "train",
        "evaluate": "train",
    },
)
