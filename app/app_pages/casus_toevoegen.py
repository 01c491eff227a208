"""Casus toevoegen: one-screen intake; shows what anonymisation would replace, saves to inbox.

After saving, the contributor sees a receipt code once (`data.save_inbox_case`); with it,
"Mijn casussen" shows what became of the case after the next build.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import streamlit as st

from app import data, ui

st.title("Casus toevoegen")
st.caption(
    "Beschrijf de situatie zoals je hem zou inbrengen in een casusbespreking. De casus komt in "
    "de inbox en wordt bij de volgende bouw van de kennisbank meegenomen. Namen, adressen, "
    "BSN's en andere persoonsgegevens worden bij het inlezen vervangen; hieronder zie je "
    "vooraf wat de anonimisering zou vervangen."
)
ui.show_flash()

RECEIPT = "_nieuw_ontvangstcode"  # the code of the case just saved, until the user has it


def _receipt_box(code: str) -> None:
    """The receipt code, shown once: it is stored nowhere, so it cannot be shown again later."""
    with st.container(border=True):
        st.success(
            "Opgeslagen als nieuwe casus. De casus wordt meegenomen bij de volgende bouw van de "
            f"kennisbank. Je ontvangstcode is **{ui.esc(code)}**.",
            icon=":material/check_circle:",
        )
        st.code(code, language=None)
        st.caption(
            "Kopieer de code met het knopje rechts in het vak en bewaar hem. Met de code zie "
            "je na de volgende bouw onder Mijn casussen bij welk patroon je casus hoort en "
            "welke casussen erop lijken. De code wordt nergens bewaard: hij is alleen nu te "
            "zien en niet opnieuw op te vragen."
        )
        if st.button("Ik heb de code bewaard", key="nieuw_code_bewaard", icon=":material/done:"):
            st.session_state.pop(RECEIPT, None)
            st.rerun()


if st.session_state.get(RECEIPT):
    _receipt_box(st.session_state[RECEIPT])


FIELDS = ("nieuw_text", "nieuw_knelpunt", "nieuw_oplossing", "nieuw_gemeente", "nieuw_datum")
MIN_WORDS = data.workdir().cfg.ingest.min_words

text = st.text_area(
    "Situatie (verplicht)",
    key="nieuw_text",
    height=180,
    placeholder="Bijv.: Mw. 34 jr, 3 kinderen, huurachterstand 4 mnd, uitkering gestopt na "
    "verhuizing ...",
)
c1, c2 = st.columns(2)
knelpunt = c1.text_area("Knelpunt (optioneel)", key="nieuw_knelpunt", height=90)
oplossing = c2.text_area("Oplossing / wat werkte (optioneel)", key="nieuw_oplossing", height=90)
c3, c4 = st.columns(2)
gemeente = c3.text_input("Gemeente (optioneel)", key="nieuw_gemeente")
datum = c4.date_input("Datum (optioneel)", value=None, key="nieuw_datum", format="DD-MM-YYYY")


if text.strip() or knelpunt.strip() or oplossing.strip():
    st.subheader("Anonimisering vooraf")
    fields = [("Situatie", text), ("Knelpunt", knelpunt), ("Oplossing", oplossing)]
    try:
        with st.spinner("Anonimisering laden (de eerste keer kan dit even duren)…"):
            results = [(lab, val, data.anonymise(val)) for lab, val in fields if val.strip()]
    except ImportError as exc:
        st.warning(f"De anonimisering kon niet laden: {ui.esc(exc)}")
        results = []
    spans = [s for _, _, res in results for s in res.spans]
    for label, value, res in results:
        if res.spans:
            st.markdown(f"**{label}**")
            st.markdown(ui.highlight_spans(value, res.spans))
    if spans:
        counts = Counter(s.label for s in spans)
        st.dataframe(
            pd.DataFrame(
                {
                    "soort gegeven": list(counts),
                    "aantal": list(counts.values()),
                    "wordt bijvoorbeeld": [
                        next(s.replacement for s in spans if s.label == lab) for lab in counts
                    ],
                }
            ),
            hide_index=True,
        )
        st.caption(
            f"{len(spans)} stukken tekst worden bij het inlezen vervangen door een code zoals "
            "[PERSOON-1]. Zie je iets dat gemist wordt? Haal het zelf weg voor je opslaat."
        )
    else:
        st.caption("De anonimisering vindt geen persoonsgegevens in deze tekst.")

n_words = len(text.split())
too_short = n_words < MIN_WORDS


def _save() -> None:
    saved = data.save_inbox_case(
        st.session_state["nieuw_text"].strip(),
        st.session_state["nieuw_knelpunt"].strip(),
        st.session_state["nieuw_oplossing"].strip(),
        st.session_state["nieuw_gemeente"].strip(),
        st.session_state["nieuw_datum"],
    )
    for key in FIELDS:
        st.session_state[key] = None if key == "nieuw_datum" else ""
    st.session_state[RECEIPT] = saved.code


st.button(
    "Casus opslaan",
    type="primary",
    icon=":material/save:",
    disabled=too_short,
    on_click=_save,
    key="nieuw_opslaan",
)
if text.strip() and too_short:
    st.caption(f"Schrijf minstens {MIN_WORDS} woorden.")
