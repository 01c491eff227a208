"""Evaluation of the barrier clusters against labelled patterns (demo corpus or your own labels).

Reads  a built work directory (`cases`, `case_clusters`, barrier statements and their vectors)
and a labels CSV with columns source_id, pattern and optionally split.
Writes nothing; returns a dict of metrics.

Metrics: ARI, NMI and V-measure of each case's primary cluster against its `pattern`
(unclustered cases count as singletons, so noise earns no credit), the noise share, and two
stability measures: `stability` = mean pairwise ARI of the clustering core re-run with 5 seeds on
the same vectors (the issue's definition), and `stability_subsample` = mean ARI between the full
run and 5 runs on random 90% subsets of the cases (on the shared cases), which also moves
deterministic methods.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pipeline.core.config import Workdir

N_SEEDS = 5


def _singletons(labels: np.ndarray) -> np.ndarray:
    """Give every noise point (-1) its own label."""
    out = np.asarray(labels, dtype=np.int64).copy()
    nxt = int(out.max(initial=-1)) + 1
    for i in np.flatnonzero(out < 0):
        out[i] = nxt
        nxt += 1
    return out


def score_partition(truth: Any, labels: Any) -> dict[str, float]:
    """ARI, NMI, V-measure (noise as singletons) and noise share of one labelling."""
    from sklearn.metrics import (
        adjusted_rand_score,
        normalized_mutual_info_score,
        v_measure_score,
    )

    labels = np.asarray(labels, dtype=np.int64)
    truth = np.asarray(truth)
    if not len(labels):
        return {
            "ari": float("nan"),
            "nmi": float("nan"),
            "v_measure": float("nan"),
            "noise_share": float("nan"),
        }
    lab = _singletons(labels)
    return {
        "ari": round(float(adjusted_rand_score(truth, lab)), 4),
        "nmi": round(float(normalized_mutual_info_score(truth, lab)), 4),
        "v_measure": round(float(v_measure_score(truth, lab)), 4),
        "noise_share": round(float((labels < 0).mean()), 4),
    }


def mean_pairwise_ari(runs: list[np.ndarray]) -> float:
    from sklearn.metrics import adjusted_rand_score

    pairs = list(itertools.combinations(runs, 2))
    if not pairs:
        return 1.0
    return round(
        float(np.mean([adjusted_rand_score(_singletons(a), _singletons(b)) for a, b in pairs])), 4
    )


def stability(
    statements: pd.DataFrame,
    vectors: np.ndarray,
    context: np.ndarray | None,
    params,
    case_ids: list[str],
    n_seeds: int = N_SEEDS,
) -> dict[str, float]:
    """Seed stability and 90%-subsample stability of the case primary clusters."""
    from sklearn.metrics import adjusted_rand_score

    from pipeline.stages.cluster import cluster_frame, primary_of

    params = params.model_copy(update={"full_recluster": True})

    def primaries(mask: np.ndarray, seed: int) -> pd.Series:
        sub = statements[mask].reset_index(drop=True)
        res = cluster_frame(
            sub, vectors[mask], params, None if context is None else context[mask], seed=seed
        )
        return primary_of(statements[mask], res.labels)

    everything = np.ones(len(statements), dtype=bool)
    seeds = [params.seed + k for k in range(n_seeds)]
    runs = [primaries(everything, s).reindex(case_ids).fillna(-1).to_numpy() for s in seeds]
    full = primaries(everything, params.seed)
    rng = np.random.default_rng(params.seed)
    all_cases = statements["case_id"].unique()
    sub_scores = []
    for _ in range(n_seeds):
        keep = set(rng.choice(all_cases, int(round(0.9 * len(all_cases))), replace=False))
        mask = statements["case_id"].isin(keep).to_numpy()
        sub = primaries(mask, params.seed)
        shared = [c for c in case_ids if c in keep]
        a = full.reindex(shared).fillna(-1).to_numpy()
        b = sub.reindex(shared).fillna(-1).to_numpy()
        sub_scores.append(adjusted_rand_score(_singletons(a), _singletons(b)))
    return {
        "stability": mean_pairwise_ari(runs),
        "stability_subsample": round(float(np.mean(sub_scores)), 4),
    }


def evaluate_clusters(
    wd: Workdir, labels_path: Path | str, split: str | None = None, with_stability: bool = True
) -> dict[str, Any]:
    """Compare the built clusters of a work directory with labelled patterns.

    Args:
        wd: a work directory whose cluster stage has run.
        labels_path: CSV with source_id, pattern (and split to filter on).
        split: only evaluate cases of this split (e.g. 'heldout'); None = all labelled cases.
        with_stability: also re-run the clustering core for the stability measures.
    """
    from pipeline.stages.cluster import load_inputs

    labels = pd.read_csv(labels_path, dtype=str, keep_default_na=False)
    if split is not None:
        if "split" not in labels:
            raise ValueError(f"{labels_path} has no 'split' column to filter on")
        labels = labels[labels["split"] == split]
    cases = pd.read_parquet(wd.cases, columns=["case_id", "source_id"])
    case_clusters = pd.read_parquet(wd.case_clusters)
    primary = case_clusters[case_clusters["is_primary"]].drop_duplicates("case_id")
    frame = cases.merge(labels[["source_id", "pattern"]], on="source_id", how="inner")
    frame = frame.merge(primary[["case_id", "cluster_id"]], on="case_id", how="left")
    frame["cluster_id"] = frame["cluster_id"].fillna(-1).astype("int64")
    result: dict[str, Any] = {
        "split": split or "all",
        "n_cases": int(len(frame)),
        "n_patterns": int(frame["pattern"].nunique()),
        "n_clusters": int(frame.loc[frame["cluster_id"] >= 0, "cluster_id"].nunique()),
        **score_partition(frame["pattern"], frame["cluster_id"]),
    }
    statement_clusters = pd.read_parquet(wd.statement_clusters)
    result["noise_share_statements"] = (
        round(float((statement_clusters["cluster_id"] < 0).mean()), 4)
        if len(statement_clusters)
        else 0.0
    )
    if with_stability and len(frame):
        statements, vectors, context = load_inputs(wd)
        result.update(
            stability(statements, vectors, context, wd.cfg.cluster, frame["case_id"].tolist())
        )
    return result


def build_sample_workdir(
    root: Path | str,
    cfg=None,
    n_per_pattern: int = 2,
    embedder=None,
    cache_dir: Path | str | None = None,
) -> tuple[Workdir, Path]:
    """A small built work directory from the hand-written demo originals (no ingest/anonymise:
    they contain no personal data), for the notebook and quick experiments.

    Runs structure → embed → cluster (`build.run_one`, the build's own stage runner) on
    `n_per_pattern` originals per pattern and writes a matching labels file. Returns (work dir,
    labels path). `embedder` defaults to the configured model; vectors are cached in
    `cache_dir` (default: the project's shared cache).
    """
    from pipeline.build import run_one
    from pipeline.core.config import PROJECT_ROOT, load_config
    from pipeline.stages import structure

    cfg = cfg or load_config()
    wd = Workdir(root, cfg)
    frame = structure.load_training_frame(cfg)
    frame = frame.sort_values("nid").groupby("pattern", group_keys=False).head(n_per_pattern)
    cases = pd.DataFrame(
        {
            "case_id": frame["nid"],
            "source_id": frame["nid"],
            "narrative": frame["narrative"],
            "knelpunt": frame["knelpunt"],
            "oplossing": frame["oplossing"],
            "structureel": frame["structureel"],
            "municipality": frame["gemeente"],
            "organisation": frame["organisatie"],
            "case_date": pd.to_datetime(frame["datum"], errors="coerce").dt.date,
            "orde": frame["orde"],
            "outcome": frame["outcome"],
        }
    ).reset_index(drop=True)
    wd.interim.mkdir(parents=True, exist_ok=True)
    cases.to_parquet(wd.cases, index=False)
    labels_path = wd.root / "labels.csv"
    frame[["nid", "pattern", "split"]].rename(columns={"nid": "source_id"}).to_csv(
        labels_path, index=False
    )
    shared = (
        Path(cache_dir) if cache_dir else PROJECT_ROOT / cfg.paths.models / "cache" / "embeddings"
    )
    shared.mkdir(parents=True, exist_ok=True)
    if not wd.embed_cache.exists():  # share the embedding cache: only new texts cost time
        wd.embed_cache.parent.mkdir(parents=True, exist_ok=True)
        wd.embed_cache.symlink_to(shared.resolve(), target_is_directory=True)
    for stage in ("structure", "embed", "cluster"):  # the one orchestrator, without ingest
        run_one(stage, wd, embedder=embedder)
    return wd, labels_path


def make_synthetic_vectors(
    n: int,
    n_clusters: int,
    dim: int = 384,
    seed: int = 0,
    spread: float = 0.9,
    band: float = 4.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors from a mixture of Gaussians with e5's narrow cosine band (for tests and
    the scale benchmark): a strong shared direction plus cluster centres plus noise.

    Returns (vectors, true cluster of each vector).
    """
    rng = np.random.default_rng(seed)
    shared = rng.normal(size=dim)
    shared /= np.linalg.norm(shared)
    centres = rng.normal(size=(n_clusters, dim))
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    truth = np.arange(n) % n_clusters
    rng.shuffle(truth)
    noise = rng.normal(size=(n, dim)) / math.sqrt(dim)
    v = band * shared + centres[truth] + spread * noise * math.sqrt(2)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return v.astype(np.float32), truth


# ------------------------------------------------------------------ case-level comparisons
# Used by bench/cluster.py to compare clusterings of the same cases (ours, the plain baseline,
# BERTopic) on equal terms: each is a function (case ids to cluster, seed) → case_id → label.


def score_cases(truth: pd.Series, labels: pd.Series) -> dict[str, float]:
    """`score_partition` of the cases in `truth` (case_id → pattern) against `labels`
    (case_id → cluster; cases missing from it count as noise), plus the number of clusters
    among them."""
    lab = labels.reindex(truth.index).fillna(-1).astype("int64").to_numpy()
    return {
        **score_partition(truth.to_numpy(), lab),
        "n_clusters": int(len(set(lab.tolist()) - {-1})),
    }


def ward_baseline(vectors: np.ndarray, cases_per_cluster: float = 4.0) -> np.ndarray:
    """The plain baseline of issue #12: each case's narrative e5 vector centred on the corpus
    mean (and re-normalised), Ward linkage, cut into round(n / cases_per_cluster) clusters.
    Deterministic; returns one label per row of `vectors`."""
    from scipy.cluster.hierarchy import fcluster, linkage

    x = np.asarray(vectors, dtype=np.float64)
    n = len(x)
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    x = x - x.mean(axis=0)
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)
    k = int(min(n, max(2, round(n / cases_per_cluster))))
    return (fcluster(linkage(x, method="ward"), k, criterion="maxclust") - 1).astype(np.int64)


def page_fold(url: str, n_folds: int = 5) -> int:
    """The fold of a real case by its source page (a hash of the URL), so that cases of one
    page never fall on both sides of a fold split."""
    import hashlib

    return int(hashlib.sha256(str(url).encode()).hexdigest(), 16) % n_folds


def tryout_draws(
    patterns: pd.Series,
    n_draws: int,
    n_patterns: int = 27,
    per_pattern: tuple[int, int] = (2, 4),
    seed: int = 0,
) -> list[list[str]]:
    """Small corpora shaped like the real-text tryout of issue #12 (about 80 cases of some 27
    recurring patterns): each draw takes `n_patterns` patterns at random among those with at
    least two cases, and of each 2-4 cases (`per_pattern`, inclusive) at random.

    Args:
        patterns: case id -> its labelled pattern.
    Returns one list of case ids per draw; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    members = {p: sorted(g.index.astype(str)) for p, g in patterns.groupby(patterns)}
    eligible = sorted(p for p, ids in members.items() if len(ids) >= 2)
    lo, hi = per_pattern
    draws = []
    for _ in range(n_draws):
        chosen = rng.choice(eligible, size=min(n_patterns, len(eligible)), replace=False)
        ids: list[str] = []
        for p in chosen:
            k = min(len(members[p]), int(rng.integers(lo, hi + 1)))
            ids += rng.choice(members[p], size=k, replace=False).tolist()
        draws.append(ids)
    return draws


def partition_stability(
    cluster: Any,
    case_ids: list[str],
    scored: list[str],
    seeds: list[int],
    n_subsets: int = N_SEEDS,
    share: float = 0.9,
    seed: int = 0,
) -> dict[str, float]:
    """Seed and subsample stability of any case clustering.

    Args:
        cluster: function (case ids to cluster, seed) → pd.Series case_id → label (-1 noise).
        case_ids: the cases that are clustered.
        scored: the cases the stability is measured on (a subset of case_ids).
        seeds: seeds for the seed stability (mean pairwise ARI of the runs).
        n_subsets, share: `stability_subsample` is the mean ARI, on the shared scored cases,
            between the run with seeds[0] on all cases and runs on random `share` subsets.
        seed: draws the subsets.
    """
    from sklearn.metrics import adjusted_rand_score

    def labels(run: pd.Series, ids: list[str]) -> np.ndarray:
        return run.reindex(ids).fillna(-1).astype("int64").to_numpy()

    runs = [cluster(case_ids, s) for s in seeds]
    rng = np.random.default_rng(seed)
    sub_scores = []
    for _ in range(n_subsets):
        keep = sorted(rng.choice(case_ids, int(round(share * len(case_ids))), replace=False))
        sub = cluster(keep, seeds[0])
        shared = sorted(set(keep) & set(scored))
        sub_scores.append(
            adjusted_rand_score(
                _singletons(labels(runs[0], shared)), _singletons(labels(sub, shared))
            )
        )
    return {
        "stability": mean_pairwise_ari([labels(r, scored) for r in runs]),
        "stability_subsample": round(float(np.mean(sub_scores)), 4) if sub_scores else 1.0,
    }


# ---------------------------------------------------------------------------------------------
# Structure: case labels and the main barrier statement against hand labels


def _label_list(v: Any) -> list[str]:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return []
    if isinstance(v, str):
        return [x.strip() for x in v.split(";") if x.strip()]
    return [str(x) for x in v if str(x)]


def _is_null(v: Any) -> bool:
    return v is None or (not isinstance(v, list | tuple | np.ndarray) and bool(pd.isna(v)))


def _prf(tp: int, n_pred: int, n_true: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_true if n_true else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 3), "recall": round(r, 3), "f1": round(f, 3)}


def gold_sentence(sentences: list[str], label: str) -> int:
    """Index of the sentence that best matches a labelled main barrier: the highest Dice
    overlap of content lemmas (ties: the earlier sentence); -1 when none shares a lemma."""
    from pipeline.stages.structure.nlp import best_overlap_sentence

    return best_overlap_sentence(sentences, label)


def _located(sentences: list[str], span: Any) -> set[int]:
    """The sentences a reader located a label in (`main_barrier_span` / `solution_span`), as
    `structure.nlp.span_sentences` finds them; empty when the label was not located."""
    from pipeline.stages.structure.nlp import span_sentences

    if _is_null(span) or not isinstance(span, str):
        return set()
    return set(span_sentences(sentences, span))


def _overlaps(sentences: list[str], label: str) -> tuple[list[float], int]:
    """Each sentence's Dice overlap of content lemmas with a label (the label lemmatised once),
    and the index of the best (`gold_sentence`: ties the earlier, -1 when none shares a lemma)."""
    from pipeline.stages.structure.nlp import best_overlap, sentence_overlaps

    dice = sentence_overlaps(sentences, label)
    return dice, best_overlap(dice)


def _norm_name(v: str) -> str:
    from pipeline.core.text import fold

    return " ".join(fold(v).replace("-", " ").split())


def _org_match(pred: str, true: str) -> bool:
    a, b = _norm_name(pred), _norm_name(true)
    return bool(a) and bool(b) and (a == b or a in b or b in a)


def solution_described_of(case_structure: pd.DataFrame) -> pd.Series:
    """Per case: does the structure say a solution is described? The stage's own
    `solution_described` column, else (older outputs) an outcome of opgelost or deels."""
    if "solution_described" in case_structure:
        return case_structure["solution_described"].astype(bool)
    return case_structure["outcome"].isin(["opgelost", "deels"])


def evaluate_structure(
    cases_with_labels: pd.DataFrame,
    case_structure: pd.DataFrame,
    statements: pd.DataFrame,
    sentences: dict[str, list[str]] | None = None,
    municipality_alias: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Score the structure stage's output against hand labels (the real corpus's fields).

    Args:
        cases_with_labels: case_id plus the labels main_barrier, barrier_type, domains,
            municipality, organisations, solution (null = none described), outcome, orde.
        case_structure, statements: the stage's output (or a baseline shaped like it).
        sentences: case_id → the narrative's sentences as the stage split them (the
            `sent_index` of a statement points into this list); needed for the main barrier.
        municipality_alias: folded former/alternative name → current name; a predicted
            municipality counts as right when it equals the label or the label's current name.

    Measures (one row per labelled case):
        solution_described_accuracy: yes/no right (label: `solution` not null).
        outcome_accuracy / _macro_f1; orde_accuracy (null is its own answer: no orde).
        municipality precision/recall/F1 over the cases (a prediction on a case whose label
            is null is a false positive; a missing one on a named case a false negative).
        organisations precision/recall/F1 over (case, organisation) pairs; a predicted name
            matches a labelled one when one contains the other after folding.
        domains micro precision/recall/F1.
        barrier_type accuracy and macro-F1 of the case's top type.
        main_barrier_agreement: share of cases whose main barrier statement contains a
            sentence that tells the labelled main barrier: where a reader located the label in
            the text (`main_barrier_span`), one of those sentences (`_located`); else the
            sentence with the highest content-lemma Dice overlap with the label
            (`gold_sentence`). main_barrier_located: how many cases had a located label.
            main_barrier_overlap_agreement: the overlap sentence alone, located or not (the
            measure before the labels were located: it often picks the sentence that
            introduces the person, whose who-words the label repeats);
            main_barrier_first_sentence_agreement: as the agreement, counting only the
            statement's first sentence (fair against a one-sentence baseline);
            main_barrier_near_best: the statement holds a sentence whose overlap is at least 75%
            of the best sentence's (near-ties count: the labels often paraphrase two sentences).
        solution_statement_agreement / _near_best: the same for the solution statements and
            the labelled solution (`solution_span` where located), on the cases that have one
            (`_solution_statement_scores`).
    """
    from sklearn.metrics import f1_score

    alias = municipality_alias or {}
    lab = cases_with_labels.set_index("case_id")
    cs = case_structure.set_index("case_id").reindex(lab.index)
    out: dict[str, Any] = {"n": int(len(lab))}
    if not len(lab):
        return out

    true_sol = lab["solution"].map(lambda v: not _is_null(v))
    pred_sol = solution_described_of(cs.reset_index()).set_axis(cs.index).fillna(False)
    out["solution_described_accuracy"] = round(float((true_sol == pred_sol).mean()), 3)
    out["solution_described_share_true"] = round(float(true_sol.mean()), 3)
    out["solution_described_share_pred"] = round(float(pred_sol.mean()), 3)

    t_out, p_out = lab["outcome"].astype(str), cs["outcome"].fillna("").astype(str)
    out["outcome_accuracy"] = round(float((t_out == p_out).mean()), 3)
    out["outcome_macro_f1"] = round(
        float(f1_score(t_out, p_out, average="macro", zero_division=0)), 3
    )
    out["opgelost_precision"] = _prf(
        int(((p_out == "opgelost") & (t_out == "opgelost")).sum()),
        int((p_out == "opgelost").sum()),
        int((t_out == "opgelost").sum()),
    )["precision"]

    def orde_key(v: Any) -> str:
        return "geen" if _is_null(v) else str(int(v))

    t_orde, p_orde = lab["orde"].map(orde_key), cs["orde"].map(orde_key)
    out["orde_accuracy"] = round(float((t_orde == p_orde).mean()), 3)
    no_sol = ~true_sol
    out["orde_null_when_no_solution"] = (
        round(float((p_orde[no_sol] == "geen").mean()), 3) if no_sol.any() else None
    )

    # municipality
    def norm_mun(v: Any) -> str:
        if _is_null(v) or not str(v).strip():
            return ""
        key = _norm_name(str(v))
        return _norm_name(alias.get(key, str(v)))

    t_mun = lab["municipality"].map(norm_mun)
    p_mun = cs["municipality"].map(norm_mun) if "municipality" in cs else pd.Series("", cs.index)
    p_mun = p_mun.fillna("")
    tp = int(((t_mun == p_mun) & (t_mun != "")).sum())
    out["municipality"] = {
        **_prf(tp, int((p_mun != "").sum()), int((t_mun != "").sum())),
        "n_named": int((t_mun != "").sum()),
    }

    # organisations
    tp = n_pred = n_true = 0
    for cid, row in lab.iterrows():
        truth = _label_list(row.get("organisations"))
        pred = _label_list(cs.at[cid, "organisations"]) if "organisations" in cs else []
        n_true += len(truth)
        n_pred += len(pred)
        tp += sum(any(_org_match(p, t) for p in pred) for t in truth)
    out["organisations"] = _prf(tp, n_pred, n_true)

    # domains
    tp = n_pred = n_true = 0
    for cid, row in lab.iterrows():
        truth = set(_label_list(row["domains"]))
        pred = set(_label_list(cs.at[cid, "domains"]))
        tp, n_pred, n_true = tp + len(truth & pred), n_pred + len(pred), n_true + len(truth)
    out["domains"] = _prf(tp, n_pred, n_true)

    # barrier type
    t_bt = lab["barrier_type"].astype(str)
    p_bt = cs["barrier_types"].map(lambda v: _label_list(v)[0] if len(_label_list(v)) else "")
    out["barrier_type_accuracy"] = round(float((t_bt == p_bt).mean()), 3)
    out["barrier_type_macro_f1"] = round(
        float(f1_score(t_bt, p_bt, average="macro", zero_division=0)), 3
    )

    # main barrier statement
    if sentences is not None:
        main = statements[(statements["kind"] == "barrier") & statements["is_main"]]
        from pipeline.stages.structure.nlp import content_lemmas

        main = main.drop_duplicates("case_id").set_index("case_id")
        hits = first_hits = near = overlap_hits = located = n = 0
        for cid, row in lab.iterrows():
            sents = sentences.get(cid, [])
            dice, g = _overlaps(sents, str(row["main_barrier"] or ""))
            if g < 0:
                continue
            n += 1
            gold = _located(sents, row.get("main_barrier_span"))
            located += bool(gold)
            gold = gold or {g}
            if cid not in main.index:
                continue
            st = main.loc[cid]
            if _is_null(st["sent_index"]):  # a form's knelpunt field: no sentence of the text
                said = content_lemmas(str(st["text"]))
                covered = any(content_lemmas(sents[i]) <= said for i in gold)
                hits += covered
                first_hits += covered
                near += covered
                overlap_hits += content_lemmas(sents[g]) <= said
                continue
            span = _statement_span(sents, int(st["sent_index"]), str(st["text"]))
            hits += bool(gold & set(span))
            first_hits += span.start in gold
            near += max(dice[span.start : span.stop]) >= 0.75 * dice[g]
            overlap_hits += g in span
        out["main_barrier_agreement"] = round(hits / n, 3) if n else None
        out["main_barrier_first_sentence_agreement"] = round(first_hits / n, 3) if n else None
        out["main_barrier_near_best"] = round(near / n, 3) if n else None
        out["main_barrier_overlap_agreement"] = round(overlap_hits / n, 3) if n else None
        out["main_barrier_located"] = located
        out["main_barrier_n"] = n
        out.update(_solution_statement_scores(lab, statements, sentences))
    return out


def _statement_span(sents: list[str], start: int, text: str) -> range:
    """The sentences a statement starting at `start` covers (its text joins 1-5 of them)."""
    n_sent = next((k for k in range(1, 6) if " ".join(sents[start : start + k]) == text), 1)
    return range(start, start + n_sent)


def _solution_statement_scores(
    lab: pd.DataFrame, statements: pd.DataFrame, sentences: dict[str, list[str]]
) -> dict[str, Any]:
    """What the app shows as the solution that worked, against the labelled solution, on the
    cases whose label describes one: solution_statement_agreement, the share whose solution
    statements hold the sentence that best matches the label (`gold_sentence`; a case the
    stage calls unsolved holds none); solution_statement_near_best, a sentence with at least
    75% of the best sentence's overlap; solution_statement_agreement_when_shown, the agreement
    on the cases that show a solution statement (what a professional reads as what worked)."""
    sol = statements[statements["kind"] == "solution"]
    by_case = {cid: g for cid, g in sol.groupby("case_id")}
    hits = near = n = shown = 0
    for cid, row in lab.iterrows():
        if _is_null(row["solution"]):
            continue
        sents = sentences.get(cid, [])
        dice, g = _overlaps(sents, str(row["solution"]))
        if g < 0:
            continue
        n += 1
        gold = _located(sents, row.get("solution_span")) or {g}
        rows = by_case.get(cid)
        if rows is None:
            continue
        covered: set[int] = set()
        for st in rows.itertuples():
            if not _is_null(st.sent_index):
                covered.update(_statement_span(sents, int(st.sent_index), str(st.text)))
        covered &= set(range(len(sents)))
        shown += bool(covered)
        hits += bool(gold & covered)
        near += bool(covered) and max(dice[i] for i in covered) >= 0.75 * dice[g]
    return {
        "solution_statement_agreement": round(hits / n, 3) if n else None,
        "solution_statement_near_best": round(near / n, 3) if n else None,
        "solution_statement_n": n,
        "solution_statement_agreement_when_shown": round(hits / shown, 3) if shown else None,
        "solution_statement_shown": shown,
    }
