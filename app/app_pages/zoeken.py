"""Zoeken: find similar cases by describing a situation, with filters and 'meer zoals dit'."""

from __future__ import annotations

import streamlit as st

from app import data, ui

ui.follow_goto()
kb = ui.require_kb()
ctx = ui.ClusterContext(kb)
opts = data.filter_options(kb)
cfg = data.workdir().cfg

st.title("Zoeken in casussen")
st.caption(
    "Beschrijf de situatie of het knelpunt in je eigen woorden. Je krijgt vergelijkbare "
    "casussen met wat er werkte, ook als er andere woorden zijn gebruikt."
)
ui.show_flash()
info = ui.require_cases(kb)
if problem := data.word_search_problem(kb):
    st.warning(ui.esc(problem), icon=":material/warning:")

query = st.text_input(
    "Zoekvraag",
    key="zoek_query",
    placeholder="bijv. geen adres dus geen uitkering, of: wachtlijst ggz na verhuizing",
)

with st.expander("Filters", icon=":material/filter_list:"):
    c1, c2, c3 = st.columns(3)
    domains = c1.multiselect("Leefgebied", opts["domains"], key="f_domains", placeholder="Alle")
    municipalities = c2.multiselect(
        "Gemeente", opts["municipalities"], key="f_municipalities", placeholder="Alle"
    )
    barrier_types = c3.multiselect(
        "Soort knelpunt", opts["barrier_types"], key="f_barrier_types", placeholder="Alle"
    )
    c4, c5, c6 = st.columns(3)
    outcomes = c4.multiselect("Uitkomst", opts["outcomes"], key="f_outcomes", placeholder="Alle")
    orde = c5.multiselect(
        "Orde",
        [1, 2, 3],
        key="f_orde",
        placeholder="Alle",
        format_func=lambda o: {1: "1 · casus", 2: "2 · organisatie", 3: "3 · systeem"}[o],
    )
    k = c6.select_slider("Aantal resultaten", [5, 10, 20, 50], value=cfg.search.k, key="f_k")
    years = opts["years"]
    year_from = year_to = None
    if len(years) > 1:
        year_from, year_to = st.slider(
            "Jaar", min(years), max(years), (min(years), max(years)), key="f_years"
        )
        if (year_from, year_to) == (min(years), max(years)):
            year_from = year_to = None
    only_with_solution = st.checkbox("Alleen casussen met een oplossing", key="f_solution")

filters = data.filters_key(
    domains=tuple(domains),
    municipalities=tuple(municipalities),
    year_from=year_from,
    year_to=year_to,
    barrier_types=tuple(barrier_types),
    orde=tuple(orde),
    only_with_solution=only_with_solution,
    outcomes=tuple(outcomes),
)


def _more_like(case_id: str, label: str) -> None:
    st.session_state["mlt"] = (case_id, label)


def _clear_more_like() -> None:
    st.session_state.pop("mlt", None)


def _card(hit: dict, i: int) -> None:
    with st.container(border=True):
        head = ui.place_and_year(hit["municipality"], hit["year"], hit["organisation"])
        orde = f" · :blue-badge[orde {hit['orde']}]" if hit.get("orde") else ""
        st.markdown(f"**{ui.esc(head)}** {ui.outcome_badge(hit['outcome'])}{orde}")
        st.markdown(ui.esc(ui.show(hit["snippet"], "")))
        c1, c2 = st.columns(2)
        with c1:
            st.markdown("**Knelpunt**")
            st.markdown(ui.esc(ui.show(hit["barrier"], "—")))
        with c2:
            st.markdown("**Wat werkte**")
            st.markdown(ui.esc(ui.show(hit["solution"], "Geen oplossing beschreven.")))
        if hit.get("why"):
            st.caption(ui.esc(hit["why"]))
        b1, b2, b3 = st.columns([1, 2, 2])
        b1.button(
            "Meer zoals dit",
            key=f"mlt_{i}_{hit['case_id']}",
            icon=":material/manage_search:",
            on_click=_more_like,
            args=(hit["case_id"], head),
        )
        cid = ctx.resolve(hit["cluster_id"])
        if cid >= 0:
            b2.button(
                f"Patroon: {ui.esc(ctx.name(cid))}",
                key=f"cl_{i}_{hit['case_id']}",
                icon=":material/bubble_chart:",
                on_click=ui.go_to_cluster,
                args=(cid,),
            )
        else:
            b2.caption("Past (nog) in geen patroon.")
        with b3.popover("Hele casus", icon=":material/description:"):
            case = data.case_detail(kb, hit["case_id"])
            if case:
                st.markdown(f"**Casus {ui.esc(case['source_id'])}**")
                st.caption(ui.esc(ui.place_and_year(case["municipality"], case["year"])))
                st.markdown(ui.esc(case["narrative"]))
                for label, col in (("Knelpunt", "knelpunt"), ("Oplossing", "oplossing")):
                    if not ui.missing(case.get(col)):
                        st.markdown(f"**{label}:** {ui.esc(case[col])}")
        if hit["solution"]:
            ui.feedback_buttons(hit["case_id"], ctx.state, key=f"fb_{i}_{hit['case_id']}")


mlt = st.session_state.get("mlt")
if mlt:
    case_id, label = mlt
    st.subheader(f"Meer zoals: {ui.esc(label)}")
    st.button("Terug naar de zoekvraag", icon=":material/arrow_back:", on_click=_clear_more_like)
    hits = data.more_like_this(kb, case_id, k, filters)
elif query.strip():
    from pipeline.serve.search import QueryError

    try:
        with st.spinner("Zoeken…"):
            hits = data.search(kb, query, k, filters)
    except QueryError as exc:
        st.warning(ui.esc(str(exc)))
        hits = []
else:
    hits = None
    where = f" uit {info['n_municipalities']} gemeenten" if info["n_municipalities"] else ""
    st.info(
        f"Zoek in {ui.count(info['n_cases'], 'casus', 'casussen')}{where}. "
        "Tip: beschrijf wat er vastliep, niet alleen het onderwerp.",
        icon=":material/lightbulb:",
    )

if hits is not None:
    if not hits:
        st.warning("Geen casussen gevonden. Probeer andere woorden of minder filters.")
    else:
        st.caption(f"{ui.count(len(hits), 'casus', 'casussen')}, de meest vergelijkbare eerst.")
    for i, hit in enumerate(hits):
        _card(hit, i)
