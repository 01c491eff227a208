"""Leeratelier: a diverse set of cases around a theme, with questions, as a session pack."""

from __future__ import annotations

from functools import partial

import numpy as np
import streamlit as st

from app import data, ui
from pipeline.serve import atelier

kb = ui.require_kb()

st.title("Leeratelier")
st.caption(
    "Kies een thema en het aantal casussen. De app stelt een gevarieerde set voor (geen "
    "casussen die bijna hetzelfde zijn) met per casus vragen voor orde 1, 2 en 3, en maakt er "
    "een sessiemap van om te printen."
)
ui.require_cases(kb)
ctx = ui.ClusterContext(kb)
opts = data.filter_options(kb)

kind = st.radio("Thema", ["Patroon", "Leefgebied", "Zoekvraag"], horizontal=True, key="at_kind")
c1, c2, c3 = st.columns([3, 1, 1])
n = c2.slider("Aantal casussen", 2, 12, 5, key="at_n")
spread = c3.select_slider(
    "Verscheidenheid", ["weinig", "gemiddeld", "veel"], value="gemiddeld", key="at_spread"
)
lambda_ = {"weinig": 0.85, "gemiddeld": 0.6, "veel": 0.35}[spread]

relevance = None
if kind == "Patroon":
    ids = ctx.ids()
    if not ids:
        st.info("Er zijn nog geen patronen in deze kennisbank; kies een leefgebied of zoekvraag.")
        st.stop()
    if st.session_state.get("at_cluster") not in ids:
        st.session_state.pop("at_cluster", None)  # merged away since the last run
    cid = c1.selectbox("Patroon", ids, key="at_cluster", format_func=lambda c: ctx.names[c])
    frame, vecs = data.theme_cases(kb, "cluster", cid, ctx.pairs)
    theme = f"patroon '{ctx.names[cid]}'"
elif kind == "Leefgebied":
    domain = c1.selectbox("Leefgebied", opts["domains"], key="at_domain")
    if domain is None:
        st.info("Deze kennisbank heeft geen leefgebieden.")
        st.stop()
    frame, vecs = data.theme_cases(kb, "domain", domain, ctx.pairs)
    theme = f"leefgebied {domain}"
else:
    query = c1.text_input("Zoekvraag", key="at_query", placeholder="bijv. schulden bij de overheid")
    if not query.strip():
        st.info("Typ een zoekvraag om casussen te vinden.")
        st.stop()
    from pipeline.serve.search import QueryError

    try:
        hits = data.search(kb, query, 50, data.filters_key())
    except QueryError as exc:
        st.warning(ui.esc(str(exc)))
        st.stop()
    frame, vecs = data.cases_with_vectors(kb, tuple(h["case_id"] for h in hits))
    score = {h["case_id"]: h["score"] for h in hits}
    relevance = np.array([score[c] for c in frame["case_id"]]) if len(frame) else None
    theme = f"zoekvraag '{query.strip()}'"

if frame.empty:
    st.warning("Geen casussen bij dit thema.")
    st.stop()
if relevance is None:
    relevance = atelier.centroid_relevance(vecs)
else:  # search scores are on another scale than cosines: rescale to 0..1
    span = float(relevance.max() - relevance.min()) or 1.0
    relevance = (relevance - relevance.min()) / span
picked = atelier.mmr_select(vecs, relevance, n, lambda_=lambda_)
records = [ui.clean_record(rec) for rec in frame.iloc[picked].to_dict("records")]
cases = [
    atelier.case_from_record({**rec, "cluster_name": ctx.name(rec["primary_cluster_id"])})
    for rec in records
]
title = st.text_input("Titel van de sessie", value=f"Leeratelier: {theme}")
pack = atelier.build_pack(title, theme, cases)
st.session_state["atelier_pack"] = pack
data.log_case_reads(c.case_id for c in pack.cases)  # whole cases are shown: audit (ids only)

st.caption(f"{ui.count(len(cases), 'casus', 'casussen')} gekozen uit {len(frame)} bij dit thema.")
d1, d2, _ = st.columns([2, 2, 3])
ui.download(
    d1,
    "Sessiemap (Word)",
    partial(atelier.pack_to_docx, pack),
    "leeratelier.docx",
    type="primary",
)
ui.download(d2, "Sessiemap (Markdown)", partial(atelier.pack_to_markdown, pack), "leeratelier.md")

for i, (case, questions) in enumerate(zip(pack.cases, pack.questions, strict=True), 1):
    with st.container(border=True):
        where = ui.place_and_year(case.municipality, case.year, case.organisation)
        st.markdown(f"#### Casus {i} — {ui.esc(where)}")
        st.markdown(ui.esc(case.narrative))
        k1, k2 = st.columns(2)
        k1.markdown(f"**Knelpunt:** {ui.esc(ui.show(case.knelpunt, '—'))}")
        k2.markdown(
            f"**Wat werkte:** {ui.esc(ui.show(case.oplossing, '—'))}  \n"
            f"{ui.outcome_badge(case.outcome)}"
        )
        q1, q2, q3 = st.columns(3)
        for col, orde in ((q1, 1), (q2, 2), (q3, 3)):
            col.markdown(f"**{atelier.ORDE_TITLES[orde]}**")
            col.markdown("\n".join(f"- {ui.esc(q)}" for q in questions[orde]))
