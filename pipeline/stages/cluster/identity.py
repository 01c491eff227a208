"""Cluster identity: the saved state of the last fit, stable ids by member overlap, merges.

The state lives in `models/cluster/` as one generation folder (`gen-*/`: state.json,
centroids.npz, assignments.parquet; JSON + .npz + Parquet, no pickles) and a pointer file
`CURRENT` naming it. A save writes a new generation and then replaces the pointer atomically,
so a crash at any moment leaves either the old set or the new one, never a mix.

When the state is missing, unreadable or of an older version, `published_membership` reads the
last *published* knowledge base instead: its barrier statements' clusters (mapped to the
current statement ids by case and text) seed the id matching, and its recorded `next_id` keeps
ids from ever being reused.
"""

from __future__ import annotations

import json
import logging
import secrets
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.core.annotations import resolve_merge
from pipeline.core.io import fsync_path, write_text
from pipeline.stages.cluster.features import LexicalModel

log = logging.getLogger(__name__)

# 3: statement ids are content hashes (`{case}-{kind}-{sha256[:10]}`), one generation per save
STATE_VERSION = 3
POINTER = "CURRENT"
STATE_FILES = ("state.json", "centroids.npz", "assignments.parquet")


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

    @classmethod
    def from_membership(cls, assignments: pd.DataFrame, next_id: int) -> ClusterState:
        """A state that carries only ids (statement_id, cluster_id) and `next_id`: enough for a
        full fit to keep the ids by overlap, never for an incremental run (no centroids)."""
        frame = assignments[["statement_id", "cluster_id"]].assign(probability=1.0, x=0.0, y=0.0)
        return cls(
            np.zeros(0, np.float32),
            np.zeros(0, np.int64),
            np.zeros((0, 0), np.float32),
            1.0,
            int(next_id),
            frame,
            {"from": "published"},
        )

    def _write_files(self, folder: Path) -> None:
        meta = {
            "version": STATE_VERSION,
            "threshold": self.threshold,
            "next_id": self.next_id,
            **self.info,
        }
        (folder / "state.json").write_text(json.dumps(meta, indent=2), "utf-8")
        ctx = self.context_mean if self.context_mean is not None else np.zeros(0, np.float32)
        with open(folder / "centroids.npz", "wb") as fh:
            np.savez(
                fh,
                mean=self.mean,
                centroid_ids=self.centroid_ids,
                centroids=self.centroids,
                context_mean=ctx,
                lex_vocab=self.lexical.vocab if self.lexical else np.zeros(0, dtype=str),
                lex_idf=self.lexical.idf if self.lexical else np.zeros(0, np.float32),
                lex_components=(
                    self.lexical.components if self.lexical else np.zeros((0, 0), np.float32)
                ),
                lex_part_min_chars=np.int64(self.lexical.part_min_chars if self.lexical else 0),
            )
        self.assignments.to_parquet(folder / "assignments.parquet", index=False)
        for name in STATE_FILES:
            fsync_path(folder / name)
        fsync_path(folder)

    def save(self, folder: Path) -> None:
        """Write the three state files as one new generation, then point `CURRENT` at it.

        Older generations (and a state in the pre-generation layout) are removed afterwards.
        """
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        gen = f"gen-{secrets.token_hex(6)}"
        (folder / gen).mkdir()
        self._write_files(folder / gen)
        write_text(folder / POINTER, gen + "\n")
        for old in folder.iterdir():
            if old.name == gen or old.name == POINTER:
                continue
            if old.is_dir() and old.name.startswith("gen-"):
                shutil.rmtree(old, ignore_errors=True)
            elif old.name in STATE_FILES:
                old.unlink(missing_ok=True)

    @classmethod
    def load(cls, folder: Path) -> ClusterState | None:
        """The saved state, or None when it is missing, unreadable or of an older version."""
        return cls.load_with_reason(folder)[0]

    @classmethod
    def load_with_reason(cls, folder: Path) -> tuple[ClusterState | None, str | None]:
        """(state, None), or (None, why not): 'ontbreekt', 'onleesbaar: ...', 'oude versie ...'."""
        folder = Path(folder)
        pointer = folder / POINTER
        if pointer.exists():
            name = pointer.read_text("utf-8", errors="replace").strip()
            if not name.startswith("gen-") or "/" in name or not (folder / name).is_dir():
                return None, "onleesbaar: CURRENT wijst niet naar een generatie"
            current = folder / name
        elif (folder / "state.json").exists():
            current = folder  # the layout before generations
        else:
            return None, "ontbreekt"
        try:
            meta = json.loads((current / "state.json").read_text("utf-8"))
            if meta.get("version") != STATE_VERSION:
                return None, f"oude versie {meta.get('version')} (nu {STATE_VERSION})"
            with np.load(current / "centroids.npz", allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            assignments = pd.read_parquet(current / "assignments.parquet")
            threshold, next_id = float(meta.pop("threshold")), int(meta.pop("next_id"))
            meta.pop("version")
            ctx = arrays.get("context_mean", np.zeros(0))
            lexical = None
            if len(arrays.get("lex_vocab", ())):
                lexical = LexicalModel(
                    arrays["lex_vocab"],
                    arrays["lex_idf"],
                    arrays["lex_components"],
                    int(arrays.get("lex_part_min_chars", 0)),  # 0 in states saved before
                )
            state = cls(
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
        except Exception as exc:  # any damage means: no usable state, recover from the kb
            return None, f"onleesbaar: {type(exc).__name__}"
        if not {"statement_id", "cluster_id"} <= set(state.assignments.columns):
            return None, "onleesbaar: assignments zonder statement_id/cluster_id"
        return state, None


def published_membership(
    kb_path: Path, statements: pd.DataFrame, members: bool = True
) -> tuple[pd.DataFrame, int]:
    """Cluster membership of the last published knowledge base, for id matching.

    Returns (statement_id, cluster_id) rows of its barrier statements, with their ids mapped to
    the current `statements` (same case, same text; others keep their published id) and the
    lowest id that was never published (`next_id` recorded by the cluster stage, and above
    every cluster id in the file). An absent or unreadable file gives an empty frame and 0.
    `members=False` reads only the id (cheap: for when the saved state is fine).
    """
    empty = pd.DataFrame({"statement_id": pd.Series(dtype=str), "cluster_id": pd.Series(dtype=int)})
    kb_path = Path(kb_path)
    if not kb_path.exists():
        return empty, 0
    import duckdb

    try:
        con = duckdb.connect(str(kb_path), read_only=True)
    except duckdb.Error as exc:
        log.warning("gepubliceerde kennisbank onleesbaar (%s): cluster-ids niet hersteld", exc)
        return empty, 0
    try:
        published = con.execute(
            f"""
            SELECT sc.statement_id, s.case_id, s.text, sc.cluster_id
            FROM statement_clusters sc LEFT JOIN statements s USING (statement_id)
            {"" if members else "LIMIT 0"}
            """
        ).df()
        row = con.execute(
            "SELECT max(cluster_id) FROM (SELECT cluster_id FROM clusters"
            " UNION ALL SELECT cluster_id FROM statement_clusters)"
        ).fetchone()
        top = row[0] if row else None
        recorded = con.execute("SELECT value FROM manifest WHERE key = 'stages'").fetchone()
    except duckdb.Error as exc:
        log.warning("gepubliceerde kennisbank onleesbaar (%s): cluster-ids niet hersteld", exc)
        return empty, 0
    finally:
        con.close()
    next_id = int(top) + 1 if top is not None and top >= 0 else 0
    if recorded:
        try:
            stages = json.loads(recorded[0])
            next_id = max(next_id, int(stages.get("cluster", {}).get("next_id", 0)))
        except (TypeError, ValueError, AttributeError):
            pass
    if len(statements) and len(published):
        key = statements[["statement_id", "case_id", "text"]].drop_duplicates(["case_id", "text"])
        published = published.merge(
            key.rename(columns={"statement_id": "current_id"}), on=["case_id", "text"], how="left"
        )
        published["statement_id"] = published["current_id"].fillna(published["statement_id"])
    out = published[["statement_id", "cluster_id"]].astype({"cluster_id": "int64"})
    return out.drop_duplicates("statement_id").reset_index(drop=True), next_id


def match_ids(
    new_labels: np.ndarray,
    statement_ids: Sequence[str],
    previous: pd.DataFrame | None,
    next_id: int,
    min_jaccard: float,
) -> tuple[np.ndarray, int]:
    """Rename fresh cluster labels to the previous run's ids by member overlap (Hungarian on
    Jaccard); unmatched clusters get new ids from next_id upwards. Noise stays -1.

    The Jaccard is taken over the statements both runs know: statements that are new in this
    run (or gone since) do not dilute the overlap, so a cluster that grew from 3 to 16 members
    keeps its id when its 3 old members are all in it."""
    fresh = sorted(int(c) for c in set(new_labels.tolist()) if c >= 0)
    mapping: dict[int, int] = {}
    if previous is not None and len(previous) and fresh:
        from scipy.optimize import linear_sum_assignment

        prev = previous[previous["cluster_id"] >= 0]
        old_ids = sorted(int(c) for c in prev["cluster_id"].unique())
        old_sets = {c: set(g) for c, g in prev.groupby("cluster_id")["statement_id"]}
        sids = np.asarray(statement_ids, dtype=object)
        known = set(prev["statement_id"]) | set(
            previous.loc[previous["cluster_id"] < 0, "statement_id"]
        )
        now = set(sids.tolist())
        new_sets = {c: set(sids[new_labels == c].tolist()) & known for c in fresh}
        old_sets = {o: members & now for o, members in old_sets.items()}
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
    return np.array(
        [resolve_merge(merges, int(c)) if c >= 0 else -1 for c in labels], dtype=np.int64
    )
