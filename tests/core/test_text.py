"""pipeline.core.text: spaCy's Dutch stop words, read without importing spaCy."""

from __future__ import annotations

import subprocess
import sys

from pipeline.core.text import _stop_word_literal, spacy_stop_words


def test_stop_words_are_spacys_own_list():
    from spacy.lang.nl.stop_words import STOP_WORDS

    assert spacy_stop_words() == frozenset(w for w in STOP_WORDS if w.strip())
    assert {"de", "het", "een", "niet"} <= spacy_stop_words()


def test_reading_the_stop_words_does_not_import_spacy_or_torch():
    code = (
        "import sys\n"
        "from pipeline.core.text import stop_words\n"
        "assert len(stop_words()) > 300\n"
        "print(sorted(m for m in ('spacy', 'thinc', 'torch') if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def test_a_module_written_another_way_is_not_read_as_a_list():
    assert _stop_word_literal('STOP_WORDS = set("""de het\\n een""".split())\n') == {
        "de",
        "het",
        "een",
    }
    assert _stop_word_literal("from x import WORDS\nSTOP_WORDS = set(WORDS)\n") is None
    assert _stop_word_literal('STOP_WORDS = set("de het".split(","))\n') is None
    assert _stop_word_literal("OTHER = set('a b'.split())\n") is None


def test_plain_spacing_and_its_view_point_into_the_text():
    from pipeline.core.text import plain_spacing, spacing_view

    text = "\ufeffDe\u00a0heer  Jan\u200b\tde\u202fVries\nwoont\u00adhier."
    view, where = spacing_view(text)
    assert view == plain_spacing(text) == "De heer Jan de Vries\nwoonthier."
    assert where is not None and len(where) == len(view)
    assert all(text[i] == c or c == " " for c, i in zip(view, where, strict=True))
    assert text[where[view.index("Vries")] :].startswith("Vries")
    assert spacing_view("Gewone tekst.\nTweede regel.") == ("Gewone tekst.\nTweede regel.", None)
