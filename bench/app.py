"""App page-load benchmark: render time per page at 1.5k and 100k cases, with AppTest.

With `--workdir DIR` it measures an existing build instead (e.g. the demo knowledge base).
For each size it builds (or reuses) a synthetic published knowledge base with
`bench.scale.make_scale_kb` in `bench/out/app/scale_N/`, points the app at it
(CASUSWIJZER_WORKDIR) and, per page, measures with `streamlit.testing.v1.AppTest`:
- `cold_s`: the page's first render in the process, with its queries not yet cached (the
  connection is open: the entry script ran first);
- `warm_s`: the first render of the page in a *new session* once the caches are warm (the
  number the targets are about: ≤ 1 s at 1.5k, ≤ 3 s at 100k), median of `--repeat` sessions;
- `search_s`: a search on the Zoeken page (query embedding + ranking + result cards), warm.
AppTest runs the page script in-process, so the numbers cover the Python side (queries, data
shaping, element serialisation), not the browser drawing the page.

    .venv/bin/python -m bench.app                      # 1.5k and 100k
    .venv/bin/python -m bench.app --sizes 1500 --embedder fake
    .venv/bin/python -m bench.app --workdir /tmp/demo-kb     # the demo build
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out" / "app"
APP = ROOT / "app" / "streamlit_app.py"
PAGES = ("zoeken", "patronen", "systeemknelpunten", "leeratelier", "casus_toevoegen", "kwaliteit")
TARGETS = {1500: 1.0, 100_000: 3.0}
QUERY = "geen briefadres dus geen uitkering en geen woning"


class RandomEmbedder:
    """Stand-in query embedder (the scale kb's vectors carry no meaning either)."""

    name = "bench/random"

    def __init__(self, dim: int = 384):
        self.dim = dim

    def embed_queries(self, texts):
        import numpy as np

        rng = np.random.default_rng(len(texts))
        v = rng.standard_normal((len(texts), self.dim)).astype("float32")
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    embed_passages = embed_queries


def _kb_for(n: int) -> Path:
    """Work directory holding a scale kb of n cases (built once, then reused)."""
    root = OUT / f"scale_{n}"
    kb = root / "data" / "processed" / "kb.duckdb"
    if not kb.exists():
        from bench.scale import make_scale_kb

        t0 = time.perf_counter()
        make_scale_kb(n, kb)
        print(f"built scale kb {n}: {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return root


def _session(page: str):
    """A new session whose next run() renders `page` (the entry page has run already)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    t0 = time.perf_counter()
    at.run()  # renders the default page (zoeken)
    at.entry_s = time.perf_counter() - t0
    at.switch_page(f"app_pages/{page}.py")
    return at


def _timed_run(at) -> float:
    t0 = time.perf_counter()
    at.run()
    elapsed = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"page raised: {at.exception[0].value}")
    return elapsed


def _n_cases(root: Path) -> int:
    import duckdb

    from pipeline.core.config import Workdir, load_config

    con = duckdb.connect(str(Workdir(root, load_config()).kb), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM cases").fetchone()[0])
    finally:
        con.close()


def bench_size(n: int, repeat: int, embedder: str, root: Path | None = None) -> dict:
    import streamlit as st

    from app import data

    root = root or _kb_for(n)
    os.environ[data.ENV_WORKDIR] = str(root)
    if embedder == "fake":
        data.load_embedder = lambda cfg: RandomEmbedder()
    st.cache_data.clear()
    st.cache_resource.clear()
    result: dict = {"n_cases": n, "target_s": TARGETS.get(n), "pages": {}}
    for page in PAGES:
        at = _session(page)
        # The default page is rendered by the session's first run: that is its cold render.
        cold = at.entry_s if page == "zoeken" else _timed_run(at)
        warm = [_timed_run(_session(page)) for _ in range(repeat)]
        result["pages"][page] = {
            "cold_s": round(cold, 3),
            "warm_s": round(statistics.median(warm), 3),
            "warm_max_s": round(max(warm), 3),
        }
    # A search: engine (vectors, BM25 postings) and model are loaded once, then timed warm.
    at = _session("zoeken")
    at.run()
    t0 = time.perf_counter()
    at.text_input(key="zoek_query").input(QUERY).run()
    first = time.perf_counter() - t0
    times = []
    for i in range(repeat):
        at.text_input(key="zoek_query").input(f"{QUERY} {i}")
        times.append(_timed_run(at))
    result["search"] = {
        "first_s_incl_engine_load": round(first, 3),
        "warm_s": round(statistics.median(times), 3),
        "embedder": embedder,
    }
    worst = max(p["warm_s"] for p in result["pages"].values())
    result["worst_page_warm_s"] = worst
    if result["target_s"] is not None:
        result["meets_target"] = worst <= result["target_s"]
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1500, 100_000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--workdir",
        type=Path,
        nargs="+",
        help="measure these existing work directories instead of synthetic scale kbs",
    )
    ap.add_argument(
        "--embedder",
        choices=("real", "fake"),
        default="real",
        help="query embedder for the search timing: the configured model or random vectors",
    )
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    import logging

    logging.getLogger("streamlit").setLevel(logging.ERROR)
    if args.workdir:
        results = [
            {"workdir": str(root), **bench_size(_n_cases(root), args.repeat, args.embedder, root)}
            for root in args.workdir
        ]
    else:
        results = [bench_size(n, args.repeat, args.embedder) for n in args.sizes]
    print(json.dumps({"app_page_load": results}, indent=2))


if __name__ == "__main__":
    main()
