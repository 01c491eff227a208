"""One TF-IDF: sublinear tf × smoothed idf, l2-normalised rows (scikit-learn's formula).

Used by the structure classifiers (lemma n-grams) and the cluster stage's lexical features. The
fitted space is a vocabulary and an idf vector, saved by its owner as JSON/.npz (no pickles) and
rebuilt here, so a model transforms new documents exactly as it did its training documents.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np


def _identity(doc: Any) -> Any:
    return doc


@dataclass
class TfidfSpace:
    """A fitted TF-IDF space: `vocab` (term → column) and `idf` (one weight per column)."""

    vocab: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(
        cls,
        docs: Sequence[Any],
        analyzer: Callable[[Any], list[str]] = _identity,
        min_df: int = 1,
        max_features: int | None = None,
        dtype: Any = np.float64,
    ) -> TfidfSpace:
        """Fit on documents given as token lists (or anything `analyzer` turns into tokens).

        Raises ValueError when no term reaches `min_df`.
        """
        return cls.fit_transform(docs, analyzer, min_df, max_features, dtype, matrix=False)[0]

    @classmethod
    def fit_transform(
        cls,
        docs: Sequence[Any],
        analyzer: Callable[[Any], list[str]] = _identity,
        min_df: int = 1,
        max_features: int | None = None,
        dtype: Any = np.float64,
        matrix: bool = True,
        vocabulary: Collection[str] | None = None,
    ) -> tuple[TfidfSpace, Any]:
        """`fit`, and the documents' `transform` from the same counting pass (None when
        `matrix` is false). `vocabulary`: exactly these terms (`min_df` and `max_features`
        then do not apply). Raises ValueError when no term reaches `min_df`."""
        from sklearn.feature_extraction.text import TfidfVectorizer

        vec = TfidfVectorizer(
            analyzer=analyzer,
            min_df=min_df,
            max_features=max_features,
            sublinear_tf=True,
            dtype=dtype,
            vocabulary=None if vocabulary is None else sorted(vocabulary),
        )
        x = vec.fit_transform(list(docs)).tocsr() if matrix else None
        if not matrix:
            vec.fit(list(docs))
        terms = vec.get_feature_names_out().tolist()
        space = cls({t: i for i, t in enumerate(terms)}, np.asarray(vec.idf_, dtype=dtype))
        return space, x

    def transform(
        self,
        docs: Sequence[Any],
        analyzer: Callable[[Any], list[str]] = _identity,
        dtype: Any = np.float64,
    ):
        """Sparse (n, V) matrix: (1 + log tf) × idf per term, rows scaled to unit length
        (all-zero rows for documents without known terms)."""
        from sklearn.feature_extraction.text import CountVectorizer
        from sklearn.preprocessing import normalize

        counts = CountVectorizer(analyzer=analyzer, vocabulary=self.vocab, dtype=dtype).transform(
            list(docs)
        )
        counts.data = 1.0 + np.log(counts.data)
        return normalize(counts.multiply(self.idf[None, :]).tocsr())

    @property
    def terms(self) -> list[str]:
        """The vocabulary in column order."""
        return sorted(self.vocab, key=self.vocab.__getitem__)
