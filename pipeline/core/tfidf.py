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


def _vectorizer(
    analyzer: Callable[[Any], list[str]],
    min_df: int,
    max_features: int | None,
    dtype: Any,
    vocabulary: Collection[str] | None,
) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer=analyzer,
        min_df=min_df,
        max_features=max_features,
        sublinear_tf=True,
        dtype=dtype,
        vocabulary=None if vocabulary is None else sorted(vocabulary),
    )


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
        vec = _vectorizer(analyzer, min_df, max_features, dtype, None).fit(list(docs))
        return cls._of(vec, dtype)

    @classmethod
    def fit_transform(
        cls,
        docs: Sequence[Any],
        dtype: Any = np.float64,
        vocabulary: Collection[str] | None = None,
    ) -> tuple[TfidfSpace, Any]:
        """`fit` on token lists (min_df 1) and their `transform`, from one counting pass.
        `vocabulary`: exactly these terms."""
        vec = _vectorizer(_identity, 1, None, dtype, vocabulary)
        x = vec.fit_transform(list(docs)).tocsr()
        return cls._of(vec, dtype), x

    @classmethod
    def _of(cls, vec: Any, dtype: Any) -> TfidfSpace:
        terms = vec.get_feature_names_out().tolist()
        return cls({t: i for i, t in enumerate(terms)}, np.asarray(vec.idf_, dtype=dtype))

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
