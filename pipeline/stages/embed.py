"""Embed stage: anonymised narratives and barrier statements → L2-normalised vectors.

Reads  `cases.parquet` (interim) and `statements.parquet` (processed).
Writes `case_embeddings.parquet` and `statement_embeddings.parquet` (id, vector).
Guarantees: vectors are float32 and L2-normalised; every text is encoded at most once per model,
because results are cached by (model, sha256 of the text) in `models/cache/embeddings/`.
Only new texts cost time on a rebuild.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.core.config import EmbedParams
from pipeline.core.embedder import Embedder, LazyEmbedder, clip_text, text_hash
from pipeline.core.io import write_parquet


class EmbeddingCache:
    """Vectors cached by (model, text hash) in one Parquet file per model.

    `encode` returns vectors for all texts and encodes only those not yet cached; hit/miss
    counts are kept for the run manifest.
    """

    def __init__(self, folder: Path, embedder: Embedder):
        self.embedder = embedder
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder.name)
        self.path = Path(folder) / f"{slug}.parquet"
        self.hits = 0
        self.misses = 0
        self._store: dict[str, np.ndarray] = {}
        if self.path.exists():
            df = pd.read_parquet(self.path)
            self._store = {
                h: np.asarray(v, dtype=np.float32)
                for h, v in zip(df["text_hash"], df["vector"], strict=True)
            }
        self._dirty = False

    def encode(
        self, texts: Sequence[str], batch_size: int = 32, progress: bool = False
    ) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        todo: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            if h in self._store:
                self.hits += 1
            elif h not in todo:
                todo[h] = t
        self.misses += len(todo)
        if todo:
            items = list(todo.items())
            bar = None
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=len(items), desc="embedden", unit="tekst", file=sys.stderr)
            for start in range(0, len(items), batch_size):
                chunk = items[start : start + batch_size]
                vecs = self.embedder.embed_passages([t for _, t in chunk])
                for (h, _), v in zip(chunk, vecs, strict=True):
                    self._store[h] = v
                if bar:
                    bar.update(len(chunk))
            if bar:
                bar.close()
            self._dirty = True
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.vstack([self._store[h] for h in hashes]).astype(np.float32)

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 1.0

    def save(self) -> None:
        """Write the cache atomically (temp file, then replace)."""
        if not self._dirty:
            return
        df = pd.DataFrame(
            {"text_hash": list(self._store), "vector": [v.tolist() for v in self._store.values()]}
        )
        write_parquet(df, self.path)
        self._dirty = False


def embed_frame(
    df: pd.DataFrame,
    id_col: str,
    text_col: str,
    cache: EmbeddingCache,
    params: EmbedParams,
    progress: bool = False,
) -> pd.DataFrame:
    """Pure-ish core: (id, text) rows → (id, vector) rows, through the cache."""
    texts = [clip_text(t or "", params.max_chars) for t in df[text_col].tolist()]
    vecs = cache.encode(texts, batch_size=params.batch_size, progress=progress)
    return pd.DataFrame({id_col: df[id_col].tolist(), "vector": [v.tolist() for v in vecs]})


def run_stage(wd, embedder: Embedder | None = None, progress: bool = True) -> dict:
    """Embed the narratives and the barrier statements of one work directory."""
    import time

    params = wd.cfg.embed
    t0 = time.perf_counter()
    cases = pd.read_parquet(wd.cases, columns=["case_id", "narrative"])
    statements = (
        pd.read_parquet(wd.statements)
        if wd.statements.exists()
        else pd.DataFrame(columns=["statement_id", "kind", "text"])
    )
    barriers = statements[statements["kind"] == "barrier"][["statement_id", "text"]]
    # Only load the model when something is not cached yet.
    model: Embedder = embedder if embedder is not None else LazyEmbedder(params)
    cache = EmbeddingCache(wd.embed_cache, model)
    case_vecs = embed_frame(cases, "case_id", "narrative", cache, params, progress=progress)
    stmt_vecs = embed_frame(barriers, "statement_id", "text", cache, params, progress=progress)
    cache.save()
    write_parquet(case_vecs, wd.case_embeddings)
    write_parquet(stmt_vecs, wd.statement_embeddings)
    return {
        "model": cache.embedder.name,
        "dim": len(case_vecs["vector"].iloc[0]) if len(case_vecs) else 0,
        "cases": int(len(case_vecs)),
        "statements": int(len(stmt_vecs)),
        "cache_hits": cache.hits,
        "cache_misses": cache.misses,
        "cache_hit_rate": round(cache.hit_rate, 4),
        "seconds": round(time.perf_counter() - t0, 3),
    }
