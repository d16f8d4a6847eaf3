"""TF-IDF transform without scikit-learn's per-call validation: the same vectors as
``TfidfVectorizer.transform`` (sublinear tf, l2 norm), in a fraction of the time for one short text,
which is what a suggestion needs to stay within its latency budget."""

from __future__ import annotations

import weakref

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

#: Analyzer of each fitted vectorizer (kept outside the object, so that pickling it is unchanged).
_ANALYZERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def tfidf(vectorizer: TfidfVectorizer, texts: list[str]) -> sp.csr_matrix:
    """Rows of l2-normalised, sublinear-tf TF-IDF vectors for ``texts`` (fitted ``vectorizer``)."""
    analyze = _ANALYZERS.get(vectorizer)
    if analyze is None:
        analyze = _ANALYZERS[vectorizer] = vectorizer.build_analyzer()
    vocab = vectorizer.vocabulary_
    idf = vectorizer.idf_
    indptr = [0]
    indices: list[int] = []
    data: list[float] = []
    for text in texts:
        counts: dict[int, int] = {}
        for gram in analyze(text):
            j = vocab.get(gram)
            if j is not None:
                counts[j] = counts.get(j, 0) + 1
        if counts:
            cols = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            vals = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * idf[
                cols
            ]
            vals /= np.sqrt(vals @ vals)
            indices.extend(cols.tolist())
            data.extend(vals.tolist())
        indptr.append(len(indices))
    return sp.csr_matrix(
        (
            np.array(data, dtype=np.float64),
            np.array(indices, dtype=np.int64),
            np.array(indptr, dtype=np.int64),
        ),
        shape=(len(texts), len(vocab)),
    )


def normalise_rows(m: sp.csr_matrix) -> sp.csr_matrix:
    """Scale each row of a CSR matrix to unit l2 norm in place (empty rows stay empty); returns it."""
    if m.nnz:
        lengths = np.diff(m.indptr)
        sq = np.add.reduceat(m.data**2, m.indptr[:-1][lengths > 0])
        norms = np.ones(m.shape[0])
        norms[lengths > 0] = np.sqrt(sq)
        norms[norms == 0] = 1.0
        m.data /= np.repeat(norms, lengths)
    return m
