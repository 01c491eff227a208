"""Casuswijzer app: entry point that signs the user in and builds the navigation of their role.

Run with `casuswijzer app --workdir DIR` (sets CASUSWIJZER_WORKDIR) or
`streamlit run app/streamlit_app.py`. The app only reads the published knowledge base.
`app.auth.gate()` runs first on every script run: without sign-in configured it lets only a
browser on this computer in (as the local user, role beheer); with sign-in it shows the login
screen until the user is signed in. The navigation lists only the pages of the user's role
(`app.auth.PAGES`); a page outside it is not reachable by its URL either.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run` puts app/ on the path, not the project root
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app import auth, data  # noqa: E402

st.set_page_config(page_title="Casuswijzer", page_icon="🧭", layout="wide")

user = auth.gate()
specs = auth.pages_for(user.role)


def _page(spec: auth.PageSpec) -> st.Page:
    return st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default)


kb = data.kb_key()
if kb is None:
    # Without a knowledge base only the intake, the audit trail and the build page work.
    st.sidebar.warning("Nog geen kennisbank")
    nav = st.navigation([_page(s) for s in specs if s.action in ("add_case", "audit", "build")])
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
    sections: dict[str, list[st.Page]] = {}
    for spec in specs:
        sections.setdefault(spec.section, []).append(_page(spec))
    nav = st.navigation(sections)
try:
    nav.run()
except auth.Refused as exc:  # an action outside the role (its control should not even show)
    st.error(str(exc), icon=":material/block:")
