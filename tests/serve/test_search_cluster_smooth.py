"""Cluster smoothing of the dense scores (pipeline/serve/search/feedback.py, `cluster_smooth`):
the function on hand-made arrays, the centroids, and the engine's wiring on the blob kb of
test_search_real (24 cases, 4 topics, vectors built by hand)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.core.db import connect_readonly
from pipeline.serve.search import SearchEngine
from pipeline.serve.search.feedback import cluster_smooth
from tests.helpers import section
from tests.serve.test_search_real import LONG_TEXT, TOPICS, BlobEmbedder, _blob_kb, _blobs


def test_smoothing_mixes_the_dense_score_with_the_cosine_to_the_cluster_centroid():
    centroids = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    q = np.array([0.6, 0.8], dtype=np.float32)
    dense = np.array([0.5, 0.2, 0.9])
    row_pos = np.array([0, 1, 1])
    out = cluster_smooth(dense, q, centroids, row_pos, 0.25)
    np.testing.assert_allclose(out, [0.75 * 0.5 + 0.25 * 0.6, 0.75 * 0.2 + 0.25 * 0.8,
                                     0.75 * 0.9 + 0.25 * 0.8], rtol=1e-6)  # fmt: skip


def test_smoothing_leaves_unclustered_cases_and_non_candidates_as_they_are():
    centroids = np.array([[1.0, 0.0]], dtype=np.float32)
    dense = np.array([0.3, -np.inf, 0.1])
    out = cluster_smooth(dense, np.array([1.0, 0.0]), centroids, np.array([-1, 0, 0]), 0.5)
    assert out[0] == 0.3 and out[1] == -np.inf and out[2] == pytest.approx(0.55)


def test_centroids_are_the_unit_mean_of_each_clusters_centred_vectors(tmp_path):
    vecs, topic = _blobs()
    con = connect_readonly(_blob_kb(tmp_path / "kb.duckdb", topic))
    engine = SearchEngine(con, BlobEmbedder(), section("search"))
    cent, row_pos = engine.dense.cluster_centroids(engine.cluster_id, centre=True)
    centred = vecs - vecs.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    by_row = np.empty_like(centred)
    by_row[[engine.row_of[f"c{i:02d}"] for i in range(len(topic))]] = centred
    for c in range(len(TOPICS)):
        rows = np.flatnonzero(engine.cluster_id == c)
        want = by_row[rows].mean(0)
        np.testing.assert_allclose(cent[row_pos[rows[0]]], want / np.linalg.norm(want), atol=1e-5)
    assert len(set(row_pos.tolist())) == len(TOPICS)


def _engine(con, **upd):
    # Hybrid with BM25 weighted 0 and no other re-rank: its order is the smoothed dense order
    # (no smoothing unless asked for).
    base = dict(
        w_bm25=0.0, statement_weight=0.0, prf_weight=0.0, cluster_weight=0.0,
        cluster_smooth_weight=0.0,
    )  # fmt: skip
    return SearchEngine(con, BlobEmbedder(), section("search", **{**base, **upd}))


def test_hybrid_ranks_by_the_smoothed_dense_score_when_clusters_pass_the_gate(tmp_path):
    _, topic = _blobs()
    # Clusters that split each topic in two: smoothing then reorders within a topic.
    clusters = topic * 2 + (np.arange(len(topic)) % 2)
    con = connect_readonly(_blob_kb(tmp_path / "kb.duckdb", clusters))
    engine = _engine(con, cluster_smooth_weight=0.8, cluster_min_lift=-1.0)
    assert engine.cluster_feedback_on
    query = "detox briefadres"
    qvec = engine.dense.centre_query(engine.embed([query], long=False))[0]
    dense = engine.dense.scores(qvec, 0.0, True)[0]
    cent, row_pos = engine.dense.cluster_centroids(engine.cluster_id, centre=True)
    want = 0.2 * dense + 0.8 * (cent @ qvec)[row_pos]
    got = [engine.row_of[h.case_id] for h in engine.search(query, k=24)]
    np.testing.assert_array_equal(got, np.lexsort((np.arange(24), -want)))
    plain = [engine.row_of[h.case_id] for h in _engine(con).search(query, k=24)]
    assert got != plain


def test_smoothing_is_off_when_the_clusters_fail_the_gate(tmp_path):
    _, topic = _blobs()
    mixed = np.arange(len(topic)) % len(TOPICS)
    con = connect_readonly(_blob_kb(tmp_path / "kb.duckdb", mixed))
    engine = _engine(con, cluster_smooth_weight=0.8)
    assert not engine.cluster_feedback_on
    query = "detox briefadres"
    assert engine.search(query, k=24) == _engine(con).search(query, k=24)


def test_a_pasted_case_takes_the_long_smoothing_weight(tmp_path):
    _, topic = _blobs()
    clusters = topic * 2 + (np.arange(len(topic)) % 2)
    con = connect_readonly(_blob_kb(tmp_path / "kb.duckdb", clusters))
    long_off = section("search").long.model_copy(update={"cluster_smooth_weight": 0.0})
    long_on = long_off.model_copy(update={"cluster_smooth_weight": 0.8})
    text = f"{LONG_TEXT} detox briefadres"
    short_only = _engine(con, cluster_smooth_weight=0.8, cluster_min_lift=-1.0, long=long_off)
    both = _engine(con, cluster_smooth_weight=0.8, cluster_min_lift=-1.0, long=long_on)
    none = _engine(con, cluster_min_lift=-1.0, long=long_off)
    assert short_only.is_long(text)
    assert short_only.search(text, k=24) == none.search(text, k=24)
    assert both.search(text, k=24) != none.search(text, k=24)


def test_a_pasted_case_uses_the_clusters_only_above_its_own_lift_threshold(tmp_path):
    _, topic = _blobs()
    clusters = topic * 2 + (np.arange(len(topic)) % 2)
    con = connect_readonly(_blob_kb(tmp_path / "kb.duckdb", clusters))
    lift = _engine(con).cluster_quality
    strict = section("search").long.model_copy(
        update={"cluster_smooth_weight": 0.8, "cluster_min_lift": lift + 0.01}
    )
    engine = _engine(con, cluster_smooth_weight=0.8, cluster_min_lift=lift - 0.01, long=strict)
    assert engine.cluster_on == {False: True, True: False}
    none = _engine(con, cluster_min_lift=lift - 0.01, long=strict.model_copy(
        update={"cluster_smooth_weight": 0.0}))  # fmt: skip
    text = f"{LONG_TEXT} detox briefadres"
    assert engine.search(text, k=24) == none.search(text, k=24)
    assert engine.search("detox briefadres", k=24) != none.search("detox briefadres", k=24)
