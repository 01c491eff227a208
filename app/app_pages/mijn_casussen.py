"""Mijn casussen: what became of the cases someone added, found by their receipt codes.

Per code: not built yet, or the pattern the case's main barrier joined (with the escalation
status and owner of that pattern) and up to five similar cases with their pattern and a short
solution. Reads only the published knowledge base and the annotations; never shows a
narrative, only short anonymised statements.
"""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from app import data, ui

st.title("Mijn casussen")
st.caption(
    "Vul de ontvangstcode(s) in die je kreeg bij het toevoegen van een casus (bijv. "
    "CW-7K3M-Q9PX). Na de volgende bouw van de kennisbank zie je bij welk patroon je casus "
    "hoort, welke casussen erop lijken en wat er met dat patroon gebeurt. Je ziet nooit de "
    "volledige tekst van een casus."
)

typed = st.text_area(
    "Ontvangstcode(s), één per regel of gescheiden door komma's",
    key="mijn_codes",
    height=90,
    placeholder="CW-7K3M-Q9PX",
)
codes: list[str] = []
invalid: list[str] = []
for chunk in (c.strip() for c in re.split(r"[\n,;]+", typed or "")):
    if not chunk:
        continue
    whole = data.normalise_receipt(chunk)  # "CW 7K3M Q9PX" is one code typed with spaces
    parts = [whole] if whole else [data.normalise_receipt(p) for p in chunk.split()]
    if all(parts):
        codes += parts
    else:
        invalid.append(chunk)
codes = list(dict.fromkeys(codes))

for bad in invalid:
    st.warning(
        f"'{ui.esc(bad)}' is geen geldige ontvangstcode. Een code ziet eruit als CW-7K3M-Q9PX "
        "(letters en cijfers, zonder 0, O, 1, I, L, 5, S, 8, B, 2 of Z).",
        icon=":material/error:",
    )
if not codes:
    st.stop()

kb = data.kb_key()
ctx = ui.ClusterContext(kb) if kb is not None else None


def _status(cluster_id: int) -> tuple[str, str]:
    """(escalation status, owner) of a shown pattern; no escalation event yet reads 'open'."""
    esc = ctx.state.escalation.get(cluster_id, {}) if ctx else {}
    return ui.show(esc.get("status"), "open"), ui.show(esc.get("owner"))


for code in codes:
    st.subheader(code)
    case = data.case_by_receipt(kb, code) if kb is not None else None
    looked_up = st.session_state.setdefault("_receipt_lookups", set())
    if code not in looked_up:  # once per session and code, not on every rerun
        looked_up.add(code)
        data.log_receipt_lookup(data.receipt_case_id(code), case is not None)
    if case is None:
        st.info(
            "Nog niet verwerkt — wacht op de volgende bouw van de kennisbank. Is er al "
            "gebouwd na het toevoegen en staat de casus er nog steeds niet in? Vraag dan de "
            "functioneel beheerder om de quarantainelijst op de pagina Kwaliteit te bekijken.",
            icon=":material/hourglass_empty:",
        )
        continue
    cid = ctx.resolve(case["primary_cluster_id"])
    if cid < 0:
        st.markdown(
            "**Patroon:** nog geen patroon — het knelpunt van deze casus lijkt (nog) niet genoeg "
            "op andere casussen."
        )
    else:
        status, owner = _status(cid)
        st.markdown(f"**Patroon:** {ui.esc(ctx.name(cid))}")
        c1, c2 = st.columns(2)
        c1.metric("Status van het patroon", status)
        c2.metric("Eigenaar", owner)
    st.caption(
        "Knelpunt zoals herkend: "
        + ui.esc(ui.show(case["knelpunt"]))
        + " · uitkomst "
        + ui.esc(ui.show(case["outcome"]))
    )
    near = data.similar_cases(kb, case["case_id"], 5)
    if near.empty:
        st.caption("Er zijn nog geen andere casussen om mee te vergelijken.")
        continue
    table = pd.DataFrame(
        {
            "casus": near["source_id"],
            "patroon": [ctx.name(c) for c in near["primary_cluster_id"]],
            "uitkomst": near["outcome"],
            "oplossing (kort)": near["oplossing"],
            "gelijkenis": [round(float(g), 2) for g in near["gelijkenis"]],
        }
    )
    st.markdown("**Casussen die erop lijken**")
    st.dataframe(ui.display_frame(table), hide_index=True)
