"""The space barrier clusters live in.

Reads  nothing from disk: statement vectors, their case (narrative) vectors and lexical texts.
Writes nothing; returns unit feature rows: the centred e5 vector of a statement plus
`context_weight` times its case's centred vector, joined with `lexical_weight` times an LSA
projection of lemma TF-IDF (`LexicalModel`, saved with the cluster state). A Dutch compound
also counts the two corpus lemmas it is made of ("huurachterstand" counts "huur" and
"achterstand"), so cases that name one barrier in different words share terms.
Guarantees: deterministic (the LSA basis is an exact ARPACK SVD); an incremental run projects
new statements with the saved means and lexical model, so old and new rows share one space.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np
import pandas as pd

from pipeline.core.config import ClusterParams
from pipeline.core.text import compound_splits, content_lemmas, stop_words
from pipeline.core.tfidf import TfidfSpace


def lexical_text(*texts: str | None) -> str:
    """Space-joined content lemmas of the texts (stop words, numbers, short words and
    anonymisation placeholders dropped)."""
    stops = stop_words()
    return " ".join(
        t
        for text in texts
        for t in content_lemmas(text or "")
        if len(t) > 2 and t not in stops and not any(ch.isdigit() for ch in t)
    )


class CompoundTokens(dict):
    """Tokenizer of lexical texts: each word, then its parts wherever it splits into two `known`
    words (the first may end in a linking s, e or en), parts of at least `min_chars` letters:
    "huurachterstand" → huurachterstand, huur, achterstand; "uitkeringsgeld" → ..., uitkering,
    geld. Both halves must be words: a part that merely begins many words ("woord" in
    "woordabc") would tie unrelated texts together. A dict of each word's tokens, filled as
    words come; `min_chars` 0 splits on spaces only."""

    def __init__(self, known: set[str], min_chars: int):
        super().__init__()
        self.known, self.min_chars = known, min_chars

    def __missing__(self, word: str) -> list[str]:
        hit = [word]
        for head, tail in compound_splits(word, self.known.__contains__):
            hit += [p for p in (head, tail) if len(p) >= self.min_chars]
        self[word] = hit
        return hit

    def of_words(self, words: list[str]) -> list[str]:
        if self.min_chars <= 0:
            return words
        return list(chain.from_iterable(map(self.__getitem__, words)))

    def __call__(self, text: str) -> list[str]:
        return self.of_words(text.split())


@dataclass
class LexicalModel:
    """Sublinear lemma TF-IDF (with compound parts, `CompoundTokens`) projected on an LSA basis:
    the fitted vocabulary, idf and basis are saved with the cluster state, so an incremental run
    projects new statements the same way."""

    vocab: np.ndarray  # (V,) str
    idf: np.ndarray  # (V,) float32
    components: np.ndarray  # (k, V) float32
    part_min_chars: int = 0  # 0: no compound parts (states saved before they existed)

    @classmethod
    def fit_transform(
        cls,
        texts: Sequence[str],
        n_components: int,
        max_features: int,
        seed: int,
        part_min_chars: int,
        min_captured: float,
    ) -> tuple[LexicalModel | None, np.ndarray | None]:
        """Fit on lexical texts (see `lexical_text`) and project them (`transform`) from one
        counting pass; (None, None) when there are too few words. `part_min_chars` > 0: a
        compound also counts the two corpus words it is made of (`CompoundTokens`)."""
        from sklearn.decomposition import TruncatedSVD

        split = [text.split() for text in texts]
        # the terms: words in at least two texts (at most `max_features`, most frequent first);
        # compounds split into them only, so the terms are exactly what `transform` knows
        df = Counter(chain.from_iterable(set(words) for words in split))
        terms = [w for w, c in sorted(df.items(), key=lambda t: (-t[1], t[0])) if c >= 2]
        if not terms:  # empty vocabulary
            return None, None
        tokens = CompoundTokens(set(terms[:max_features]), part_min_chars)
        docs = [tokens.of_words(words) for words in split]
        space, tfidf = TfidfSpace.fit_transform(docs, dtype=np.float32, vocabulary=tokens.known)
        k = min(n_components, tfidf.shape[1] - 1, tfidf.shape[0] - 1)
        if k < 2:
            return None, None
        # arpack: the exact leading singular vectors, so the basis does not depend on the seed
        svd = TruncatedSVD(n_components=k, algorithm="arpack", random_state=seed).fit(tfidf)
        model = cls(
            np.asarray(space.terms, dtype=str),
            space.idf.astype(np.float32),
            svd.components_.astype(np.float32),
            part_min_chars,
        )
        return model, model._project(tfidf, min_captured)

    def transform(self, texts: Sequence[str], min_captured: float) -> np.ndarray:
        """(n, k) LSA vectors: unit length when the basis captures at least `min_captured` of
        a text's (unit) TF-IDF vector, shorter in proportion when it captures less (zero rows
        for texts without known words). Scaling every row to unit length would make all texts
        whose own words lie outside the basis look alike: what is left of them is mostly the
        words they share with everything."""
        terms = self.vocab.tolist()
        space = TfidfSpace({w: i for i, w in enumerate(terms)}, self.idf)
        # the fit split compounds among exactly these terms, so its texts get the same tokens
        tokens = CompoundTokens(set(terms), self.part_min_chars)
        docs = [tokens.of_words(text.split()) for text in texts]
        return self._project(space.transform(docs, dtype=np.float32), min_captured)

    def _project(self, tfidf, min_captured: float) -> np.ndarray:
        z = np.asarray(tfidf @ self.components.T, dtype=np.float32)
        norms = np.linalg.norm(z, axis=1, keepdims=True)
        return z / np.maximum(norms, max(min_captured, 1e-12))


def centre(vectors: np.ndarray, mean: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Subtract the mean vector and re-normalise: spreads e5's narrow cosine band."""
    x = np.asarray(vectors, dtype=np.float32)
    if mean is None:
        mean = x.mean(axis=0)
    return _unit(x - mean), np.asarray(mean, dtype=np.float32)


def features(
    vectors: np.ndarray,
    context: np.ndarray | None,
    params: ClusterParams,
    mean: np.ndarray | None = None,
    context_mean: np.ndarray | None = None,
    lexical: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The space clusters live in: the centred statement vector plus `context_weight` times the
    centred vector of its case (a barrier sentence read in the context of its case),
    re-normalised, then joined with `lexical_weight` times the lexical part (`lexical`, unit
    rows from `LexicalModel.transform`, at most unit length) when given, re-normalised.
    Returns (features, mean, context_mean)."""
    x, mean = centre(vectors, mean)
    if context is not None and params.context_weight > 0 and len(context) == len(x):
        c, context_mean = centre(context, context_mean)
        x = _unit(x + params.context_weight * c)
    else:
        context_mean = None
    if lexical is not None and params.lexical_weight > 0 and len(lexical) == len(x):
        x = _unit(np.hstack([x, params.lexical_weight * lexical]).astype(np.float32))
    return x, mean, context_mean


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def lexical_texts_of(statements: pd.DataFrame, cases: pd.DataFrame) -> list[str]:
    """Per statement: the lemmas of the statement followed by those of its case's narrative and
    knelpunt field (each case's text is lemmatised once)."""
    cols = [c for c in ("narrative", "knelpunt") if c in cases]
    case_text = {
        str(r["case_id"]): lexical_text(*(r[c] if isinstance(r[c], str) else "" for c in cols))
        for r in cases[["case_id", *cols]].to_dict("records")
    }
    return [
        f"{lexical_text(t)} {case_text.get(str(c), '')}".strip()
        for t, c in zip(statements["text"], statements["case_id"], strict=True)
    ]
