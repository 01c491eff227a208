"""The systemic ranking of barrier clusters: counts, spread, trend, type mix, the systemic score
and orde candidate of each cluster, and a Dutch evidence sentence (docs/ranking.md, section 3);
and the (case, cluster) rows of the knowledge base."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from pipeline.core.config import ClusterParams
from pipeline.core.db import case_years

SYSTEM_TYPES = ("regel/wet", "voorwaarden die elkaar uitsluiten", "financiering")

WORKAROUND_SOLUTIONS = ("maatwerk", "doorbraak")

UNRESOLVED_WEIGHT = {"opgelost": 0.0, "deels": 0.5, "onbekend": 0.5, "niet": 1.0}


def _trend_slope(years: pd.Series, corpus_years: pd.Series) -> float:
    """How many more (or fewer) of these cases each year brings at the corpus's mean yearly
    intake: the least-squares slope of the cases' share of each corpus year's cases (zeros
    included, each year weighted by the root of its cases), times the mean cases per year.

    A share, not a count: a corpus grows as a team records more (a first year of 20 cases, then
    200) or as older published cases join recent ones, and a count's slope then calls many
    patterns "stijgend" and none "dalend". NaN (no trend known, "onbekend" in the app) when the
    corpus's cases fall in fewer than two years or none of these cases has a year: an undated
    corpus (`id` + `text`) has no "stabiel" trend.

    Args:
        years: the cluster's cases' years (no missing values).
        corpus_years: every case's year in the corpus (no missing values).
    """
    per_year = corpus_years.value_counts().sort_index()
    if len(per_year) < 2 or not len(years):
        return math.nan
    counts = years.value_counts()
    xs = per_year.index.to_numpy(dtype=float)
    n = per_year.to_numpy(dtype=float)
    share = np.array([counts.get(y, 0) for y in per_year.index], dtype=float) / n
    return float(np.polyfit(xs, share, 1, w=np.sqrt(n))[0] * n.mean())


def rank_clusters(
    members: pd.DataFrame, case_info: pd.DataFrame, params: ClusterParams
) -> pd.DataFrame:
    """Per cluster: counts, spread, trend, type mix, maatwerk/solved shares, systemic score,
    orde candidate and a Dutch evidence sentence.

    Args:
        members: statement_id, case_id, cluster_id (>= 0 only), barrier_type.
        case_info: case_id, municipality, organisation, year, solution_type, outcome, orde.
    """
    info = case_info.set_index("case_id")
    corpus_years = info["year"].dropna().astype(int)
    n_years = corpus_years.nunique()
    rows = []
    for cid, g in members.groupby("cluster_id"):
        cases = info.loc[info.index.intersection(g["case_id"].unique())]
        n_cases = int(len(cases))
        n_mun = int(cases["municipality"].dropna().nunique())
        n_org = int(cases["organisation"].dropna().nunique())
        types = g["barrier_type"].dropna()
        type_mix = types.value_counts(normalize=True)
        top_type = str(type_mix.index[0]) if len(type_mix) else None
        system_share = float(types.isin(SYSTEM_TYPES).mean()) if len(types) else 0.0
        sol = cases["solution_type"].fillna("geen")
        share_maatwerk = float(sol.isin(WORKAROUND_SOLUTIONS).mean()) if n_cases else 0.0
        outcome = cases["outcome"].fillna("onbekend")
        share_solved = float((outcome == "opgelost").mean()) if n_cases else 0.0
        unresolved = float(outcome.map(UNRESOLVED_WEIGHT).fillna(0.5).mean()) if n_cases else 0.0
        years = cases["year"].dropna().astype(int)
        slope = _trend_slope(years, corpus_years)
        per_year = n_cases / max(n_years, 1)
        growth = max(0.0, min(1.0, slope / max(per_year, 1e-9))) if slope > 0 else 0.0
        orde = pd.to_numeric(cases["orde"], errors="coerce").astype("float64")  # null: no orde
        share_orde3 = float((orde == 3).mean()) if n_cases else 0.0
        share_orde23 = float((orde >= 2).mean()) if n_cases else 0.0
        recurrence = 1.0 - math.exp(-n_cases / params.recurrence_scale)
        spread = 0.5 * min(1.0, max(n_mun - 1, 0) / 4) + 0.5 * min(1.0, max(n_org - 1, 0) / 4)
        score = (
            0.30 * recurrence
            + 0.20 * spread
            + 0.15 * share_maatwerk
            + 0.10 * unresolved
            + 0.15 * system_share
            + 0.05 * share_orde23
            + 0.05 * growth
        )
        orde_candidate = 3 if ((system_share >= 0.5 and n_mun >= 2) or share_orde3 >= 0.3) else 2
        span = (
            "onbekende jaren"
            if not len(years)
            else f"{min(years)}–{max(years)}"
            if min(years) < max(years)
            else str(min(years))
        )
        parts = [
            f"{n_cases} {'casus' if n_cases == 1 else 'casussen'} in {n_mun} "
            f"{'gemeente' if n_mun == 1 else 'gemeenten'} en {n_org} "
            f"{'organisatie' if n_org == 1 else 'organisaties'} ({span})",
            f"{round(share_maatwerk * n_cases)} van {n_cases} alleen met maatwerk of doorbraak "
            "opgelost",
            f"{int((outcome == 'niet').sum())} niet opgelost",
        ]
        if top_type:
            parts.append(f"vooral {top_type} ({type_mix.iloc[0]:.0%})")
        if slope > 0.05:
            parts.append(f"stijgend (+{slope:.1f} casus per jaar bij gelijke instroom)")
        reason = (
            "regels, wetgeving of financiering in meerdere gemeenten: orde 3"
            if orde_candidate == 3
            else "op te lossen binnen de eigen organisatie: orde 2"
        )
        rows.append(
            {
                "cluster_id": int(cid),
                "n_statements": int(len(g)),
                "n_cases": n_cases,
                "n_municipalities": n_mun,
                "n_organisations": n_org,
                "barrier_type": top_type,
                "share_maatwerk": round(share_maatwerk, 3),
                "share_solved": round(share_solved, 3),
                "trend_slope": None if math.isnan(slope) else round(slope, 3),
                "systemic_score": round(score, 3),
                "orde_candidate": orde_candidate,
                "evidence": "; ".join(parts) + f". Kandidaat {reason}.",
            }
        )
    return pd.DataFrame(rows)


def case_cluster_rows(statements: pd.DataFrame, labels: np.ndarray) -> pd.DataFrame:
    """Every (case, cluster) pair; is_primary marks the cluster of the case's main barrier
    (-1 when the main barrier is unclustered, kept so the case shows up in triage)."""
    df = statements[["case_id", "is_main"]].assign(cluster_id=labels)
    primary = df[df["is_main"]].drop_duplicates("case_id")[["case_id", "cluster_id"]]
    primary = primary.assign(is_primary=True)
    others = df[df["cluster_id"] >= 0][["case_id", "cluster_id"]].drop_duplicates()
    others = others.merge(primary[["case_id", "cluster_id"]], how="left", indicator=True)
    others = others[others["_merge"] == "left_only"].drop(columns="_merge")
    out = pd.concat([primary, others.assign(is_primary=False)], ignore_index=True)
    out["cluster_id"] = out["cluster_id"].astype("int64")
    out["is_primary"] = out["is_primary"].astype(bool)
    return out.sort_values(["case_id", "cluster_id"], ignore_index=True)


def case_info_frame(cases: pd.DataFrame, case_structure: pd.DataFrame) -> pd.DataFrame:
    """Per case: municipality, organisation, year (the date's, else the text's), solution_type,
    outcome, orde."""
    info = cases[["case_id"]].copy()
    for col in ("municipality", "organisation"):
        info[col] = cases[col] if col in cases else None
    info["year"] = case_years(cases)[0].astype("float64")
    if len(case_structure):
        cs = case_structure[["case_id", "solution_type", "outcome", "orde"]]
        info = info.merge(cs, on="case_id", how="left")
        for col in ("municipality", "organisation"):  # named in the text, where the input has none
            if col in case_structure:
                found = info["case_id"].map(case_structure.set_index("case_id")[col])
                info[col] = info[col].where(info[col].notna(), found)
    for col in ("solution_type", "outcome", "orde"):
        if col not in info:
            info[col] = None
    if "orde" in cases:  # the input's own orde wins over the inferred one
        given = cases.set_index("case_id")["orde"]
        info["orde"] = (
            info["case_id"].map(given).where(info["case_id"].map(given).notna(), info["orde"])
        )
    return info
