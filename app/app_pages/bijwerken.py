"""Kennisbank bijwerken (role beheer): start an incremental build and follow it.

The build runs as a background process (`app.builder`), one at a time; this page shows a
progress bar and the stages while it runs and keeps serving the current knowledge base until
the new one is published. A failed build leaves the old one in place; the page says so and
shows the end of the build's log (stage names, counts and reasons only, never case text).
"""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from app import auth, builder, data, ui

STAGE_NAMES = {
    "ingest": "inlezen en anonimiseren",
    "structure": "knelpunten en oplossingen herkennen",
    "embed": "betekenis vastleggen (embeddings)",
    "cluster": "patronen zoeken",
    "publish": "kennisbank publiceren",
}
SEEN_RUNNING = "_bouw_liep"  # this session saw a build running: rerun the app when it ends

st.title("Kennisbank bijwerken")
st.caption(
    "Bouwt de kennisbank opnieuw met alle invoer, ook de casussen die in de app zijn "
    "toegevoegd. Bestaande patronen houden hun nummer; nieuwe casussen worden eraan "
    "toegewezen. Tijdens het bouwen blijft de huidige kennisbank gewoon bruikbaar; de nieuwe "
    "vervangt hem pas als alles gelukt is."
)
ui.show_flash()
wd = data.workdir()


def _when(iso: str | None) -> str:
    """'2-12-2026 03:48' in this computer's time zone, from the status file's ISO time."""
    try:
        return datetime.fromisoformat(str(iso)).astimezone().strftime("%-d-%-m-%Y %H:%M")
    except ValueError:
        return ui.UNKNOWN


def _start() -> None:
    user = auth.require("build")
    try:
        builder.start(wd, user.id)
    except builder.BuildRunning as exc:
        st.session_state["_bouw_geweigerd"] = str(exc)
        return
    auth.audit("build_started", user)
    st.session_state[SEEN_RUNNING] = True


def _stages(status: builder.BuildStatus) -> None:
    lines = []
    for s in status.stages:
        name = STAGE_NAMES.get(s["stage"], s["stage"])
        if s["seconds"] is None:
            lines.append(f"- {s['index']}/{status.total} {name} … bezig")
        else:
            lines.append(f"- {s['index']}/{status.total} {name}: klaar in {s['seconds']:.0f} s")
    if lines:
        st.markdown("\n".join(lines))


@st.fragment(run_every=1.0)
def _follow() -> None:
    status = builder.status(wd)
    if status.state == "running":
        st.session_state[SEEN_RUNNING] = True
        now = STAGE_NAMES.get(status.current or "", "starten")
        st.progress(
            status.done / status.total,
            text=f"Bezig: stap {min(status.done + 1, status.total)} van {status.total} ({now})",
        )
        st.info(
            f"Er loopt een bouw, gestart {_when(status.started_at)} door {ui.esc(status.by)}. "
            "De huidige kennisbank blijft in gebruik tot de nieuwe klaar is.",
            icon=":material/sync:",
        )
        _stages(status)
        with st.expander("Logboek van de bouw"):
            st.code("\n".join(status.log_tail) or "(nog niets)", language=None)
        return
    if st.session_state.pop(SEEN_RUNNING, False):
        st.rerun()  # the whole app: the sidebar and every page see the new knowledge base


status = builder.status(wd)
refused = st.session_state.pop("_bouw_geweigerd", None)
if refused:
    st.warning(refused, icon=":material/block:")
running = status.state == "running"
pending = builder.pending_inbox(wd)
if not running:
    st.write(
        f"Nieuw sinds de laatste bouw: {ui.count(pending, 'casus', 'casussen')} uit de app."
        if data.kb_key() is not None
        else "Er is nog geen kennisbank: de eerste bouw maakt hem."
    )
st.button(
    "Bouw starten",
    type="primary",
    icon=":material/play_arrow:",
    on_click=_start,
    disabled=running,
    key="bouw_start",
    help="Er loopt al een bouw." if running else None,
)
if running:
    st.session_state[SEEN_RUNNING] = True
    _follow()
elif status.state == "done":
    kb = data.kb_key()
    info = data.overview(kb) if kb is not None else {"n_cases": 0, "n_clusters": 0}
    st.success(
        f"De laatste bouw is gelukt ({_when(status.finished_at)}). De kennisbank heeft nu "
        f"{info['n_cases']} casussen en {info['n_clusters']} patronen.",
        icon=":material/check_circle:",
    )
    _stages(status)
elif status.state == "failed":
    code = status.returncode
    why = (
        "er liep al een andere bouw op deze werkmap"
        if code == builder.EXIT_LOCKED
        else (
            "het bouwproces is onderbroken"
            if code is None
            else f"de bouw stopte met een fout (code {code})"
        )
    )
    st.error(
        f"De laatste bouw is mislukt: {why}. De vorige kennisbank blijft in gebruik. Hieronder "
        "de laatste regels van het logboek; het hele logboek staat in "
        f"{ui.esc(builder.log_path(wd))}.",
        icon=":material/error:",
    )
    _stages(status)
    st.code("\n".join(status.log_tail) or "(leeg logboek)", language=None)
