"""AppTest helpers shared by the app tests: open a page, read everything it shows."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from pipeline.core.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app" / "streamlit_app.py")
PAGES = ("zoeken", "patronen", "systeemknelpunten", "leeratelier", "casus_toevoegen", "kwaliteit")
# How a missing value leaks when it is formatted instead of named: None, nan, NaN, NaT, <NA>.
LEAK = re.compile(r"(?<![\w])(None|nan|NaN|NaT)(?![\w])|<NA>")

_TEXT_ELEMENTS = (
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "text",
    "info",
    "warning",
    "success",
    "error",
    "code",
    "latex",
)
_LABELLED = ("button", "download_button", "expander", "tab", "text_input", "text_area", "toggle")
_CHOICES = ("selectbox", "multiselect", "radio", "select_slider")


def open_page(page: str, timeout: float = 300) -> AppTest:
    """A new session on the app's entry page, then switched to `page` and run (the first
    run of the intake page loads deduce: minutes on a busy machine)."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    at.run()
    at.switch_page(f"app_pages/{page}.py").run()
    return at


def exceptions(at: AppTest) -> list[str]:
    return [e.value for e in at.exception]


def shown_texts(at: AppTest) -> list[str]:
    """Every piece of text the page shows outside tables: element bodies, labels, options."""
    out: list[str] = []
    for kind in _TEXT_ELEMENTS:
        out += [str(e.value) for e in at.get(kind)]
    for m in at.get("metric"):
        out += [str(m.label), str(m.value)]
    for kind in _LABELLED:
        out += [str(getattr(e, "label", "")) for e in at.get(kind)]
    for kind in _CHOICES:
        for w in at.get(kind):
            out.append(str(w.label))
            out += [str(o) for o in w.options]
    return out


def markdown_texts(at: AppTest) -> list[str]:
    """Text the page hands to Streamlit's Markdown renderer: element bodies and the labels of
    buttons, metrics, expanders and tabs (widget options and values are shown as plain text)."""
    out = [str(e.value) for kind in _TEXT_ELEMENTS if kind != "code" for e in at.get(kind)]
    out += [str(m.label) for m in at.get("metric")]
    for kind in ("button", "download_button", "expander", "tab"):
        out += [str(getattr(e, "label", "")) for e in at.get(kind)]
    return out


def _cell_problem(value: Any) -> str | None:
    if isinstance(value, list | tuple | np.ndarray):
        for v in value:
            problem = _cell_problem(v)
            if problem:
                return problem
        return None
    if value is None:
        return "None"
    try:
        if pd.isna(value):
            return repr(value)
    except (TypeError, ValueError):
        pass
    if isinstance(value, str) and LEAK.search(value):
        return value
    return None


def leaks(at: AppTest) -> list[str]:
    """Places where the page would show None, NaN or <NA> instead of naming the value unknown."""
    found = [t for t in shown_texts(at) if LEAK.search(t)]
    for df in at.dataframe:
        frame = df.value
        for col in frame.columns:
            for value in frame[col].tolist():
                problem = _cell_problem(value)
                if problem:
                    found.append(f"table column {col!r}: {problem}")
    return found


def assert_clean(at: AppTest) -> None:
    """No exception element, no error element, no missing value shown as None/NaN/<NA>."""
    assert not exceptions(at), exceptions(at)
    assert not [e.value for e in at.error], [e.value for e in at.error]
    assert not leaks(at), leaks(at)


# ---------------------------------------------------------------- signed-in users, the fast gate
# A signed-in user is faked the way AppTest offers: `at.secrets["auth"] = SECRETS` turns sign-in
# on and `at.user = claims(role)` is what the run reads as `st.user`.
S01 = hashlib.sha256(b"fixture:S01").hexdigest()[:16]  # case id of source S01 in the tiny kb
SECRETS = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "test-cookie-secret-of-at-least-32-bytes",
    "client_id": "casuswijzer",
    "client_secret": "test",
    # never contacted: st.login only redirects when the button is clicked in a browser
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}


def group_of(role: str) -> str:
    """The identity provider's group for a role, as in config/roles.yaml."""
    return f"casuswijzer-{role}"


def claims(role: str | None, email: str = "", iat: float | None = None) -> dict:
    """What `st.user` holds for a user signed in with `role` (None: a group with no role)."""
    import time

    email = email or f"{role or 'niemand'}@gemeente.example"
    return {
        "is_logged_in": True,
        "email": email,
        "name": email.split("@")[0].title(),
        "groups": [group_of(role)] if role else ["andere-groep"],
        "iat": int(iat if iat is not None else time.time()),
    }


def rules_only_anonymiser(cfg: Any):
    """The gate without deduce: the intake page's preview in seconds instead of minutes."""
    from pipeline.core.anonymise import Anonymiser

    return Anonymiser(use_deduce=False)
