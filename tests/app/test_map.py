"""Unit tests of app/map.py: the Patronen map built from a frame, without Streamlit."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.io as pio
import pytest

from app import map as kaart
from pipeline.core.text import fold

NAMES = {0: "Geen briefadres, dus geen bijstand", 1: "Schuldhulp wacht op de beslagvrije voet"}


def _frame(n_per: int = 4, clusters=(0, 1, -1)) -> pd.DataFrame:
    rows = []
    for c in clusters:
        for i in range(n_per):
            text = {
                0: f"Zonder adres kreeg hij geen uitkering ({i})",
                1: f"De schuldeisers wachtten op een besluit ({i})",
                -1: f"Een losse opmerking over de crèche ({i})",
            }.get(c, f"Knelpunt {i} van patroon {c}")
            rows.append(
                {
                    "statement_id": f"s{c}_{i}",
                    "case_id": f"c{c}_{i % 2}",
                    "source_id": f"bron-{c}-{i}",
                    "x": float(c * 10 + i),
                    "y": float(c * 5 - i),
                    "cluster_id": c,
                    "statement": text,
                    "municipality": "Zwolle" if i % 2 else None,
                    "year": 2021 if i % 2 else pd.NA,
                    "orde": [1, 2, 3, None][i % 4],
                    "domain": ["wonen", "inkomen", None, "schulden"][i % 4],
                }
            )
    frame = pd.DataFrame(rows)
    frame["search_key"] = [fold(t) for t in frame["statement"]]
    return frame


def test_search_matches_statement_words_regardless_of_case_and_accents():
    mask = kaart.search_mask(_frame(), NAMES, "CRECHE")
    assert mask.sum() == 4
    assert set(_frame()["cluster_id"][mask]) == {-1}


def test_search_needs_every_word_but_each_may_sit_in_the_statement_or_the_title():
    frame = _frame()
    # "bijstand" is only in pattern 0's title, "uitkering" only in its statements
    mask = kaart.search_mask(frame, NAMES, "bijstand uitkering")
    assert mask.sum() == 4 and set(frame["cluster_id"][mask]) == {0}
    assert kaart.search_mask(frame, NAMES, "bijstand schuldeisers").sum() == 0


def test_an_empty_search_matches_nothing_and_dims_nothing():
    assert kaart.search_mask(_frame(), NAMES, "   ") is None
    built = kaart.build_figure(_frame(), NAMES, query="  ")
    assert built.matched is None
    assert kaart.NOT_FOUND not in [t.name for t in built.figure.data]


def test_search_lights_up_matches_and_puts_the_rest_in_one_grey_trace():
    built = kaart.build_figure(_frame(), NAMES, query="uitkering")
    names = [t.name for t in built.figure.data]
    assert built.matched == 4
    assert names[0] == kaart.NOT_FOUND and len(built.figure.data[0].x) == 8
    lit = built.figure.data[1:]
    assert sum(len(t.x) for t in lit) == 4
    assert all(t.marker.size > built.figure.data[0].marker.size for t in lit)


def test_colour_by_pattern_gives_the_top_n_a_colour_and_the_rest_grey_overig():
    frame = _frame(n_per=3, clusters=tuple(range(20)) + (-1,))
    names = {c: f"patroon {c}" for c in range(20)}
    groups, colors = kaart.color_groups(frame, "patroon", names, top_n=5)
    assert list(colors)[:5] == [f"patroon {c}" for c in range(5)]
    assert colors[kaart.OTHER] == kaart.GREY_OTHER
    assert colors[kaart.NO_PATTERN] == kaart.GREY_UNKNOWN
    assert (groups == kaart.OTHER).sum() == 15 * 3
    assert len(colors) == 7


@pytest.mark.parametrize("by", list(kaart.COLOR_BY))
def test_every_colour_choice_draws_every_point_once(by):
    frame = _frame()
    built = kaart.build_figure(frame, NAMES, color_by=by, escalation={1: {"status": "opgelost"}})
    drawn = np.concatenate(built.trace_rows)
    assert sorted(drawn.tolist()) == list(range(len(frame)))
    assert sum(len(t.x) for t in built.figure.data) == len(frame)


def test_missing_domain_and_orde_are_coloured_as_onbekend():
    groups, colors = kaart.color_groups(_frame(), "orde", NAMES)
    assert set(groups) == {"orde 1", "orde 2", "orde 3", kaart.UNKNOWN}
    assert colors[kaart.UNKNOWN] == kaart.GREY_UNKNOWN
    groups, _ = kaart.color_groups(_frame(), "leefgebied", NAMES)
    assert (groups == kaart.UNKNOWN).sum() == 3


def test_escalation_status_colours_patterns_without_status_as_open():
    groups, _ = kaart.color_groups(_frame(), "status", NAMES, {1: {"status": "geagendeerd"}})
    frame = _frame()
    assert set(groups[frame["cluster_id"] == 0]) == {"open"}
    assert set(groups[frame["cluster_id"] == 1]) == {"geagendeerd"}
    assert set(groups[frame["cluster_id"] == -1]) == {kaart.NO_PATTERN}


def test_overview_labels_only_the_largest_patterns_and_detail_labels_all():
    frame = _frame(n_per=2, clusters=tuple(range(30)))
    frame.loc[frame["cluster_id"] == 29, "cluster_id"] = 28  # 28 is the largest now
    names = {c: f"titel {c}" for c in range(30)}
    overview = kaart.label_positions(frame, names, "overzicht")
    assert len(overview) == kaart.OVERVIEW_LABELS
    assert overview["title"].iloc[0] == "titel 28"
    assert len(kaart.label_positions(frame, names, "alle")) == 29
    assert kaart.label_positions(frame, names, "geen").empty
    fig = kaart.build_figure(frame, names, label_level="alle").figure
    assert {a.text for a in fig.layout.annotations} == {f"titel {c}" for c in range(29)}


def test_labels_and_hover_show_markup_from_the_kb_as_characters():
    frame = _frame()
    frame.loc[0, "statement"] = "<b>vet</b> & <a href='javascript:x'>link</a>"
    names = {0: "<script>alert(1)</script>", 1: "A & B"}
    fig = kaart.build_figure(frame, names, label_level="alle").figure
    texts = {a.text for a in fig.layout.annotations}
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in texts
    assert "A &amp; B" in texts
    hover = [h for t in fig.data for h in t.hovertext]
    first = next(h for h in hover if "vet" in h)
    assert first.startswith("&lt;b&gt;vet&lt;/b&gt; &amp; &lt;a href='javascript:x'&gt;")
    assert "<script>" not in pio.to_json(fig)


def test_hover_text_is_shortened_and_names_the_pattern():
    frame = _frame()
    frame.loc[0, "statement"] = "woord " * 100
    hover = kaart.hover_texts(frame, NAMES)
    text, title = hover[0].split("<br>")
    assert len(text) <= kaart.HOVER_CHARS and text.endswith("…")
    assert title == f"<i>{NAMES[0]}</i>"


def test_selection_maps_curve_and_point_index_back_to_statements():
    frame = _frame()
    built = kaart.build_figure(frame, NAMES, query="uitkering")
    lit = built.trace_rows[1]
    points = [
        {"curve_number": 1, "point_index": 0, "x": 0, "y": 0},
        {"curve_number": 1, "point_index": 1},
        {"curve_number": 1, "point_index": 1},  # plotly may list a point twice
        {"curve_number": 9, "point_index": 0},  # no such trace
    ]
    chosen = kaart.selected_positions({"points": points}, built.trace_rows)
    assert chosen.tolist() == sorted(lit[:2].tolist())
    assert kaart.selected_positions(None, built.trace_rows).size == 0


def test_selection_table_names_missing_place_and_year_onbekend():
    frame = _frame()
    table = kaart.selection_table(frame, np.array([0, 1]), NAMES)
    assert list(table.columns) == ["bron_id", "patroon", "knelpunt", "gemeente", "jaar"]
    assert table["gemeente"].tolist() == ["onbekend", "Zwolle"]
    assert table["jaar"].tolist() == ["onbekend", "2021"]
    assert table["patroon"].iloc[0] == NAMES[0]
    again = pd.read_csv(pd.io.common.StringIO(table.to_csv(index=False)), dtype=str)
    assert again.equals(table.astype(str))


def test_a_large_map_draws_a_sample_that_keeps_every_pattern():
    rng = np.random.default_rng(0)
    n = 5000
    sizes = rng.integers(1, 200, 60)
    clusters = np.repeat(np.arange(60), sizes)[:n]
    frame = pd.DataFrame({"cluster_id": clusters})
    drawn = kaart.draw_sample(frame, None, max_drawn=1000)
    assert 900 <= len(drawn) <= 1100
    assert set(clusters[drawn]) == set(clusters)


def test_search_matches_are_all_drawn_when_the_map_is_sampled():
    frame = pd.DataFrame({"cluster_id": np.arange(5000) % 40})
    mask = np.zeros(5000, dtype=bool)
    mask[::50] = True
    drawn = kaart.draw_sample(frame, mask, max_drawn=1000)
    assert set(np.flatnonzero(mask)) <= set(drawn.tolist())
    assert len(drawn) <= 1000 + 1


def test_the_figure_fetches_nothing_it_draws_with_scattergl_only():
    spec = json.loads(pio.to_json(kaart.build_figure(_frame(), NAMES).figure))
    assert {t["type"] for t in spec["data"]} == {"scattergl"}
    assert "http" not in json.dumps(spec["layout"].get("annotations", []))
    assert spec["layout"]["dragmode"] == "select"


def test_with_a_search_the_colours_go_to_the_largest_groups_among_the_matches():
    sizes = {c: 30 - c for c in range(20)}  # patterns 16..19 are the smallest: "overig"
    frame = pd.DataFrame(
        [
            {
                "cluster_id": c,
                "x": float(i),
                "y": float(c),
                "statement": ("zeldzaam " if c >= 16 else "") + f"knelpunt {c}",
            }
            for c, n in sizes.items()
            for i in range(n)
        ]
    )
    frame["search_key"] = [fold(t) for t in frame["statement"]]
    names = {c: f"titel {c}" for c in range(20)}
    plain_map = [t.name for t in kaart.build_figure(frame, names).figure.data]
    assert "titel 17" not in plain_map and kaart.OTHER in plain_map
    searched = [t.name for t in kaart.build_figure(frame, names, query="zeldzaam").figure.data]
    assert searched == [kaart.NOT_FOUND, "titel 16", "titel 17", "titel 18", "titel 19"]


def test_with_a_search_a_selection_keeps_only_the_matches():
    built = kaart.build_figure(_frame(), NAMES, query="uitkering")
    dimmed = [{"curve_number": 0, "point_index": i} for i in range(8)]
    lit = [{"curve_number": 1, "point_index": i} for i in range(4)]
    chosen = kaart.selected_positions({"points": dimmed + lit}, built.trace_rows)
    assert chosen.tolist() == sorted(built.trace_rows[1].tolist())


def test_titles_are_moved_apart_when_they_would_overlap():
    labels = pd.DataFrame(
        {"cluster_id": [0, 1, 2], "title": ["een lange titel"] * 3, "x": [0.0, 0.0, 10.0]}
    ).assign(y=[0.0, 0.0, 10.0], n=[3, 2, 1])
    offsets = kaart.place_labels(labels, (0.0, 10.0), (0.0, 10.0))
    assert offsets[0] == 0 and offsets[1] != 0 and offsets[2] == 0
    fig = kaart.build_figure(_frame(n_per=4, clusters=(0, 0, 1)), NAMES, label_level="alle").figure
    assert all(a.showarrow == (a.ay not in (0, None)) for a in fig.layout.annotations)


def test_a_title_points_at_the_densest_spot_of_its_pattern():
    pts = pd.DataFrame(
        {
            "cluster_id": 0,
            "x": [0.0, 0.1, 0.2, 0.1, 9.0, 50.0],
            "y": [0.0, 0.1, 0.0, 0.2, 9.0, 50.0],
        }
    )
    rec = kaart.label_positions(pts, {0: "t"}, "alle").iloc[0]
    assert rec["x"] < 1 and rec["y"] < 1
