"""Systeemknelpunten: barriers ranked by the orde-2/3 score, evidence, escalation, export, and
the systeemleren report for a chosen period (DOCX and PDF, the same as `casuswijzer report`)."""

from __future__ import annotations

from contextlib import closing
from functools import partial

import streamlit as st

from app import data, ui
from pipeline.core.annotations import ESCALATION_STATUSES
from pipeline.core.db import connect_readonly
from pipeline.serve import document, report

ui.follow_goto()
kb = ui.require_kb()
ctx = ui.ClusterContext(kb)
sc = data.small_cell()
info = data.overview(kb)

st.title("Systeemknelpunten")
st.caption(
    "Patronen gerangschikt op hoe sterk het bewijs wijst op een knelpunt in de eigen "
    "organisatie (orde 2) of in wet, regelgeving of financiering (orde 3). "
    f"Aantallen onder {sc} staan er als <{sc}, hier en in elke export."
)
ui.show_flash()

if ctx.frame.empty:
    st.info("Er zijn nog geen patronen gevonden in deze kennisbank.")
    st.stop()

frame = ctx.frame.copy()
esc = ctx.state.escalation
frame["name"] = [ctx.names[c] for c in frame["cluster_id"]]
frame["status"] = [esc.get(c, {}).get("status", "open") for c in frame["cluster_id"]]
frame["owner"] = [esc.get(c, {}).get("owner", "") for c in frame["cluster_id"]]
frame["note"] = [esc.get(c, {}).get("note", "") for c in frame["cluster_id"]]

c1, c2, c3, c4 = st.columns(4)
types = sorted(t for t in frame["barrier_type"].dropna().unique())
f_types = c1.multiselect("Soort knelpunt", types, key="sk_types", placeholder="Alle")
f_orde = c2.multiselect(
    "Orde", [2, 3], key="sk_orde", format_func=lambda o: f"orde {o}", placeholder="Alle"
)
f_status = c3.multiselect("Status", list(ESCALATION_STATUSES), key="sk_status", placeholder="Alle")
f_min = c4.number_input(
    "Minimaal aantal gemeenten", min_value=0, value=0, step=1, key="sk_min_gemeenten"
)

shown = frame
if f_types:
    shown = shown[shown["barrier_type"].isin(f_types)]
if f_orde:
    shown = shown[shown["orde_candidate"].isin(f_orde)]
if f_status:
    shown = shown[shown["status"].isin(f_status)]
if f_min:
    shown = shown[shown["n_municipalities"] >= f_min]
shown = shown.sort_values(
    ["systemic_score", "n_cases"], ascending=[False, False], na_position="last"
)
table = report.report_frame(
    shown.assign(barrier_type=[ui.show(t) for t in shown["barrier_type"]]), sc
)
st.session_state["report_table"] = table

st.dataframe(
    table.drop(columns=["Cluster", "Notitie"]),
    hide_index=True,
    width="stretch",
    column_config={
        "Knelpunt": st.column_config.TextColumn(width="medium"),
        "Bewijs": st.column_config.TextColumn(width="large"),
    },
)

filter_text = "; ".join(
    part
    for part in (
        f"soort: {', '.join(f_types)}" if f_types else "",
        f"orde: {', '.join(map(str, f_orde))}" if f_orde else "",
        f"status: {', '.join(f_status)}" if f_status else "",
        f"minimaal {f_min} gemeenten" if f_min else "",
    )
    if part
)
meta = report.ReportMeta(
    title="Systeemknelpunten",
    filters=filter_text,
    source=f"kennisbank met {report.suppress(info['n_cases'], sc)} casussen",
)
e1, e2, e3, _ = st.columns([1, 1, 1, 3])
ui.download(e1, "CSV", partial(report.to_csv, table), "systeemknelpunten.csv")
ui.download(e2, "Markdown", partial(report.to_markdown, table, meta, sc), "systeemknelpunten.md")
ui.download(e3, "Word (DOCX)", partial(report.to_docx, table, meta, sc), "systeemknelpunten.docx")

# --------------------------------------------------------------------------- systeemleren report
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _make_report(period: report.Period) -> None:
    """Build the report for `period` as DOCX and PDF bytes (kept for the download buttons)."""
    with closing(connect_readonly(kb[0])) as con:  # its own read-only connection, closed after
        rd = report.load_report_data(con, data.annotations())
    doc = report.systeemleren_document(rd, period, sc)
    st.session_state["systeemleren"] = {
        "period": period.label,
        "docx": document.to_docx(doc),
        "pdf": document.to_pdf(doc),
    }


st.divider()
st.subheader("Systeemleren-rapport")
st.caption(
    "Een document om door te sturen: een samenvatting, de belangrijkste knelpunten met hun "
    "bewijs, voorbeelden, een grafiek per knelpunt, de stand van de escalatie en hoe de "
    "rangorde werkt. Over alle patronen (de filters hierboven gelden hier niet) en de casussen "
    "met een datum in de gekozen jaren, of over alle casussen, ook die zonder datum."
)
report_years = [int(y) for y in data.filter_options(kb)["years"]]
everything = not report_years or st.toggle(
    "Alle casussen (ook zonder datum)", key="sl_alle", help="Niet per periode, maar over alles."
)
if not report_years:
    st.caption(
        "De casussen in deze kennisbank hebben geen datum: het rapport gaat over alle casussen."
    )
elif n_text := data.n_years_from_text(kb):
    st.caption(
        f"{n_text} {'casus' if n_text == 1 else 'casussen'} zonder datum "
        f"{'telt' if n_text == 1 else 'tellen'} in het laatste jaar dat de tekst noemt, in de "
        "trend en per periode (een geboortejaar of het jaartal van een wet telt niet)."
    )
r1, r2, r3 = st.columns([1, 1, 2], vertical_alignment="bottom")
if everything:
    first = last = 0
    chosen = report.EVERYTHING
else:
    first = r1.selectbox("Van", report_years, index=len(report_years) - 1, key="sl_van")
    last = r2.selectbox("Tot en met", report_years, index=len(report_years) - 1, key="sl_tot")
    chosen = report.Period(first, last)
if first > last:
    st.warning("Het eerste jaar komt na het laatste: kies de jaren andersom.")
else:
    if r3.button("Rapport maken", key="sl_maken", icon=":material/summarize:"):
        with st.spinner(f"Het rapport over {chosen.label} wordt gemaakt…"):
            _make_report(chosen)
    made = st.session_state.get("systeemleren")
    if made and made["period"] == chosen.label:
        d1, d2, _ = st.columns([1, 1, 2])
        name = f"systeemleren-{chosen.slug}"
        d1.download_button(
            "Rapport (Word)",
            made["docx"],
            file_name=f"{name}.docx",
            mime=DOCX_MIME,
            icon=":material/description:",
            on_click="ignore",
            key="sl_docx",
        )
        d2.download_button(
            "Rapport (PDF)",
            made["pdf"],
            file_name=f"{name}.pdf",
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            on_click="ignore",
            key="sl_pdf",
        )

# --------------------------------------------------------------------------- evidence + status
st.divider()
ranked_ids = [int(c) for c in shown["cluster_id"]]
if not ranked_ids:
    st.info("Geen knelpunten die aan de filters voldoen.")
    st.stop()
if st.session_state.get("sk_cluster") not in ranked_ids:
    st.session_state.pop("sk_cluster", None)  # filtered away or merged since the last run
cluster_id = st.selectbox(
    "Bewijs en status van",
    ranked_ids,
    key="sk_cluster",
    format_func=lambda c: f"{ranked_ids.index(c) + 1}. {ctx.names[c]}",
)
row = shown[shown["cluster_id"] == cluster_id].iloc[0]
detail = data.cluster_detail(kb, cluster_id, ctx.pairs)

st.subheader(ui.esc(ctx.names[cluster_id]))
if row["keywords"]:  # the pattern's keywords as a subtitle under its title
    st.caption(ui.esc(" · ".join(row["keywords"][:6])))
m1, m2, m3, m4 = st.columns(4)
m1.metric("Casussen", report.suppress(row["n_cases"], sc))
m2.metric("Gemeenten", report.suppress(row["n_municipalities"], sc))
m3.metric("Organisaties", report.suppress(row["n_organisations"], sc))
m4.metric("Trend", report.trend_word(row["trend_slope"]))
st.markdown(f"**Bewijs:** {ui.esc(report.evidence_text(row.to_dict(), sc))}")
st.markdown(f"**Soort knelpunt:** {ui.esc(ui.show(row['barrier_type']))}")
if not ui.missing(row["representative"]):
    st.markdown(f"**Typerend:** _{ui.esc(row['representative'])}_")
domains = detail["domains"].assign(
    casussen=[report.suppress(n, sc) for n in detail["domains"]["casussen"]]
)
if not domains.empty:
    st.markdown(
        "**Leefgebieden:** "
        + ui.esc(
            ", ".join(
                f"{ui.show(d)} ({n})"
                for d, n in zip(domains["leefgebied"], domains["casussen"], strict=True)
            )
        )
    )
st.button(
    "Open dit patroon",
    icon=":material/bubble_chart:",
    on_click=ui.go_to_cluster,
    args=(cluster_id,),
)

current = esc.get(cluster_id, {})
with st.form(f"escalatie_{cluster_id}"):
    st.markdown("**Eigenaar en status**")
    f1, f2 = st.columns(2)
    owner = f1.text_input("Eigenaar", value=current.get("owner", ""))
    status = f2.selectbox(
        "Status",
        list(ESCALATION_STATUSES),
        index=list(ESCALATION_STATUSES).index(current.get("status", "open")),
    )
    note = st.text_area("Notitie", value=current.get("note", ""), height=80)
    if current.get("at"):
        st.caption(f"Laatst gewijzigd: {ui.esc(current['at'])}")
    if st.form_submit_button("Opslaan", icon=":material/save:"):
        data.set_escalation(cluster_id, status, owner.strip(), note.strip())
        ui.flash(f"Status van '{ui.esc(ctx.names[cluster_id])}' is nu '{status}'.")
        st.rerun()
