"""Result cards: fetch the texts of the ranked cases and say, in Dutch, why each one matched."""

from __future__ import annotations

import duckdb
import numpy as np

from pipeline.core.text import tokenize
from pipeline.serve.search.bm25 import BM25Index
from pipeline.serve.search.cases import CaseTable
from pipeline.serve.search.dense import DenseIndex
from pipeline.serve.search.query import Hit

# A pasted case shares dozens of words with a similar case; the card names the rarest few.
MAX_SHOWN_TERMS = 8


def snippet(text: str | None, n: int) -> str:
    text = " ".join((text or "").split())
    if len(text) <= n:
        return text
    cut = text.rfind(" ", 0, n)
    return text[: cut if cut > n // 2 else n].rstrip(",;: ") + " …"


def why(matched: tuple[str, ...], barrier: str | None, similar_case: bool) -> str:
    parts = []
    if matched:
        parts.append("overeenkomende termen: " + ", ".join(matched))
    if barrier:
        short = snippet(barrier, 120)
        parts.append(
            ("vergelijkbaar knelpunt: " if similar_case else "lijkt op knelpunt: ") + f"'{short}'"
        )
    if not parts:
        parts.append("lijkt inhoudelijk op de zoekvraag")
    return "; ".join(parts)


class HitBuilder:
    """Turns ranked case rows into `Hit`s (one query for texts, one for statements)."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        cases: CaseTable,
        dense: DenseIndex,
        bm25: BM25Index,
        snippet_chars: int,
    ):
        self.con = con
        self.cases = cases
        self.dense = dense
        self.bm25 = bm25
        self.snippet_chars = snippet_chars
        sol = (
            con.cursor()
            .execute(
                """
                SELECT statement_id, case_id FROM statements WHERE kind = 'solution'
                ORDER BY case_id, sent_index NULLS LAST, statement_id
                """
            )
            .fetchall()
        )
        self._solutions: dict[int, list[str]] = {}
        for sid, cid in sol:
            row = cases.row_of.get(cid)
            if row is not None:
                self._solutions.setdefault(row, []).append(sid)

    def build(
        self,
        idx: np.ndarray,
        vals: np.ndarray,
        words: list[str],
        qvec: np.ndarray | None,
        similar_case: bool,
        part_weight: float = 0.0,
    ) -> list[Hit]:
        """Hits for the rows `idx` with scores `vals`; `words` are the query words to match
        (with `part_weight` > 0 also by a Dutch compound part, as BM25 matched them)."""
        if len(idx) == 0:
            return []
        c = self.cases
        rows = idx.tolist()
        cur = self.con.cursor()
        ids = [str(c.case_ids[i]) for i in rows]
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
        best = {i: self.dense.best_statement(i, qvec) for i in rows}
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
        hits = []
        for i, score in zip(rows, vals.tolist(), strict=True):
            cid = str(c.case_ids[i])
            narrative, knelpunt, oplossing = texts.get(cid, ("", None, None))
            barrier = stmt_text.get(best[i] or "") or (knelpunt or None)
            solution = (oplossing or "").strip() or (  # a text told twice is shown once
                " ".join(
                    dict.fromkeys(
                        stmt_text[s] for s in self._solutions.get(i, []) if s in stmt_text
                    )
                )
            )
            matched = self._matched(words, i, cur, narrative, part_weight) if words else ()
            cl = int(c.cluster_id[i])
            hits.append(
                Hit(
                    case_id=cid,
                    source_id=str(c.source_ids[i]),
                    score=float(score),
                    cluster_id=cl,
                    cluster_label=c.cluster_labels.get(cl),
                    municipality=c.municipality[i],
                    organisation=c.organisation[i],
                    year=int(c.year[i]) if c.year[i] >= 0 else None,
                    snippet=snippet(narrative, self.snippet_chars),
                    barrier=barrier,
                    solution=solution or None,
                    outcome=c.outcome[i],
                    orde=int(c.orde[i]) or None,
                    matched_terms=matched,
                    why=why(matched, barrier, similar_case),
                )
            )
        return hits

    def _matched(
        self,
        words: list[str],
        row: int,
        cur: duckdb.DuckDBPyConnection,
        narrative: str | None,
        part_weight: float = 0.0,
    ) -> tuple[str, ...]:
        """Query words whose stem occurs in the case (in the narrative without an FTS index)."""
        if not self.bm25.available:
            present = set(tokenize(narrative or ""))
            found = tuple(w for w in words if w in present)
        else:
            found = self.bm25.matched(words, row, cur, part_weight)
        if len(found) <= MAX_SHOWN_TERMS:
            return found
        # The rarest words say most about why this case matched; keep the query's order.
        idf = (
            dict(zip(found, self.bm25.idf_of_words(found), strict=True))
            if self.bm25.available
            else {}
        )
        keep = set(sorted(found, key=lambda w: -idf.get(w, 0.0))[:MAX_SHOWN_TERMS])
        return tuple(w for w in found if w in keep)
