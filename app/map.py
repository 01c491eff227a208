"""The map of barrier statements on the Patronen page: pure figure building, no Streamlit.

Reads  the frame `app.data.map_points` returns (one row per barrier statement: position,
cluster, statement, case metadata, folded search key), the pattern titles the page shows and
the escalation status per pattern.
Gives  a plotly figure (one `Scattergl` trace per colour group, pattern titles as annotations),
the frame position of every drawn point (to map a plotly selection back to statements), the
statements a search matches and the table of a selection.
Guarantees: every text from the knowledge base reaches plotly as plain text (`plain`: plotly
reads `<b>`, `<a href>` and entities in labels, so `<`, `>` and `&` are written as entities and
show as themselves); missing values read "onbekend"; at most `MAX_DRAWN` points are drawn
(a sample stratified by pattern, search matches first), while counts are over all statements.
Plotly.js ships inside Streamlit's frontend, so nothing is fetched from a CDN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from pipeline.core.text import fold

UNKNOWN = "onbekend"
NO_PATTERN = "geen patroon"
OTHER = "overig"
NOT_FOUND = "niet gevonden"
TOP_N = 15  # colour groups with their own colour; the rest is grey "overig"
OVERVIEW_LABELS = 15  # pattern titles on the map in the overview
MAX_DRAWN = 100_000  # points drawn at most (see docs/map.md for the measurements)
HOVER_CHARS = 140
LABEL_CHARS = 44
DETAIL_CHARS = 30
DENSITY_SAMPLE = 300  # points per pattern used to find where its title goes
PLOT_PX = (760, 540)  # plot area assumed when titles are kept apart (the page is wide)
LABEL_OFFSETS = (0, -22, 22, -44, 44, -66, 66)  # vertical pixel offsets a title may take
LEGEND_CHARS = 40

# What the points can be coloured by: key → label in the select box.
COLOR_BY = {
    "patroon": "Patroon",
    "leefgebied": "Leefgebied",
    "orde": "Orde",
    "status": "Escalatiestatus",
}
LABEL_LEVELS = {
    "overzicht": f"Overzicht ({OVERVIEW_LABELS} grootste patronen)",
    "alle": "Alle patronen",
    "geen": "Geen namen",
}
# Tableau 10 plus five more that stay apart from it and from grey.
PALETTE = [
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#1b3b6f",
    "#8c564b",
    "#17becf",
    "#bcbd22",
    "#d62728",
    "#2ca02c",
]
GREY_OTHER = "#a8a8a8"
GREY_UNKNOWN = "#d4d4d4"
GREY_DIM = "#dcdcdc"


def plain(value: object) -> str:
    """Text for a plotly label that shows exactly its characters (plotly interprets a few tags
    and entities in labels: `&`, `<` and `>` become entities)."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def shorten(text: object, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with '…' when cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:") + "…"


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _show(value: object) -> str:
    if _missing(value):
        return UNKNOWN
    if isinstance(value, float | np.floating) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)


def titles(frame: pd.DataFrame, names: dict[int, str]) -> pd.Series:
    """The pattern title of every row: the name the page shows, "geen patroon" for -1."""
    ids = frame["cluster_id"].astype(int)
    return pd.Series(
        [NO_PATTERN if c < 0 else names.get(c, f"patroon {c}") for c in ids],
        index=frame.index,
        dtype=object,
    )


def search_mask(frame: pd.DataFrame, names: dict[int, str], query: str) -> np.ndarray | None:
    """Rows whose statement or pattern title holds every word of `query` (case and accents
    folded as `pipeline.core.text.fold` does); None when the query has no words."""
    words = fold(query or "").split()
    if not words:
        return None
    keys = frame["search_key"].fillna("").astype(str)
    ids = frame["cluster_id"].astype(int).to_numpy()
    title_keys = {c: fold(names.get(c, "")) for c in np.unique(ids) if c >= 0}
    mask = np.ones(len(frame), dtype=bool)
    for word in words:
        in_title = {c for c, t in title_keys.items() if word in t}
        hit = keys.str.contains(word, regex=False).to_numpy(dtype=bool, copy=True)
        if in_title:
            hit |= np.isin(ids, list(in_title))
        mask &= hit
    return mask


def color_groups(
    frame: pd.DataFrame,
    by: str,
    names: dict[int, str],
    escalation: dict[int, dict] | None = None,
    top_n: int = TOP_N,
) -> tuple[pd.Series, dict[str, str]]:
    """The colour group of every row and the colour of every group, in legend order: the
    `top_n` largest groups by number of statements each get a colour, the rest is grey
    "overig"; missing values ("onbekend") and statements outside any pattern are light grey."""
    if by == "patroon":
        raw = titles(frame, names)
        muted = {NO_PATTERN}
    elif by == "leefgebied":
        raw = pd.Series([_show(v) for v in frame["domain"]], index=frame.index, dtype=object)
        muted = {UNKNOWN}
    elif by == "orde":
        raw = pd.Series(
            [UNKNOWN if _missing(v) else f"orde {_show(v)}" for v in frame["orde"]],
            index=frame.index,
            dtype=object,
        )
        muted = {UNKNOWN}
    elif by == "status":
        esc = escalation or {}
        raw = pd.Series(
            [
                NO_PATTERN if int(c) < 0 else esc.get(int(c), {}).get("status") or "open"
                for c in frame["cluster_id"]
            ],
            index=frame.index,
            dtype=object,
        )
        muted = {NO_PATTERN}
    else:
        raise ValueError(f"unknown colour: {by}")
    counts = raw[~raw.isin(muted)].value_counts()
    if by == "orde":  # few and ordered: keep their order
        counts = counts.sort_index()
    else:
        counts = counts.sort_values(ascending=False, kind="stable")
    top = list(counts.index[:top_n])
    groups = raw.where(raw.isin(top) | raw.isin(muted), OTHER)
    colors = {g: PALETTE[i % len(PALETTE)] for i, g in enumerate(top)}
    if (groups == OTHER).any():
        colors[OTHER] = GREY_OTHER
    for m in sorted(muted):
        if (groups == m).any():
            colors[m] = GREY_UNKNOWN
    return groups, colors


def draw_sample(
    frame: pd.DataFrame, mask: np.ndarray | None = None, max_drawn: int = MAX_DRAWN
) -> np.ndarray:
    """Frame positions of the points to draw: all when they fit, else a sample stratified by
    pattern (each pattern keeps its share, at least one point). Search matches come first:
    all of them when they fit, and the points that do not match fill what is left (at least a
    quarter of `max_drawn`, so the map keeps its shape)."""
    n = len(frame)
    if n <= max_drawn:
        return np.arange(n)
    clusters = frame["cluster_id"].to_numpy()
    if mask is None:
        return _stratified(np.arange(n), clusters, max_drawn)
    hits = np.flatnonzero(mask)
    rest = np.flatnonzero(~mask)
    hits = _stratified(hits, clusters[hits], max_drawn)
    rest = _stratified(rest, clusters[rest], max(max_drawn - len(hits), max_drawn // 4))
    return np.sort(np.concatenate([hits, rest]))


def _stratified(positions: np.ndarray, clusters: np.ndarray, budget: int) -> np.ndarray:
    """`budget` of `positions`, each cluster's share kept (the frame is already in a stable
    hashed order, so the first rows of a cluster are a fair sample of it)."""
    if len(positions) <= budget:
        return positions
    share = budget / len(positions)
    keep = []
    for c in np.unique(clusters):
        members = positions[clusters == c]
        keep.append(members[: max(1, int(round(len(members) * share)))])
    return np.sort(np.concatenate(keep))


def label_positions(frame: pd.DataFrame, names: dict[int, str], level: str) -> pd.DataFrame:
    """Where each pattern's title goes, largest patterns first: `overzicht` the
    `OVERVIEW_LABELS` largest, `alle` every pattern, `geen` none. A title points at the
    densest spot of its pattern (the point with the most of its pattern's points nearby), not
    at the mean or median, which for a pattern spread over the map lands in empty space."""
    cols = ["cluster_id", "title", "x", "y", "n"]
    shown = frame[frame["cluster_id"] >= 0]
    if level == "geen" or shown.empty:
        return pd.DataFrame(columns=cols)
    sizes = shown["cluster_id"].value_counts()
    order = sorted(sizes.index, key=lambda c: (-sizes[c], c))
    if level == "overzicht":
        order = order[:OVERVIEW_LABELS]
    xy = shown[["x", "y"]].to_numpy(dtype=float)
    ids = shown["cluster_id"].to_numpy()
    rows = []
    for c in order:
        pts = xy[ids == c][:DENSITY_SAMPLE]  # the frame is in stable hashed order
        x, y = _densest(pts)
        rows.append((int(c), names.get(int(c), f"patroon {int(c)}"), x, y, int(sizes[c])))
    return pd.DataFrame(rows, columns=cols)


def _densest(pts: np.ndarray) -> tuple[float, float]:
    """The point with the smallest mean distance to its k nearest neighbours."""
    if len(pts) <= 2:
        return float(pts[:, 0].mean()), float(pts[:, 1].mean())
    k = min(10, len(pts) - 1)
    d = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    near = np.partition(d, k, axis=1)[:, 1 : k + 1].mean(axis=1)
    i = int(np.argmin(near))
    return float(pts[i, 0]), float(pts[i, 1])


def place_labels(
    labels: pd.DataFrame, x_range: tuple[float, float], y_range: tuple[float, float]
) -> list[int]:
    """A vertical pixel offset per label so that titles overlap as little as possible: each
    label, largest pattern first, takes the first offset where its box (estimated from its
    length on a `PLOT_PX` plot) meets no box placed before; if none is free it stays on its
    point. A label moved off its point gets an arrow to it."""
    w_px, h_px = PLOT_PX
    sx = w_px / max(x_range[1] - x_range[0], 1e-9)
    sy = h_px / max(y_range[1] - y_range[0], 1e-9)
    placed: list[tuple[float, float, float, float]] = []
    out = []
    for rec in labels.to_dict("records"):
        cx = (rec["x"] - x_range[0]) * sx
        cy = (y_range[1] - rec["y"]) * sy  # pixels grow downwards
        half_w = 3.3 * len(rec["title"]) + 4
        chosen = 0
        for dy in LABEL_OFFSETS:
            box = (cx - half_w, cy + dy - 9, cx + half_w, cy + dy + 9)
            if all(
                box[2] < o[0] or box[0] > o[2] or box[3] < o[1] or box[1] > o[3] for o in placed
            ):
                chosen = dy
                break
        else:
            box = (cx - half_w, cy - 9, cx + half_w, cy + 9)
        placed.append(box)
        out.append(chosen)
    return out


def hover_texts(frame: pd.DataFrame, names: dict[int, str]) -> np.ndarray:
    """Hover text per row: the statement (shortened) and, in italics, its pattern's title.
    Vectorised: at 100k statements this runs on every rerun of the page."""
    # no whitespace folding: plotly draws a line break or tab in a label as a space, and a
    # regex over 100k statements costs most of a second
    text = frame["statement"].fillna("").astype(str).str.strip()
    long = text.str.len() > HOVER_CHARS
    if long.any():
        cut = text[long].str.slice(0, HOVER_CHARS - 1)
        at_word = cut.str.rsplit(" ", n=1).str[0]
        # keep the word cut only when it leaves at least half the text
        cut = at_word.where(at_word.str.len() >= HOVER_CHARS // 2, cut)
        text[long] = cut.str.rstrip(" ,;:") + "…"
    for ch, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;")):
        text = text.str.replace(ch, entity, regex=False)
    ids = frame["cluster_id"].astype(int)
    title = {c: plain(NO_PATTERN if c < 0 else names.get(c, f"patroon {c}")) for c in ids.unique()}
    out = text + "<br><i>" + ids.map(title).astype(str) + "</i>"
    return out.to_numpy(dtype=object)


@dataclass
class MapFigure:
    """The figure and what the page needs to read a selection back."""

    figure: go.Figure
    # frame positions of the selectable points per trace (none for "niet gevonden")
    trace_rows: list[np.ndarray] = field(default_factory=list)
    drawn: int = 0
    matched: int | None = None  # statements (of all, not just drawn) the search matches


def build_figure(
    frame: pd.DataFrame,
    names: dict[int, str],
    color_by: str = "patroon",
    label_level: str = "overzicht",
    query: str = "",
    escalation: dict[int, dict] | None = None,
    max_drawn: int = MAX_DRAWN,
    height: int = 560,
) -> MapFigure:
    """The map: one Scattergl trace per colour group (with a search: the matches in colour on
    top of every other point in light grey), pattern titles as annotations, box select as the
    default drag (lasso and zoom in the mode bar)."""
    frame = frame.reset_index(drop=True)
    mask = search_mask(frame, names, query)
    drawn = draw_sample(frame, mask, max_drawn)
    # with a search the colours go to the largest groups among the matches
    among = frame if mask is None else frame[mask]
    groups, colors = color_groups(among, color_by, names, escalation)
    hover = hover_texts(frame.iloc[drawn], names)
    x = frame["x"].to_numpy(dtype=float)
    y = frame["y"].to_numpy(dtype=float)
    g = np.full(len(frame), NOT_FOUND, dtype=object)
    g[groups.index.to_numpy()] = groups.to_numpy()
    fig = go.Figure()
    rows: list[np.ndarray] = []

    def add(positions: np.ndarray, name: str, color: str, size: float, opacity: float) -> None:
        marker = {"color": color, "size": size, "opacity": opacity}
        if mask is not None and name != NOT_FOUND:  # matches stand out, grey ones too
            marker["line"] = {"color": "#262626", "width": 1}
        if len(positions) == 0:
            return
        idx = np.searchsorted(drawn, positions)  # drawn is sorted
        fig.add_trace(
            go.Scattergl(
                x=x[positions],
                y=y[positions],
                mode="markers",
                name=plain(shorten(name, LEGEND_CHARS)),
                marker=marker,
                hovertext=hover[idx],
                hoverinfo="text",
            )
        )
        # points that do not match a search are shown, not selected
        rows.append(positions if name != NOT_FOUND else np.empty(0, dtype=int))

    lit = drawn if mask is None else drawn[mask[drawn]]
    if mask is not None:
        add(drawn[~mask[drawn]], NOT_FOUND, GREY_DIM, 4, 0.35)
    size = 6 if mask is None else 8
    for name, color in colors.items():
        add(lit[g[lit] == name], name, color, size, 0.85)

    labels = label_positions(frame, names, label_level)
    # every title: smaller and shorter (readable once zoomed in; plotly keeps them in place)
    chars, font = (DETAIL_CHARS, 9) if label_level == "alle" else (LABEL_CHARS, 11)
    labels["title"] = [shorten(t, chars) for t in labels["title"]]
    if len(labels):
        offsets = place_labels(
            labels,
            (float(np.nanmin(x)), float(np.nanmax(x))),
            (float(np.nanmin(y)), float(np.nanmax(y))),
        )
        for rec, dy in zip(labels.to_dict("records"), offsets, strict=True):
            fig.add_annotation(
                x=rec["x"],
                y=rec["y"],
                text=plain(rec["title"]),
                showarrow=dy != 0,
                ax=0,
                ay=dy,
                arrowhead=0,
                arrowwidth=1,
                arrowcolor="#7f7f7f",
                font={"size": font, "color": "#1f1f1f"},
                bgcolor="rgba(255,255,255,0.8)",
                borderpad=2,
            )
    fig.update_layout(
        height=height,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
        dragmode="select",
        hovermode="closest",
        legend={
            "title": {"text": plain(COLOR_BY.get(color_by, ""))},
            "itemsizing": "constant",
            "font": {"size": 11},
        },
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="white",
    )
    return MapFigure(fig, rows, drawn=len(drawn), matched=None if mask is None else int(mask.sum()))


def selected_positions(selection: dict | None, trace_rows: list[np.ndarray]) -> np.ndarray:
    """Frame positions of the points a plotly selection event names (`curve_number` and
    `point_index` per point, as Streamlit passes them on)."""
    out = []
    for point in (selection or {}).get("points") or []:
        curve = point.get("curve_number")
        index = point.get("point_index", point.get("point_number"))
        if curve is None or index is None or not 0 <= curve < len(trace_rows):
            continue
        positions = trace_rows[curve]
        if 0 <= index < len(positions):
            out.append(int(positions[index]))
    return np.array(sorted(set(out)), dtype=int)


def selection_table(
    frame: pd.DataFrame, positions: np.ndarray, names: dict[int, str]
) -> pd.DataFrame:
    """The selected statements as the page lists and exports them (Dutch column names,
    missing values as "onbekend")."""
    sel = frame.reset_index(drop=True).iloc[positions]
    return pd.DataFrame(
        {
            "bron_id": [_show(v) for v in sel["source_id"]],
            "patroon": titles(sel, names).tolist(),
            "knelpunt": [_show(v) for v in sel["statement"]],
            "gemeente": [_show(v) for v in sel["municipality"]],
            "jaar": [_show(v) for v in sel["year"]],
        }
    )
