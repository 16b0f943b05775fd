"""Character n-gram features for short, mixed-script keywords."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from scipy import sparse

__all__ = ["keyword_ngrams", "tfidf_features"]

_RUNS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[^\s\u3400-\u9fff\uf900-\ufaff]+")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def keyword_ngrams(text: str) -> list[str]:
    """n-grams of one normalised keyword: character 1-3-grams of Chinese runs, and
    word-boundary 2-4-grams of Latin / digit tokens plus the token itself (so that one-
    character tokens such as the size "s" or "3" are kept, as naive tokenisers drop them).
    """
    grams: list[str] = []
    for run in _RUNS.findall(text):
        if _CJK.match(run):
            n = len(run)
            for size in (1, 2, 3):
                grams.extend(run[i : i + size] for i in range(n - size + 1))
        else:
            grams.append(f"<{run}>")
            padded = f" {run} "
            for size in (2, 3, 4):
                grams.extend(padded[i : i + size] for i in range(len(padded) - size + 1))
    return grams


def tfidf_features(
    texts: Sequence[str], *, hashing: bool = False, n_features: int = 1 << 20
) -> tuple[sparse.csr_matrix, np.ndarray]:
    """L2-normalised TF-IDF rows (sublinear tf) of the keywords' n-grams.

    With ``hashing`` the vocabulary is hashed into ``n_features`` columns (bounded
    memory for very large inputs); otherwise it is learned.

    Returns the matrix and a mask of the columns to use when looking for neighbours:
    single Chinese characters are left out there (they are shared by a large part of
    any account and would make the neighbour search dense, while adding little to
    similarity); with hashing every column is used.
    """
    # imported here: scikit-learn is slow to import and pulls in pandas when present
    from sklearn.feature_extraction.text import (
        HashingVectorizer,
        TfidfTransformer,
        TfidfVectorizer,
    )

    if hashing:
        counts = HashingVectorizer(
            analyzer=keyword_ngrams, n_features=n_features, alternate_sign=False, norm=None
        ).transform(texts)
        matrix = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
        return sparse.csr_matrix(matrix), np.ones(matrix.shape[1], dtype=bool)
    vectorizer = TfidfVectorizer(analyzer=keyword_ngrams, sublinear_tf=True, dtype=np.float64)
    matrix = vectorizer.fit_transform(texts)
    names = vectorizer.get_feature_names_out()
    mask = np.array([not (len(f) == 1 and _CJK.match(f)) for f in names], dtype=bool)
    return sparse.csr_matrix(matrix), mask
