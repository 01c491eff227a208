"""Dutch place names as single words: is a lemma a town's, municipality's or region's name?

A recurring barrier's keywords and title should say what the barrier is, not where one of its
cases happened ("haarlemmermeer", "almelo", "haag"): the municipality spread is shown beside them.
The words come from deduce's location lists (municipalities, residences, provinces, regions; the
package is installed with the anonymisation gate): each word of a place name that is no ordinary
Dutch word (simplemma does not know it), a municipality's one-word name that is its own lemma
and no common word ("zwolle", "delft"), the word after "Den" in a municipality's name ("Den
Haag", "Den Helder") and the common short form "Den Bosch". Ordinary words that are also a
village's name ("buurt", "straat", "huis") stay words. A place's adjective counts as the place
("haags", "amsterdamse", "groningse").
"""

from __future__ import annotations

from functools import lru_cache

from pipeline.core.anonymise import deduce_list
from pipeline.core.text import fold

_LISTS = ("lst_municipality", "lst_residence", "lst_province", "lst_region")
_SHORT_FORMS = ("den bosch",)  # no list holds it; "bosch" is an (old) Dutch word


@lru_cache(maxsize=1)
def place_words() -> frozenset[str]:
    """The lower-case, accent-folded words that name a Dutch place (module docstring).

    Raises:
        GateListError: when one of deduce's lists is missing or empty (`deduce_list`).
    """
    import simplemma  # noqa: PLC0415

    common = {fold(w).lower() for w in deduce_list("whitelist/lst_common_word")}
    words: set[str] = set()
    for name in _LISTS:
        for line in deduce_list(f"locations/lst_placename/{name}"):
            place = fold(line).lower()
            parts = place.replace("-", " ").replace("(", " ").replace(")", " ").split()
            if name == "lst_municipality" and len(parts) == 2 and parts[0] == "den":
                words.add(parts[1])
            # a municipality named like a word form ("Zwolle", "Delft", "Soest") is the place,
            # unless the name is an inflected word (its lemma differs: "Huizen" reads "huis")
            # or one of deduce's common words ("Best", "Leiden")
            if (
                name == "lst_municipality"
                and len(parts) == 1
                and parts[0] not in common
                and simplemma.lemmatize(parts[0], lang="nl") == parts[0]
            ):
                words.add(parts[0])
            words |= {
                w
                for w in parts
                if len(w) >= 3 and w.isalpha() and not simplemma.is_known(w, lang="nl")
            }
    words |= {p.split()[-1] for p in _SHORT_FORMS}
    return frozenset(words)


def is_place_word(word: str) -> bool:
    """Whether a (lemmatised) word is a Dutch place's name or its adjective ("haags",
    "amsterdamse", "groningse")."""
    w = fold(word).lower()
    places = place_words()
    if w in places:
        return True
    for suffix in ("se", "s"):
        if w.endswith(suffix) and len(w) > len(suffix) + 2:
            stem = w[: -len(suffix)]
            if stem in places or stem + "en" in places:
                return True
    return False
