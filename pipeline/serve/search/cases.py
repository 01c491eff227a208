"""Case metadata of the published kb in numpy, and the filter mask over it."""

from __future__ import annotations

import duckdb
import numpy as np

from pipeline.serve.search.query import Filters


def _objects(series) -> np.ndarray:
    return series.astype(object).where(series.notna(), None).to_numpy()


def _sets(series) -> list[set]:
    """A list column → one set per row (empty for NULL, which pandas may give as NA)."""
    return [set(v) if isinstance(v, list | tuple | np.ndarray) else set() for v in series]


class CaseTable:
    """One row per case in `case_id` order: ids, facets for filtering, primary cluster."""

    def __init__(self, cur: duckdb.DuckDBPyConnection):
        df = cur.execute(
            """
            SELECT c.case_id, c.source_id, c.municipality, c.organisation, c.year, c.orde,
                   c.outcome, c.domains, c.barrier_types,
                   coalesce(c.primary_cluster_id, -1) AS cluster_id,
                   coalesce(c.solution_type, '') <> 'geen'
                     AND coalesce(c.outcome, '') <> 'niet'
                     AND (nullif(trim(c.oplossing), '') IS NOT NULL
                          OR c.outcome IN ('opgelost', 'deels')
                          OR c.case_id IN (SELECT case_id FROM statements
                                           WHERE kind = 'solution')) AS has_solution,
                   list_distinct(list_concat(
                       coalesce(c.barrier_types, []::VARCHAR[]),
                       coalesce(s.types, []::VARCHAR[]))) AS all_barrier_types
            FROM cases c
            LEFT JOIN (SELECT case_id, list(DISTINCT barrier_type) AS types FROM statements
                       WHERE barrier_type IS NOT NULL GROUP BY case_id) s USING (case_id)
            ORDER BY c.case_id
            """
        ).df()
        self.n = len(df)
        self.case_ids = df["case_id"].astype(object).to_numpy()
        self.source_ids = df["source_id"].astype(object).to_numpy()
        self.row_of = {cid: i for i, cid in enumerate(self.case_ids.tolist())}
        self.municipality = _objects(df["municipality"])
        self.organisation = _objects(df["organisation"])
        self.outcome = _objects(df["outcome"])
        self.year = df["year"].fillna(-1).astype("int64").to_numpy()
        self.orde = df["orde"].fillna(0).astype("int64").to_numpy()
        self.cluster_id = df["cluster_id"].astype("int64").to_numpy()
        self.has_solution = df["has_solution"].fillna(False).astype(bool).to_numpy()
        self._domain_sets = _sets(df["domains"])
        self._btype_sets = _sets(df["all_barrier_types"])
        self._facet_cache: dict[tuple[str, str], np.ndarray] = {}
        labels = cur.execute("SELECT cluster_id, coalesce(name, label) FROM clusters").fetchall()
        self.cluster_labels: dict[int, str] = {int(c): lab for c, lab in labels}

    def _facet(self, kind: str, value: str) -> np.ndarray:
        key = (kind, value)
        if key not in self._facet_cache:
            sets = self._domain_sets if kind == "domain" else self._btype_sets
            self._facet_cache[key] = np.fromiter((value in s for s in sets), bool, self.n)
        return self._facet_cache[key]

    def filter_mask(self, filters: Filters | None) -> np.ndarray:
        """Boolean mask over cases (row order) allowed by the filters."""
        mask = np.ones(self.n, dtype=bool)
        if filters is None or filters.is_empty():
            return mask
        if filters.domains:
            mask &= np.logical_or.reduce([self._facet("domain", d) for d in filters.domains])
        if filters.barrier_types:
            mask &= np.logical_or.reduce([self._facet("btype", b) for b in filters.barrier_types])
        if filters.municipalities:
            wanted = {m.casefold() for m in filters.municipalities}
            mask &= np.fromiter(
                ((m or "").casefold() in wanted for m in self.municipality), bool, self.n
            )
        if filters.year_from is not None:
            mask &= (self.year >= filters.year_from) & (self.year >= 0)
        if filters.year_to is not None:
            mask &= (self.year <= filters.year_to) & (self.year >= 0)
        if filters.orde:
            mask &= np.isin(self.orde, np.array(filters.orde, dtype=np.int64))
        if filters.outcomes:
            wanted = set(filters.outcomes)
            mask &= np.fromiter((o in wanted for o in self.outcome), bool, self.n)
        if filters.only_with_solution:
            mask &= self.has_solution
        return mask
