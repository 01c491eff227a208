"""Receipt codes on "Casus toevoegen" (issue #13 item 3), with AppTest on the tiny kb.

The code is shown once and stored nowhere: the inbox record's id is a hash of it, and the case
id the build gives that record can be recomputed from the code (checked here against ingest's
own reading of the inbox folder).
"""

from __future__ import annotations

import json
import re

import pytest
from streamlit.testing.v1 import AppTest

from app import data
from pipeline.core.config import PROJECT_ROOT

APP = str(PROJECT_ROOT / "app" / "streamlit_app.py")
CODE = re.compile(r"^CW-[34679ACDEFGHJKMNPQRTUVWXY]{4}-[34679ACDEFGHJKMNPQRTUVWXY]{4}$")
TEXT = (
    "Mevrouw woont met twee kinderen in een te kleine woning. Zonder urgentie geen woning, "
    "zonder woning geen rust voor de kinderen."
)


def _saved(wd) -> tuple[AppTest, str]:
    """Save TEXT through the page; (the app, the receipt code it shows)."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["casuswijzer_test"] = "zonder aanmelden"
    at.run()
    at.switch_page("app_pages/casus_toevoegen.py").run()
    at.text_area(key="nieuw_text").input(TEXT).run()
    at.button(key="nieuw_opslaan").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (shown,) = [c.value for c in at.code]
    return at, shown


def test_saving_a_case_shows_a_receipt_code_with_a_copy_hint(wd):
    at, code = _saved(wd)
    assert CODE.match(code)
    assert code in at.success[0].value
    assert any("Kopieer de code" in c.value for c in at.caption)


def test_the_receipt_code_is_gone_once_the_user_says_they_kept_it(wd):
    at, _ = _saved(wd)
    at.button(key="nieuw_code_bewaard").click().run()
    assert not at.code
    assert not at.success


def test_the_inbox_file_holds_a_hash_of_the_code_and_never_the_code(wd):
    _, code = _saved(wd)
    (path,) = wd.inbox.glob("*.json")
    record = json.loads(path.read_text(encoding="utf-8"))
    assert record["id"] == path.stem == data.receipt_inbox_id(code)
    assert re.fullmatch(r"inbox-[0-9a-f]{16}", record["id"])
    raw = path.read_text(encoding="utf-8")
    assert code not in raw and code.replace("-", "") not in raw


def test_the_audit_line_of_an_added_case_names_the_hashed_id_not_the_code(wd):
    _, code = _saved(wd)
    lines = [json.loads(x) for x in wd.audit_log.read_text(encoding="utf-8").splitlines()]
    (added,) = [e for e in lines if e["type"] == "case_added"]
    assert added["case_id"] == data.receipt_inbox_id(code)
    assert code not in wd.audit_log.read_text(encoding="utf-8")


def test_two_saves_get_two_different_codes():
    assert len({data.new_receipt_code() for _ in range(200)}) == 200


@pytest.mark.parametrize("typed", ["CW-7K3M-Q9PX", "cw-7k3m-q9px", " CW 7K3M Q9PX ", "7K3MQ9PX"])
def test_a_receipt_code_is_recognised_however_it_is_typed(typed):
    assert data.normalise_receipt(typed) == "CW-7K3M-Q9PX"


@pytest.mark.parametrize("typed", ["CW-7K3M-Q9P", "CW-7K3M-Q9P0", "CW-OK3M-Q9PX", "hallo"])
def test_text_that_cannot_be_a_receipt_code_is_not_one(typed):
    assert data.normalise_receipt(typed) is None


def test_the_case_id_computed_from_a_code_is_the_one_ingest_gives_its_inbox_file(wd):
    from pipeline.stages.ingest.records import ingest_paths

    code = data.new_receipt_code()
    inbox_id = data.receipt_inbox_id(code)
    wd.inbox.mkdir(parents=True, exist_ok=True)
    record = {"id": inbox_id, "text": TEXT, "knelpunt": None, "gemeente": None, "datum": None}
    (wd.inbox / f"{inbox_id}.json").write_text(json.dumps(record), encoding="utf-8")
    result = ingest_paths([wd.inbox], wd.cfg.ingest)
    assert result.cases["case_id"].tolist() == [data.receipt_case_id(code)]
