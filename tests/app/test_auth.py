"""Sign-in, roles, refusals and the audit of reads (app.auth), with AppTest on the tiny kb.

A signed-in user is faked here the way AppTest offers: `at.secrets["auth"]` turns sign-in on
and `at.user` is what the run reads as `st.user`. That is a fake, so it stays in these unit
tests of the auth module; the real sign-in over OpenID Connect, in Chromium against a real
provider, is tests/app/test_auth_oidc.py.
"""

from __future__ import annotations

import json
import time

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from app import auth
from pipeline.core.annotations import load_state
from pipeline.core.config import PROJECT_ROOT
from tests.app.apptest import S01, SECRETS, group_of
from tests.app.apptest import claims as _claims

APP = str(PROJECT_ROOT / "app" / "streamlit_app.py")
GROUP = {role: group_of(role) for role in auth.ROLES}  # as in config/roles.yaml
TITLES = {  # page file: the title the page shows
    "zoeken": "Zoeken in casussen",
    "patronen": "Patronen in knelpunten",
    "casus_toevoegen": "Casus toevoegen",
    "systeemknelpunten": "Systeemknelpunten",
    "leeratelier": "Leeratelier",
    "kwaliteit": "Kwaliteit van de kennisbank",
    "audit": "Audit",
}
EXPECTED_PAGES = {
    "professional": ["Zoeken", "Patronen", "Casus toevoegen", "Mijn casussen"],
    "facilitator": ["Zoeken", "Patronen", "Casus toevoegen", "Mijn casussen", "Leeratelier"],
    "beleid": [
        "Zoeken",
        "Patronen",
        "Casus toevoegen",
        "Mijn casussen",
        "Systeemknelpunten",
        "Leeratelier",
    ],
    "beheer": [
        "Zoeken",
        "Patronen",
        "Casus toevoegen",
        "Mijn casussen",
        "Systeemknelpunten",
        "Leeratelier",
        "Kwaliteit",
        "Audit",
        "Kennisbank bijwerken",
    ],
}


def _signed_in(role: str | None, **kw) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = SECRETS
    at.user = _claims(role, **kw)
    return at.run()


def _reachable(at: AppTest, page: str) -> bool:
    """Whether switching to the page shows it. A page the navigation did not register cannot
    be switched to (AppTest refuses it, as the server answers its URL with the default page)."""
    try:
        at.switch_page(f"app_pages/{page}.py")
    except ValueError as exc:
        assert "Could not find a navigation page" in str(exc)
        return False
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return bool(at.title) and at.title[0].value == TITLES[page]


def _audit_lines(wd) -> list[dict]:
    if not wd.audit_log.exists():
        return []
    return [json.loads(line) for line in wd.audit_log.read_text(encoding="utf-8").splitlines()]


# --------------------------------------------------------------------------- roles (pure)


@pytest.mark.parametrize("role", auth.ROLES)
def test_each_role_sees_the_pages_of_the_role_map(role):
    assert [p.title for p in auth.pages_for(role)] == EXPECTED_PAGES[role]


def test_no_role_sees_no_page_and_may_do_nothing():
    assert auth.pages_for(None) == []
    assert not any(auth.role_allows(None, action) for action in auth.ACTIONS)


def test_every_page_in_the_role_map_exists():
    for spec in auth.PAGES:
        assert (PROJECT_ROOT / "app" / spec.path).is_file(), spec.path


def test_the_shipped_roles_file_maps_one_group_to_each_role():
    roles = auth.load_role_map(PROJECT_ROOT / "config" / "roles.yaml")
    assert roles.claim == "groups"
    assert sorted(roles.groups.values(), key=auth.ROLES.index) == list(auth.ROLES)
    assert roles.default_role is None


def test_the_highest_role_of_all_groups_and_the_email_wins():
    roles = auth.RoleMap(
        "groups",
        groups={"a": "professional", "b": "beleid"},
        users={"baas@gemeente.example": "beheer"},
    )
    assert auth.role_for({"groups": ["a", "b"]}, roles) == "beleid"
    assert auth.role_for({"groups": "a"}, roles) == "professional"
    assert auth.role_for({"groups": ["a"], "email": "Baas@Gemeente.example"}, roles) == "beheer"


def test_a_user_matching_nothing_gets_the_default_role():
    assert auth.role_for({"groups": ["x"]}, auth.RoleMap("groups")) is None
    assert auth.role_for({}, auth.RoleMap("groups", default_role="professional")) == "professional"


def test_an_unknown_role_in_the_roles_file_names_file_and_key(tmp_path):
    path = tmp_path / "roles.yaml"
    path.write_text("claim: groups\ngroups:\n  team-a: directeur\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"roles\.yaml: groups\.team-a: onbekende rol"):
        auth.load_role_map(path)


def test_the_audit_trail_names_a_user_by_email_else_username_else_subject():
    assert auth.user_id({"email": "a@b.nl", "sub": "123"}) == "a@b.nl"
    assert auth.user_id({"preferred_username": "anna", "sub": "123"}) == "anna"
    assert auth.user_id({"sub": "123"}) == "123"


# --------------------------------------------------------------------------- navigation by role


@pytest.mark.parametrize(
    ("role", "page", "visible"),
    [
        ("professional", "zoeken", True),
        ("professional", "patronen", True),
        ("professional", "casus_toevoegen", True),
        ("professional", "leeratelier", False),
        ("professional", "systeemknelpunten", False),
        ("professional", "kwaliteit", False),
        ("professional", "audit", False),
        ("facilitator", "leeratelier", True),
        ("facilitator", "systeemknelpunten", False),
        ("beleid", "systeemknelpunten", True),
        ("beleid", "kwaliteit", False),
        ("beleid", "audit", False),
        ("beheer", "kwaliteit", True),
        ("beheer", "audit", True),
    ],
)
def test_a_signed_in_user_reaches_exactly_the_pages_of_their_role(wd, role, page, visible):
    at = _signed_in(role)
    assert not at.exception, [e.value for e in at.exception]
    assert _reachable(at, page) is visible


def test_only_beheer_gets_the_tab_to_rename_and_merge_patterns(wd):
    labels = {}
    for role in ("beleid", "beheer"):
        at = _signed_in(role)
        assert _reachable(at, "patronen")
        labels[role] = [t.label for t in at.tabs]
        forms = [b.label for b in at.button if b.label in ("Naam opslaan", "Samenvoegen")]
        assert bool(forms) is (role == "beheer")
    assert "Beheer" not in labels["beleid"]
    assert "Beheer" in labels["beheer"]


def test_the_sidebar_names_the_user_and_the_role(wd):
    at = _signed_in("facilitator", email="fien@gemeente.example")
    assert "Ingelogd als Fien · rol facilitator" in [c.value for c in at.sidebar.caption]
    assert any(b.label == "Uitloggen" for b in at.sidebar.button)


def test_a_signed_out_visitor_sees_only_the_login_screen(wd):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = SECRETS
    at.user = {"is_logged_in": False}
    at.run()
    assert [t.value for t in at.title] == ["Casuswijzer"]
    assert [b.label for b in at.button] == ["Inloggen"]
    assert not _reachable(at, "zoeken")


def test_a_signed_in_user_without_a_role_is_told_whom_to_ask_and_sees_no_page(wd):
    at = _signed_in(None, email="nieuw@gemeente.example")
    assert "geen rol in Casuswijzer" in at.warning[0].value
    assert not _reachable(at, "zoeken")


def test_a_half_filled_auth_section_stops_the_app_naming_the_missing_keys(wd):
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {"redirect_uri": SECRETS["redirect_uri"], "client_id": "x"}
    at.run()
    assert "cookie_secret" in at.error[0].value
    assert "client_secret" in at.error[0].value
    assert not at.title


def _local(at: AppTest) -> AppTest:
    """Sign-in off for this run whatever secrets.toml the machine has: secrets without [auth]."""
    at.secrets["casuswijzer_test"] = "zonder aanmelden"
    return at


def test_without_sign_in_the_app_refuses_when_it_listens_beyond_this_computer(wd):
    before = st.config.get_option("server.address")
    st.config.set_option("server.address", "0.0.0.0")
    try:
        at = _local(AppTest.from_file(APP, default_timeout=60)).run()
    finally:
        st.config.set_option("server.address", before)
    assert "Aanmelden is niet ingesteld" in at.error[0].value
    assert "0.0.0.0" in at.error[0].value
    assert not at.title


def test_without_sign_in_the_local_user_is_beheer_on_loopback(wd):
    at = _local(AppTest.from_file(APP, default_timeout=60)).run()
    assert "Lokaal gebruik zonder aanmelden (rol beheer)." in [c.value for c in at.sidebar.caption]
    assert _reachable(at, "audit")


# --------------------------------------------------------------------------- session timeout


def test_a_sign_in_idle_longer_than_the_timeout_is_signed_out(wd):
    timeout_s = wd.cfg.app.session_timeout_minutes * 60
    at = _signed_in("beheer", iat=time.time() - timeout_s - 60)
    assert at.user == {"is_logged_in": False}
    assert not at.title or at.title[0].value == "Casuswijzer"
    out = [e for e in _audit_lines(wd) if e["type"] == "sign_out"]
    assert out and out[-1]["reason"] == "niet actief"
    assert out[-1]["author"] == "beheer@gemeente.example"


def test_a_recent_sign_in_stays_signed_in(wd):
    timeout_s = wd.cfg.app.session_timeout_minutes * 60
    at = _signed_in("beheer", iat=time.time() - timeout_s / 2)
    assert at.user["is_logged_in"] is True
    assert at.title[0].value == TITLES["zoeken"]


def test_activity_restarts_the_idle_clock(wd, monkeypatch):
    timeout_s = wd.cfg.app.session_timeout_minutes * 60
    at = _signed_in("beheer", iat=time.time() - timeout_s / 2)
    user = auth.User("beheer@gemeente.example", "Beheer", "beheer", login=str(at.user["iat"]))
    monkeypatch.setattr(auth, "_timeout_s", lambda: timeout_s)
    assert not auth.idle_expired(user, now=time.time() + timeout_s * 0.9)
    assert auth.idle_expired(user, now=time.time() + timeout_s * 1.1)


# --------------------------------------------------------------------------- refused if called


def _call_action(name: str) -> None:
    """An AppTest script that calls one action function of app.data as the faked user."""
    import streamlit as st

    from app import auth, data
    from tests.app.apptest import S01

    calls = {
        "rename_cluster": lambda: data.rename_cluster(1, "Nieuwe naam"),
        "merge_cluster": lambda: data.merge_cluster(1, 2),
        "set_escalation": lambda: data.set_escalation(1, "in behandeling", "Ann", ""),
        "give_feedback": lambda: data.give_feedback("S01", True),
        "save_inbox_case": lambda: data.save_inbox_case("Een nieuwe casus met genoeg woorden."),
        "audit_trail": lambda: data.audit_trail(),
        "case_detail": lambda: data.case_detail(data.kb_key(), S01),
    }
    try:
        calls[name]()
    except auth.Refused as exc:
        st.error(str(exc))
    else:
        st.success("gedaan")


def _as(role: str | None, action: str) -> AppTest:
    at = AppTest.from_function(_call_action, args=(action,), default_timeout=60)
    at.secrets["auth"] = SECRETS
    at.user = _claims(role)
    return at.run()


@pytest.mark.parametrize(
    ("action", "refused_role", "allowed_role"),
    [
        ("rename_cluster", "beleid", "beheer"),
        ("merge_cluster", "beleid", "beheer"),
        ("set_escalation", "facilitator", "beleid"),
        ("give_feedback", None, "professional"),
        ("save_inbox_case", None, "professional"),
        ("audit_trail", "beleid", "beheer"),
        ("case_detail", None, "professional"),
    ],
)
def test_an_action_outside_the_role_is_refused_in_the_action_function(
    wd, action, refused_role, allowed_role
):
    at = _as(refused_role, action)
    assert not at.exception, [e.value for e in at.exception]
    assert at.error and "mag niet" in at.error[0].value
    assert not wd.annotations.exists()  # nothing written
    assert not (wd.inbox.exists() and any(wd.inbox.glob("*.json")))
    refused = [e for e in _audit_lines(wd) if e["type"] == "refused"]
    assert refused and refused[-1]["author"] == _claims(refused_role)["email"]
    at = _as(allowed_role, action)
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == ["gedaan"]


def test_a_refusal_is_logged_with_who_and_which_action(wd):
    _as("professional", "merge_cluster")
    refused = [e for e in _audit_lines(wd) if e["type"] == "refused"]
    assert len(refused) == 1
    assert refused[0]["author"] == "professional@gemeente.example"
    assert refused[0]["action"] == "curate"


def test_the_audit_page_itself_refuses_a_role_below_beheer(wd, monkeypatch):
    at = AppTest.from_file(str(PROJECT_ROOT / "app" / "app_pages" / "audit.py"), default_timeout=60)
    at.secrets["auth"] = SECRETS
    at.user = _claims("beleid")
    at.run()
    assert "mag niet het auditlog bekijken" in at.error[0].value
    assert not at.dataframe


# --------------------------------------------------------------------------- audit trail


def test_every_annotation_event_carries_the_signed_in_author_and_the_time(wd):
    _as("beheer", "rename_cluster")
    _as("beleid", "set_escalation")
    events = [json.loads(x) for x in wd.annotations.read_text(encoding="utf-8").splitlines()]
    assert [(e["type"], e["author"]) for e in events] == [
        ("cluster_name", "beheer@gemeente.example"),
        ("escalation", "beleid@gemeente.example"),
    ]
    assert all(e["at"].endswith("+00:00") for e in events)
    assert load_state(wd.annotations).cluster_names == {1: "Nieuwe naam"}


def test_in_single_user_mode_the_author_is_lokaal(wd):
    at = _local(AppTest.from_function(_call_action, args=("give_feedback",), default_timeout=60))
    at.run()
    assert [s.value for s in at.success] == ["gedaan"]
    event = json.loads(wd.annotations.read_text(encoding="utf-8").splitlines()[0])
    assert event["author"] == "lokaal"


def test_a_case_added_is_logged_with_its_id_and_author_but_not_its_text(wd):
    _as("professional", "save_inbox_case")
    (saved,) = wd.inbox.glob("*.json")
    added = [e for e in _audit_lines(wd) if e["type"] == "case_added"]
    assert added == [
        {
            "type": "case_added",
            "author": "professional@gemeente.example",
            "at": added[0]["at"],
            "case_id": saved.stem,
        }
    ]
    assert "genoeg woorden" not in wd.audit_log.read_text(encoding="utf-8")


def test_opening_whole_cases_in_search_logs_who_opened_which_id_once_per_session(wd):
    at = _signed_in("professional")
    at.text_input(key="zoek_query").input("briefadres uitkering").run()
    at.run()  # a rerun shows the same cases again: no second line
    reads = [e for e in _audit_lines(wd) if e["type"] == "case_read"]
    ids = [e["case_id"] for e in reads]
    assert ids and len(ids) == len(set(ids))
    assert {e["author"] for e in reads} == {"professional@gemeente.example"}
    assert set(reads[0]) == {"type", "author", "at", "case_id"}  # ids only, no text


def test_the_audit_page_shows_changes_and_reads_with_their_author(wd):
    _as("beheer", "merge_cluster")
    _as("professional", "case_detail")
    at = _signed_in("beheer")
    assert _reachable(at, "audit")
    table = at.dataframe[0].value
    assert {"patronen samengevoegd", "casus geopend", "aangemeld"} <= set(table["actie"])
    merged = table[table["actie"] == "patronen samengevoegd"].iloc[0]
    assert merged["wie"] == "beheer@gemeente.example"
    assert merged["object"] == "patroon 1"
    opened = table[table["actie"] == "casus geopend"].iloc[0]
    assert (opened["wie"], opened["object"]) == ("professional@gemeente.example", f"casus {S01}")
