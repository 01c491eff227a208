"""Merge the labelled batches into `cases.jsonl` and `queries.jsonl` with a dev/test split.

The split is by source page (a hash of the normalised source URL), so two cases retold from one
page never sit on both sides, and it was fixed before any tuning. About 30% of pages are test.
Queries are split by a hash of their id; a query is kept for a split only when some case of that
split has one of its patterns (its relevant cases are the split's cases with those patterns).

    python data/real/make_split.py        # rewrites cases.jsonl, queries.jsonl and corpus/

`spans.jsonl` (optional) adds where each label stands in its text (`main_barrier_span`,
`solution_span`); a span that is not a part of its case's text stops the merge.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
TEST_SHARE = 30  # percent of source pages
FIELDS = (
    "id", "text", "source_url", "source_title", "source_kind", "style", "pattern",
    "main_barrier", "barrier_type", "domains", "municipality", "organisations", "solution",
    "outcome", "orde", "year",
)  # fmt: skip


def page_key(url: str) -> str:
    u = url.strip().lower().split("#")[0].rstrip("/")
    for prefix in ("https://", "http://"):
        u = u.removeprefix(prefix)
    return u.removeprefix("www.")


def bucket(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest(), 16) % 100


def split_of_page(url: str) -> str:
    return "test" if bucket(page_key(url)) < TEST_SHARE else "dev"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(ln) for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]


SPANS = ("main_barrier_span", "solution_span")


def read_spans(path: Path) -> dict[str, dict]:
    """`spans.jsonl`: per case id, where in its text a reader located the labelled main barrier
    and solution (`main_barrier_span`, `solution_span`: the text's own sentences, verbatim)."""
    if not path.exists():
        return {}
    return {rec["id"]: rec for rec in read_jsonl(path)}


def main() -> None:
    spans = read_spans(HERE / "spans.jsonl")
    cases, seen = [], set()
    for path in sorted((HERE / "batches").glob("*.jsonl")):
        if path.name.endswith(".queries.jsonl"):
            continue
        for rec in read_jsonl(path):
            if rec["id"] in seen:
                raise SystemExit(f"{path.name}: duplicate id {rec['id']}")
            seen.add(rec["id"])
            missing = [f for f in FIELDS if f not in rec]
            if missing:
                raise SystemExit(f"{path.name}: {rec['id']} lacks {missing}")
            out = {f: rec[f] for f in FIELDS}
            located = spans.get(rec["id"], {})
            for f in SPANS:
                value = located.get(f)
                if value is not None and value not in rec["text"]:
                    raise SystemExit(f"spans.jsonl: {rec['id']} {f} is not a part of its text")
                out[f] = value
            out["split"] = split_of_page(rec["source_url"])
            cases.append(out)
    cases.sort(key=lambda r: r["id"])
    with open(HERE / "cases.jsonl", "w", encoding="utf-8") as fh:
        for rec in cases:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    # What a user would bring (id + text only): the demo build ingests this as its own source.
    (HERE / "corpus").mkdir(exist_ok=True)
    with open(HERE / "corpus" / "gepubliceerde_casussen.jsonl", "w", encoding="utf-8") as fh:
        for rec in cases:
            fh.write(json.dumps({"id": rec["id"], "text": rec["text"]}, ensure_ascii=False) + "\n")
    patterns = {s: {c["pattern"] for c in cases if c["split"] == s} for s in ("dev", "test")}
    queries = []
    for path in sorted((HERE / "batches").glob("*.queries.jsonl")):
        for q in read_jsonl(path):
            split = "test" if bucket(q["qid"]) < 50 else "dev"
            if set(q["patterns"]) & patterns[split]:
                queries.append({**q, "split": split})
    queries.sort(key=lambda q: q["qid"])
    with open(HERE / "queries.jsonl", "w", encoding="utf-8") as fh:
        for q in queries:
            fh.write(json.dumps(q, ensure_ascii=False) + "\n")
    n_test = sum(c["split"] == "test" for c in cases)
    pages = {page_key(c["source_url"]) for c in cases}
    print(
        json.dumps(
            {
                "cases": len(cases),
                "test_cases": n_test,
                "pages": len(pages),
                "patterns": len({c["pattern"] for c in cases}),
                "queries": len(queries),
                "test_queries": sum(q["split"] == "test" for q in queries),
            }
        )
    )


if __name__ == "__main__":
    main()
