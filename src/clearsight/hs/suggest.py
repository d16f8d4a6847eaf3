"""Suggestions for one description or many: the trained model when the workspace has one, the
nomenclature alone (zero-shot) otherwise. Also where models live on disk."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from pathlib import Path

import joblib
import numpy as np

from clearsight.core.errors import UserError
from clearsight.hs.classifier import HSClassifier
from clearsight.hs.nomenclature import entries
from clearsight.hs.retrieval import NomenclatureRetriever, nomenclature_retriever
from clearsight.hs.states import contradictions, heading_contradicts, named_states, reweigh
from clearsight.hs.text import normalise, problem_with

MODEL_FILE = "classifier.joblib"
METRICS_FILE = "metrics.json"
RETRIEVER_FILE = "nomenclature.joblib"
#: Below this confidence (similarity to the nearest text known) nothing is suggested.
MIN_CONFIDENCE = 0.2
#: Suggestions under this probability are not shown.
MIN_SCORE = 0.01
#: Probability at which a suggestion is called sure at that level.
LEVEL_THRESHOLD = 0.4
LEVELS = ("subheading", "heading", "chapter", "uncertain")


def _code_version(*modules: str) -> str:
    """A digest of the source of the modules a saved object depends on: changes when they change."""
    digest = hashlib.sha256()
    for name in modules:
        digest.update((Path(__file__).parent / f"{name}.py").read_bytes())
    return digest.hexdigest()[:12]


#: Version of the zero-shot retriever cache, and of trained models (rebuilt / refused when stale).
RETRIEVER_VERSION = _code_version("text", "lexicon", "retrieval", "nomenclature")
MODEL_VERSION = _code_version("text", "lexicon", "retrieval", "nomenclature", "classifier")


@dataclass(frozen=True)
class Suggestion:
    """One suggested subheading. ``level``: the deepest level the scores support: "subheading" (this
    code is likely, and at least twice as likely as the rest of its heading), "heading" (its first four digits are likely, the last two not sure), "chapter"
    (only the first two), "uncertain" (a candidate worth reading, no more)."""

    code: str
    level: str
    score: float
    description: str


@dataclass(frozen=True)
class Answer:
    """What was suggested for one text, and why nothing was when nothing was."""

    text: str
    suggestions: list[Suggestion]
    note: str | None = None

    def to_json_dict(self) -> dict:
        return {"text": self.text, "suggestions": [asdict(s) for s in self.suggestions]}


def hs_models_dir(models_dir: Path) -> Path:
    return models_dir / "hs"


class Suggester:
    """Ranks subheadings for descriptions with a trained ``HSClassifier`` or the zero-shot retriever."""

    def __init__(self, model: HSClassifier | None, retriever: NomenclatureRetriever) -> None:
        self.model = model
        self.retriever = retriever

    @property
    def mode(self) -> str:
        return "trained" if self.model is not None else "zero-shot"

    @property
    def codes(self) -> np.ndarray:
        return self.retriever.codes_

    def _index(self, code: str) -> int:
        if getattr(self, "_positions", None) is None:
            self._positions = _position(self.codes)
        return self._positions[code]

    def probabilities(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities over ``codes``, confidence) for raw descriptions; in batches of 500. Codes
        whose nomenclature names a state opposite to the description's (frozen against fresh or
        chilled, roasted against not roasted, used against new...) are weighed down (``hs.states``)."""
        norms = [normalise(t) for t in texts]
        probs, conf = [], []
        for start in range(0, len(norms), 500):
            chunk = norms[start : start + 500]
            if self.model is not None:
                p, c = self.model.predict_proba(chunk)
            else:
                p, c = self.retriever.probabilities(chunk)
            p = reweigh(texts[start : start + 500], self.codes, p)
            empty = np.array([not n for n in chunk])
            c = np.where(empty, 0.0, c)
            probs.append(p)
            conf.append(c)
        if not probs:
            return np.zeros((0, len(self.codes))), np.zeros(0)
        return np.vstack(probs), np.concatenate(conf)

    def suggest(self, texts: list[str], top: int = 5) -> list[Answer]:
        """Up to ``top`` suggestions per text; none, with a note, when the text cannot be read or matches nothing."""
        problems = [problem_with(t) for t in texts]
        readable = [i for i, p in enumerate(problems) if p is None]
        answers = [Answer(t, [], problems[i]) for i, t in enumerate(texts)]
        if not readable:
            return answers
        probs, conf = self.probabilities([texts[i] for i in readable])
        table = entries()
        for row, i in enumerate(readable):
            if conf[row] < MIN_CONFIDENCE:
                answers[i] = Answer(
                    texts[i], [], "no confident suggestion: the description matches no known goods"
                )
                continue
            p = probs[row]
            heading = _group_sums(self.codes, p, 4)
            chapter = _group_sums(self.codes, p, 2)
            against = contradictions(texts[i], self.codes)
            out = []
            for j in np.argsort(-p)[:top]:
                if p[j] < MIN_SCORE:
                    break
                code = str(self.codes[j])
                rival = heading[code[:4]] - p[j]  # the other subheadings of its heading
                level = (
                    "subheading"
                    if p[j] >= LEVEL_THRESHOLD and p[j] >= 2 * rival
                    else "heading"
                    if heading[code[:4]] >= LEVEL_THRESHOLD
                    else "chapter"
                    if chapter[code[:2]] >= LEVEL_THRESHOLD
                    else "uncertain"
                )
                if against[j]:  # the state contradicts: never sure of the code, nor of a heading that does
                    cap = "chapter" if heading_contradicts(texts[i], code) else "heading"
                    level = max(level, cap, key=LEVELS.index)
                out.append(Suggestion(code, level, round(float(p[j]), 4), table[code].description))
            note = None if out else "no confident suggestion: the scores are spread over many codes"
            if out and against[self._index(out[0].code)]:
                note = (
                    f"the description says {' and '.join(named_states(texts[i]))}; "
                    "the best suggestion's nomenclature text says otherwise: check the goods' state"
                )
            answers[i] = Answer(texts[i], out, note)
        return answers


def _position(codes: np.ndarray) -> dict[str, int]:
    return {str(c): i for i, c in enumerate(codes.tolist())}


def _group_sums(codes: np.ndarray, p: np.ndarray, digits: int) -> dict[str, float]:
    groups, grouped = rank_at(codes, p[None, :], digits)
    return dict(zip(groups.tolist(), grouped[0].tolist(), strict=True))


#: Groups of a codes array (a model's fixed class codes), by the array's identity and the digits.
#: Each entry holds the array itself: while it is cached its id cannot be reused by another array.
_GROUPS: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
_GROUPS_KEPT = 32


def _groups(codes: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    key = (id(codes), digits)
    found = _GROUPS.get(key)
    if found is None or found[0] is not codes:
        if len(_GROUPS) >= _GROUPS_KEPT:
            _GROUPS.clear()
        keys = np.array([c[:digits] for c in codes.tolist()])
        found = _GROUPS[key] = (codes, *np.unique(keys, return_inverse=True))
    return found[1], found[2]


def rank_at(codes: np.ndarray, probs: np.ndarray, digits: int) -> tuple[np.ndarray, np.ndarray]:
    """Group subheading probabilities into ``digits``-level codes: (group codes, probabilities rows x groups)."""
    groups, inverse = _groups(codes, digits)
    out = np.zeros((probs.shape[0], len(groups)))
    for r in range(probs.shape[0]):
        out[r] = np.bincount(inverse, weights=probs[r], minlength=len(groups))
    return groups, out


def load_retriever(models_dir: Path | None) -> NomenclatureRetriever:
    """The zero-shot retriever, from the workspace's cache when it is there and current."""
    if models_dir is None or not models_dir.parent.exists():
        return nomenclature_retriever()
    path = hs_models_dir(models_dir) / RETRIEVER_FILE
    if path.is_file():
        try:
            version, retriever = joblib.load(path)
            if version == RETRIEVER_VERSION:
                return retriever
        except Exception:  # a damaged or foreign cache is rebuilt, not trusted
            pass
    retriever = nomenclature_retriever()
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump((RETRIEVER_VERSION, retriever), path)
    return retriever


def load_suggester(models_dir: Path | None, zero_shot: bool = False) -> Suggester:
    """The trained model of the workspace if there is one (and ``zero_shot`` is off), else zero-shot."""
    model_path = hs_models_dir(models_dir) / MODEL_FILE if models_dir else None
    if not zero_shot and model_path is not None and model_path.is_file():
        try:
            version, model = joblib.load(model_path)
        except Exception:
            version, model = None, None
        if version != MODEL_VERSION:
            raise UserError(
                f"{model_path} was trained by another version of clearsight (or is damaged): "
                "run 'clearsight hs train' again, or use --zero-shot"
            )
        return Suggester(model, model.retriever_)
    return Suggester(None, load_retriever(models_dir))


def save_model(model: HSClassifier, metrics: dict, models_dir: Path) -> Path:
    """Write the model and its metrics into ``<models>/hs/``; returns the model's path."""
    folder = hs_models_dir(models_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / MODEL_FILE
    tmp = path.with_suffix(".tmp")
    joblib.dump((MODEL_VERSION, model), tmp)
    tmp.replace(path)
    (folder / METRICS_FILE).write_text(json.dumps(metrics, indent=2), encoding="utf-8")
    return path
