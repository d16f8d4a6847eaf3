"""The trained HS classifier: word and character n-grams over past declarations, blended with the
nomenclature retriever for codes the history has few or no examples of.

Scores are a distribution over HS 2022 subheadings; headings and chapters get the sum of their
subheadings, so a wrong subheading can still be the right heading (the hierarchy is read top-down
when ranking at 4 or 2 digits). Training folds duplicate descriptions first: a million declarations
usually carry far fewer distinct texts, and the model is the same either way.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from clearsight.hs.retrieval import NomenclatureRetriever, nomenclature_retriever
from clearsight.hs.text import normalise, without_marker
from clearsight.hs.vectors import normalise_rows, tfidf


class HSClassifier(BaseEstimator):
    """Description -> probabilities over HS 2022 subheadings.

    ``neighbours``: past descriptions consulted per query; ``centroid_weight``: share of the class
    centroid score against the neighbours' vote; ``retrieval_weight``: least share of the nomenclature
    retriever (it grows as the description moves away from anything seen in training);
    ``temperature``: sharpness of the centroid softmax; ``unseen_weight``: least share of the
    retriever's probability kept for codes the history has no example of.
    """

    def __init__(
        self,
        neighbours: int = 15,
        centroid_weight: float = 0.4,
        retrieval_weight: float = 0.1,
        temperature: float = 0.05,
        char_weight: float = 0.5,
        unseen_weight: float = 0.4,
    ) -> None:
        self.neighbours = neighbours
        self.centroid_weight = centroid_weight
        self.retrieval_weight = retrieval_weight
        self.temperature = temperature
        self.char_weight = char_weight
        self.unseen_weight = unseen_weight

    # -- training ---------------------------------------------------------------------------------
    def fit(self, texts, codes, retriever: NomenclatureRetriever | None = None) -> HSClassifier:
        """Learn from descriptions and their 6-digit codes (codes outside the retriever's HS 2022 are refused)."""
        retriever = retriever or nomenclature_retriever()
        self.codes_ = retriever.codes_
        position = {c: i for i, c in enumerate(self.codes_)}
        pairs: dict[tuple[str, int], int] = {}
        norm_cache: dict[str, str] = {}
        for text, code in zip(texts, codes, strict=True):
            col = position.get(code)
            if col is None or not text:
                continue
            norm = norm_cache.get(text)
            if norm is None:
                norm = norm_cache[text] = normalise(text)
            if norm:
                pairs[(norm, col)] = pairs.get((norm, col), 0) + 1
        if not pairs:
            raise ValueError("no usable (description, HS 2022 subheading) pair to learn from")
        docs: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for (norm, col), n in pairs.items():
            rows.append(docs.setdefault(norm, len(docs)))
            cols.append(col)
            counts.append(n)
        self.n_examples_ = int(sum(counts))
        self.n_texts_ = len(docs)
        labels = sp.csr_matrix((np.array(counts, float), (rows, cols)), shape=(len(docs), len(self.codes_)))
        self.word_ = TfidfVectorizer(
            tokenizer=str.split,
            token_pattern=None,
            lowercase=False,
            ngram_range=(1, 2),
            sublinear_tf=True,
            preprocessor=without_marker,
        )
        self.char_ = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, preprocessor=without_marker
        )
        doc_list = list(docs)
        X = self._stack(self.word_.fit_transform(doc_list), self.char_.fit_transform(doc_list))
        self.examples_ = X.T.tocsr()  # features x texts
        # label distribution of each distinct text (a text declared under two codes splits its vote)
        self.text_labels_ = normalize(labels, norm="l1").tocsr()
        weighted = labels.copy()
        weighted.data = 1.0 + np.log(weighted.data)
        self.centroids_ = normalize(weighted.T @ X).T.tocsr()  # features x subheadings
        self.class_counts_ = np.asarray(labels.sum(axis=0)).ravel()
        self.retriever_ = retriever
        return self

    def _coverage(self, normalised: list[str]) -> np.ndarray:
        """Share of each description's word weight (nomenclature IDF) that the training vocabulary knows."""
        idf = self.retriever_.word_.idf_
        vocab = self.retriever_.word_.vocabulary_
        known = self.word_.vocabulary_
        out = np.ones(len(normalised))
        for r, text in enumerate(normalised):
            words = without_marker(text).split()
            weights = [idf[vocab[w]] if w in vocab else 1.0 for w in words]
            total = sum(weights)
            if total:
                out[r] = sum(wt for w, wt in zip(words, weights, strict=True) if w in known) / total
        return out

    def _stack(self, words, chars):
        w = 1.0 - self.char_weight
        stacked = sp.hstack([words * np.sqrt(w), chars * np.sqrt(self.char_weight)], format="csr")
        return normalise_rows(stacked.astype(np.float64))

    # -- prediction -------------------------------------------------------------------------------
    def predict_proba(self, normalised: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities over ``codes_``, confidence in [0, 1]) for normalised descriptions."""
        X = self._stack(tfidf(self.word_, normalised), tfidf(self.char_, normalised))
        centroid = (X @ self.centroids_).toarray()
        z = (centroid - centroid.max(axis=1, keepdims=True)) / self.temperature
        p_centroid = np.exp(z)
        p_centroid /= p_centroid.sum(axis=1, keepdims=True)
        sims = (X @ self.examples_).toarray()
        k = min(self.neighbours, sims.shape[1])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        top_sims = np.take_along_axis(sims, top, axis=1)
        weights = np.maximum(top_sims, 0) ** 4
        rows = np.repeat(np.arange(len(normalised)), k)
        W = sp.csr_matrix((weights.ravel(), (rows, top.ravel())), shape=sims.shape)
        p_knn = (W @ self.text_labels_).toarray()
        totals = p_knn.sum(axis=1, keepdims=True)
        p_knn = np.divide(p_knn, totals, out=np.zeros_like(p_knn), where=totals > 0)
        p_model = self.centroid_weight * p_centroid + (1 - self.centroid_weight) * p_knn
        # words the history never saw (weighted by their rarity in the nomenclature) make it less sure
        nearest = top_sims.max(axis=1) * self._coverage(normalised)
        p_ret, ret_top = self.retriever_.probabilities(normalised)
        lam = np.clip(1.0 - nearest, self.retrieval_weight, 0.9)[:, None]
        # codes the history never showed keep a fixed share of the retriever's belief
        unseen = np.maximum(lam, self.unseen_weight) * (self.class_counts_ == 0)
        p = (1 - lam) * p_model + np.where(self.class_counts_ > 0, lam, unseen) * p_ret
        p /= p.sum(axis=1, keepdims=True)
        confidence = np.maximum(nearest, ret_top)
        return p, confidence
