from __future__ import annotations

import logging

import pytest

from pipeline.core.places import is_place_word, place_words


@pytest.mark.parametrize(
    "word",
    [
        "almelo",
        "Haarlemmermeer",
        "haag",
        "helder",
        "bosch",
        "betuwe",
        "haags",
        "amsterdamse",
        "groningse",
        "eindhovens",
        "Súdwest",
    ],
)
def test_place_names_and_their_adjectives_are_place_words(word):
    assert is_place_word(word)


@pytest.mark.parametrize(
    "word", ["buurt", "straat", "huis", "baan", "bijstand", "woning", "gemeente", "schuld", "loon"]
)
def test_ordinary_words_that_name_a_village_too_stay_words(word):
    assert not is_place_word(word)


def test_the_place_words_come_from_deduces_lists():
    words = place_words()
    assert len(words) > 3000  # 342 municipalities, ~6700 residences, regions, provinces
    assert {"wassenaar", "vlieland", "lelystad", "moerdijk"} <= words


def test_reading_the_place_lists_leaves_logging_alone():
    # deduce sets up DEBUG logging to stdout when imported plainly; narrative text could follow
    import subprocess
    import sys

    code = (
        "import logging\n"
        "from pipeline.core.places import place_words\n"
        "place_words()\n"
        "print(len(logging.getLogger().handlers), logging.getLogger().level)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["0", str(logging.WARNING)]
