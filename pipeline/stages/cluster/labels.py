"""The clusters table: c-TF-IDF keywords, medoid representatives, readable titles (`label`,
see `titles`) and the ranking."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from pipeline.core.config import ClusterParams
from pipeline.core.places import is_place_word
from pipeline.core.text import content_lemmas, stop_words
from pipeline.stages.cluster.ranking import rank_clusters
from pipeline.stages.cluster.titles import pick_title

# Words that say nothing to a reader as a cluster keyword, though they help the lexical part
# of the clustering (as stop words there, real dev ARI fell from 0.398 to 0.391): numbers written
# as words, rough quantities, words that fit any case.
_KEYWORD_STOPS = frozenset(
    """twee drie vier vijf zes zeven acht negen tien twaalf twintig dertig honderd duizend half
    circa ca max ongeveer geval heel echt gewoon bedoelen houden vallen dienen gelden blijken
    stellen man vrouw gem""".split()  # "gem." is a note's "gemeente"
)


def ctfidf_keywords(
    docs_lemmas: Sequence[Sequence[str]], labels: np.ndarray, n_keywords: int
) -> dict[int, list[str]]:
    """BERTopic's class-based TF-IDF: tf of a lemma in a cluster (normalised by the cluster's
    length) × log(1 + average words per cluster / frequency of the lemma over all clusters).
    The noise class takes part (so its words are not distinctive) but gets no keywords. Place
    names are no keywords: a pattern's words say what the barrier is, its spread over
    municipalities is shown beside them (`pipeline.core.places`)."""
    stops = stop_words() | _KEYWORD_STOPS
    per_class: dict[int, Counter] = {}
    for toks, c in zip(docs_lemmas, labels.tolist(), strict=True):
        words = [
            w
            for w in (
                # simplemma's separable verbs ("af_sluiten" -> "afsluiten"); a quote that
                # closed a citation is no part of the word ("bezig'" -> "bezig")
                t.replace("_", "").strip("'’‘")
                for t in toks
            )
            if len(w) > 2 and w not in stops and not any(ch.isdigit() for ch in w)
        ]
        per_class.setdefault(int(c), Counter()).update(words)
    vocabulary = set().union(*per_class.values()) if per_class else set()
    places = {w for w in vocabulary if is_place_word(w)}
    for cnt in per_class.values():
        for w in places & cnt.keys():
            del cnt[w]
    if not per_class:
        return {}
    total: Counter[str] = Counter()
    for cnt in per_class.values():
        total.update(cnt)
    avg = sum(sum(c.values()) for c in per_class.values()) / len(per_class)
    out = {}
    for c, cnt in per_class.items():
        if c < 0:
            continue
        size = sum(cnt.values()) or 1
        scored = {w: (k / size) * math.log(1 + avg / total[w]) for w, k in cnt.items()}
        out[c] = [w for w, _ in sorted(scored.items(), key=lambda kv: (-kv[1], kv[0]))]
        out[c] = out[c][:n_keywords]
    return out


def centrality_order(x: np.ndarray, max_points: int = 2000, seed: int = 0) -> np.ndarray:
    """Member indices from the highest mean cosine to the others down (sampled when large)."""
    if len(x) <= 2:
        return np.arange(len(x))
    ref = x
    if len(x) > max_points:
        rng = np.random.default_rng(seed)
        ref = x[rng.choice(len(x), max_points, replace=False)]
    return np.argsort(-(x @ ref.T).mean(axis=1), kind="stable")


def medoid_index(x: np.ndarray, max_points: int = 2000, seed: int = 0) -> int:
    """Index of the member with the highest mean cosine to the others (sampled when large)."""
    return int(centrality_order(x, max_points, seed)[0])


def summarise(
    statements: pd.DataFrame,
    x: np.ndarray,
    labels: np.ndarray,
    case_info: pd.DataFrame,
    params: ClusterParams,
    names: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """The clusters table: title (`label`), keywords, representative, counts and ranking."""
    lem = [content_lemmas(t) for t in statements["text"].tolist()]
    keywords = ctfidf_keywords(lem, labels, params.n_keywords)
    members = statements.assign(cluster_id=labels)
    members = members[members["cluster_id"] >= 0]
    ranking = rank_clusters(members, case_info, params)
    if ranking.empty:
        return pd.DataFrame(columns=["cluster_id", "label", "name", "keywords", "representative"])
    texts = statements["text"].to_numpy(dtype=object)
    is_main = (
        statements["is_main"].to_numpy(dtype=bool)
        if "is_main" in statements
        else np.ones(len(statements), dtype=bool)
    )
    reps, labs, kws = [], [], []
    for cid in ranking["cluster_id"]:
        idx = np.flatnonzero(labels == cid)
        if is_main[idx].any():  # the representative is a case's main barrier, not a side remark
            idx = idx[is_main[idx]]
        central = [str(t) for t in texts[idx[centrality_order(x[idx], seed=params.seed)]]]
        reps.append(central[0])
        kw = keywords.get(int(cid), [])
        kws.append(kw)
        # a readable title from the central main barriers; the keywords when none is left
        fallback = " · ".join(kw[:4]) if kw else f"cluster {cid}"
        labs.append(pick_title(central, kw) or fallback)
    ranking.insert(1, "label", labs)
    ranking.insert(2, "name", [(names or {}).get(int(c)) for c in ranking["cluster_id"]])
    ranking.insert(3, "keywords", kws)
    ranking.insert(4, "representative", reps)
    return ranking.sort_values(
        ["systemic_score", "cluster_id"], ascending=[False, True], ignore_index=True
    )
