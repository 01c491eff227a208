"""Patronen: map of barrier statements, cluster list, cluster page, curation and triage."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from app import auth, data, ui
from app import map as kaart

kb = ui.require_kb()
ctx = ui.ClusterContext(kb)

st.title("Patronen in knelpunten")
st.caption(
    "Knelpunten die in verschillende casussen terugkomen, automatisch gegroepeerd. Klik op de "
    "kaart of in de lijst om een patroon te openen; geef een patroon een betere naam of voeg "
    "twee patronen samen onder 'Beheer'."
)
n_reference = data.reference_cases(kb)
if n_reference:
    st.caption(
        f"Om ook patronen van twee of drie casussen te herkennen, zijn de knelpunten gegroepeerd "
        f"samen met {n_reference} gepubliceerde casussen uit het hele land die erop lijken. Die "
        "tellen nergens mee en staan niet in deze kennisbank: alle aantallen, titels en "
        "voorbeelden hieronder komen uit uw eigen casussen."
    )
ui.show_flash()

if ctx.frame.empty:
    st.info("Er zijn nog geen patronen gevonden in deze kennisbank.")
    st.stop()

ids = ctx.ids()
KEY = "patronen_cluster"
goto = st.session_state.pop("goto_cluster", None)
if goto is not None and ctx.resolve(goto) in ids:
    st.session_state[KEY] = ctx.resolve(goto)
if st.session_state.get(KEY) not in ids:
    st.session_state[KEY] = ids[0]


def _pick_once(source: str, cluster_id: int | None) -> None:
    """Apply a click on the map or list only when it is new (selections persist on reruns)."""
    if cluster_id is None or st.session_state.get(f"_last_{source}") == cluster_id:
        return
    st.session_state[f"_last_{source}"] = cluster_id
    if cluster_id in ids:
        st.session_state[KEY] = cluster_id


def _n(number: int) -> str:
    """A count as Dutch readers write it: 100.000."""
    return f"{number:,}".replace(",", ".")


# --------------------------------------------------------------------------- map
points = data.map_points(kb, ctx.pairs)
st.subheader("Kaart van knelpunten")
if points.empty:
    st.caption("Geen kaartposities in deze kennisbank.")
else:
    c_search, c_color, c_labels = st.columns([2, 1, 1])
    query = c_search.text_input(
        "Zoeken op de kaart",
        key="kaart_zoek",
        placeholder="woorden uit een knelpunt of patroonnaam",
    )
    color_by = c_color.selectbox(
        "Kleur naar", list(kaart.COLOR_BY), key="kaart_kleur", format_func=kaart.COLOR_BY.get
    )
    level = c_labels.selectbox(
        "Namen op de kaart",
        list(kaart.LABEL_LEVELS),
        key="kaart_namen",
        format_func=kaart.LABEL_LEVELS.get,
    )
    built = kaart.build_figure(
        points, ctx.names, color_by, level, query, escalation=ctx.state.escalation
    )
    n_points = len(points)
    if built.matched is not None:
        found = "knelpunt gevonden" if built.matched == 1 else "knelpunten gevonden"
        st.markdown(
            f"**{_n(built.matched)} {found}** "
            f"van {_n(n_points)} (oplichtend op de kaart; de rest is grijs en telt niet mee "
            "in een selectie)."
        )
    # A selection names points by trace and index, which change with the colouring and the
    # search: a new widget for each, so an old selection is never read against new traces.
    fig_key = "kaart_" + hashlib.sha1(f"{color_by}|{query}".encode()).hexdigest()[:12]
    event = st.plotly_chart(
        built.figure,
        key=fig_key,
        on_select="rerun",
        selection_mode=("points", "box", "lasso"),
        width="stretch",
        config={"displaylogo": False, "scrollZoom": True},
    )
    notes = [f"{_n(built.drawn)} van {_n(n_points)} knelpunten getekend"]
    if built.drawn < n_points:
        notes.append(
            "een steekproef per patroon (zoektreffers eerst); tellingen gaan over alle "
            f"{_n(n_points)}, een selectie over de getekende punten"
        )
    if n_points >= data.MAP_POINTS:
        notes.append("de kaart laadt een vaste steekproef van de kennisbank")
    if level == "alle":
        notes.append("zoom in (scrollen of een rechthoek in de zoomstand) om alle namen te lezen")
    st.caption(
        "; ".join(notes) + ". Sleep een rechthoek om knelpunten te selecteren (lasso en "
        "inzoomen staan in de knoppenbalk), klik op een punt om zijn patroon te openen. "
        "Grijs: overig, onbekend of in geen patroon."
    )
    chosen = kaart.selected_positions(event.selection if event else None, built.trace_rows)
    if len(chosen) == 1:
        _pick_once("kaart", int(points["cluster_id"].iloc[chosen[0]]))
    if len(chosen):
        sel = kaart.selection_table(points, chosen, ctx.names)
        n_cases = points["case_id"].iloc[chosen].nunique()
        st.markdown(
            f"**Selectie: {ui.count(len(sel), 'knelpunt', 'knelpunten')} uit "
            f"{ui.count(n_cases, 'casus', 'casussen')}**"
        )
        st.dataframe(
            sel,
            key="kaart_selectie",
            hide_index=True,
            width="stretch",
            height=min(400, 35 * (len(sel) + 1) + 3),
            column_config={"knelpunt": st.column_config.TextColumn(width="large")},
        )
        ui.download(
            st,
            "Selectie als CSV",
            lambda: sel.to_csv(index=False).encode("utf-8"),
            "kaartselectie.csv",
            key="kaart_csv",
        )
    elif event and event.selection and (event.selection.get("box") or event.selection.get("lasso")):
        st.caption(
            "In de selectie ligt geen "
            + ("gevonden " if built.matched is not None else "")
            + "knelpunt. Sleep opnieuw, of dubbelklik op de kaart om de selectie te wissen."
        )
    else:
        st.caption("Nog geen selectie: sleep over de kaart om knelpunten in een tabel te zien.")

# --------------------------------------------------------------------------- list
st.subheader("Alle patronen")
frame = ctx.frame
table = pd.DataFrame(
    {
        "Patroon": [ctx.names[c] for c in frame["cluster_id"]],
        "Trefwoorden": [" · ".join(k[:4]) for k in frame["keywords"]],
        "Casussen": frame["n_cases"],
        "Gemeenten": frame["n_municipalities"],
        "Trend": frame["trend"],
        "Vooral in": [m[:4] for m in frame["municipalities"]],
        "Soort": frame["barrier_type"],
    }
)
event = st.dataframe(
    ui.display_frame(table),
    key="lijst",
    hide_index=True,
    height=min(420, 35 * (len(table) + 1) + 3),
    on_select="rerun",
    selection_mode="single-row",
    column_config={
        "Trend": st.column_config.LineChartColumn("Trend per jaar", width="small"),
        "Vooral in": st.column_config.ListColumn("Vooral in"),
        "Patroon": st.column_config.TextColumn(width="medium"),
        "Trefwoorden": st.column_config.TextColumn(width="small"),
    },
)
rows = event.selection.rows if event and event.selection else []
if rows:
    _pick_once("lijst", int(frame["cluster_id"].iloc[rows[0]]))

# --------------------------------------------------------------------------- cluster page
st.divider()
cluster_id = st.selectbox("Patroon", ids, key=KEY, format_func=lambda c: f"{ctx.names[c]} ({c})")
row = frame[frame["cluster_id"] == cluster_id].iloc[0]
detail = data.cluster_detail(kb, cluster_id, ctx.pairs)

st.header(ui.esc(ctx.names[cluster_id]))
sub = []
if ctx.names[cluster_id] != row["label"]:
    sub.append(f"automatisch label: {ui.show(row['label'])}")
if len(row["members"]) > 1:
    sub.append("samengevoegd uit " + ", ".join(str(m) for m in row["members"]))
if sub:
    st.caption(ui.esc(" · ".join(sub)))
if row["keywords"]:
    st.markdown(" ".join(f":blue-badge[{ui.esc(w)}]" for w in row["keywords"]))
m1, m2, m3, m4 = st.columns(4)
m1.metric("Casussen", int(row["n_cases"]))
m2.metric("Gemeenten", int(row["n_municipalities"]))
m3.metric("Organisaties", int(row["n_organisations"]))
m4.metric("Knelpuntzinnen", int(row["n_statements"]))

can_curate = auth.allows("curate")  # renaming and merging: only the role beheer sees the tab
tab_over, tab_cases, tab_work, *tab_admin = st.tabs(
    ["Overzicht", "Casussen", "Wat werkte"] + (["Beheer"] if can_curate else [])
)
with tab_over:
    c1, c2 = st.columns([3, 2])
    with c1:
        st.markdown("**Typerende knelpunten**")
        for rec in detail["representative"].to_dict("records"):
            where = ui.place_and_year(rec["gemeente"], rec["jaar"])
            st.markdown(f"> {ui.esc(rec['uitspraak'])}  \n> :gray[{ui.esc(where)}]")
    with c2:
        st.markdown("**Leefgebieden**")
        st.dataframe(ui.display_frame(detail["domains"]), hide_index=True, width="stretch")
        st.markdown("**Soorten knelpunt**")
        st.dataframe(ui.display_frame(detail["barrier_types"]), hide_index=True, width="stretch")
        if row["years"]:
            st.markdown("**Casussen per jaar**")
            years = pd.DataFrame(
                {"jaar": [str(y) for y in row["years"]], "casussen": list(row["years"].values())}
            )
            st.bar_chart(years, x="jaar", y="casussen", height=180)
            if data.n_years_from_text(kb):
                st.caption(
                    "Een casus zonder datum staat bij het laatste jaar dat zijn tekst noemt."
                )

with tab_cases:
    cases = detail["cases"].rename(
        columns={
            "source_id": "bron_id",
            "municipality": "gemeente",
            "organisation": "organisatie",
            "year": "jaar",
            "outcome": "uitkomst",
            "solution_type": "soort oplossing",
        }
    )
    st.dataframe(
        ui.display_frame(cases.drop(columns=["case_id"])),
        hide_index=True,
        width="stretch",
        column_config={"knelpunt": st.column_config.TextColumn(width="large")},
    )
    if len(cases) >= 500:
        st.caption("De eerste 500 casussen.")

with tab_work:
    st.markdown("**Soorten oplossing en hoe vaak ze werkten**")
    st.dataframe(ui.display_frame(detail["solution_types"]), hide_index=True, width="stretch")
    sols = detail["solutions"]
    if sols.empty:
        st.caption("Geen beschreven oplossingen met een (deels) goede afloop.")
    for j, rec in enumerate(sols.to_dict("records")):
        with st.container(border=True):
            where = ui.esc(
                f"{ui.show(rec['soort'], 'soort onbekend')} · "
                f"{ui.show(rec['gemeente'], 'gemeente onbekend')}"
            )
            st.markdown(
                f"{ui.esc(rec['oplossing'])}  \n{ui.outcome_badge(rec['uitkomst'])} · {where}"
            )
            ui.feedback_buttons(rec["case_id"], ctx.state, key=f"sol_{cluster_id}_{j}")

if can_curate:
    with tab_admin[0]:
        with st.form(f"rename_{cluster_id}"):
            new_name = st.text_input("Nieuwe naam voor dit patroon", value=ctx.names[cluster_id])
            if st.form_submit_button("Naam opslaan", icon=":material/edit:"):
                if new_name.strip() and new_name.strip() != ctx.names[cluster_id]:
                    data.rename_cluster(cluster_id, new_name.strip())
                    ui.flash(f"Patroon {cluster_id} heet nu '{ui.esc(new_name.strip())}'.")
                    st.rerun()
        others = [c for c in ids if c != cluster_id]
        if others:
            with st.form(f"merge_{cluster_id}"):
                into = st.selectbox(
                    "Samenvoegen met (dit patroon gaat op in het gekozen patroon)",
                    others,
                    format_func=lambda c: f"{ctx.names[c]} ({c})",
                )
                if st.form_submit_button("Samenvoegen", icon=":material/merge:"):
                    data.merge_cluster(cluster_id, into)
                    st.session_state["goto_cluster"] = into
                    into_name = ui.esc(ctx.names[into])
                    ui.flash(f"Patroon {cluster_id} is samengevoegd met '{into_name}'.")
                    st.rerun()
        st.caption(
            "Namen en samenvoegingen worden bewaard bij de vaste patroonnummers en blijven na een "
            "nieuwe bouw van de kennisbank staan."
        )

# --------------------------------------------------------------------------- triage
st.divider()
total, loose = data.unclustered(kb)
with st.expander(f"Niet ingedeelde knelpunten ({total})", icon=":material/inbox:"):
    st.caption(
        "Knelpunten die (nog) in geen patroon passen: nieuw, zeldzaam of anders verwoord. "
        "Bekijk ze af en toe; een nieuw patroon ontstaat vanzelf als ze vaker voorkomen."
    )
    st.dataframe(ui.display_frame(loose), hide_index=True, width="stretch")
