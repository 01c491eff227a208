"""Kwaliteit: the last build's manifest, the data checks and the quarantine list (reasons only)."""

from __future__ import annotations

import json

import pandas as pd
import streamlit as st

from app import data, ui

kb = ui.require_kb()
q = data.quality(kb)
manifest = q["manifest"]
validations = q["validations"]
info = data.overview(kb)

st.title("Kwaliteit van de kennisbank")
st.caption(
    "Wat de laatste bouw heeft gedaan: aantallen, tijden en model, de controles op de "
    "ingelezen gegevens, en welke invoer is geweigerd (alleen waar en waarom, nooit de tekst)."
)

m1, m2, m3, m4 = st.columns(4)
m1.metric("Casussen", info["n_cases"])
m2.metric("Patronen", info["n_clusters"])
m3.metric("Geweigerde invoer", q["n_quarantine"])
passed = int(validations["success"].sum()) if len(validations) else 0
m4.metric("Controles geslaagd", f"{passed} van {len(validations)}")

st.subheader("Laatste bouw")
if not manifest:
    st.caption("Geen manifest in deze kennisbank.")
flat = {k: v for k, v in manifest.items() if not isinstance(v, dict | list)}
if flat:
    st.dataframe(ui.dict_table(flat), hide_index=True)
for key, value in manifest.items():
    if (
        isinstance(value, dict)
        and value
        and all(not isinstance(v, dict | list) for v in value.values())
    ):
        st.markdown(f"**{ui.esc(key)}**")
        st.dataframe(ui.dict_table(value), hide_index=True)
nested = {
    k: v
    for k, v in manifest.items()
    if isinstance(v, list)
    or (isinstance(v, dict) and any(isinstance(x, dict | list) for x in v.values()))
}
if nested:
    with st.expander("Volledig manifest (parameters, versies, invoer)"):
        st.json(nested, expanded=False)

st.subheader("Controles op de gegevens")
if validations.empty:
    st.caption("Geen controleresultaten in deze kennisbank.")
else:
    shown = validations.assign(
        resultaat=["geslaagd" if s else "niet geslaagd" for s in validations["success"]]
    )[["suite", "resultaat", "evaluated", "successful"]].rename(
        columns={"suite": "controle", "evaluated": "regels", "successful": "geslaagd"}
    )
    st.dataframe(shown, hide_index=True)
    for rec in validations.to_dict("records"):
        try:
            details = json.loads(rec["details"]) if rec["details"] else []
        except (TypeError, json.JSONDecodeError):
            details = rec["details"]
        if details:
            with st.expander(f"Details: {ui.esc(rec['suite'])}"):
                if isinstance(details, list) and all(isinstance(d, dict) for d in details):
                    st.dataframe(
                        ui.display_frame(pd.DataFrame(details)).astype(str), hide_index=True
                    )
                else:
                    st.json(details, expanded=False)

st.subheader("Geweigerde invoer (quarantaine)")
if q["quarantine"].empty:
    st.caption("Niets geweigerd bij de laatste bouw.")
else:
    st.dataframe(ui.display_frame(q["quarantine"]), hide_index=True, width="stretch")
    if q["n_quarantine"] > len(q["quarantine"]):
        st.caption(f"De eerste {len(q['quarantine'])} van {q['n_quarantine']}.")

st.subheader("Aantekeningen (namen, samenvoegingen, status, reacties)")
state = data.annotations()
store = data.workdir().annotations
problems = state.problems
orphans = data.orphan_annotations(kb, state)
if not problems and orphans.empty:
    st.caption("Alle aantekeningen zijn gelezen en horen bij een bestaand patroon.")
if problems:
    st.warning(
        f"{ui.count(len(problems), 'regel', 'regels')} in het aantekeningenbestand "
        f"`{ui.esc(store.name)}` {'is' if len(problems) == 1 else 'zijn'} overgeslagen, omdat "
        "ze niet te lezen zijn of een veld missen. De andere aantekeningen tellen gewoon mee. "
        "Herstel of verwijder deze regels in het bestand.",
        icon=":material/warning:",
    )
    st.dataframe(
        pd.DataFrame(
            {"regel": [p.line for p in problems], "probleem": [p.message for p in problems]}
        ),
        hide_index=True,
        width="stretch",
    )
if not orphans.empty:
    st.warning(
        f"{ui.count(len(orphans), 'aantekening hoort', 'aantekeningen horen')} bij een patroon "
        "dat niet (meer) in deze kennisbank staat. Ze worden niet getoond bij een ander patroon; "
        "controleer na een nieuwe indeling of ze bij een nieuw patroon horen.",
        icon=":material/link_off:",
    )
    st.dataframe(orphans, hide_index=True, width="stretch")
