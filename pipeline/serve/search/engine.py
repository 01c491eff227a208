"""Search core over the published knowledge base: lexical (BM25), dense and fused.

Reads  a published `kb.duckdb` (read-only connection) and an embedder for queries.
Writes nothing; `build_fts_index` is the one publish-time part (it writes the BM25 index and the
stop-word table into the database being published).
Guarantees:
- query text reaches SQL only as a bound parameter, never formatted into a statement;
- unusable queries raise `QueryError` with a Dutch message a user can act on; nothing else
  raises for any query string;
- every case appears at most once in a result list; filters apply before ranking.

Methods (measured by bench/search.py; results and tuning notes in data/eval/search_queries.md):
- **lexical**: BM25 over the DuckDB FTS index built at publish time (narrative, knelpunt,
  oplossing, structureel; Dutch Snowball stemmer; spaCy's Dutch stop words in `fts_stopwords`).
  The index's postings are loaded once and scored in numpy with exactly the formula of
  `fts_main_cases.match_bm25` (a test checks equality); at 100k cases that takes ~1 ms per
  query against ~57 ms for the macro, which stays available as `bm25_backend: duckdb`.
- **dense**: query embedded with `embed_queries` (e5 `query:` side); cosine against case
  vectors and barrier-statement vectors in numpy (pre-normalised float32 matrices, one matrix
  product each). A case's dense score is
  `(1 - a) * cos(query, narrative) + a * max cos(query, barrier statement)`,
  a = `SearchParams.statement_weight`.
- **fusion** over the top `n_candidates` of each list: `fusion: rrf` is weighted reciprocal-rank
  fusion (Cormack et al. 2009), `w_bm25 / (rrf_k + rank_bm25) + w_dense / (rrf_k + rank_dense)`;
  `fusion: blend` is a weighted sum of min-max-normalised scores. Optionally one round of
  pseudo-relevance feedback on the dense side (`prf_weight`, `prf_docs`, Rocchio) and a
  cluster feedback re-rank (`cluster_weight`, `cluster_docs`): fused score / top score plus
  the share of the top hits that sit in the case's barrier cluster.
  Parameters are tuned on the dev queries of data/eval/search_queries.jsonl only and reported
  on the held-out ones.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import duckdb
import numpy as np

from pipeline.core.config import SearchParams
from pipeline.core.db import STOPWORD_TABLE, MissingExtension, load_fts
from pipeline.core.embedder import Embedder
from pipeline.core.text import tokenize
from pipeline.serve.search.fusion import _top, fuse
from pipeline.serve.search.query import MODES, Filters, Hit, QueryError

log = logging.getLogger(__name__)


def _list_column(table, name: str, dim: int | None = None) -> np.ndarray:
    """A pyarrow list<float> column → float32 matrix (rows must all have the same length)."""
    col = table.column(name).combine_chunks()
    if len(col) == 0:
        return np.zeros((0, dim or 0), dtype=np.float32)
    flat = col.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
    width = len(flat) // len(col)
    if width * len(col) != len(flat):
        raise ValueError(f"vectors in column {name} do not all have the same length")
    return flat.reshape(len(col), width)


def _single_threaded_blas():
    """Context-manager factory that runs numpy's BLAS on one thread (a no-op without threadpoolctl).

    Scoring is a matrix-vector product, bound by memory bandwidth: a second BLAS thread gains
    little, and on a busy 2-core machine its spin-waiting made a 1.5k-case product take 24 ms
    instead of 0.2 ms. The controller is built once; entering it costs ~0.03 ms.
    """
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - comes with scikit-learn
        from contextlib import nullcontext

        return nullcontext
    controller = ThreadpoolController()
    return lambda: controller.limit(limits=1, user_api="blas")


def _snippet(text: str | None, n: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= n:
        return text
    cut = text.rfind(" ", 0, n)
    return text[: cut if cut > n // 2 else n].rstrip(",;: ") + " …"


class SearchEngine:
    """Search over one published knowledge base.

    Loads case metadata and all vectors into numpy once; every query opens its own cursor on
    `con`, so one engine can serve several threads (Streamlit) over a shared connection.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, embedder: Embedder, params: SearchParams):
        self.con = con
        self.embedder = embedder
        self.params = params
        self._one_blas_thread = _single_threaded_blas()
        cur = con.cursor()
        self._fts = self._check_fts(cur)
        self._load_cases(cur)
        self._load_vectors(cur)
        self.stop_words = self._load_stop_words(cur)
        self._stem_cache: dict[str, str] = {}
        if self._fts:
            self._load_postings(cur)

    # ---- loading

    @staticmethod
    def _check_fts(cur: duckdb.DuckDBPyConnection) -> bool:
        has_index = cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'fts_main_cases'"
        ).fetchone()[0]
        if not has_index:
            log.warning("knowledge base has no FTS index: BM25 unavailable, dense only")
            return False
        try:
            cur.execute("SELECT stem('katten', 'dutch')").fetchone()
        except duckdb.Error:
            try:
                load_fts(cur)
            except (MissingExtension, duckdb.Error) as exc:
                log.warning("FTS extension not loadable (%s): dense only", exc)
                return False
        return True

    def _load_cases(self, cur: duckdb.DuckDBPyConnection) -> None:
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
        self.municipality = (
            df["municipality"].astype(object).where(df["municipality"].notna(), None).to_numpy()
        )
        self.organisation = (
            df["organisation"].astype(object).where(df["organisation"].notna(), None).to_numpy()
        )
        self.outcome = df["outcome"].astype(object).where(df["outcome"].notna(), None).to_numpy()
        self.year = df["year"].fillna(-1).astype("int64").to_numpy()
        self.orde = df["orde"].fillna(0).astype("int64").to_numpy()
        self.cluster_id = df["cluster_id"].astype("int64").to_numpy()
        self.has_solution = df["has_solution"].fillna(False).astype(bool).to_numpy()
        self._domain_sets = [set(v) if v is not None else set() for v in df["domains"]]
        self._btype_sets = [set(v) if v is not None else set() for v in df["all_barrier_types"]]
        self._facet_cache: dict[tuple[str, str], np.ndarray] = {}
        labels = cur.execute("SELECT cluster_id, coalesce(name, label) FROM clusters").fetchall()
        self.cluster_labels: dict[int, str] = {int(c): lab for c, lab in labels}

    def _load_vectors(self, cur: duckdb.DuckDBPyConnection) -> None:
        dim = int(getattr(self.embedder, "dim", 0)) or None
        tbl = cur.execute(
            "SELECT case_id, vector FROM case_embeddings ORDER BY case_id"
        ).to_arrow_table()
        vecs = _list_column(tbl, "vector", dim)
        self.dim = vecs.shape[1] if len(vecs) else (dim or 0)
        self.case_vecs = np.zeros((self.n, self.dim), dtype=np.float32)
        self.has_vec = np.zeros(self.n, dtype=bool)
        rows = np.array([self.row_of.get(c, -1) for c in tbl.column("case_id").to_pylist()])
        ok = rows >= 0
        self.case_vecs[rows[ok]] = vecs[ok]
        self.has_vec[rows[ok]] = True
        # Barrier statements, grouped by case row so a max over each segment is one reduceat.
        tbl = cur.execute(
            """
            SELECT s.statement_id, s.case_id, e.vector
            FROM statements s JOIN statement_embeddings e USING (statement_id)
            WHERE s.kind = 'barrier'
            """
        ).to_arrow_table()
        svecs = _list_column(tbl, "vector", self.dim)
        srows = np.array(
            [self.row_of.get(c, -1) for c in tbl.column("case_id").to_pylist()], dtype=np.int64
        )
        sids = np.array(tbl.column("statement_id").to_pylist(), dtype=object)
        keep = srows >= 0
        order = np.argsort(srows[keep], kind="stable")
        self.stmt_vecs = np.ascontiguousarray(svecs[keep][order]) if len(svecs) else svecs
        self.stmt_case = srows[keep][order]
        self.stmt_ids = sids[keep][order]
        self.stmt_start = np.searchsorted(self.stmt_case, np.arange(self.n), side="left")
        self.stmt_end = np.searchsorted(self.stmt_case, np.arange(self.n), side="right")
        self._seg_rows = np.unique(self.stmt_case)
        self._seg_starts = self.stmt_start[self._seg_rows]
        sol = cur.execute(
            """
            SELECT statement_id, case_id FROM statements WHERE kind = 'solution'
            ORDER BY case_id, sent_index NULLS LAST, statement_id
            """
        ).fetchall()
        self._solutions: dict[int, list[str]] = {}
        for sid, cid in sol:
            row = self.row_of.get(cid)
            if row is not None:
                self._solutions.setdefault(row, []).append(sid)

    def _load_postings(self, cur: duckdb.DuckDBPyConnection) -> None:
        """The FTS index as term-major postings with BM25 term weights precomputed.

        Scores equal `fts_main_cases.match_bm25` (same tables, same formula: Robertson IDF
        `log10((N - df + 0.5) / (df + 0.5) + 1)`, k1, b, document length over all indexed fields);
        a test checks it. Measured ~10-30x faster than the macro at 100k cases.
        """
        k1, b = self.params.bm25_k1, self.params.bm25_b
        num_docs, avgdl = cur.execute("SELECT num_docs, avgdl FROM fts_main_cases.stats").fetchone()
        docs = cur.execute("SELECT docid, name, len FROM fts_main_cases.docs").fetchnumpy()
        doc_row = np.full(int(docs["docid"].max(initial=-1)) + 1, -1, dtype=np.int64)
        doc_len = np.zeros(len(doc_row), dtype=np.float64)
        doc_row[docs["docid"]] = [self.row_of.get(str(x), -1) for x in docs["name"]]
        doc_len[docs["docid"]] = docs["len"]
        terms = cur.execute("SELECT termid, term, df FROM fts_main_cases.dict").fetchnumpy()
        self._termid = dict(zip(terms["term"].tolist(), terms["termid"].tolist(), strict=True))
        n_terms = int(terms["termid"].max(initial=-1)) + 1
        df = np.zeros(n_terms, dtype=np.float64)
        df[terms["termid"]] = terms["df"]
        # DuckDB log() is base 10; matching it keeps scores identical to match_bm25.
        self._idf = np.log10((num_docs - df + 0.5) / (df + 0.5) + 1.0)
        post = cur.execute(
            """
            SELECT termid, docid, count(*) AS tf FROM fts_main_cases.terms
            GROUP BY ALL ORDER BY termid, docid
            """
        ).fetchnumpy()
        rows = doc_row[post["docid"]]
        # Rows ascend within each term so `matched_terms` can use searchsorted.
        order = np.lexsort((rows, post["termid"]))
        tf = post["tf"][order].astype(np.float64)
        dl = doc_len[post["docid"][order]]
        self._post_row = rows[order]
        self._post_w = (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))).astype(np.float32)
        self._post_start = np.searchsorted(post["termid"][order], np.arange(n_terms + 1))

    def _load_stop_words(self, cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
        exists = cur.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [STOPWORD_TABLE]
        ).fetchone()[0]
        if not exists:
            return frozenset()
        return frozenset(r[0] for r in cur.execute(f"SELECT sw FROM {STOPWORD_TABLE}").fetchall())

    # ---- query validation

    def clean_query(self, query: object) -> str:
        """Validate and normalise a query string, or raise QueryError (Dutch message)."""
        if not isinstance(query, str):
            raise QueryError("De zoekvraag moet tekst zijn.")
        text = " ".join(query.replace("\x00", " ").split())
        if not text:
            raise QueryError(
                "Typ een zoekvraag: een paar woorden over de situatie of het knelpunt."
            )
        max_chars = self.params.max_query_chars
        if len(text) > max_chars:
            cut = text.rfind(" ", 0, max_chars)
            text = text[: cut if cut > max_chars // 2 else max_chars]
        words = [w for w in tokenize(text) if len(w) >= 2]
        if not words:
            raise QueryError(
                "De zoekvraag is te kort of bevat geen woorden; typ minstens één woord van twee "
                "of meer letters."
            )
        if all(w in self.stop_words for w in words):
            raise QueryError(
                "De zoekvraag bevat alleen veelvoorkomende woorden (zoals 'de', 'het', 'niet'); "
                "voeg een inhoudelijk woord toe, bijvoorbeeld 'briefadres' of 'schulden'."
            )
        return text

    def content_words(self, text: str) -> list[str]:
        """Query words that count for matching: tokenised, no stop words, no duplicates."""
        seen: dict[str, None] = {}
        for w in tokenize(text):
            if len(w) >= 2 and w not in self.stop_words:
                seen.setdefault(w, None)
        return list(seen)

    # ---- filters

    def _facet(self, kind: str, value: str) -> np.ndarray:
        key = (kind, value)
        if key not in self._facet_cache:
            sets = self._domain_sets if kind == "domain" else self._btype_sets
            self._facet_cache[key] = np.fromiter((value in s for s in sets), bool, self.n)
        return self._facet_cache[key]

    def filter_mask(self, filters: Filters | None) -> np.ndarray:
        """Boolean mask over cases (engine row order) allowed by the filters."""
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

    # ---- scoring

    def _stmt_best(self, sims: np.ndarray) -> np.ndarray:
        """Per case row: max cosine over its barrier statements (-inf when it has none)."""
        best = np.full((sims.shape[0], self.n), -np.inf, dtype=np.float32)
        if sims.shape[1]:
            best[:, self._seg_rows] = np.maximum.reduceat(sims, self._seg_starts, axis=1)
        return best

    def dense_scores(self, qvecs: np.ndarray, statement_weight: float | None = None) -> np.ndarray:
        """(queries × cases) dense scores; -inf for cases without a vector."""
        qvecs = np.asarray(qvecs, dtype=np.float32)
        a = self.params.statement_weight if statement_weight is None else statement_weight
        with self._one_blas_thread():
            case_sims = qvecs @ self.case_vecs.T
            stmt_sims = qvecs @ self.stmt_vecs.T if a > 0 and len(self.stmt_vecs) else None
        if stmt_sims is not None:
            best = self._stmt_best(stmt_sims)
            has = np.isfinite(best)
            case_sims = np.where(has, (1 - a) * case_sims + a * best, case_sims)
        case_sims[:, ~self.has_vec] = -np.inf
        return case_sims

    def _stems(
        self, words: Sequence[str], cur: duckdb.DuckDBPyConnection | None = None
    ) -> list[str]:
        """Dutch Snowball stems (DuckDB FTS `stem`), cached per word."""
        todo = [w for w in dict.fromkeys(words) if w not in self._stem_cache]
        if todo:
            cur = cur or self.con.cursor()
            stems = cur.execute(
                "SELECT list_transform(?::VARCHAR[], x -> stem(x, 'dutch'))", [todo]
            ).fetchone()[0]
            if len(self._stem_cache) > 100_000:
                self._stem_cache.clear()
            self._stem_cache.update(zip(todo, stems, strict=True))
        return [self._stem_cache[w] for w in words]

    def _query_termids(self, text: str) -> list[int]:
        """Index term ids of the query's distinct stems (stop words out, as in the index)."""
        words = [w for w in dict.fromkeys(tokenize(text)) if w not in self.stop_words]
        stems = dict.fromkeys(self._stems(words)) if words else {}
        return [self._termid[s] for s in stems if s in self._termid]

    def _dense_rows(self, qvec: np.ndarray, rows: np.ndarray, a: float) -> np.ndarray:
        """Dense scores of some case rows only (same formula as `dense_scores`)."""
        qvec = np.asarray(qvec, dtype=np.float32)
        starts, ends = self.stmt_start[rows], self.stmt_end[rows]
        counts = ends - starts
        with self._one_blas_thread():
            case = self.case_vecs[rows] @ qvec
            if a <= 0 or not counts.sum():
                return np.where(self.has_vec[rows], case, -np.inf)
            offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
            stmt_idx = np.arange(counts.sum()) + offsets
            sims = self.stmt_vecs[stmt_idx] @ qvec
        has = counts > 0
        seg = np.concatenate([[0], np.cumsum(counts)[:-1]])[has]
        best = np.full(len(rows), -np.inf, dtype=np.float32)
        best[has] = np.maximum.reduceat(sims, seg)
        out = np.where(has, (1 - a) * case + a * best, case)
        return np.where(self.has_vec[rows], out, -np.inf)

    def bm25_scores(self, text: str) -> np.ndarray:
        """BM25 score per case (-inf where no query term occurs) over the FTS index."""
        if not self._fts:
            raise MissingExtension(
                "BM25 needs the DuckDB FTS extension and an FTS index in the knowledge base: "
                "pip install duckdb-extension-fts and rebuild (casuswijzer build)."
            )
        if self.params.bm25_backend == "duckdb":
            return self._bm25_duckdb(text)
        scores = np.full(self.n, -np.inf, dtype=np.float64)
        tids = self._query_termids(text)
        if not tids:
            return scores
        segs = [slice(self._post_start[t], self._post_start[t + 1]) for t in tids]
        rows = np.concatenate([self._post_row[sl] for sl in segs])
        weights = np.concatenate(
            [self._idf[t] * self._post_w[sl] for t, sl in zip(tids, segs, strict=True)]
        )
        keep = rows >= 0
        total = np.bincount(rows[keep], weights=weights[keep], minlength=self.n)
        hit = np.zeros(self.n, dtype=bool)
        hit[rows[keep]] = True
        scores[hit] = total[hit]
        return scores

    def _bm25_duckdb(self, text: str) -> np.ndarray:
        """Reference path: the FTS extension's own `match_bm25` macro (slower, same scores)."""
        scores = np.full(self.n, -np.inf, dtype=np.float64)
        # Stop words are dropped here too, so they neither match nor cost time.
        terms = " ".join(w for w in tokenize(text) if w not in self.stop_words)
        if not terms:
            return scores
        rows = (
            self.con.cursor()
            .execute(
                """
                SELECT case_id, score FROM (
                    SELECT case_id, fts_main_cases.match_bm25(
                        case_id, ?, k := ?, b := ?) AS score
                    FROM cases)
                WHERE score IS NOT NULL
                """,
                [terms, self.params.bm25_k1, self.params.bm25_b],
            )
            .fetchall()
        )
        for cid, s in rows:
            scores[self.row_of[cid]] = s
        return scores

    def _rank(
        self,
        text: str,
        qvec: np.ndarray | None,
        mask: np.ndarray,
        k: int,
        mode: str,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Ranked case rows and scores for one query; also the dense scores when computed."""
        p = self.params
        dense = None
        if mode in ("dense", "hybrid") and qvec is not None:
            dense = self.dense_scores(qvec[None, :])[0]
            dense = np.where(mask, dense, -np.inf)
        if mode == "dense":
            idx = _top(dense, k)
            return idx, dense[idx], dense
        lex = self.bm25_scores(text) if self._fts or mode == "bm25" else None
        if lex is not None:
            lex = np.where(mask, lex, -np.inf)
        if mode == "bm25":
            idx = _top(lex, k)
            return idx, lex[idx], dense
        if lex is None:
            idx = _top(dense, k)
            return idx, dense[idx], dense
        idx, vals = self.hybrid_rank(lex, dense, qvec, mask, k, p)
        return idx, vals, dense

    def hybrid_rank(
        self,
        lex: np.ndarray,
        dense: np.ndarray,
        qvec: np.ndarray,
        mask: np.ndarray,
        k: int,
        p: SearchParams,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fuse BM25 and dense; with `prf_weight` > 0, one round of pseudo-relevance feedback.

        Feedback (Rocchio on the dense side): the query vector moves towards the mean vector of
        the top `prf_docs` fused hits, dense scores are recomputed and fused again. Cases of one
        barrier pattern sit close together, so this pulls in pattern-mates that share few words
        with the query.
        """
        pool = max(k, p.n_candidates)
        idx, vals = fuse(lex, dense, pool, p)
        if p.prf_weight > 0 and len(idx):
            top = idx[: p.prf_docs]
            q2 = qvec + p.prf_weight * self.case_vecs[top].mean(axis=0)
            q2 /= np.linalg.norm(q2) or 1.0
            # Re-score only the first pass's best `prf_pool` dense candidates: at 100k cases a
            # second full pass would double the dense cost for the same top of the list.
            rows = _top(dense, p.prf_pool)
            dense2 = np.full(self.n, -np.inf)
            dense2[rows] = self._dense_rows(q2, rows, p.statement_weight)
            idx, vals = fuse(lex, dense2, pool, p)
        if p.cluster_weight > 0 and len(idx) and vals[0] > 0:
            idx, vals = self._cluster_feedback(idx, vals, p)
        return idx[:k], vals[:k]

    def _cluster_feedback(
        self, idx: np.ndarray, vals: np.ndarray, p: SearchParams
    ) -> tuple[np.ndarray, np.ndarray]:
        """Re-rank the fused pool: score/max + w * share of the top hits in the case's cluster.

        Uses the barrier clusters of the kb (unsupervised, from the cluster stage): when most top
        hits share a cluster, its other cases are likely about the same barrier.
        """
        clusters = self.cluster_id[idx]
        top = clusters[: p.cluster_docs]
        top = top[top >= 0]
        if not len(top):
            return idx, vals
        ids, counts = np.unique(top, return_counts=True)
        share = dict(zip(ids.tolist(), (counts / p.cluster_docs).tolist(), strict=True))
        boost = np.array([share.get(c, 0.0) for c in clusters.tolist()])
        new = vals / vals[0] + p.cluster_weight * boost
        order = np.lexsort((idx, -new))
        return idx[order], new[order]

    # ---- public API

    def search(
        self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid"
    ) -> list[Hit]:
        """Cases most like the query, best first (at most k, each case once).

        Raises QueryError for an unusable query (message in Dutch, for the user).
        """
        return self.search_many([query], k, filters, mode, on_error="raise")[0]

    def search_many(
        self,
        queries: Sequence[str],
        k: int = 10,
        filters: Filters | None = None,
        mode: str = "hybrid",
        on_error: str = "empty",
    ) -> list[list[Hit]]:
        """Search several queries, embedding them in one call.

        An unusable query gives an empty list (`on_error="empty"`) or raises (`"raise"`).
        """
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        k = max(1, int(k))
        cleaned: list[str | None] = []
        for q in queries:
            try:
                cleaned.append(self.clean_query(q))
            except QueryError:
                if on_error == "raise":
                    raise
                cleaned.append(None)
        valid = [q for q in cleaned if q is not None]
        qvecs = None
        if mode != "bm25" and valid:
            qvecs = np.asarray(self.embedder.embed_queries(valid), dtype=np.float32)
        mask = self.filter_mask(filters)
        out: list[list[Hit]] = []
        j = 0
        for q in cleaned:
            if q is None:
                out.append([])
                continue
            qvec = qvecs[j] if qvecs is not None else None
            j += 1
            idx, vals, _ = self._rank(q, qvec, mask, k, mode)
            out.append(self._hits(idx, vals, q, qvec))
        return out

    def more_like_this(
        self, case_id: str, k: int = 10, filters: Filters | None = None
    ) -> list[Hit]:
        """Cases most like a given case (its narrative and barrier vectors), itself excluded."""
        row = self.row_of.get(case_id)
        if row is None:
            raise QueryError(f"Casus '{case_id}' bestaat niet in deze kennisbank.")
        if not self.has_vec[row]:
            raise QueryError("Deze casus heeft geen vector; bouw de kennisbank opnieuw.")
        qvec = self.case_vecs[row]
        a = self.params.statement_weight
        s0, s1 = self.stmt_start[row], self.stmt_end[row]
        with self._one_blas_thread():
            sims = self.case_vecs @ qvec
            pair = self.stmt_vecs[s0:s1] @ self.stmt_vecs.T if a > 0 and s1 > s0 else None
        if pair is not None:
            # Best pairing of this case's barrier statements with each other case's statements.
            best = self._stmt_best(pair).max(axis=0)
            sims = np.where(np.isfinite(best), (1 - a) * sims + a * best, sims)
        sims = np.where(self.filter_mask(filters) & self.has_vec, sims, -np.inf)
        sims[row] = -np.inf
        idx = _top(sims, max(1, int(k)))
        stmt_q = self.stmt_vecs[s0:s1].mean(axis=0) if s1 > s0 else qvec
        return self._hits(idx, sims[idx], None, stmt_q)

    # ---- building hits

    def _hits(
        self, idx: np.ndarray, vals: np.ndarray, query: str | None, qvec: np.ndarray | None
    ) -> list[Hit]:
        if len(idx) == 0:
            return []
        rows = idx.tolist()
        cur = self.con.cursor()
        ids = [str(self.case_ids[i]) for i in rows]
        # Placeholder lists (not unnest) let DuckDB use the primary-key indexes: ~3x faster.
        marks = ", ".join("?" * len(ids))
        texts = {
            r[0]: r[1:]
            for r in cur.execute(
                f"SELECT case_id, narrative, knelpunt, oplossing FROM cases "
                f"WHERE case_id IN ({marks})",
                ids,
            ).fetchall()
        }
        best = {i: self._best_statement(i, qvec) for i in rows}
        wanted = [sid for sid in best.values() if sid] + [
            sid for i in rows for sid in self._solutions.get(i, [])
        ]
        stmt_text: dict[str, str] = {}
        if wanted:
            marks = ", ".join("?" * len(wanted))
            stmt_text = dict(
                cur.execute(
                    f"SELECT statement_id, text FROM statements WHERE statement_id IN ({marks})",
                    wanted,
                ).fetchall()
            )
        words = self.content_words(query) if query else []
        hits = []
        for i, score in zip(rows, vals.tolist(), strict=True):
            cid = str(self.case_ids[i])
            narrative, knelpunt, oplossing = texts.get(cid, ("", None, None))
            barrier = stmt_text.get(best[i] or "") or (knelpunt or None)
            solution = (oplossing or "").strip() or (
                " ".join(stmt_text[s] for s in self._solutions.get(i, []) if s in stmt_text)
            )
            matched = self._matched_terms(words, i, cur, narrative) if words else ()
            cl = int(self.cluster_id[i])
            hits.append(
                Hit(
                    case_id=cid,
                    source_id=str(self.source_ids[i]),
                    score=float(score),
                    cluster_id=cl,
                    cluster_label=self.cluster_labels.get(cl),
                    municipality=self.municipality[i],
                    organisation=self.organisation[i],
                    year=int(self.year[i]) if self.year[i] >= 0 else None,
                    snippet=_snippet(narrative, self.params.snippet_chars),
                    barrier=barrier,
                    solution=solution or None,
                    outcome=self.outcome[i],
                    orde=int(self.orde[i]) or None,
                    matched_terms=matched,
                    why=self._why(matched, barrier, query is None),
                )
            )
        return hits

    def _matched_terms(
        self, words: list[str], row: int, cur: duckdb.DuckDBPyConnection, narrative: str | None
    ) -> tuple[str, ...]:
        """Query words whose stem occurs in the case (any indexed field)."""
        if not self._fts:
            present = set(tokenize(narrative or ""))
            return tuple(w for w in words if w in present)
        out = []
        for w, stem in zip(words, self._stems(words, cur), strict=True):
            t = self._termid.get(stem)
            if t is None:
                continue
            seg = self._post_row[self._post_start[t] : self._post_start[t + 1]]
            j = np.searchsorted(seg, row)
            if j < len(seg) and seg[j] == row:
                out.append(w)
        return tuple(out)

    def _best_statement(self, row: int, qvec: np.ndarray | None) -> str | None:
        """Id of the case's barrier statement closest to qvec (its first one without qvec)."""
        s0, s1 = self.stmt_start[row], self.stmt_end[row]
        if s1 <= s0:
            return None
        j = s0 if qvec is None else s0 + int(np.argmax(self.stmt_vecs[s0:s1] @ qvec))
        return str(self.stmt_ids[j])

    @staticmethod
    def _why(matched: tuple[str, ...], barrier: str | None, similar_case: bool) -> str:
        parts = []
        if matched:
            parts.append("overeenkomende termen: " + ", ".join(matched))
        if barrier:
            short = _snippet(barrier, 120)
            parts.append(
                ("vergelijkbaar knelpunt: " if similar_case else "lijkt op knelpunt: ")
                + f"'{short}'"
            )
        if not parts:
            parts.append("lijkt inhoudelijk op de zoekvraag")
        return "; ".join(parts)
