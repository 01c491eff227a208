"""TODO docstring."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.core.io import atomic_write
from pipeline.stages.cluster.features import LexicalModel

STATE_VERSION = 2


@dataclass
class ClusterState:
    """Everything an incremental run and id matching need from the previous run."""

    mean: np.ndarray  # centring vector of the fitted statement vectors (dim,)
    centroid_ids: np.ndarray  # (k,) stable cluster ids
    centroids: np.ndarray  # (k, dim) unit vectors in the centred space
    threshold: float  # cosine to a centroid needed to join it
    next_id: int  # ids are never reused
    assignments: pd.DataFrame  # statement_id, cluster_id, probability, x, y
    info: dict[str, Any] = field(default_factory=dict)
    context_mean: np.ndarray | None = None  # centring vector of the case (context) vectors
    lexical: LexicalModel | None = None  # the fitted lexical part of the features

    def save(self, folder: Path) -> None:
        """Write state.json, centroids.npz and assignments.parquet (each atomically)."""
        folder.mkdir(parents=True, exist_ok=True)
        meta = {
            "version": STATE_VERSION,
            "threshold": self.threshold,
            "next_id": self.next_id,
            **self.info,
        }
        atomic_write(
            folder / "state.json", lambda p: p.write_text(json.dumps(meta, indent=2), "utf-8")
        )
        ctx = self.context_mean if self.context_mean is not None else np.zeros(0, np.float32)
        atomic_write(
            folder / "centroids.npz",
            lambda p: np.savez(
                p,
                mean=self.mean,
                centroid_ids=self.centroid_ids,
                centroids=self.centroids,
                context_mean=ctx,
                lex_vocab=self.lexical.vocab if self.lexical else np.zeros(0, dtype=str),
                lex_idf=self.lexical.idf if self.lexical else np.zeros(0, np.float32),
                lex_components=(
                    self.lexical.components if self.lexical else np.zeros((0, 0), np.float32)
                ),
            ),
        )
        atomic_write(
            folder / "assignments.parquet", lambda p: self.assignments.to_parquet(p, index=False)
        )

    @classmethod
    def load(cls, folder: Path) -> ClusterState | None:
        """The saved state, or None when there is none (or it is of an older format)."""
        try:
            meta = json.loads((folder / "state.json").read_text("utf-8"))
            arrays = np.load(folder / "centroids.npz")
            assignments = pd.read_parquet(folder / "assignments.parquet")
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if meta.get("version") != STATE_VERSION:
            return None
        threshold, next_id = float(meta.pop("threshold")), int(meta.pop("next_id"))
        meta.pop("version")
        ctx = arrays["context_mean"] if "context_mean" in arrays.files else np.zeros(0)
        lexical = None
        if "lex_vocab" in arrays.files and len(arrays["lex_vocab"]):
            lexical = LexicalModel(arrays["lex_vocab"], arrays["lex_idf"], arrays["lex_components"])
        return cls(
            arrays["mean"],
            arrays["centroid_ids"],
            arrays["centroids"],
            threshold,
            next_id,
            assignments,
            meta,
            ctx if len(ctx) else None,
            lexical,
        )


def match_ids(
    new_labels: np.ndarray,
    statement_ids: Sequence[str],
    previous: pd.DataFrame | None,
    next_id: int,
    min_jaccard: float,
) -> tuple[np.ndarray, int]:
    """Rename fresh cluster labels to the previous run's ids by member overlap (Hungarian on
    Jaccard); unmatched clusters get new ids from next_id upwards. Noise stays -1."""
    fresh = sorted(int(c) for c in set(new_labels.tolist()) if c >= 0)
    mapping: dict[int, int] = {}
    if previous is not None and len(previous) and fresh:
        from scipy.optimize import linear_sum_assignment

        prev = previous[previous["cluster_id"] >= 0]
        old_ids = sorted(int(c) for c in prev["cluster_id"].unique())
        old_sets = {c: set(g) for c, g in prev.groupby("cluster_id")["statement_id"]}
        sids = np.asarray(statement_ids, dtype=object)
        new_sets = {c: set(sids[new_labels == c].tolist()) for c in fresh}
        jac = np.zeros((len(fresh), len(old_ids)))
        for i, c in enumerate(fresh):
            for j, o in enumerate(old_ids):
                inter = len(new_sets[c] & old_sets[o])
                if inter:
                    jac[i, j] = inter / len(new_sets[c] | old_sets[o])
        if len(old_ids):
            rows, cols = linear_sum_assignment(-jac)
            for r, c in zip(rows, cols, strict=True):
                if jac[r, c] >= min_jaccard:
                    mapping[fresh[r]] = old_ids[c]
        next_id = max([next_id, *[o + 1 for o in old_ids]])
    for c in fresh:  # deterministic order: by fresh label
        if c not in mapping:
            mapping[c] = next_id
            next_id += 1
    out = np.array([mapping.get(int(c), -1) for c in new_labels], dtype=np.int64)
    return out, next_id


def _apply_merges(labels: np.ndarray, merges: Mapping[int, int] | None) -> np.ndarray:
    if not merges:
        return labels

    def resolve(c: int) -> int:
        seen = set()
        while c in merges and c not in seen:
            seen.add(c)
            c = merges[c]
        return c

    return np.array([resolve(int(c)) if c >= 0 else -1 for c in labels], dtype=np.int64)
