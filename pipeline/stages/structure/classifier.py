"""Small linear text classifiers (lemma uni/bigram TF-IDF + logistic regression) stored as JSON +
.npz (no pickles), one per task."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from pipeline.core.tfidf import TfidfSpace

log = logging.getLogger(__name__)


def _ngrams(tokens: Sequence[str]) -> list[str]:
    words = [t for t in tokens if not t.startswith("__")]
    bigrams = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return list(tokens) + bigrams


@dataclass
class LinearTextModel:
    """TF-IDF (sublinear tf, l2) over lemma uni/bigrams + cue tokens → logistic regression.

    `multilabel` models hold one binary classifier per class (sigmoid); others are softmax.
    """

    vocab: dict[str, int]
    idf: np.ndarray
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray
    classes: list[str]
    multilabel: bool = False
    threshold: float = 0.5

    def features(self, docs: Sequence[Sequence[str]]):
        """Sparse TF-IDF rows of the documents' lemma n-grams (and cue tokens)."""
        return TfidfSpace(self.vocab, self.idf).transform(docs, _ngrams)

    def predict_proba(self, docs: Sequence[Sequence[str]]) -> np.ndarray:
        if len(docs) == 0:
            return np.zeros((0, len(self.classes)))
        z = self.features(docs) @ self.coef.T + self.intercept
        z = np.asarray(z)
        if self.multilabel:
            return 1.0 / (1.0 + np.exp(-z))
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    @classmethod
    def fit(
        cls,
        docs: Sequence[Sequence[str]],
        y: Sequence[Any],
        seed: int,
        multilabel: bool = False,
        classes: Sequence[str] | None = None,
        min_df: int = 2,
        c: float = 4.0,
    ) -> LinearTextModel:
        from sklearn.linear_model import LogisticRegression

        space = TfidfSpace.fit(docs, _ngrams, min_df=min_df)
        terms = space.terms
        model = cls(space.vocab, space.idf, np.zeros((0, len(terms))), np.zeros(0), [], multilabel)
        x = model.features(docs)
        if multilabel:
            classes = list(classes or sorted({c for labels in y for c in labels}))
            coefs, inters = [], []
            for c_name in classes:
                target = np.array([c_name in labels for labels in y], dtype=int)
                if target.min() == target.max():  # class never/always present in training data
                    coefs.append(np.zeros(len(terms)))
                    inters.append(-5.0 if target.max() == 0 else 5.0)
                    continue
                clf = LogisticRegression(
                    C=c, class_weight="balanced", max_iter=3000, random_state=seed
                )
                clf.fit(x, target)
                coefs.append(clf.coef_[0])
                inters.append(float(clf.intercept_[0]))
            model.coef, model.intercept = np.vstack(coefs), np.array(inters)
            model.classes = [str(c) for c in classes]
        else:
            y = [str(v) for v in y]
            clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)
            clf.fit(x, y)
            coef, inter = clf.coef_, clf.intercept_
            if len(clf.classes_) == 2:  # sklearn stores one row for binary problems
                coef, inter = (
                    np.vstack([-coef[0], coef[0]]) / 2,
                    np.array([-inter[0], inter[0]]) / 2,
                )
            model.coef, model.intercept = coef, inter
            model.classes = [str(c) for c in clf.classes_]
        return model

    def save(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        terms = sorted(self.vocab, key=self.vocab.get)
        meta = {
            "classes": self.classes,
            "multilabel": self.multilabel,
            "threshold": self.threshold,
            "terms": terms,
        }
        (folder / f"{name}.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
        np.savez_compressed(
            folder / f"{name}.npz",
            idf=self.idf.astype(np.float32),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept.astype(np.float32),
        )

    @classmethod
    def load(cls, folder: Path, name: str) -> LinearTextModel:
        meta = json.loads((folder / f"{name}.json").read_text("utf-8"))
        arrays = np.load(folder / f"{name}.npz")
        vocab = {t: i for i, t in enumerate(meta["terms"])}
        return cls(
            vocab,
            arrays["idf"].astype(float),
            arrays["coef"].astype(float),
            arrays["intercept"].astype(float),
            meta["classes"],
            meta["multilabel"],
            float(meta.get("threshold", 0.5)),
        )


TASKS = ("role", "barrier_type", "domains", "orde", "outcome", "solution_type")


@dataclass
class StructureModel:
    """The trained components: sentence role (barrier/solution/other) and the case-level labels."""

    models: dict[str, LinearTextModel]

    def save(self, folder: Path, metrics: dict[str, Any] | None = None) -> None:
        for name, m in self.models.items():
            m.save(folder, name)
        if metrics is not None:
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2), "utf-8")

    @classmethod
    def load(cls, folder: Path | str) -> StructureModel:
        folder = Path(folder)
        missing = [t for t in TASKS if not (folder / f"{t}.json").exists()]
        if missing:
            raise FileNotFoundError(
                f"structure model incomplete in {folder} (missing {missing}); run "
                "`casuswijzer train-structure` first"
            )
        return cls({t: LinearTextModel.load(folder, t) for t in TASKS})
