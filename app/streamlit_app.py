"""Casuswijzer app: entry point that builds the navigation over the pages in app_pages/.

Run with `casuswijzer app --workdir DIR` (sets CASUSWIJZER_WORKDIR) or
`streamlit run app/streamlit_app.py`. The app only reads the published knowledge base.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts app/ on the path, not the project root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app import data  # noqa: E402

st.set_page_config(page_title="Casuswijzer", page_icon=":material/explore:", layout="wide")

PAGES = {
    "Vinden": [
        st.Page("app_pages/zoeken.py", title="Zoeken", icon=":material/search:", default=True),
        st.Page("app_pages/patronen.py", title="Patronen", icon=":material/bubble_chart:"),
    ],
    "Beleid en leren": [
        st.Page(
            "app_pages/systeemknelpunten.py",
            title="Systeemknelpunten",
            icon=":material/account_balance:",
        ),
        st.Page("app_pages/leeratelier.py", title="Leeratelier", icon=":material/groups:"),
    ],
    "Beheer": [
        st.Page("app_pages/casus_toevoegen.py", title="Casus toevoegen", icon=":material/add:"),
        st.Page("app_pages/kwaliteit.py", title="Kwaliteit", icon=":material/verified:"),
    ],
}

kb = data.kb_key()
if kb is None:
    # Without a knowledge base only the intake works; say how to build one.
    st.sidebar.warning("Nog geen kennisbank")
    nav = st.navigation([PAGES["Beheer"][0]])
    st.error(
        "Er is nog geen kennisbank in deze werkmap "
        f"(`{data.workdir().kb}` bestaat niet). Bouw hem eerst met "
        "`casuswijzer build --workdir …` of `make run`; daarna verschijnen zoeken, patronen, "
        "systeemknelpunten, leeratelier en kwaliteit. Casussen toevoegen kan al wel."
    )
else:
    info = data.overview(kb)
    st.sidebar.caption(
        f"Kennisbank: {info['n_cases']:,} casussen · {info['n_clusters']} patronen".replace(
            ",", "."
        )
    )
    nav = st.navigation(PAGES)
nav.run()
