"""Sign-in end to end: headless Chromium against a real OpenID Connect provider on loopback.

The provider is `oidc-provider-mock` (a real OIDC provider built on Authlib, for tests) started
as its own process on 127.0.0.1 with two predefined users whose `groups` claim is a group of
config/roles.yaml. The app is started with the product's own entry point, `casuswijzer app`,
on 127.0.0.1 against the tiny knowledge base, with an `[auth]` section in the secrets.toml of a
temporary $HOME (where Streamlit and the CLI both look). Playwright drives Debian's chromium
(no browser download); every request that is not to 127.0.0.1 is blocked, so the test also
shows that sign-in needs nothing outside this machine.

What it proves: a professional signs in at the provider, sees exactly the pages of the role,
cannot open Kwaliteit by its URL and signs out through the provider; a beheerder sees every
page, a rename in the app is stored with the beheerder's e-mail as author, and the whole cases
the Leeratelier shows are in the audit log by id with that e-mail; an idle session is signed
out by the app itself. Without sign-in, the same server lets a browser on this computer in and
refuses it when it comes through a proxy. (Searching is left to the other tests: the served
app embeds queries with the real model, and the tiny knowledge base's vectors are fake.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline.core.config import DEFAULT_PARAMS, PROJECT_ROOT, Workdir, load_config
from tests.app.served import DONE, forwarding_proxy, free_port, stop, wait_for
from tests.helpers import build_tiny_kb

pytestmark = pytest.mark.slow

NAV_LINK = '[data-testid="stSidebarNavLink"]'
PRO = {
    "sub": "pro@gemeente.example",
    "email": "pro@gemeente.example",
    "name": "Pim Professional",
    "groups": ["casuswijzer-professional", "iedereen"],
}
ADMIN = {
    "sub": "beheer@gemeente.example",
    "email": "beheer@gemeente.example",
    "name": "Bea Beheer",
    "groups": ["casuswijzer-beheer"],
}
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def provider(tmp_path_factory):
    """Base URL of a real OIDC provider on loopback with the two users above."""
    port = free_port()
    logs = tmp_path_factory.mktemp("idp_logs")
    cmd = [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)]
    for user in (PRO, ADMIN):
        cmd += ["--user-claims", json.dumps(user)]
    log = open(logs / "idp.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for(f"{url}/.well-known/openid-configuration", proc)
        yield url
    finally:
        stop(proc)
        log.close()


def _serve(tmp_path_factory, provider: str, timeout_minutes: float | None = None):
    """Start `casuswijzer app` with sign-in against `provider`; returns (url, workdir, proc)."""
    root = tmp_path_factory.mktemp("served")
    wd = Workdir(root, load_config())
    build_tiny_kb(wd.kb)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    home = tmp_path_factory.mktemp("home")
    (home / ".streamlit").mkdir()
    (home / ".streamlit" / "secrets.toml").write_text(
        "[auth]\n"
        f'redirect_uri = "{url}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret-that-is-long-enough-to-sign"\n'
        'client_id = "casuswijzer"\n'
        'client_secret = "test-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    cmd = [sys.executable, "-m", "pipeline.cli", "app", "--workdir", str(root), "--port", str(port)]
    if timeout_minutes is not None:
        raw = yaml.safe_load(DEFAULT_PARAMS.read_text(encoding="utf-8"))
        raw["app"]["session_timeout_minutes"] = timeout_minutes
        params = root / "params.yaml"
        params.write_text(yaml.safe_dump(raw), encoding="utf-8")
        cmd += ["--params", str(params)]
    env = {**os.environ, "HOME": str(home), "PYTHONUNBUFFERED": "1"}
    env.pop("CASUSWIJZER_PARAMS", None)
    log = open(root / "streamlit.log", "w", encoding="utf-8")  # noqa: SIM115 - closed by caller
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for(f"{url}/_stcore/health", proc)
    except BaseException:
        stop(proc)
        log.close()
        raise
    return url, wd, proc, log


@pytest.fixture(scope="module")
def served(tmp_path_factory, provider):
    url, wd, proc, log = _serve(tmp_path_factory, provider)
    try:
        yield url, wd
    finally:
        stop(proc)
        log.close()


def _new_page(browser):
    """A fresh browser profile (no cookies) that can reach 127.0.0.1 only."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    local = ("http://127.0.0.1:", "ws://127.0.0.1:")
    context.route("**/*", lambda r: r.continue_() if r.request.url.startswith(local) else r.abort())
    return context, context.new_page()


def _sign_in(page, app_url: str, user: dict) -> None:
    page.goto(app_url, wait_until="domcontentloaded")
    page.get_by_role("button", name="Inloggen").click(timeout=WAIT_MS)
    page.wait_for_url("**/oauth2/authorize**", timeout=WAIT_MS)  # the provider's login form
    page.get_by_role("button", name=user["sub"]).click()
    page.wait_for_selector("h1:has-text('Zoeken in casussen')", timeout=WAIT_MS)
    page.wait_for_selector(DONE, timeout=WAIT_MS)


def _nav_titles(page) -> list[str]:
    page.wait_for_selector(NAV_LINK, timeout=WAIT_MS)
    # each link's text is its icon's name (a font ligature) and then the page title
    return [t.strip().splitlines()[-1] for t in page.locator(NAV_LINK).all_inner_texts()]


def _audit(wd: Workdir) -> list[dict]:
    text = wd.audit_log.read_text(encoding="utf-8") if wd.audit_log.exists() else ""
    return [json.loads(line) for line in text.splitlines()]


def test_a_professional_signs_in_sees_the_pages_of_the_role_and_signs_out(served, browser):
    app_url, wd = served
    context, page = _new_page(browser)
    try:
        _sign_in(page, app_url, PRO)
        assert _nav_titles(page) == [
            "Zoeken",
            "Patronen",
            "Casus toevoegen",
            "Mijn casussen",
        ]
        assert page.get_by_text("Ingelogd als Pim Professional · rol professional").is_visible()

        # Kwaliteit is not in the role: its URL shows the default page, never Kwaliteit.
        page.goto(f"{app_url}/kwaliteit", wait_until="domcontentloaded")
        page.wait_for_selector("h1:has-text('Zoeken in casussen')", timeout=WAIT_MS)
        page.wait_for_selector(DONE, timeout=WAIT_MS)
        assert page.locator("h1:has-text('Kwaliteit')").count() == 0
        dialog = page.get_by_role("dialog")
        assert "Page not found" in dialog.inner_text()  # Streamlit's own answer to the URL
        page.keyboard.press("Escape")
        dialog.wait_for(state="hidden", timeout=WAIT_MS)

        signed_in = [e for e in _audit(wd) if e["type"] == "sign_in"]
        assert (signed_in[0]["author"], signed_in[0]["role"]) == (PRO["email"], "professional")

        # Sign out: through the provider's end-session page and back to the login screen.
        page.get_by_role("button", name="Uitloggen").click()
        page.wait_for_url("**/oauth2/end_session**", timeout=WAIT_MS)
        page.get_by_role("button", name="End session").click()
        page.get_by_role("button", name="Inloggen").wait_for(timeout=WAIT_MS)
        page.goto(app_url, wait_until="domcontentloaded")  # the cookie is gone: still signed out
        page.get_by_role("button", name="Inloggen").wait_for(timeout=WAIT_MS)
        assert page.locator(NAV_LINK).count() == 0
        out = [e for e in _audit(wd) if e["type"] == "sign_out"]
        assert (out[-1]["author"], out[-1]["reason"]) == (PRO["email"], "zelf")
    finally:
        context.close()


def test_a_beheerder_sees_every_page_and_a_rename_is_stored_with_their_email(served, browser):
    app_url, wd = served
    context, page = _new_page(browser)
    try:
        _sign_in(page, app_url, ADMIN)
        assert _nav_titles(page) == [
            "Zoeken",
            "Patronen",
            "Casus toevoegen",
            "Mijn casussen",
            "Systeemknelpunten",
            "Leeratelier",
            "Kwaliteit",
            "Audit",
            "Kennisbank bijwerken",
        ]
        page.locator(NAV_LINK, has_text="Patronen").click()
        page.wait_for_selector("h1:has-text('Patronen in knelpunten')", timeout=WAIT_MS)
        page.get_by_role("tab", name="Beheer").click()
        name = page.get_by_label("Nieuwe naam voor dit patroon")
        name.fill("Geen adres, geen uitkering")
        page.get_by_role("button", name="Naam opslaan").click()
        page.wait_for_selector("text=heet nu", timeout=WAIT_MS)
        events = [json.loads(x) for x in wd.annotations.read_text(encoding="utf-8").splitlines()]
        assert [(e["type"], e["author"]) for e in events] == [("cluster_name", ADMIN["email"])]

        # The Leeratelier shows whole cases: the audit log names them by id, with the e-mail.
        page.locator(NAV_LINK, has_text="Leeratelier").click()
        page.wait_for_selector("h4:has-text('Casus 1')", timeout=WAIT_MS)
        page.wait_for_selector(DONE, timeout=WAIT_MS)
        reads = [e for e in _audit(wd) if e["type"] == "case_read"]
        assert reads and {e["author"] for e in reads} == {ADMIN["email"]}

        page.locator(NAV_LINK, has_text="Audit").click()
        page.wait_for_selector("h1:has-text('Audit')", timeout=WAIT_MS)
        page.wait_for_selector(DONE, timeout=WAIT_MS)
        assert page.locator('[data-testid="stMetric"]', has_text="Personen").count() == 1
    finally:
        context.close()


def test_an_idle_session_is_signed_out_by_the_app(tmp_path_factory, provider, browser):
    url, wd, proc, log = _serve(tmp_path_factory, provider, timeout_minutes=0.25)  # 15 s
    context, page = _new_page(browser)
    try:
        _sign_in(page, url, PRO)
        # no activity: the page's idle check signs out through the provider
        page.wait_for_url("**/oauth2/end_session**", timeout=WAIT_MS)
        out = [e for e in _audit(wd) if e["type"] == "sign_out"]
        assert (out[-1]["author"], out[-1]["reason"]) == (PRO["email"], "niet actief")
    finally:
        context.close()
        stop(proc)
        log.close()


def test_without_sign_in_a_served_app_refuses_a_browser_behind_a_proxy(
    tmp_path, tiny_workdir, browser
):
    """The real server in single-user mode: a browser on this computer gets the app, the same
    browser through a reverse proxy on this computer (which adds X-Forwarded-For to every
    request and to the WebSocket upgrade, as the shipped nginx configuration does) gets the
    refusal."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "HOME": str(tmp_path)}  # no ~/.streamlit/secrets.toml: sign-in off
    env.pop("CASUSWIJZER_PARAMS", None)
    cmd = [sys.executable, "-m", "pipeline.cli", "app", "--workdir", str(tiny_workdir.root)]
    shown = {}
    with open(tmp_path / "streamlit.log", "w", encoding="utf-8") as log:
        proc = subprocess.Popen(
            [*cmd, "--port", str(port)], cwd=PROJECT_ROOT, env=env, stdout=log, stderr=log
        )
        try:
            wait_for(f"{url}/_stcore/health", proc)
            with forwarding_proxy(url) as proxied:
                for name, address in (("direct", url), ("proxy", proxied)):
                    context = browser.new_context()
                    try:
                        page = context.new_page()
                        page.goto(address, wait_until="domcontentloaded")
                        page.wait_for_selector("h1, [data-testid='stAlert']", timeout=WAIT_MS)
                        page.wait_for_selector(DONE, timeout=WAIT_MS)
                        shown[name] = page.locator('[data-testid="stMain"]').inner_text()
                    finally:
                        context.close()
        finally:
            stop(proc)
    assert "Zoeken in casussen" in shown["direct"]
    assert "Aanmelden is niet ingesteld" not in shown["direct"]
    assert "Aanmelden is niet ingesteld" in shown["proxy"]
    assert "Zoeken in casussen" not in shown["proxy"]


def test_the_audit_log_of_the_served_app_holds_ids_only(served):
    _, wd = served
    allowed = {"type", "author", "at", "case_id", "action", "role", "reason"}
    for event in _audit(wd):
        assert set(event) <= allowed
    assert Path(wd.audit_log).parent == Path(wd.annotations).parent
