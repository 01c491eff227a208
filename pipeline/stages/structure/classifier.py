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
        sample_weight: Sequence[float] | None = None,
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
                clf.fit(x, target, sample_weight=sample_weight)
                coefs.append(clf.coef_[0])
                inters.append(float(clf.intercept_[0]))
            model.coef, model.intercept = np.vstack(coefs), np.array(inters)
            model.classes = [str(c) for c in classes]
        elif len({str(v) for v in y}) == 1:  # one answer only: predict it
            model.coef, model.intercept = np.zeros((1, len(terms))), np.zeros(1)
            model.classes = [str(y[0])]
        else:
            y = [str(v) for v in y]
            clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)
            clf.fit(x, y, sample_weight=sample_weight)
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


@dataclass
class LinearFeatureModel:
    """Standardised numeric features → one logistic score (a ranker: higher = more likely).

    Stored as JSON (feature names, means, scales, weights), no pickles.
    """

    names: list[str]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def score(self, x: np.ndarray) -> np.ndarray:
        """Decision values of the rows of x (columns in the order of `names`)."""
        x = np.asarray(x, dtype=float).reshape(-1, len(self.names))
        return ((x - self.mean) / self.scale) @ self.coef + self.intercept

    @classmethod
    def fit(
        cls, x: np.ndarray, y: Sequence[bool], names: Sequence[str], seed: int, c: float = 1.0
    ) -> LinearFeatureModel:
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(x, dtype=float)
        mean, scale = x.mean(axis=0), x.std(axis=0)
        scale[scale == 0] = 1.0
        clf = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, random_state=seed)
        clf.fit((x - mean) / scale, np.asarray(y, dtype=int))
        return cls(list(names), mean, scale, clf.coef_[0].copy(), float(clf.intercept_[0]))

    def save(self, folder: Path, name: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "kind": "features",
            "names": self.names,
            "mean": [round(float(v), 6) for v in self.mean],
            "scale": [round(float(v), 6) for v in self.scale],
            "coef": [round(float(v), 6) for v in self.coef],
            "intercept": round(self.intercept, 6),
        }
        (folder / f"{name}.json").write_text(json.dumps(meta, indent=1), "utf-8")

    @classmethod
    def load(cls, folder: Path, name: str) -> LinearFeatureModel:
        meta = json.loads((folder / f"{name}.json").read_text("utf-8"))
        return cls(
            meta["names"],
            np.array(meta["mean"], dtype=float),
            np.array(meta["scale"], dtype=float),
            np.array(meta["coef"], dtype=float),
            float(meta["intercept"]),
        )


TASKS = ("role", "told", "barrier_type", "domains", "orde", "outcome", "solution_type")
RANKERS = ("main",)  # LinearFeatureModel tasks: the main barrier sentence


@dataclass
class StructureModel:
    """The trained components: sentence role (barrier/solution/other), the ending reader (is a
    solution told?), the case-level labels and the main-barrier ranker."""

    models: dict[str, LinearTextModel]
    rankers: dict[str, LinearFeatureModel]

    def save(self, folder: Path, metrics: dict[str, Any] | None = None) -> None:
        for name, m in self.models.items():
            m.save(folder, name)
        for name, r in self.rankers.items():
            r.save(folder, name)
        if metrics is not None:
            (folder / "metrics.json").write_text(json.dumps(metrics, indent=2), "utf-8")

    @classmethod
    def load(cls, folder: Path | str) -> StructureModel:
        folder = Path(folder)
        missing = [t for t in TASKS + RANKERS if not (folder / f"{t}.json").exists()]
        if missing:
            raise FileNotFoundError(
                f"structure model incomplete in {folder} (missing {missing}); run "
                "`casuswijzer stage train-structure` first"
            )
        return cls(
            {t: LinearTextModel.load(folder, t) for t in TASKS},
            {r: LinearFeatureModel.load(folder, r) for r in RANKERS},
        )
