from __future__ import annotations

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
