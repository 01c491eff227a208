"""Hybrid search over the published knowledge base: BM25 (FTS index) + dense e5, fused.

- `query`: modes, filters, hits and the Dutch `QueryError`;
- `fusion`: weighted reciprocal-rank fusion and min-max blend;
- `engine`: `SearchEngine`, which loads the cases, vectors and BM25 postings once and answers
  queries, batches of queries and "more like this".
"""

from pipeline.core.text import tokenize
from pipeline.serve.search.engine import SearchEngine
from pipeline.serve.search.fusion import blend_fuse, fuse, rrf_fuse
from pipeline.serve.search.query import MODES, Filters, Hit, QueryError

__all__ = [
    "MODES",
    "Filters",
    "Hit",
    "QueryError",
    "SearchEngine",
    "blend_fuse",
    "fuse",
    "rrf_fuse",
    "tokenize",
]
