"""Serving safely: `casuswijzer app` listens beyond loopback only with sign-in configured, and
`casuswijzer export audit` shows who did what (ids only).

The `app` command ends by becoming the Streamlit server (`os.execve`); here that call is
recorded instead, so the test sees the exact address Streamlit would be started with.
"""

from __future__ import annotations

import csv
import io

import pytest
from typer.testing import CliRunner

from pipeline import cli
from pipeline.core import config as config_module
from pipeline.core.annotations import append_event
from pipeline.core.audit import COLUMNS, append_audit

runner = CliRunner()
FULL_AUTH = """
[auth]
redirect_uri = "https://casuswijzer.gemeente.example/oauth2callback"
cookie_secret = "a-long-random-secret-for-the-cookie-signature"
client_id = "casuswijzer"
client_secret = "geheim"
server_metadata_url = "https://login.gemeente.example/.well-known/openid-configuration"
"""


@pytest.fixture
def secrets(tmp_path, monkeypatch):
    """The one secrets file the CLI reads; write to it to configure sign-in."""
    path = tmp_path / "secrets.toml"
    monkeypatch.setattr(config_module, "secrets_files", lambda: [path])
    return path


@pytest.fixture
def execs(monkeypatch):
    calls = []
    monkeypatch.setattr(cli.os, "execve", lambda exe, argv, env: calls.append(argv))
    monkeypatch.setattr(cli.os, "chdir", lambda path: None)
    return calls


def _address(argv: list[str]) -> str:
    return argv[argv.index("--server.address") + 1]


def test_without_sign_in_the_app_refuses_to_listen_on_every_address(tiny_workdir, secrets, execs):
    result = runner.invoke(
        cli.app, ["app", "--workdir", str(tiny_workdir.root), "--address", "0.0.0.0"]
    )
    assert result.exit_code == 2
    assert "niet op '0.0.0.0' zonder aanmelden" in result.output
    assert "docs/deploy.md" in result.output
    assert execs == []


def test_without_sign_in_the_app_listens_on_loopback(tiny_workdir, secrets, execs):
    result = runner.invoke(cli.app, ["app", "--workdir", str(tiny_workdir.root)])
    assert result.exit_code == 0, result.output
    assert _address(execs[0]) == "127.0.0.1"


def test_with_sign_in_configured_the_app_listens_on_every_address(tiny_workdir, secrets, execs):
    secrets.write_text(FULL_AUTH, encoding="utf-8")
    result = runner.invoke(
        cli.app, ["app", "--workdir", str(tiny_workdir.root), "--address", "0.0.0.0"]
    )
    assert result.exit_code == 0, result.output
    assert _address(execs[0]) == "0.0.0.0"


def test_a_half_filled_auth_section_refuses_to_start_naming_the_missing_keys(
    tiny_workdir, secrets, execs
):
    secrets.write_text(FULL_AUTH.replace('client_secret = "geheim"\n', ""), encoding="utf-8")
    result = runner.invoke(cli.app, ["app", "--workdir", str(tiny_workdir.root)])
    assert result.exit_code == 1
    assert "'client_secret'" in result.output
    assert "geheim" not in result.output
    assert execs == []


def test_named_providers_are_found_in_their_own_sections():
    auth = {
        "redirect_uri": "x",
        "cookie_secret": "y",
        "entra": {"client_id": "a", "client_secret": "b", "server_metadata_url": "c"},
    }
    assert config_module.check_auth_section(auth) == (["entra"], [])
    assert config_module.check_auth_section(None) == ([], [])


def test_export_audit_has_help():
    result = runner.invoke(cli.app, ["export", "audit", "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def _fill_trail(wd) -> None:
    append_event(
        wd.annotations,
        {
            "type": "escalation",
            "cluster_id": 4,
            "status": "geagendeerd",
            "owner": "",
            "note": "N.B.",
        },
        author="ann@gemeente.example",
    )
    append_event(
        wd.annotations, {"type": "cluster_merge", "cluster_id": 2, "into": 3}, author="beheer"
    )
    append_audit(wd.audit_log, "case_read", "piet@gemeente.example", case_id="c0042")


def test_export_audit_writes_who_what_and_when_without_typed_text(tiny_workdir, tmp_path):
    _fill_trail(tiny_workdir)
    out = tmp_path / "audit.csv"
    result = runner.invoke(
        cli.app, ["export", "audit", "--workdir", str(tiny_workdir.root), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert tuple(rows[0]) == COLUMNS
    assert [(r["wie"], r["actie"], r["object"]) for r in rows] == [
        ("ann@gemeente.example", "escalatie gewijzigd", "patroon 4"),
        ("beheer", "patronen samengevoegd", "patroon 2"),
        ("piet@gemeente.example", "casus geopend", "casus c0042"),
    ]
    assert "N.B." not in out.read_text(encoding="utf-8")


def test_export_audit_prints_csv_when_no_file_is_given(tiny_workdir):
    _fill_trail(tiny_workdir)
    result = runner.invoke(cli.app, ["export", "audit", "--workdir", str(tiny_workdir.root)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(rows) == 3 and rows[2]["details"] == ""
