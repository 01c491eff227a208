"""Hybrid search over the published knowledge base: BM25 (FTS index) + dense e5, fused.

- `query`: modes, filters, hits and the Dutch `QueryError`;
- `cases`: case metadata and the filter mask;
- `bm25`: the FTS index's postings, BM25 scores in numpy;
- `dense`: case and barrier-statement vectors, (centred) cosine scores;
- `fusion`: weighted reciprocal-rank fusion and min-max blend, the settings of each query kind;
- `feedback`: the barrier-cluster re-rank and the cluster-quality gate it needs;
- `hits`: result cards with the reason a case matched;
- `engine`: `SearchEngine`, which loads all of it once and answers short queries, pasted case
  texts (long queries), batches of queries and "more like this".
"""

from pipeline.core.text import tokenize
from pipeline.serve.search.engine import SearchEngine
from pipeline.serve.search.fusion import Knobs, blend_fuse, fuse, rrf_fuse, top_rows
from pipeline.serve.search.query import MODES, Filters, Hit, QueryError

__all__ = [
    "MODES",
    "Filters",
    "Hit",
    "Knobs",
    "QueryError",
    "SearchEngine",
    "blend_fuse",
    "fuse",
    "rrf_fuse",
    "tokenize",
    "top_rows",
]
