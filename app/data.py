"""Data access for the app: the one module that holds SQL, caches and file writes.

Reads  the published knowledge base `kb.duckdb` (read-only, one cached connection, a cursor per
query) and the annotation store (`pipeline.core.annotations`).
Writes only annotation events (cluster names, merges, escalation status, solution feedback) and
new cases as JSON files in the inbox (`data/raw/inbox/`); never the knowledge base. Every write
and every whole case opened first asks `app.auth` whether the user's role allows it (refused
with `auth.Refused` otherwise) and is recorded with who did it (annotation events carry
`author`; case reads and additions go to the audit log, ids only).
Guarantees: pages hold no SQL; every query that takes widget values is an `st.cache_data`
function keyed on the knowledge base file's identity (path, inode, modification time, size),
checked on every rerun. A rebuild replaces the file atomically (`os.replace` by publish); the
next rerun sees a new key and opens the new file, while a query still running on the old one
finishes on the old one (see `KBConnection`). Missing values come back as None/NA; the pages
show them as "onbekend" (`app.ui`). Heavy objects (embedding model, search engine, anonymiser)
are `st.cache_resource` and built by loader functions a test can replace (`load_embedder`,
`make_anonymiser`).
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import streamlit as st

from app import auth
from pipeline.core.annotations import AnnotationState, append_event, load_state
from pipeline.core.config import PROJECT_ROOT, Config, Workdir, load_config
from pipeline.core.db import has_column, stable_case_id
from pipeline.serve.patterns import merge_cte

ENV_WORKDIR = "CASUSWIJZER_WORKDIR"
ENV_PARAMS = "CASUSWIJZER_PARAMS"
MAP_POINTS = 200_000  # the map loads at most this many statements (a stable sample)
THEME_CANDIDATES = 1000  # the atelier chooses among at most this many cases per theme

# (path, inode, modification time in ns, size): the cache key of one published build
KB = tuple[str, int, int, int]
MergePairs = tuple[tuple[int, int], ...]  # (cluster_id, surviving cluster_id)


# --------------------------------------------------------------------------- where the data is


@st.cache_resource
def _workdir(root: str, params: str | None) -> Workdir:
    return Workdir(root, load_config(params or None))


def workdir() -> Workdir:
    """The work directory named by CASUSWIJZER_WORKDIR (default: the project itself)."""
    return _workdir(os.environ.get(ENV_WORKDIR) or str(PROJECT_ROOT), os.environ.get(ENV_PARAMS))


def kb_key() -> KB | None:
    """Cache key of the published knowledge base, or None when it has not been built yet.

    Read on every rerun: publish replaces the file with `os.replace`, which gives it a new
    inode, so a rebuild always yields a new key even within one clock tick.
    """
    path = workdir().kb
    try:
        st_ = path.stat()
    except FileNotFoundError:
        return None
    return (str(path), st_.st_ino, st_.st_mtime_ns, st_.st_size)


def small_cell() -> int:
    return workdir().cfg.publish.small_cell


class KBConnection:
    """A read-only connection to one published file that a rebuild cannot redirect.

    DuckDB keeps one database instance per path in a process: `duckdb.connect(path)` while an
    older connection to that path is open returns the *old* instance, so after a publish the
    app would keep reading the replaced file. Here every connection is its own in-memory
    instance with the file ATTACHed read-only, so opening the new file never reuses the old
    instance, and queries already running on the old one finish there. Like a DuckDB
    connection, it hands out one cursor per query (`cursor()`), each with the knowledge base
    as its default catalog.
    """

    CATALOG = "kb"

    def __init__(self, path: str):
        import duckdb

        from pipeline.core.db import MissingExtension, load_fts

        self.path = path
        self.fts_missing: str | None = None  # why word search (BM25) is off, if it is
        self._con = duckdb.connect(":memory:")
        try:
            load_fts(self._con)  # the BM25 macros need it; search falls back to dense without
        except MissingExtension as exc:
            self.fts_missing = str(exc)
        self._con.execute(f"ATTACH '{_sql_literal(path)}' AS {self.CATALOG} (READ_ONLY)")

    def cursor(self):
        cur = self._con.cursor()
        cur.execute(f"USE {self.CATALOG}")
        return cur

    def execute(self, sql: str, params: list | None = None):
        return self.cursor().execute(sql, params or [])

    def close(self) -> None:
        self._con.close()


def _sql_literal(text: str) -> str:
    return text.replace("'", "''")


@st.cache_resource(max_entries=2)
def _connection(kb: KB) -> KBConnection:
    if not Path(kb[0]).exists():
        raise FileNotFoundError(
            f"Knowledge base {kb[0]} does not exist: build it first (casuswijzer build)"
        )
    return KBConnection(kb[0])


def word_search_problem(kb: KB) -> str | None:
    """A Dutch message when search by words (BM25) cannot work on this machine, else None."""
    missing = _connection(kb).fts_missing
    if missing is None:
        return None
    return (
        "Zoeken op woorden werkt nu niet, alleen zoeken op betekenis: de DuckDB-uitbreiding "
        f"voor tekstzoeken ontbreekt ({missing})."
    )


def _df(kb: KB, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run one query on its own cursor (DuckDB connections are not thread-safe)."""
    cur = _connection(kb).cursor()
    try:
        return cur.execute(sql, params or []).df()
    finally:
        cur.close()


# --------------------------------------------------------------------------- heavy objects


def load_embedder(cfg: Config):
    """Build the embedding model params.yaml names (tests replace this function)."""
    from pipeline.core.embedder import load_embedder as _load

    return _load(cfg.embed)


@st.cache_resource(max_entries=1)
def _embedder(backend: str, model: str):
    return load_embedder(workdir().cfg)


def embedder():
    cfg = workdir().cfg.embed
    return _embedder(cfg.backend, cfg.model)


@st.cache_resource(max_entries=2)
def _engine(kb: KB):
    from pipeline.serve.search import SearchEngine

    return SearchEngine(_connection(kb), embedder(), workdir().cfg.search)


def make_anonymiser(cfg: Config):
    """Build the anonymisation gate with the project's settings (tests replace this function)."""
    from pipeline.core.anonymise import Anonymiser

    return Anonymiser(use_deduce=cfg.anonymise.use_deduce)


@st.cache_resource(max_entries=1)
def _anonymiser(use_deduce: bool):
    return make_anonymiser(workdir().cfg)


def anonymise(text: str):
    """Run the gate on text typed in the app; returns an `AnonResult` (never logged)."""
    return _anonymiser(workdir().cfg.anonymise.use_deduce).anonymise(text)


# --------------------------------------------------------------------------- annotations


@st.cache_data(max_entries=4, show_spinner=False)
def _state(path: str, stamp: tuple[int, int]) -> AnnotationState:
    return load_state(path)


def annotations() -> AnnotationState:
    """Current annotation state (re-read when the store changes)."""
    path = workdir().annotations
    try:
        st_ = path.stat()
        stamp = (st_.st_mtime_ns, st_.st_size)
    except FileNotFoundError:
        stamp = (0, 0)
    return _state(str(path), stamp)


def merge_pairs(state: AnnotationState) -> MergePairs:
    """Every merged cluster with the id it finally lives on in (chains followed)."""
    pairs = ((src, state.resolve(src)) for src in state.merges)
    return tuple(sorted((int(a), int(b)) for a, b in pairs if a != b))


def _annotate(action: str, event: dict[str, Any]) -> None:
    """Append an annotation event as the current user, if their role allows `action`."""
    user = auth.require(action)
    append_event(workdir().annotations, event, author=user.id)


def rename_cluster(cluster_id: int, name: str) -> None:
    _annotate("curate", {"type": "cluster_name", "cluster_id": int(cluster_id), "name": name})


def merge_cluster(cluster_id: int, into: int) -> None:
    _annotate("curate", {"type": "cluster_merge", "cluster_id": int(cluster_id), "into": int(into)})


def set_escalation(cluster_id: int, status: str, owner: str, note: str) -> None:
    _annotate(
        "escalate",
        {
            "type": "escalation",
            "cluster_id": int(cluster_id),
            "status": status,
            "owner": owner,
            "note": note,
        },
    )


def give_feedback(target_id: str, helped: bool) -> None:
    _annotate(
        "feedback",
        {"type": "solution_feedback", "target_id": str(target_id), "helped": bool(helped)},
    )


def audit_trail() -> tuple[pd.DataFrame, int]:
    """Who did what and when (annotation events and the audit log, oldest first) and the
    number of unreadable lines skipped; for the Audit page (role beheer)."""
    from pipeline.core.audit import COLUMNS, audit_rows

    auth.require("audit")
    wd = workdir()
    rows, skipped = audit_rows(wd.annotations, wd.audit_log)
    return pd.DataFrame(rows, columns=list(COLUMNS)), skipped


# --------------------------------------------------------------------------- inbox


def save_inbox_case(
    text: str,
    knelpunt: str = "",
    oplossing: str = "",
    gemeente: str = "",
    datum: date | None = None,
) -> SavedCase:
    """Write one new case as a JSON file in the inbox (atomically); the next build ingests it.

    Returns the file and the case's receipt code (`new_receipt_code`). The code itself is
    stored nowhere: the record's id is derived from its hash (`receipt_inbox_id`), so "Mijn
    casussen" can find the published case again from the code alone.
    """
    user = auth.require("add_case")
    inbox = workdir().inbox
    inbox.mkdir(parents=True, exist_ok=True)
    code = new_receipt_code()
    case_id = receipt_inbox_id(code)
    record = {
        "id": case_id,
        "text": text,
        "knelpunt": knelpunt or None,
        "oplossing": oplossing or None,
        "gemeente": gemeente or None,
        "datum": datum.isoformat() if datum else None,
    }
    path = inbox / f"{case_id}.json"
    tmp = inbox / f".{case_id}.json.tmp"
    tmp.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(tmp, path)
    auth.audit("case_added", user, case_id=case_id)
    return SavedCase(path, code)


# --------------------------------------------------------------------------- SQL helpers


def members_of(cluster_id: int, pairs: MergePairs) -> list[int]:
    """The kb cluster ids shown as one cluster (the cluster and all merged into it)."""
    return sorted({int(cluster_id)} | {a for a, b in pairs if b == cluster_id})


# --------------------------------------------------------------------------- overview


@st.cache_data(max_entries=4, show_spinner=False)
def overview(kb: KB) -> dict[str, Any]:
    row = _df(
        kb,
        """
        SELECT (SELECT count(*) FROM cases) AS n_cases,
               (SELECT count(*) FROM clusters) AS n_clusters,
               (SELECT count(*) FROM statements WHERE kind = 'barrier') AS n_barriers,
               (SELECT count(DISTINCT municipality) FROM cases) AS n_municipalities,
               (SELECT min(year) FROM cases) AS year_min,
               (SELECT max(year) FROM cases) AS year_max
        """,
    ).iloc[0]
    return {k: (None if pd.isna(v) else int(v)) for k, v in row.items()}


@st.cache_data(max_entries=4, show_spinner=False)
def n_years_from_text(kb: KB) -> int:
    """Cases without a date whose year is the latest year their text names (`year_source`
    'tekst'); 0 for a knowledge base built before that column."""
    cur = _connection(kb).cursor()
    try:
        if not has_column(cur, "cases", "year_source"):
            return 0
    finally:
        cur.close()
    return int(_df(kb, "SELECT count(*) FROM cases WHERE year_source = 'tekst'").iloc[0, 0])


@st.cache_data(max_entries=4, show_spinner=False)
def filter_options(kb: KB) -> dict[str, list]:
    """Values the search filters can take, from the knowledge base itself."""

    def col(sql: str) -> list:
        return [v for v in _df(kb, sql).iloc[:, 0].tolist() if v is not None and v == v]

    return {
        "domains": col("SELECT DISTINCT unnest(domains) AS d FROM cases ORDER BY d"),
        "municipalities": col(
            "SELECT DISTINCT municipality FROM cases WHERE municipality IS NOT NULL ORDER BY 1"
        ),
        "barrier_types": col(
            """
            SELECT DISTINCT t FROM (
                SELECT unnest(barrier_types) AS t FROM cases
                UNION SELECT barrier_type FROM statements WHERE barrier_type IS NOT NULL)
            ORDER BY t
            """
        ),
        "outcomes": col("SELECT DISTINCT outcome FROM cases WHERE outcome IS NOT NULL ORDER BY 1"),
        "years": col("SELECT DISTINCT year FROM cases WHERE year IS NOT NULL ORDER BY 1"),
    }


# --------------------------------------------------------------------------- clusters


@st.cache_data(max_entries=8, show_spinner=False)
def clusters(kb: KB, pairs: MergePairs) -> pd.DataFrame:
    """One row per shown cluster (merged clusters folded into the one they merged into).

    The query is `pipeline.serve.patterns.ranked_clusters`, shared with the CLI's report.
    Columns: cluster_id, label, kb_name, keywords, representative, barrier_type,
    systemic_score, orde_candidate, trend_slope, share_solved, share_maatwerk, members,
    n_statements, n_cases, n_municipalities, n_organisations, municipalities, years ({year: n}),
    trend (cases per year over the whole kb's year range).
    """
    from pipeline.serve.patterns import ranked_clusters

    cur = _connection(kb).cursor()
    try:
        return ranked_clusters(cur, pairs)
    finally:
        cur.close()


def display_names(frame: pd.DataFrame, state: AnnotationState) -> dict[int, str]:
    """Human name per shown cluster: latest rename in the app, else the kb name, else the label."""
    out = {}
    for rec in frame[["cluster_id", "kb_name", "label"]].to_dict("records"):
        cid = int(rec["cluster_id"])
        kb_name = rec["kb_name"] if isinstance(rec["kb_name"], str) and rec["kb_name"] else None
        out[cid] = state.cluster_names.get(cid) or kb_name or str(rec["label"])
    return out


@st.cache_data(max_entries=16, show_spinner=False)
def cluster_detail(kb: KB, cluster_id: int, pairs: MergePairs) -> dict[str, pd.DataFrame]:
    """Everything the cluster page shows: representative sentences, cases, what worked,
    domains and barrier types."""
    members = members_of(cluster_id, pairs)
    cases_in = "SELECT DISTINCT case_id FROM case_clusters WHERE list_contains(?, cluster_id)"
    out = {
        "representative": _df(
            kb,
            """
            SELECT s.text AS uitspraak, c.municipality AS gemeente, c.year AS jaar,
                   sc.probability AS zekerheid
            FROM statement_clusters sc JOIN statements s USING (statement_id)
            JOIN cases c USING (case_id)
            WHERE list_contains(?, sc.cluster_id)
            ORDER BY sc.probability DESC NULLS LAST, sc.statement_id
            LIMIT 8
            """,
            [members],
        ),
        "cases": _df(
            kb,
            f"""
            SELECT c.case_id, c.source_id, c.municipality, c.organisation, c.year, c.outcome,
                   c.solution_type, c.orde, coalesce(c.knelpunt, b.text) AS knelpunt
            FROM cases c
            LEFT JOIN (SELECT case_id, first(text ORDER BY sent_index) AS text FROM statements
                       WHERE kind = 'barrier' AND is_main GROUP BY case_id) b USING (case_id)
            WHERE c.case_id IN ({cases_in})
            ORDER BY c.year DESC NULLS LAST, c.case_id
            LIMIT 500
            """,
            [members],
        ),
        "solution_types": _df(
            kb,
            f"""
            SELECT coalesce(solution_type, 'onbekend') AS soort,
                   count(*) FILTER (WHERE outcome = 'opgelost') AS opgelost,
                   count(*) FILTER (WHERE outcome = 'deels') AS deels,
                   count(*) FILTER (WHERE outcome = 'niet') AS niet,
                   count(*) AS totaal
            FROM cases WHERE case_id IN ({cases_in})
            GROUP BY 1 ORDER BY opgelost DESC, totaal DESC
            """,
            [members],
        ),
        "solutions": _df(
            kb,
            f"""
            SELECT c.case_id, s.statement_id, s.text AS oplossing, c.outcome AS uitkomst,
                   c.solution_type AS soort, c.municipality AS gemeente
            FROM statements s JOIN cases c USING (case_id)
            WHERE s.kind = 'solution' AND c.outcome IN ('opgelost', 'deels')
              AND c.case_id IN ({cases_in})
            ORDER BY (c.outcome = 'opgelost') DESC, s.statement_id
            LIMIT 30
            """,
            [members],
        ),
        "domains": _df(
            kb,
            f"""
            SELECT d AS leefgebied, count(*) AS casussen
            FROM (SELECT unnest(domains) AS d FROM cases WHERE case_id IN ({cases_in}))
            GROUP BY 1 ORDER BY 2 DESC, 1
            """,
            [members],
        ),
        "barrier_types": _df(
            kb,
            """
            SELECT coalesce(s.barrier_type, 'onbekend') AS soort, count(*) AS uitspraken
            FROM statement_clusters sc JOIN statements s USING (statement_id)
            WHERE list_contains(?, sc.cluster_id)
            GROUP BY 1 ORDER BY 2 DESC, 1
            """,
            [members],
        ),
    }
    return out


@st.cache_data(max_entries=4, show_spinner=False)
def map_points(kb: KB, pairs: MergePairs, limit: int = MAP_POINTS) -> pd.DataFrame:
    """A stable sample (by hash of the statement id) of barrier statements with their 2-D
    position, (merged) cluster and what the map colours, filters and lists them by.

    Columns: statement_id, case_id, source_id, x, y, cluster_id, statement (whole text),
    search_key (the statement folded by `pipeline.core.text.fold`, for the map's search),
    municipality, year, orde (of the case), domain (the case's first life domain). Missing
    values stay None/NA.
    """
    from pipeline.core.text import fold  # local: the search key is this function's concern

    frame = _df(
        kb,
        f"""
        WITH {merge_cte(pairs)},
        pick AS (SELECT * FROM statement_clusters WHERE x IS NOT NULL AND y IS NOT NULL
                 ORDER BY hash(statement_id), statement_id LIMIT ?)
        SELECT p.statement_id, s.case_id, c.source_id, p.x, p.y,
               coalesce(m.dst, p.cluster_id) AS cluster_id, s.text AS statement,
               c.municipality, c.year, c.orde,
               CASE WHEN len(c.domains) > 0 THEN c.domains[1] END AS domain
        FROM pick p JOIN statements s USING (statement_id)
        LEFT JOIN cases c ON c.case_id = s.case_id
        LEFT JOIN m ON m.src = p.cluster_id
        ORDER BY hash(p.statement_id), p.statement_id
        """,
        [int(limit)],
    )
    frame["search_key"] = [fold(t) for t in frame["statement"].fillna("")]
    return frame


@st.cache_data(max_entries=4, show_spinner=False)
def unclustered(kb: KB, limit: int = 200) -> tuple[int, pd.DataFrame]:
    """Barrier statements that fit no cluster (for triage): total and the first `limit`."""
    total = int(_df(kb, "SELECT count(*) FROM statement_clusters WHERE cluster_id = -1").iloc[0, 0])
    rows = _df(
        kb,
        """
        SELECT s.text AS uitspraak, s.barrier_type AS soort, c.municipality AS gemeente,
               c.year AS jaar, c.source_id AS bron_id
        FROM statement_clusters sc JOIN statements s USING (statement_id)
        JOIN cases c USING (case_id)
        WHERE sc.cluster_id = -1
        ORDER BY c.year DESC NULLS LAST, s.statement_id
        LIMIT ?
        """,
        [int(limit)],
    )
    return total, rows


# --------------------------------------------------------------------------- cases and search


def case_detail(kb: KB, case_id: str) -> dict[str, Any] | None:
    """One whole case with its statements; the read is recorded in the audit log (id only)."""
    auth.require("search")
    rec = _case_detail(kb, case_id)
    if rec is not None:
        auth.log_case_reads([case_id])
    return rec


def log_receipt_lookup(case_id: str, found: bool) -> None:
    """Record a receipt-code lookup on Mijn casussen: the case id the code leads to (a hash,
    never the code) and whether it was published; many misses in a row show guessing."""
    auth.audit(
        "receipt_lookup", case_id=str(case_id), reason="gevonden" if found else "niet gevonden"
    )


def log_case_reads(case_ids) -> None:
    """Record that whole cases were shown (e.g. in a session pack); ids only."""
    auth.log_case_reads(case_ids)


@st.cache_data(max_entries=32, show_spinner=False)
def _case_detail(kb: KB, case_id: str) -> dict[str, Any] | None:
    df = _df(kb, "SELECT * FROM cases WHERE case_id = ?", [case_id])
    if df.empty:
        return None
    rec = df.iloc[0].to_dict()
    stmts = _df(
        kb,
        "SELECT statement_id, kind, text, barrier_type FROM statements WHERE case_id = ? "
        "ORDER BY sent_index, statement_id",
        [case_id],
    )
    rec["statements"] = stmts.to_dict("records")
    return rec


@st.cache_data(max_entries=64, show_spinner=False)
def search(
    kb: KB, query: str, k: int, filters: tuple[tuple[str, Any], ...], mode: str = "hybrid"
) -> list[dict[str, Any]]:
    """Search hits as dicts; raises `pipeline.search.QueryError` with a Dutch message."""
    from pipeline.serve.search import Filters

    hits = _engine(kb).search(query, k=k, filters=Filters(**dict(filters)), mode=mode)
    return [asdict(h) for h in hits]


@st.cache_data(max_entries=32, show_spinner=False)
def more_like_this(
    kb: KB, case_id: str, k: int, filters: tuple[tuple[str, Any], ...]
) -> list[dict[str, Any]]:
    from pipeline.serve.search import Filters

    hits = _engine(kb).more_like_this(case_id, k=k, filters=Filters(**dict(filters)))
    return [asdict(h) for h in hits]


def filters_key(**kwargs: Any) -> tuple[tuple[str, Any], ...]:
    """Hashable form of `pipeline.search.Filters` keyword arguments (for the cache)."""
    return tuple(sorted(kwargs.items()))


@st.cache_data(max_entries=64, show_spinner=False)
def solution_statements(kb: KB, case_ids: tuple[str, ...]) -> dict[str, list[tuple[str, str]]]:
    """Solution statements (id, text) per case, for the feedback buttons."""
    if not case_ids:
        return {}
    df = _df(
        kb,
        "SELECT case_id, statement_id, text FROM statements "
        "WHERE kind = 'solution' AND list_contains(?, case_id) ORDER BY sent_index",
        [list(case_ids)],
    )
    out: dict[str, list[tuple[str, str]]] = {}
    for rec in df.to_dict("records"):
        out.setdefault(rec["case_id"], []).append((rec["statement_id"], rec["text"]))
    return out


# --------------------------------------------------------------------------- atelier

_THEME_SELECT = """
    SELECT c.case_id, c.source_id, c.municipality, c.organisation, c.year, c.narrative,
           coalesce(nullif(trim(c.knelpunt), ''), b.text) AS knelpunt,
           coalesce(nullif(trim(c.oplossing), ''), s.text) AS oplossing,
           c.outcome, c.barrier_types, c.domains, c.primary_cluster_id, e.vector
    FROM cases c
    JOIN case_embeddings e USING (case_id)
    LEFT JOIN (SELECT case_id, string_agg(text, ' ' ORDER BY sent_index) AS text
               FROM statements WHERE kind = 'barrier' AND is_main GROUP BY case_id) b
           USING (case_id)
    LEFT JOIN (SELECT case_id, string_agg(text, ' ' ORDER BY sent_index) AS text
               FROM (SELECT case_id, text, min(sent_index) AS sent_index FROM statements
                     WHERE kind = 'solution' GROUP BY case_id, text)  -- told twice: once
               GROUP BY case_id) s USING (case_id)
"""


def _with_vectors(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    if df.empty:
        return df.drop(columns=["vector"]), np.zeros((0, 0), dtype=np.float32)
    vecs = np.vstack([np.asarray(v, dtype=np.float32) for v in df["vector"]])
    return df.drop(columns=["vector"]).reset_index(drop=True), vecs


@st.cache_data(max_entries=8, show_spinner=False)
def theme_cases(
    kb: KB, kind: str, value: Any, pairs: MergePairs
) -> tuple[pd.DataFrame, np.ndarray]:
    """Candidate cases for a cluster (`kind="cluster"`) or a life domain (`"domain"`), with
    their vectors; at most THEME_CANDIDATES, a stable sample when there are more."""
    if kind == "cluster":
        where = (
            "WHERE c.case_id IN (SELECT case_id FROM case_clusters "
            "WHERE list_contains(?, cluster_id))"
        )
        params: list = [members_of(int(value), pairs)]
    elif kind == "domain":
        where = "WHERE list_contains(c.domains, ?)"
        params = [str(value)]
    else:
        raise ValueError(f"unknown theme kind {kind!r}")
    df = _df(
        kb, f"{_THEME_SELECT} {where} ORDER BY hash(c.case_id) LIMIT ?", [*params, THEME_CANDIDATES]
    )
    return _with_vectors(df)


@st.cache_data(max_entries=8, show_spinner=False)
def cases_with_vectors(kb: KB, case_ids: tuple[str, ...]) -> tuple[pd.DataFrame, np.ndarray]:
    """The given cases (in the given order) with their vectors."""
    if not case_ids:
        return _with_vectors(pd.DataFrame(columns=["case_id", "vector"]))
    df = _df(kb, f"{_THEME_SELECT} WHERE list_contains(?, c.case_id)", [list(case_ids)])
    order = {cid: i for i, cid in enumerate(case_ids)}
    df = df.sort_values("case_id", key=lambda s: s.map(order))
    return _with_vectors(df)


# --------------------------------------------------------------------------- quality


@st.cache_data(max_entries=4, show_spinner=False)
def cluster_ids(kb: KB) -> frozenset[int]:
    """Every cluster id the knowledge base publishes."""
    return frozenset(int(c) for c in _df(kb, "SELECT cluster_id FROM clusters")["cluster_id"])


def orphan_annotations(kb: KB, state: AnnotationState) -> pd.DataFrame:
    """Annotations that name a cluster id this knowledge base does not have (columns
    soort, patroon): they stay in the store but attach to nothing shown."""
    known = cluster_ids(kb)
    rows = []
    for kind, ids in (
        ("naam", state.cluster_names),
        ("samenvoeging", state.merges),
        ("status", state.escalation),
    ):
        rows += [{"soort": kind, "patroon": int(c)} for c in ids if int(c) not in known]
    rows += [
        {"soort": "samenvoeging (doel)", "patroon": int(d)}
        for s, d in state.merges.items()
        if int(s) in known and int(d) not in known
    ]
    return pd.DataFrame(rows, columns=["soort", "patroon"])


@st.cache_data(max_entries=4, show_spinner=False)
def manifest(kb: KB) -> dict[str, Any]:
    """The last build's manifest, each value parsed from JSON where it is JSON."""
    parsed = {}
    for rec in _df(kb, "SELECT key, value FROM manifest ORDER BY key").to_dict("records"):
        try:
            parsed[rec["key"]] = json.loads(rec["value"])
        except (TypeError, json.JSONDecodeError):
            parsed[rec["key"]] = rec["value"]
    return parsed


def reference_cases(kb: KB) -> int:
    """How many shipped reference cases the last build clustered with (0: none, or no
    manifest): they shaped the patterns but are in no table of the knowledge base."""
    stages = manifest(kb).get("stages")
    cluster = stages.get("cluster") if isinstance(stages, dict) else None
    return int((cluster or {}).get("reference_cases") or 0)


@st.cache_data(max_entries=4, show_spinner=False)
def quality(kb: KB) -> dict[str, Any]:
    """Manifest, great-expectations results and the quarantine list (reasons only)."""
    parsed = manifest(kb)
    validations = _df(
        kb, "SELECT suite, success, evaluated, successful, details FROM validations ORDER BY suite"
    )
    quarantine = _df(
        kb,
        "SELECT source_file AS bestand, source_row AS rij, field AS veld, reason AS reden "
        "FROM quarantine ORDER BY source_file, source_row LIMIT 1000",
    )
    n_quarantine = int(_df(kb, "SELECT count(*) FROM quarantine").iloc[0, 0])
    return {
        "manifest": parsed,
        "validations": validations,
        "quarantine": quarantine,
        "n_quarantine": n_quarantine,
    }


# --------------------------------------------------------------------------- receipts

# Receipt codes: "CW-" and two groups of four from an alphabet without look-alikes (no 0/O,
# 1/I/L, 5/S, 8/B, 2/Z), so a code read aloud or typed over from paper comes out right.
RECEIPT_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
RECEIPT_PREFIX = "CW"
RECEIPT_GROUPS = 2
RECEIPT_GROUP_LEN = 4
INBOX_ID_PREFIX = "inbox-"
SUMMARY_CHARS = 160  # statements shown on Mijn casussen are cut to this many characters


class SavedCase(NamedTuple):
    path: Path  # the inbox file
    code: str  # the receipt code, shown once to the contributor and stored nowhere


def new_receipt_code() -> str:
    """A fresh receipt code such as `CW-7K3M-Q9PX` (random, from `secrets`)."""
    groups = (
        "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_GROUP_LEN))
        for _ in range(RECEIPT_GROUPS)
    )
    return "-".join((RECEIPT_PREFIX, *groups))


def normalise_receipt(typed: str) -> str | None:
    """The canonical form of a typed receipt code (any case, spaces or dashes, with or without
    "CW"), or None when it cannot be one."""
    chars = "".join(ch for ch in str(typed).upper() if ch.isalnum())
    if chars.startswith(RECEIPT_PREFIX) and len(chars) == len(RECEIPT_PREFIX) + RECEIPT_GROUPS * (
        RECEIPT_GROUP_LEN
    ):
        chars = chars[len(RECEIPT_PREFIX) :]
    if len(chars) != RECEIPT_GROUPS * RECEIPT_GROUP_LEN or any(
        ch not in RECEIPT_ALPHABET for ch in chars
    ):
        return None
    n = RECEIPT_GROUP_LEN
    return "-".join((RECEIPT_PREFIX, *(chars[i : i + n] for i in range(0, len(chars), n))))


def receipt_inbox_id(code: str) -> str:
    """The inbox record's id (and file stem) for a receipt code: a hash, never the code."""
    return INBOX_ID_PREFIX + hashlib.sha256(code.encode("utf-8")).hexdigest()[:16]


def receipt_case_id(code: str) -> str:
    """The `cases.case_id` the build gives the inbox record of this code.

    `stable_case_id` of the inbox file's raw name and id, as ingest computes it. The
    published `source_id` may be pseudonymised by the ingest gate, `case_id` never is.
    """
    inbox_id = receipt_inbox_id(code)
    return stable_case_id(f"{inbox_id}.json", inbox_id)


def _short(column: str) -> str:
    """SQL: a text column cut to SUMMARY_CHARS characters (with an ellipsis when cut)."""
    n = SUMMARY_CHARS
    return f"CASE WHEN length({column}) > {n} THEN left({column}, {n - 1}) || '…' ELSE {column} END"


@st.cache_data(max_entries=32, show_spinner=False)
def case_by_receipt(kb: KB, code: str) -> dict[str, Any] | None:
    """The published case of a receipt code (case id, primary cluster, outcome, its main
    barrier cut short), or None when the last build did not publish it (yet)."""
    df = _df(
        kb,
        f"""
        SELECT c.case_id, c.primary_cluster_id, c.outcome, c.municipality, c.year,
               {_short("b.text")} AS knelpunt
        FROM cases c
        LEFT JOIN (SELECT case_id, first(text ORDER BY sent_index) AS text FROM statements
                   WHERE kind = 'barrier' AND is_main GROUP BY case_id) b USING (case_id)
        WHERE c.case_id = ?
        """,
        [receipt_case_id(code)],
    )
    if df.empty:
        return None
    return df.iloc[0].to_dict()


@st.cache_data(max_entries=32, show_spinner=False)
def similar_cases(kb: KB, case_id: str, k: int = 5) -> pd.DataFrame:
    """The `k` cases nearest to `case_id` by their narrative vectors: case_id, source_id,
    primary_cluster_id, outcome, similarity and a short solution (the solution field, else its
    first solution statement, cut to SUMMARY_CHARS); never the narrative."""
    return _df(
        kb,
        f"""
        WITH me AS (SELECT vector FROM case_embeddings WHERE case_id = ?),
        near AS (SELECT e.case_id, list_cosine_similarity(e.vector, me.vector) AS gelijkenis
                 FROM case_embeddings e, me WHERE e.case_id <> ?
                 ORDER BY gelijkenis DESC, e.case_id LIMIT ?),
        sol AS (SELECT case_id, first(text ORDER BY sent_index) AS text FROM statements
                WHERE kind = 'solution' GROUP BY case_id)
        SELECT c.case_id, c.source_id, c.primary_cluster_id, c.outcome, near.gelijkenis,
               {_short("coalesce(nullif(trim(c.oplossing), ''), sol.text)")} AS oplossing
        FROM near JOIN cases c USING (case_id) LEFT JOIN sol USING (case_id)
        ORDER BY near.gelijkenis DESC, c.case_id
        """,
        [case_id, case_id, int(k)],
    )
