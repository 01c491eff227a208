"""Small pieces of UI shared by the pages (no SQL here: data comes from app.data)."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from app import data

PATRONEN_PAGE = "app_pages/patronen.py"
NO_CLUSTER = "geen patroon"
OUTCOME_LABELS = {
    "opgelost": ":green-badge[opgelost]",
    "deels": ":orange-badge[deels opgelost]",
    "niet": ":red-badge[niet opgelost]",
    "onbekend": ":gray-badge[uitkomst onbekend]",
}


def require_kb() -> data.KB:
    """The knowledge base key, or stop the page with a Dutch message when there is none."""
    kb = data.kb_key()
    if kb is None:
        st.error(
            "Er is nog geen kennisbank. Bouw hem eerst met `casuswijzer build --workdir …` "
            "of `make run`."
        )
        st.stop()
    return kb


class ClusterContext:
    """Clusters as shown now: annotation state, merges folded in, human names."""

    def __init__(self, kb: data.KB):
        self.state = data.annotations()
        self.pairs = data.merge_pairs(self.state)
        self.frame = data.clusters(kb, self.pairs)
        self.names = data.display_names(self.frame, self.state)
        self._resolve = dict(self.pairs)

    def resolve(self, cluster_id: Any) -> int:
        if cluster_id is None or cluster_id != cluster_id:
            return -1
        cid = int(cluster_id)
        return self._resolve.get(cid, cid)

    def name(self, cluster_id: Any) -> str:
        cid = self.resolve(cluster_id)
        return NO_CLUSTER if cid < 0 else self.names.get(cid, f"patroon {cid}")

    def ids(self) -> list[int]:
        return [int(c) for c in self.frame["cluster_id"]]


def go_to_cluster(cluster_id: int) -> None:
    """Open the Patronen page on this cluster (button callback)."""
    st.session_state["goto_cluster"] = int(cluster_id)
    st.session_state["_goto_pending"] = True


def follow_goto() -> None:
    """Call at the top of a page that has cluster buttons: switch page after a callback."""
    if st.session_state.pop("_goto_pending", False):
        st.switch_page(PATRONEN_PAGE)


def flash(message: str, icon: str = ":material/check_circle:") -> None:
    """Show a message on the next rerun (after st.rerun or a callback)."""
    st.session_state["_flash"] = (message, icon)


def show_flash() -> None:
    item = st.session_state.pop("_flash", None)
    if item:
        st.success(item[0], icon=item[1])


_DOWNLOAD_KINDS = {
    ".csv": ("text/csv", ":material/table:"),
    ".md": ("text/markdown", ":material/article:"),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ":material/description:",
    ),
}


def download(container, label: str, data, file_name: str, **kwargs) -> None:
    """A download button whose MIME type and icon follow from the file's suffix; `data` is a
    callable, so the file is only built when someone clicks (no rerun on click)."""
    mime, icon = _DOWNLOAD_KINDS[Path(file_name).suffix]
    container.download_button(
        label, data=data, file_name=file_name, mime=mime, icon=icon, on_click="ignore", **kwargs
    )


def feedback_buttons(target_id: str, state, key: str) -> None:
    """'Dit hielp' / 'Dit hielp niet' for one solution, with the counts so far."""
    counts = state.feedback.get(str(target_id), {"helped": 0, "not_helped": 0})
    c1, c2 = st.columns(2)
    c1.button(
        f"Dit hielp ({counts['helped']})",
        key=f"{key}_ja",
        icon=":material/thumb_up:",
        on_click=_feedback,
        args=(target_id, True),
        width="stretch",
    )
    c2.button(
        f"Dit hielp niet ({counts['not_helped']})",
        key=f"{key}_nee",
        icon=":material/thumb_down:",
        on_click=_feedback,
        args=(target_id, False),
        width="stretch",
    )


def _feedback(target_id: str, helped: bool) -> None:
    data.give_feedback(target_id, helped)
    flash("Bedankt, je reactie is bewaard." if helped else "Bedankt, genoteerd dat dit niet hielp.")


def outcome_badge(outcome: Any) -> str:
    return OUTCOME_LABELS.get(str(outcome), OUTCOME_LABELS["onbekend"])


def highlight_spans(text: str, spans) -> str:
    """HTML of the text with every replaced span marked and its placeholder shown."""
    out, pos = [], 0
    for span in sorted(spans, key=lambda s: s.start):
        if span.start < pos:
            continue
        out.append(html.escape(text[pos : span.start]))
        out.append(
            "<mark style='background:#ffe08a;border-radius:3px;padding:0 2px' "
            f"title='{html.escape(span.label)}'><s>{html.escape(text[span.start : span.end])}"
            f"</s> → <b>{html.escape(span.replacement)}</b></mark>"
        )
        pos = span.end
    out.append(html.escape(text[pos:]))
    return "<div style='white-space:pre-wrap;line-height:1.7'>" + "".join(out) + "</div>"


def dict_table(values: dict, key: str = "onderdeel", value: str = "waarde") -> pd.DataFrame:
    """A flat dict as a two-column table (nested values as text)."""
    rows = [{key: str(k), value: str(v)} for k, v in values.items()]
    return pd.DataFrame(rows)
