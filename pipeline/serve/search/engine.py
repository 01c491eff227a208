"""Search over the published knowledge base: lexical (BM25), dense and fused.

Reads  a published `kb.duckdb` (read-only connection) and an embedder for queries.
Writes nothing.
Guarantees:
- query text reaches SQL only as a bound parameter, never formatted into a statement;
- unusable queries raise `QueryError` with a Dutch message a user can act on; nothing else
  raises for any query string;
- every case appears at most once in a result list; filters apply before ranking.

Two kinds of query, told apart by length (`long_query_words`):
- a **short** typed question ("briefadres geweigerd geen bijstand") is embedded with e5's
  `query:` side, as e5 was trained for short queries against passages;
- a **long** text (a pasted case; "meer zoals dit" uses the case's own text and vector) is
  embedded with e5's `passage:` side, so both sides are passages (symmetric similarity), and
  ranked with its own weights (`search.long`).
Both: dense cosines on vectors centred on the corpus mean (`dense.py`), BM25 over the FTS index
(`bm25.py`), fused (`fusion.py`), optionally one round of Rocchio feedback and a barrier-cluster
re-rank that is used only when the kb's clusters measure better than chance (`feedback.py`).
Parameters are tuned on dev splits only (bench/search.py; notes in data/eval/search_queries.md).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Sequence

import duckdb
import numpy as np

from pipeline.core.config import SearchParams
from pipeline.core.db import MissingExtension
from pipeline.core.embedder import Embedder
from pipeline.core.text import tokenize
from pipeline.serve.search.bm25 import NO_FTS, BM25Index, load_stop_words
from pipeline.serve.search.cases import CaseTable
from pipeline.serve.search.dense import DenseIndex
from pipeline.serve.search.feedback import cluster_feedback, cluster_lift, cluster_smooth
from pipeline.serve.search.fusion import Knobs, fuse, top_rows
from pipeline.serve.search.hits import HitBuilder
from pipeline.serve.search.query import MODES, Filters, Hit, QueryError

log = logging.getLogger(__name__)


class SearchEngine:
    """Search over one published knowledge base.

    Loads case metadata and all vectors into numpy once; every query opens its own cursor on
    `con`, so one engine can serve several threads (Streamlit) over a shared connection.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection, embedder: Embedder, params: SearchParams):
        self.con = con
        self.embedder = embedder
        cur = con.cursor()
        self.cases = CaseTable(cur)
        self.n = self.cases.n
        self.case_ids = self.cases.case_ids
        self.source_ids = self.cases.source_ids
        self.row_of = self.cases.row_of
        self.cluster_id = self.cases.cluster_id
        self.cluster_labels = self.cases.cluster_labels
        dim = int(getattr(embedder, "dim", 0)) or None
        self.dense = DenseIndex(cur, self.row_of, self.n, dim)
        self.stop_words = load_stop_words(cur)
        self.bm25 = BM25Index(con, self.row_of, self.n, params, self.stop_words)
        self._fts = self.bm25.available
        self._set_params(params)

    def _set_params(self, params: SearchParams) -> None:
        self.params = params
        self._knobs = {False: Knobs.of(params, False), True: Knobs.of(params, True)}
        self._centre = params.centre and self.dense.can_centre
        self.cluster_quality = self._cluster_quality(params.cluster_quality_sample)
        # Cluster evidence (boost, smoothing) per kind of query, each with its own threshold.
        self.cluster_on = {
            long: self.cluster_quality >= kn.cluster_min_lift for long, kn in self._knobs.items()
        }
        self.cluster_feedback_on = self.cluster_on[False]
        log.info(
            "barrier clusters: lift over shuffled labels %.3f, cluster evidence for short "
            "queries %s, for pasted cases %s",
            self.cluster_quality,
            "on" if self.cluster_on[False] else "off",
            "on" if self.cluster_on[True] else "off",
        )
        self._centroids = None
        if any(
            self.cluster_on[long] and kn.cluster_smooth_weight for long, kn in self._knobs.items()
        ):
            self._centroids = self.dense.cluster_centroids(self.cluster_id, self._centre)
        self._hit_builder = HitBuilder(
            self.con, self.cases, self.dense, self.bm25, params.snippet_chars
        )

    def _cluster_quality(self, sample: int) -> float:
        """Lift of the kb's primary clusters over shuffled labels (see `feedback`), on at most
        `sample` clustered cases (centred vectors of those cases only: cheap at 100k)."""
        cached = getattr(self, "_quality_cache", {})
        if sample not in cached:
            rows = np.flatnonzero(self.dense.has_vec & (self.cluster_id >= 0))
            if len(rows) > sample:
                rows = np.sort(np.random.default_rng(0).choice(rows, sample, replace=False))
            vecs = self.dense.centred_case_vecs(rows)
            cached[sample] = cluster_lift(vecs, self.cluster_id[rows], sample)
            self._quality_cache = cached
        return cached[sample]

    def with_params(self, params: SearchParams) -> SearchEngine:
        """A second engine over the same loaded data with other settings (benchmarks, tuning)."""
        other = copy.copy(self)
        if (params.bm25_k1, params.bm25_b) != (self.params.bm25_k1, self.params.bm25_b):
            other.bm25 = BM25Index(self.con, self.row_of, self.n, params, self.stop_words)
        else:
            other.bm25 = copy.copy(self.bm25)
            other.bm25.params = params
        other._set_params(params)
        return other

    # ---- the vectors, for callers that score themselves (benchmarks, tests)

    @property
    def case_vecs(self) -> np.ndarray:
        return self.dense.case_vecs

    @property
    def has_vec(self) -> np.ndarray:
        return self.dense.has_vec

    @property
    def stmt_vecs(self) -> np.ndarray:
        return self.dense.stmt_vecs

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

    def is_long(self, text: str) -> bool:
        """A pasted case rather than a typed question: at least `long_query_words` words."""
        return len(tokenize(text)) >= self.params.long_query_words

    def embed(self, texts: Sequence[str], long: bool) -> np.ndarray:
        """Query vectors: e5's passage side for long texts, its query side for short ones."""
        if not texts:
            return np.zeros((0, self.dense.dim), dtype=np.float32)
        fn = self.embedder.embed_passages if long else self.embedder.embed_queries
        return np.asarray(fn(list(texts)), dtype=np.float32)

    # ---- filters

    def filter_mask(self, filters: Filters | None) -> np.ndarray:
        """Boolean mask over cases (engine row order) allowed by the filters."""
        return self.cases.filter_mask(filters)

    # ---- scoring

    def bm25_scores(self, text: str, max_terms: int = 0, part_weight: float = 0.0) -> np.ndarray:
        """BM25 score per case (-inf where no query term occurs) over the FTS index;
        `part_weight` > 0 adds Dutch compound-part matches (`bm25.py`)."""
        if not self._fts:
            raise MissingExtension(NO_FTS)
        return self.bm25.scores(text, max_terms, part_weight)

    def dense_scores(self, qvecs: np.ndarray, statement_weight: float | None = None) -> np.ndarray:
        """(queries × cases) dense scores of raw query vectors; -inf for cases without a vector.

        Centred on the corpus mean when `centre` is on (the vectors are centred here).
        """
        a = self.params.statement_weight if statement_weight is None else statement_weight
        q = self.dense.centre_query(qvecs) if self._centre else qvecs
        return self.dense.scores(q, a, self._centre)

    def _dense_rows(self, qvec: np.ndarray, rows: np.ndarray, a: float) -> np.ndarray:
        """Dense scores of some case rows only (same formula as `dense_scores`)."""
        q = self.dense.centre_query(qvec)[0] if self._centre else qvec
        return self.dense.scores_rows(q, rows, a, self._centre)

    def rank(
        self,
        text: str,
        qvec: np.ndarray | None,
        mask: np.ndarray,
        k: int,
        mode: str = "hybrid",
        long: bool | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ranked case rows and scores for one cleaned query and its (raw) query vector.

        `qvec` must come from the side `long` says (see `embed`); `long=None` decides by length.
        """
        long = self.is_long(text) if long is None else long
        kn = self._knobs[long]
        q = None
        if qvec is not None:
            q = self.dense.centre_query(qvec)[0] if self._centre else np.asarray(qvec, np.float32)
        dense = None
        if mode in ("dense", "hybrid") and q is not None:
            dense = self.dense.scores(q, kn.statement_weight, self._centre)[0]
            dense = np.where(mask, dense, -np.inf)
        if mode == "dense" or (mode == "hybrid" and not self._fts):
            idx = top_rows(dense, k)
            return idx, dense[idx]
        lex = self.bm25_scores(text, kn.bm25_max_terms, kn.bm25_part_weight)
        lex = np.where(mask, lex, -np.inf)
        if mode == "bm25" or dense is None:
            idx = top_rows(lex, k)
            return idx, lex[idx]
        return self._hybrid(lex, dense, q, k, kn)

    def _hybrid(
        self, lex: np.ndarray, dense: np.ndarray, q: np.ndarray, k: int, kn: Knobs
    ) -> tuple[np.ndarray, np.ndarray]:
        """Fuse BM25 and dense; then optional Rocchio feedback and the cluster re-rank.

        Feedback (Rocchio, dense side): the query vector moves towards the mean vector of the
        top `prf_docs` fused hits; dense scores of the first pass's best `prf_pool` candidates
        are recomputed (at 100k cases a second full pass would double the dense cost for the
        same top of the list) and fused again.
        """
        p = self.params
        pool = max(k, p.n_candidates)
        dense = self._smooth(dense, q, kn)
        idx, vals = fuse(lex, dense, pool, kn, p.n_candidates)
        if kn.prf_weight > 0 and len(idx):
            top = idx[: p.prf_docs]
            centroid = (
                self.dense.centred_case_vecs(top) if self._centre else self.dense.case_vecs[top]
            ).mean(axis=0)
            q2 = q + kn.prf_weight * centroid
            q2 /= np.linalg.norm(q2) or 1.0
            rows = top_rows(dense, p.prf_pool)
            dense2 = np.full(self.n, -np.inf)
            dense2[rows] = self.dense.scores_rows(q2, rows, kn.statement_weight, self._centre)
            dense2 = self._smooth(dense2, q2, kn)
            idx, vals = fuse(lex, dense2, pool, kn, p.n_candidates)
        if kn.cluster_weight > 0 and self.cluster_on[kn.long]:
            idx, vals = cluster_feedback(
                idx, vals, self.cluster_id, kn.cluster_weight, p.cluster_docs
            )
        return idx[:k], vals[:k]

    def _smooth(self, dense: np.ndarray, q: np.ndarray, kn: Knobs) -> np.ndarray:
        """Cluster smoothing of the dense scores (`feedback.cluster_smooth`), only when the
        kb's clusters passed this kind of query's quality gate."""
        if self._centroids is None or kn.cluster_smooth_weight <= 0 or not self.cluster_on[kn.long]:
            return dense
        return cluster_smooth(dense, q, *self._centroids, kn.cluster_smooth_weight)

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
        """Search several queries, embedding the short ones in one call and the long ones in
        another.

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
        kinds = [self.is_long(q) if q is not None else False for q in cleaned]
        vecs: dict[int, np.ndarray] = {}
        if mode != "bm25":
            for long in (False, True):
                at = [i for i, q in enumerate(cleaned) if q is not None and kinds[i] == long]
                if at:
                    vecs.update(zip(at, self.embed([cleaned[i] for i in at], long), strict=True))
        mask = self.filter_mask(filters)
        out: list[list[Hit]] = []
        for i, q in enumerate(cleaned):
            if q is None:
                out.append([])
                continue
            qvec = vecs.get(i)
            idx, vals = self.rank(q, qvec, mask, k, mode, kinds[i])
            words = self.content_words(q)
            part_weight = self._knobs[kinds[i]].bm25_part_weight
            out.append(
                self._hit_builder.build(
                    idx, vals, words, qvec, similar_case=kinds[i], part_weight=part_weight
                )
            )
        return out

    def more_like_this(
        self, case_id: str, k: int = 10, filters: Filters | None = None
    ) -> list[Hit]:
        """Cases most like a given case, itself excluded: ranked as a long query with the case's
        own text (BM25) and its stored passage vector (dense)."""
        row = self.row_of.get(case_id)
        if row is None:
            raise QueryError(f"Casus '{case_id}' bestaat niet in deze kennisbank.")
        if not self.dense.has_vec[row]:
            raise QueryError("Deze casus heeft geen vector; bouw de kennisbank opnieuw.")
        text = self.case_text(case_id)
        mask = self.filter_mask(filters).copy()
        mask[row] = False
        idx, vals = self.rank(text, self.dense.case_vecs[row], mask, max(1, int(k)), long=True)
        stmt_q = self.dense.statement_mean(row)
        stmt_q = self.dense.case_vecs[row] if stmt_q is None else stmt_q
        return self._hit_builder.build(idx, vals, [], stmt_q, similar_case=True)

    def case_text(self, case_id: str) -> str:
        """The case's anonymised narrative with its knelpunt (what "meer zoals dit" matches on)."""
        narrative, knelpunt = (
            self.con.cursor()
            .execute("SELECT narrative, knelpunt FROM cases WHERE case_id = ?", [case_id])
            .fetchone()
        )
        text = " ".join(" ".join(t for t in (narrative, knelpunt) if t).split())
        max_chars = self.params.max_query_chars
        return text if len(text) <= max_chars else text[: text.rfind(" ", 0, max_chars) + 1]
