"""Patronen map benchmark: building and serialising the map at 1.5k and 100k statements, and
the served page until the map's canvas appears in Chromium, against a named baseline.

Baseline: the page as it was before the map (commit 486b6b1): an Altair scatter of the same
points (circles coloured by pattern, tooltip with pattern and statement), serialised the way
`st.altair_chart` does it (Vega-Lite spec plus the data as Arrow). Before, the page loaded at
most 4,000 statements; the baseline here draws all points of the frame, so both sides draw the
same data. In the browser part the baseline is the old page itself (its 4,000-point cap).

For each size a synthetic published kb of that many cases (one barrier statement each) is
built once with `bench.scale.make_scale_kb` under `--out` and read with `app.data.map_points`.
Python side, median of `--repeat`:
- `query_s`: `map_points` (SQL + the folded search key), uncached;
- `map_s`: `app.map.build_figure` + what `st.plotly_chart` does with it (validate, to_json);
- `map_search_s`: the same with a search (matches lit, the rest dimmed);
- `baseline_s`: the Altair chart + Streamlit's Vega-Lite/Arrow conversion;
- `spec_mb` / `baseline_mb`: what goes over the websocket.
Browser side (`--browser`): the app served on that kb (`python -m pipeline.cli app`), Chromium
opens /patronen; `canvas_cold_s`: until the map's canvas is in the page on a fresh server,
`canvas_warm_s`: the same in a second tab (the app's caches and the browser's cache warm:
a user's next visit), `search_s`: typing a search until the
page has rerun and redrawn. `--baseline-src DIR` serves the old code from DIR for the same
numbers (`git archive 486b6b1 | tar -x -C DIR`).

    .venv/bin/python -m bench.app_map                        # 1.5k and 100k, Python side
    .venv/bin/python -m bench.app_map --browser --baseline-src /tmp/base
Prints one JSON object.
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
OUT = ROOT / "bench" / "out" / "app_map"
QUERY = "geen uitkering"
PLOT_CANVAS = '[data-testid="stPlotlyChart"] canvas'
VEGA_CANVAS = '[data-testid="stVegaLiteChart"] .marks'  # svg or canvas


def _kb_root(n: int, out: Path) -> Path:
    root = out / f"scale_{n}"
    kb = root / "data" / "processed" / "kb.duckdb"
    if not kb.exists():
        from bench.scale import make_scale_kb

        kb.parent.mkdir(parents=True, exist_ok=True)
        make_scale_kb(n, kb)
    return root


def _median(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return round(statistics.median(times), 3), result


def _plotly_payload(fig) -> str:
    """What st.plotly_chart does with a figure before it is sent (see its source)."""
    import plotly.io
    import plotly.tools

    figure = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    return plotly.io.to_json(figure, validate=False)


def _baseline(points, names) -> int:
    """The old map: an Altair scatter of the same points, converted as st.altair_chart does.
    Returns the bytes it would send."""
    import altair as alt
    from streamlit.elements.vega_charts import _convert_altair_to_vega_lite_spec

    short = [t if len(t) <= 160 else t[:157] + "…" for t in points["statement"]]
    frame = points[["x", "y", "cluster_id"]].assign(
        uitspraak=short,
        patroon=[names.get(int(c), "geen patroon") for c in points["cluster_id"]],
        gekozen=False,
    )
    chart = (
        alt.Chart(frame)
        .mark_circle(size=30)
        .encode(
            x=alt.X("x:Q", axis=None),
            y=alt.Y("y:Q", axis=None),
            color=alt.condition(
                "datum.cluster_id < 0",
                alt.value("#c8c8c8"),
                alt.Color("patroon:N", legend=None, scale=alt.Scale(scheme="tableau20")),
            ),
            opacity=alt.condition("datum.gekozen", alt.value(0.95), alt.value(0.55)),
            tooltip=[alt.Tooltip("patroon:N"), alt.Tooltip("uitspraak:N")],
        )
        .add_params(alt.selection_point(fields=["cluster_id"], name="punt", on="click"))
        .properties(height=420)
    )
    spec = _convert_altair_to_vega_lite_spec(chart)
    datasets = spec.pop("datasets")
    return len(json.dumps(spec)) + sum(len(v) for v in datasets.values())


def python_side(n: int, out: Path, repeat: int) -> dict:
    os.environ["CASUSWIJZER_WORKDIR"] = str(_kb_root(n, out))
    import streamlit as st

    from app import data
    from app import map as kaart
    from pipeline.core.annotations import AnnotationState

    st.cache_data.clear()
    st.cache_resource.clear()
    kb = data.kb_key()

    def query():
        st.cache_data.clear()
        return data.map_points(kb, ())

    query_s, points = _median(query, repeat)
    names = data.display_names(data.clusters(kb, ()), AnnotationState())
    map_s, spec = _median(lambda: _plotly_payload(kaart.build_figure(points, names).figure), repeat)
    search_s, _ = _median(
        lambda: _plotly_payload(kaart.build_figure(points, names, query=QUERY).figure), repeat
    )
    built = kaart.build_figure(points, names, query=QUERY)
    base_s, base_bytes = _median(lambda: _baseline(points, names), repeat)
    return {
        "statements": len(points),
        "patterns": len(names),
        "drawn": kaart.build_figure(points, names).drawn,
        "query_s": query_s,
        "map_s": map_s,
        "map_search_s": search_s,
        "search_matches": built.matched,
        "spec_mb": round(len(spec) / 1e6, 2),
        "baseline": "altair scatter of the same points (the page before, uncapped)",
        "baseline_s": base_s,
        "baseline_mb": round(base_bytes / 1e6, 2),
    }


def _serve(src: Path, root: Path, log: Path):
    """`tests.app.served.serve` on the code in `src`."""
    from tests.app.served import serve

    return serve(root, log, src=src)


def browser_side(n: int, out: Path, src: Path, canvas: str, search: bool) -> dict:
    from playwright.sync_api import sync_playwright

    from tests.app.served import CHROMIUM, CHROMIUM_FLAGS, DONE

    root = _kb_root(n, out)
    res: dict = {}
    with (
        _serve(src, root, out / f"serve_{n}.log") as url,
        sync_playwright() as pw,
    ):
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS)
        # one context: the second visit has the browser's cache (plotly.js is a 4.7 MB chunk)
        context = browser.new_context(viewport={"width": 1400, "height": 1300})
        try:
            for label in ("canvas_cold_s", "canvas_warm_s"):
                page = context.new_page()
                t0 = time.perf_counter()
                page.goto(f"{url}/patronen", wait_until="domcontentloaded")
                page.wait_for_selector(canvas, timeout=600_000)
                res[label] = round(time.perf_counter() - t0, 2)
                page.wait_for_selector(DONE, timeout=600_000)
                if label == "canvas_warm_s":
                    shots = out / "shots"
                    shots.mkdir(exist_ok=True)
                    page.wait_for_timeout(1500)
                    page.screenshot(path=str(shots / f"{src.name}_{n}.png"))
                    if search:
                        box = page.get_by_label("Zoeken op de kaart")
                        box.fill(QUERY)
                        t0 = time.perf_counter()
                        box.press("Enter")
                        page.wait_for_selector("text=gevonden", timeout=600_000)
                        page.wait_for_selector(DONE, timeout=600_000)
                        page.wait_for_selector(canvas, timeout=600_000)
                        res["search_s"] = round(time.perf_counter() - t0, 2)
                        page.wait_for_timeout(1500)
                        page.screenshot(path=str(shots / f"{src.name}_{n}_zoek.png"))
                page.close()
        finally:
            browser.close()
    return res


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1500, 100_000])
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--browser", action="store_true", help="also time the served page")
    ap.add_argument("--baseline-src", type=Path, help="old code to serve as the baseline page")
    ap.add_argument("--no-python", action="store_true", help="only the browser part")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report: dict = {"query": QUERY, "sizes": {}}
    for n in args.sizes:
        row: dict = {} if args.no_python else python_side(n, args.out, args.repeat)
        if args.browser:
            row["browser"] = browser_side(n, args.out, ROOT, PLOT_CANVAS, search=True)
            if args.baseline_src:
                row["browser_baseline"] = {
                    "what": "the page before (altair, at most 4000 points)",
                    **browser_side(n, args.out, args.baseline_src, VEGA_CANVAS, search=False),
                }
        report["sizes"][str(n)] = row
        print(json.dumps({n: row}), file=sys.stderr)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
