"""Audit: who did what and when (role beheer): changes, sign-ins, cases opened and added."""

from __future__ import annotations

import streamlit as st

from app import auth, data, ui

try:
    trail, skipped = data.audit_trail()  # refused outside the role beheer
except auth.Refused as exc:
    st.error(str(exc))
    st.stop()

st.title("Audit")
st.caption(
    "Wie wat deed en wanneer: wijzigingen in patronen en escalaties, beoordelingen van "
    "oplossingen, aan- en afmeldingen, welke hele casussen iemand opende en welke casussen "
    "iemand toevoegde. Alleen nummers van casussen en patronen, nooit tekst. Tijden in UTC. "
    "Ook op de opdrachtregel: `casuswijzer export audit`."
)

if trail.empty:
    st.info("Nog niets vastgelegd.")
    st.stop()

m1, m2, m3 = st.columns(3)
m1.metric("Regels", len(trail))
m2.metric("Personen", trail["wie"].nunique())
m3.metric("Hele casussen geopend", int((trail["actie"] == "casus geopend").sum()))

c1, c2 = st.columns(2)
who = c1.multiselect("Wie", sorted(trail["wie"].unique()), key="audit_wie", placeholder="Iedereen")
what = c2.multiselect(
    "Actie", sorted(trail["actie"].unique()), key="audit_actie", placeholder="Alle acties"
)
shown = trail
if who:
    shown = shown[shown["wie"].isin(who)]
if what:
    shown = shown[shown["actie"].isin(what)]
shown = shown.iloc[::-1]  # newest first

st.dataframe(shown, hide_index=True, width="stretch")
st.caption(f"{len(shown)} van {len(trail)} regels, de nieuwste eerst.")
if skipped:
    st.warning(f"{skipped} regels in het auditlog of de aantekeningen waren onleesbaar.")
ui.download(st, "Auditlog (CSV)", lambda: shown.to_csv(index=False), "audit.csv")
