"""Barrier patterns as shown to people: the ranked-cluster query shared by the app and the CLI.

Reads  the published knowledge base through any DuckDB connection or cursor (`con.execute(sql,
params).df()`): the app passes a cursor of its read-only connection, the CLI a read-only
connection of its own.
Writes nothing.
Guarantees: merged clusters (annotation merges, as `(cluster_id, surviving id)` pairs) are
folded into the cluster they merged into and each case counts once per shown pattern; missing
values stay NULL/NA (callers show them as "onbekend"); the SQL holds no user text (merge ids
are formatted integers, everything else is a bound parameter).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from pipeline.core.db import has_column

MergePairs = Sequence[tuple[int, int]]  # (cluster_id, surviving cluster_id)


def merge_cte(pairs: MergePairs) -> str:
    """`m(src, dst)`: the merge map as a CTE (ids are ints, formatted, never user text)."""
    if not pairs:
        return "m AS (SELECT NULL::INTEGER AS src, NULL::INTEGER AS dst WHERE false)"
    values = ", ".join(f"({int(a)}, {int(b)})" for a, b in pairs)
    return f"m AS (SELECT * FROM (VALUES {values}) t(src, dst))"


def as_list(value: Any) -> list:
    """A list column's cell as a Python list: NULL (None, NA, NaN) becomes []."""
    if value is None:
        return []
    if isinstance(value, list | tuple | np.ndarray):
        return list(value)
    try:
        if pd.isna(value):
            return []
    except (TypeError, ValueError):
        pass
    return list(value)


def ranked_clusters(con, pairs: MergePairs) -> pd.DataFrame:
    """One row per shown cluster (merged clusters folded into the one they merged into).

    Counts are recomputed from the case and statement tables so a merged cluster counts each
    case once. Columns: cluster_id, label, kb_name, keywords, representative, barrier_type,
    systemic_score, orde_candidate, trend_slope, share_solved, share_maatwerk, members,
    n_statements, n_cases, n_municipalities, n_organisations, municipalities, years ({year: n}),
    trend (cases per year over the whole kb's year range). Ordered by n_cases, then id.
    """
    df = con.execute(
        f"""
        WITH {merge_cte(pairs)},
        cl AS (SELECT c.*, coalesce(m.dst, c.cluster_id) AS cid,
                      (CASE WHEN coalesce(m.dst, c.cluster_id) = c.cluster_id THEN 1e12 ELSE 0 END)
                        + coalesce(c.n_statements, 0) AS rk
               FROM clusters c LEFT JOIN m ON m.src = c.cluster_id),
        head AS (
            SELECT cid AS cluster_id,
                   arg_max(label, rk) AS label, arg_max(name, rk) AS kb_name,
                   arg_max(keywords, rk) AS keywords,
                   arg_max(representative, rk) AS representative,
                   arg_max(barrier_type, rk) AS barrier_type,
                   max(systemic_score) AS systemic_score,
                   max(orde_candidate) AS orde_candidate,
                   arg_max(trend_slope, rk) AS trend_slope,
                   arg_max(share_solved, rk) AS share_solved,
                   arg_max(share_maatwerk, rk) AS share_maatwerk,
                   list(cluster_id ORDER BY cluster_id) AS members
            FROM cl GROUP BY cid),
        st AS (SELECT coalesce(m.dst, s.cluster_id) AS cid, count(*) AS n_statements
               FROM statement_clusters s LEFT JOIN m ON m.src = s.cluster_id
               WHERE s.cluster_id >= 0 GROUP BY 1),
        cc AS (SELECT DISTINCT coalesce(m.dst, x.cluster_id) AS cid, x.case_id
               FROM case_clusters x LEFT JOIN m ON m.src = x.cluster_id
               WHERE x.cluster_id >= 0),
        cx AS (SELECT cc.cid, c.municipality, c.organisation, c.year
               FROM cc JOIN cases c USING (case_id)),
        ca AS (SELECT cid, count(*) AS n_cases,
                      count(DISTINCT municipality) AS n_municipalities,
                      count(DISTINCT organisation) AS n_organisations
               FROM cx GROUP BY cid),
        mu AS (SELECT cid, list(municipality ORDER BY n DESC, municipality) AS municipalities
               FROM (SELECT cid, municipality, count(*) AS n FROM cx
                     WHERE municipality IS NOT NULL GROUP BY ALL)
               GROUP BY cid),
        yr AS (SELECT cid, list(year ORDER BY year) AS year_list,
                      list(n ORDER BY year) AS year_counts
               FROM (SELECT cid, year, count(*) AS n FROM cx WHERE year IS NOT NULL GROUP BY ALL)
               GROUP BY cid)
        SELECT head.*, coalesce(st.n_statements, 0) AS n_statements,
               coalesce(ca.n_cases, 0) AS n_cases,
               coalesce(ca.n_municipalities, 0) AS n_municipalities,
               coalesce(ca.n_organisations, 0) AS n_organisations,
               coalesce(mu.municipalities, []) AS municipalities,
               yr.year_list, yr.year_counts
        FROM head
        LEFT JOIN st ON st.cid = head.cluster_id
        LEFT JOIN ca ON ca.cid = head.cluster_id
        LEFT JOIN mu ON mu.cid = head.cluster_id
        LEFT JOIN yr ON yr.cid = head.cluster_id
        ORDER BY n_cases DESC, cluster_id
        """
    ).df()
    lo, hi = con.execute("SELECT min(year), max(year) FROM cases").fetchall()[0]
    span = list(range(int(lo), int(hi) + 1)) if lo is not None else []
    years, trends = [], []
    for ys, ns in zip(df["year_list"], df["year_counts"], strict=True):
        d = {int(y): int(n) for y, n in zip(as_list(ys), as_list(ns), strict=True)}
        years.append(d)
        trends.append([d.get(y, 0) for y in span])
    df["years"] = years
    df["trend"] = trends
    df["cluster_id"] = df["cluster_id"].astype(int)
    for col in ("keywords", "members", "municipalities"):
        df[col] = [as_list(v) for v in df[col]]
    return df.drop(columns=["year_list", "year_counts"])


def titles(frame: pd.DataFrame, names: Mapping[int, str]) -> dict[int, str]:
    """The title of each pattern: a name given by a person (annotations) wins, then the kb's
    name, then a generated readable title (a `title` column, where the kb has one), then the
    keyword label."""
    out = {}
    for rec in frame.to_dict("records"):
        cid = int(rec["cluster_id"])
        for candidate in (names.get(cid), rec.get("kb_name"), rec.get("title"), rec.get("label")):
            if isinstance(candidate, str) and candidate.strip():
                out[cid] = candidate.strip()
                break
        else:
            out[cid] = f"patroon {cid}"
    return out


def case_periods(con) -> pd.DataFrame:
    """One row per case: case_id, year, year_source ('datum', 'tekst': the latest year its text
    names, or NULL), quarter (1–4), municipality, organisation (NULL stays NA: a case without a
    date has no quarter, and no year unless its text names one)."""
    has_source = has_column(con, "cases", "year_source")
    source = "year_source" if has_source else "CAST(NULL AS VARCHAR) AS year_source"
    return con.execute(
        f"""
        SELECT case_id, year, {source}, CAST(quarter(case_date) AS INTEGER) AS quarter,
               municipality, organisation
        FROM cases ORDER BY case_id
        """
    ).df()


def cluster_cases(con, pairs: MergePairs) -> pd.DataFrame:
    """Every (shown cluster, case) pair once: cluster_id, case_id (merges folded in)."""
    return con.execute(
        f"""
        WITH {merge_cte(pairs)}
        SELECT DISTINCT CAST(coalesce(m.dst, x.cluster_id) AS INTEGER) AS cluster_id, x.case_id
        FROM case_clusters x LEFT JOIN m ON m.src = x.cluster_id
        WHERE x.cluster_id >= 0
        ORDER BY 1, 2
        """
    ).df()


def barrier_statements(con, pairs: MergePairs, per_cluster: int) -> pd.DataFrame:
    """The most typical barrier statements of each shown cluster, at most `per_cluster` per
    cluster per year: cluster_id, statement_id, case_id, text, probability, is_main, year,
    municipality. Typical = highest cluster probability, main barriers first."""
    return con.execute(
        f"""
        WITH {merge_cte(pairs)}
        SELECT CAST(coalesce(m.dst, sc.cluster_id) AS INTEGER) AS cluster_id, s.statement_id,
               s.case_id, s.text, sc.probability, coalesce(s.is_main, false) AS is_main,
               c.year, c.municipality
        FROM statement_clusters sc
        JOIN statements s USING (statement_id)
        JOIN cases c USING (case_id)
        LEFT JOIN m ON m.src = sc.cluster_id
        WHERE sc.cluster_id >= 0
        QUALIFY row_number() OVER (
            PARTITION BY coalesce(m.dst, sc.cluster_id), c.year
            ORDER BY coalesce(s.is_main, false) DESC, sc.probability DESC NULLS LAST,
                     s.statement_id) <= ?
        ORDER BY 1, 2
        """,
        [int(per_cluster)],
    ).df()


def build_id(con) -> str:
    """A short id of the build that published this kb: its UTC build time and a hash of its
    manifest (params, inputs, versions), e.g. "20261202-0055-3f9a1c2b"; "onbekend" without."""
    rows = dict(con.execute("SELECT key, value FROM manifest").fetchall())
    if not rows:
        return "onbekend"
    digest = hashlib.sha256(
        json.dumps(rows, sort_keys=True, default=str).encode("utf-8")
    ).hexdigest()[:8]
    try:
        built = str(json.loads(rows.get("built_at") or "null") or "")
    except (TypeError, json.JSONDecodeError):
        built = ""
    stamp = built[:16].replace("-", "").replace("T", "-").replace(":", "") if built else ""
    return f"{stamp}-{digest}" if stamp else digest


__all__ = [
    "as_list",
    "barrier_statements",
    "build_id",
    "case_periods",
    "cluster_cases",
    "merge_cte",
    "ranked_clusters",
    "titles",
]
