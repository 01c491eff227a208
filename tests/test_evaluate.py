"""Evaluation: scores against labelled patterns, noise handling, stability."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import evaluate as E
from pipeline.stages import cluster as C
from tests.helpers import CLUSTER_TEXTS, write_cluster_workdir


def test_perfect_clusters_score_one():
    scores = E.score_partition(["a", "a", "b", "b"], [5, 5, 9, 9])
    assert scores["ari"] == 1.0 and scores["nmi"] == 1.0 and scores["v_measure"] == 1.0


def test_noise_counts_as_singletons_not_as_one_cluster():
    scores = E.score_partition(["a", "a", "b", "b"], [-1, -1, -1, -1])
    assert scores["ari"] == 0.0
    assert scores["noise_share"] == 1.0


def test_identical_runs_have_stability_one():
    runs = [np.array([0, 0, 1, 1, -1])] * 3
    assert E.mean_pairwise_ari(runs) == 1.0


def _labels_file(wd, tmp_path, n):
    truth_of_text = {t: k for k, t in CLUSTER_TEXTS.items()}
    cases = pd.read_parquet(wd.cases)
    labels = pd.DataFrame(
        {
            "source_id": cases["source_id"],
            "pattern": [f"P{truth_of_text[t]}" for t in cases["narrative"]],
            "split": ["heldout" if i % 4 == 0 else "dev" for i in range(n)],
        }
    )
    path = tmp_path / "labels.csv"
    labels.to_csv(path, index=False)
    return path


def test_evaluation_joins_labels_on_source_id_and_filters_the_split(tmp_path, config):
    wd = write_cluster_workdir(tmp_path, config, 60)
    C.run_stage(wd)
    result = E.evaluate_clusters(
        wd, _labels_file(wd, tmp_path, 60), split="heldout", with_stability=False
    )
    assert result["n_cases"] == 15
    assert result["n_patterns"] == 4
    assert 0.0 < result["ari"] <= 1.0


def test_evaluation_reports_seed_and_subsample_stability(tmp_path, config):
    wd = write_cluster_workdir(tmp_path, config, 60)
    C.run_stage(wd)
    result = E.evaluate_clusters(wd, _labels_file(wd, tmp_path, 60))
    assert result["stability"] >= 0.9
    assert 0.0 <= result["stability_subsample"] <= 1.0


def test_cases_missing_from_a_clustering_count_as_noise():
    truth = pd.Series(["a", "a", "b"], index=["c1", "c2", "c3"])
    scores = E.score_cases(truth, pd.Series([4, 4], index=["c1", "c2"]))
    assert scores["noise_share"] == round(1 / 3, 4)
    assert scores["n_clusters"] == 1 and scores["ari"] == 1.0


def test_ward_baseline_cuts_the_centred_vectors_into_n_over_four_clusters():
    vectors, truth = E.make_synthetic_vectors(40, 10, seed=3)
    labels = E.ward_baseline(vectors)
    assert len(set(labels.tolist())) == 10
    assert E.score_partition(truth, labels)["ari"] == 1.0


def test_partition_stability_tells_a_deterministic_clustering_from_a_random_one():
    ids = [f"c{i}" for i in range(40)]
    pattern = {c: i % 5 for i, c in enumerate(ids)}

    def exact(case_ids, seed):  # finds the five patterns whatever the seed and subset
        return pd.Series([pattern[c] for c in case_ids], case_ids)

    def coin(case_ids, seed):
        return pd.Series(np.random.default_rng(seed).integers(0, 5, len(case_ids)), case_ids)

    steady = E.partition_stability(exact, ids, ids, seeds=[0, 1, 2])
    assert steady == {"stability": 1.0, "stability_subsample": 1.0}
    random = E.partition_stability(coin, ids, ids, seeds=[0, 1, 2])
    assert random["stability"] < 0.2 and random["stability_subsample"] < 0.2


def test_tryout_draws_take_27_patterns_of_2_to_4_cases():
    patterns = pd.Series(
        [f"p{k}" for k in range(40) for _ in range(k % 6 + 1)],  # 1-6 cases per pattern
    )
    patterns.index = [f"c{i}" for i in range(len(patterns))]
    draws = E.tryout_draws(patterns, 5, seed=3)
    assert draws == E.tryout_draws(patterns, 5, seed=3)  # deterministic
    assert draws[0] != draws[1]
    for ids in draws:
        assert len(set(ids)) == len(ids)
        counts = patterns.loc[ids].value_counts()
        assert len(counts) == 27
        assert counts.between(2, 4).all()  # no pattern of one case: those are never drawn
