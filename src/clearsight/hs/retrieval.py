"""Zero-shot: find the subheadings whose nomenclature text (and trade names) best match a description.

Hierarchy-aware: a subheading scores by its own text, its heading's text (with the trade names of the
heading) and its chapter's, so "cotton t-shirts" finds 6109 through the heading and 6109.10 through
"of cotton". Word n-grams carry meaning, character n-grams forgive typos; a trade name found whole in
the description gives its code a boost. No training data is needed.
"""

from __future__ import annotations

import re
from functools import cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from clearsight.hs.lexicon import trade_names
from clearsight.hs.nomenclature import Entry, entries
from clearsight.hs.text import (
    FOR,
    MATERIALS,
    SEP,
    emphasise_head,
    normalise,
    positive_text,
    tokens,
    without_marker,
)
from clearsight.hs.vectors import normalise_rows, tfidf


def _word_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        preprocessor=without_marker,
    )


def _char_vectorizer() -> TfidfVectorizer:
    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, preprocessor=without_marker
    )


class NomenclatureRetriever:
    """Scores every HS 2022 subheading against a description, from the nomenclature alone.

    Weights: ``own`` (the subheading's text and trade names), ``heading`` and ``chapter`` (their texts),
    ``char`` (share of character n-gram similarity), ``phrase`` (boost for a whole trade name found),
    ``material`` (weight of material words such as cotton or steel against the article's words).
    """

    def __init__(
        self,
        own: float = 1.0,
        heading: float = 0.7,
        chapter: float = 0.15,
        char: float = 0.35,
        phrase: float = 0.8,
        temperature: float = 0.04,
        material: float = 0.5,
    ) -> None:
        self.own = own
        self.heading = heading
        self.chapter = chapter
        self.char = char
        self.phrase = phrase
        self.temperature = temperature
        self.material = material

    def fit(self) -> NomenclatureRetriever:
        table = entries()
        names = trade_names()
        self.codes_ = np.array(sorted(c for c in table if len(c) == 6))
        headings = sorted(c for c in table if len(c) == 4)
        chapters = sorted(c for c in table if len(c) == 2)
        h_index = {c: i for i, c in enumerate(headings)}
        c_index = {c: i for i, c in enumerate(chapters)}
        self.heading_of_ = np.array([h_index[c[:4]] for c in self.codes_])
        self.chapter_of_ = np.array([c_index[c[:2]] for c in self.codes_])
        own_docs = [
            normalise(positive_text(table[c].description) + " ; " + " ; ".join(names.get(c, ()) * 2))
            for c in self.codes_
        ]
        heading_docs = [
            normalise(positive_text(table[h].description) + " ; " + " ; ".join(names.get(h, ())))
            for h in headings
        ]
        chapter_docs = [normalise(positive_text(table[c].description)) for c in chapters]
        n_own, n_head = len(own_docs), len(heading_docs)
        self.word_ = _word_vectorizer()
        words = self.word_.fit_transform(own_docs + heading_docs + chapter_docs)
        self.char_ = _char_vectorizer()
        chars = self.char_.fit_transform(own_docs + heading_docs)
        vocab = self.word_.vocabulary_
        weights = np.ones(len(vocab))
        weights[[vocab[m] for m in MATERIALS if m in vocab]] = self.material
        self.word_weights_ = weights
        self.own_word_ = words[:n_own].T.tocsr()
        self.heading_word_ = words[n_own : n_own + n_head].T.tocsr()
        self.chapter_word_ = words[n_own + n_head :].T.tocsr()
        self.own_char_ = chars[:n_own].T.tocsr()
        self.heading_char_ = chars[n_own:].T.tocsr()
        # trade names as token tuples -> (index of subheadings they point at)
        phrases: dict[tuple[str, ...], set[int]] = {}
        position = {c: i for i, c in enumerate(self.codes_)}
        children: dict[str, list[int]] = {}
        for i, c in enumerate(self.codes_):
            children.setdefault(c[:4], []).append(i)
            children.setdefault(c[:2], []).append(i)
        for code, terms in names.items():
            targets = {position[code]} if len(code) == 6 else set(children.get(code, ()))
            for term in terms:
                key = tuple(tokens(term))
                if key:
                    phrases.setdefault(key, set()).update(targets)
        self.phrases_ = {k: np.array(sorted(v)) for k, v in phrases.items()}
        self.max_phrase_ = max(len(k) for k in self.phrases_)
        return self

    def raw_scores(self, normalised: list[str]) -> np.ndarray:
        """Similarity of each normalised description (rows) with each subheading (columns)."""
        emphasised = [emphasise_head(t) for t in normalised]
        qw = tfidf(self.word_, emphasised)
        qw.data *= self.word_weights_[qw.indices]
        qw = normalise_rows(qw)
        qc = tfidf(self.char_, emphasised)
        mix = 1.0 - self.char
        own = mix * (qw @ self.own_word_) + self.char * (qc @ self.own_char_)
        head = mix * (qw @ self.heading_word_) + self.char * (qc @ self.heading_char_)
        chap = qw @ self.chapter_word_
        scores = self.own * _dense(own)
        scores += self.heading * _dense(head)[:, self.heading_of_]
        scores += self.chapter * _dense(chap)[:, self.chapter_of_]
        for row, text in enumerate(normalised):
            self._boost_phrases(scores[row], text.split())
        return scores / (self.own + self.heading + self.chapter)

    def _boost_phrases(self, row: np.ndarray, words: list[str]) -> None:
        """Boost the codes of trade names found whole; the longer the name, the larger the boost. Names
        after "for" (the use) and names of materials (when an article is also named) count less."""
        if not words:
            return
        matches: list[tuple[np.ndarray, float, bool]] = []
        n = sum(1 for w in words if w not in (FOR, SEP))
        seen_for = seen_sep = False
        for start, word in enumerate(words):
            if word in (FOR, SEP):
                seen_for = seen_for or word == FOR
                seen_sep = seen_sep or word == SEP
                continue
            for size in range(min(self.max_phrase_, len(words) - start), 0, -1):
                key = tuple(words[start : start + size])
                targets = self.phrases_.get(key)
                if targets is None:
                    continue
                weight = self.phrase * (0.5 + 0.5 * size / n) / len(targets) ** 0.25
                if seen_for:
                    weight *= 0.3
                if seen_sep:
                    weight *= 0.6
                matches.append((targets, weight, all(w in MATERIALS for w in key)))
                break
        has_article = any(not material for _, _, material in matches)
        best = np.zeros_like(row)
        for targets, weight, material in matches:
            w = weight * (0.4 if material and has_article else 1.0)
            best[targets] = np.maximum(best[targets], w)
        row += best

    def probabilities(self, normalised: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities over subheadings, best raw score) for each description."""
        raw = self.raw_scores(normalised)
        top = raw.max(axis=1)
        z = (raw - top[:, None]) / self.temperature
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        return p, top

    def search(self, text: str, limit: int = 10) -> list[tuple[str, float]]:
        """The best subheadings, headings and chapters for a text, as (code, score), best first."""
        norm = normalise(text)
        if not norm:
            return []
        raw = self.raw_scores([norm])[0]
        order = np.argsort(-raw)[: limit * 3]
        out: list[tuple[str, float]] = []
        seen: set[str] = set()
        for i in order:
            code = str(self.codes_[i])
            for parent in (code[:2], code[:4]):
                if parent not in seen and len(out) < limit and raw[i] > 0:
                    seen.add(parent)
                    out.append((parent, float(raw[i])))
            if len(out) < limit and raw[i] > 0:
                out.append((code, float(raw[i])))
            if len(out) >= limit:
                break
        return out


def _dense(m) -> np.ndarray:
    return m.toarray() if sp.issparse(m) else np.asarray(m)


@cache
def nomenclature_retriever() -> NomenclatureRetriever:
    """The fitted zero-shot retriever (built once per process, about a second)."""
    return NomenclatureRetriever().fit()


def search_codes(query: str, limit: int = 10) -> list[Entry]:
    """Codes whose number starts with the query, or whose text best matches it (the nomenclature retriever)."""
    digits = re.sub(r"[\s.]", "", query)
    if digits.isdigit():
        return [e for c, e in entries().items() if c.startswith(digits)][:limit]
    return [entries()[code] for code, _ in nomenclature_retriever().search(query, limit)]
