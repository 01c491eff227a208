"""Lexical side of the search: BM25 over the DuckDB FTS index built at publish time.

The index covers narrative, knelpunt, oplossing and structureel (Dutch Snowball stemmer, spaCy's
Dutch stop words in `fts_stopwords`). Its postings are loaded once and scored in numpy with
exactly the formula of `fts_main_cases.match_bm25` (a test checks equality): at 100k cases that
takes ~1 ms per query against ~57 ms for the macro, which stays available as
`bm25_backend: duckdb`.

Dutch compounds: "kostendelersnorm" and "kostendeler", "daklozenopvang" and "opvang" share no
stem, so plain BM25 never joins them. With `bm25_part_weight` > 0 each query stem also matches,
at that fraction of its weight, the index terms it is a part of (it begins or ends them) and the
index terms that are a part of it (begin or end it), parts of at least `bm25_part_min_chars`
letters. Per query stem a case scores the best of its exact match and its part matches, so a
case with many compounds of one word does not outscore one with the word itself.

Query text reaches SQL only as a bound parameter.
"""

from __future__ import annotations

import bisect
import logging
from collections import Counter
from collections.abc import Sequence

import duckdb
import numpy as np

from pipeline.core.config import SearchParams
from pipeline.core.db import STOPWORD_TABLE, MissingExtension, load_fts
from pipeline.core.text import tokenize

log = logging.getLogger(__name__)

NO_FTS = (
    "BM25 needs the DuckDB FTS extension and an FTS index in the knowledge base: "
    "pip install duckdb-extension-fts and rebuild (casuswijzer build)."
)


def has_fts(cur: duckdb.DuckDBPyConnection) -> bool:
    """Whether the kb has an FTS index and the extension can be loaded to use it."""
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


def load_stop_words(cur: duckdb.DuckDBPyConnection) -> frozenset[str]:
    """The stop words the FTS index left out (empty when the kb has no stop-word table)."""
    exists = cur.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = ?", [STOPWORD_TABLE]
    ).fetchone()[0]
    if not exists:
        return frozenset()
    return frozenset(r[0] for r in cur.execute(f"SELECT sw FROM {STOPWORD_TABLE}").fetchall())


class BM25Index:
    """Term-major postings of the FTS index with BM25 term weights precomputed."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        row_of: dict[str, int],
        n: int,
        params: SearchParams,
        stop_words: frozenset[str],
    ):
        self.con = con
        self.row_of = row_of
        self.n = n
        self.params = params
        self.stop_words = stop_words
        self._stem_cache: dict[str, str] = {}
        cur = con.cursor()
        self.available = has_fts(cur)
        if self.available:
            self._load_postings(cur)

    def _load_postings(self, cur: duckdb.DuckDBPyConnection) -> None:
        """Scores equal `fts_main_cases.match_bm25`: same tables, same formula (Robertson IDF
        `log10((N - df + 0.5) / (df + 0.5) + 1)`, k1, b, document length over all indexed
        fields). Measured ~10-30x faster than the macro at 100k cases.
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
        # Sorted terms and sorted reversed terms: the compounds a stem begins or ends.
        self._sorted_terms = sorted(self._termid)
        self._sorted_reversed = sorted(t[::-1] for t in self._termid)
        self._part_cache: dict[tuple[str, int], tuple[int, ...]] = {}
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
        # Rows ascend within each term so `contains` can use searchsorted.
        order = np.lexsort((rows, post["termid"]))
        tf = post["tf"][order].astype(np.float64)
        dl = doc_len[post["docid"][order]]
        self._post_row = rows[order]
        self._post_w = (tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))).astype(np.float32)
        self._post_start = np.searchsorted(post["termid"][order], np.arange(n_terms + 1))

    # ---- terms

    def stems(
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

    def query_terms(self, text: str, max_terms: int = 0) -> list[int]:
        """Index term ids of the query's distinct stems (stop words out, as in the index).

        With `max_terms` > 0 only that many are kept, by query term frequency × IDF
        ("more like this" term selection): a pasted case of 150 words otherwise matches
        nearly every case on its common words.
        """
        words = [w for w in tokenize(text) if w not in self.stop_words]
        if not words:
            return []
        counts = Counter(self.stems(words))
        tids = {self._termid[s]: c for s, c in counts.items() if s in self._termid}
        if max_terms and len(tids) > max_terms:
            ranked = sorted(tids, key=lambda t: (-tids[t] * self._idf[t], t))
            return ranked[:max_terms]
        return list(tids)

    def part_terms(self, stem: str) -> tuple[int, ...]:
        """Index term ids that share a compound part with `stem` (see the module docstring):
        terms that begin or end with it and terms it begins or ends with, parts of at least
        `bm25_part_min_chars` letters, the stem itself left out; cached per stem."""
        m = self.params.bm25_part_min_chars
        got = self._part_cache.get((stem, m))
        if got is not None:
            return got
        found: set[str] = set()
        if len(stem) >= m:
            for pool, key in ((self._sorted_terms, stem), (self._sorted_reversed, stem[::-1])):
                i = bisect.bisect_left(pool, key)
                while i < len(pool) and pool[i].startswith(key):
                    found.add(pool[i] if pool is self._sorted_terms else pool[i][::-1])
                    i += 1
            for i in range(m, len(stem)):
                for part in (stem[:i], stem[-i:]):
                    if part in self._termid:
                        found.add(part)
        found.discard(stem)
        got = tuple(sorted(self._termid[t] for t in found))
        if len(self._part_cache) > 100_000:
            self._part_cache.clear()
        self._part_cache[(stem, m)] = got
        return got

    def idf_of_words(self, words: Sequence[str]) -> list[float]:
        """IDF of each word's stem (0 for a stem the index does not hold)."""
        return [
            float(self._idf[self._termid[s]]) if s in self._termid else 0.0
            for s in self.stems(words)
        ]

    # ---- scoring

    def scores(self, text: str, max_terms: int = 0, part_weight: float = 0.0) -> np.ndarray:
        """BM25 score per case (-inf where no query term occurs).

        `part_weight` > 0 adds compound-part matches (module docstring; numpy backend only).
        """
        if not self.available:
            raise MissingExtension(NO_FTS)
        if self.params.bm25_backend == "duckdb":
            return self._scores_duckdb(text)
        if part_weight > 0:
            return self._scores_with_parts(text, part_weight)
        scores = np.full(self.n, -np.inf, dtype=np.float64)
        tids = self.query_terms(text, max_terms)
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

    def _term_weights(self, tid: int) -> tuple[np.ndarray, np.ndarray]:
        """(case rows, BM25 weights) of one index term's postings, rows without a case left out."""
        sl = slice(self._post_start[tid], self._post_start[tid + 1])
        rows = self._post_row[sl]
        keep = rows >= 0
        return rows[keep], self._idf[tid] * self._post_w[sl][keep]

    def _scores_with_parts(self, text: str, part_weight: float) -> np.ndarray:
        """BM25 where each query stem scores per case the best of its exact match and
        `part_weight` x its compound-part matches."""
        words = [w for w in tokenize(text) if w not in self.stop_words]
        total = np.zeros(self.n, dtype=np.float64)
        hit = np.zeros(self.n, dtype=bool)
        best = np.zeros(self.n, dtype=np.float64)
        for stem in dict.fromkeys(self.stems(words)):
            exact = self._termid.get(stem)
            groups = [(exact, 1.0)] if exact is not None else []
            groups += [(t, part_weight) for t in self.part_terms(stem)]
            if not groups:
                continue
            touched = []
            for tid, w in groups:
                rows, weights = self._term_weights(tid)
                best[rows] = np.maximum(best[rows], w * weights)
                touched.append(rows)
            rows = np.concatenate(touched)
            total[rows] += best[rows]
            hit[rows] = True
            best[rows] = 0.0
        return np.where(hit, total, -np.inf)

    def _scores_duckdb(self, text: str) -> np.ndarray:
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

    def matched(
        self,
        words: list[str],
        row: int,
        cur: duckdb.DuckDBPyConnection,
        part_weight: float = 0.0,
    ) -> tuple[str, ...]:
        """Those words whose stem occurs in the case (any indexed field); with `part_weight`
        > 0 also those that match it by a compound part."""
        out = []
        for w, stem in zip(words, self.stems(words, cur), strict=True):
            t = self._termid.get(stem)
            tids = ([t] if t is not None else []) + (
                list(self.part_terms(stem)) if part_weight > 0 else []
            )
            if any(self._in_case(tid, row) for tid in tids):
                out.append(w)
        return tuple(out)

    def _in_case(self, tid: int, row: int) -> bool:
        seg = self._post_row[self._post_start[tid] : self._post_start[tid + 1]]
        j = np.searchsorted(seg, row)
        return bool(j < len(seg) and seg[j] == row)
