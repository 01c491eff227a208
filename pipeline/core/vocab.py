"""The controlled vocabularies, declared once: life domains, barrier types, solution types,
outcomes, orde and escalation statuses (the words users know, see docs and DOMAIN primer).

Every stage, the read side, the app and the benchmarks import them from here.
"""

from __future__ import annotations

import re

# Life domains (close to the Zelfredzaamheid-Matrix).
DOMAINS: tuple[str, ...] = (
    "financien",
    "inkomen",
    "wonen",
    "ggz",
    "verslaving",
    "lichamelijke_gezondheid",
    "gezin",
    "huiselijk_geweld",
    "justitie",
    "werk",
    "onderwijs",
    "sociaal_netwerk",
    "vervoer",
    "zorg",
)

BARRIER_TYPES: tuple[str, ...] = (
    "regel/wet",
    "voorwaarden die elkaar uitsluiten",
    "procedure/wachttijd",
    "financiering",
    "schotten/samenwerking",
    "informatie/privacy",
    "houding/cultuur",
    "geen passend aanbod",
)

# "onbekend": the text tells no ending. Never read a missing ending as "opgelost".
OUTCOMES: tuple[str, ...] = ("opgelost", "deels", "niet", "onbekend")

# How input files may spell an outcome → the canonical word.
OUTCOME_ALIASES: dict[str, str] = {
    "opgelost": "opgelost",
    "deels": "deels",
    "gedeeltelijk": "deels",
    "niet": "niet",
    "niet opgelost": "niet",
    "onbekend": "onbekend",
    "niet bekend": "onbekend",
    "onduidelijk": "onbekend",
    "loopt": "onbekend",
    "lopend": "onbekend",
    "deels opgelost": "deels",
    "gedeeltelijk opgelost": "deels",
    "geen oplossing": "niet",
    "niet gelukt": "niet",
    "gelukt": "opgelost",
    "deels gelukt": "deels",
    "grotendeels opgelost": "deels",
    "in behandeling": "onbekend",
    "open": "onbekend",
    "solved": "opgelost",
    "partly": "deels",
    "unsolved": "niet",
    "unknown": "onbekend",
}


def outcome_of(text: str) -> str | None:
    """The canonical outcome a cell or a form line spells ("Opgelost.", "nog onbekend", "Loopt
    nog"), else None: a sentence that tells the outcome in words is no outcome word."""
    word = " ".join(text.lower().split())
    word = re.sub(r"\s*\([^()]*\)$", "", word).strip(" .!")  # "opgelost (maatwerk)"
    word = re.sub(r"^(ja|nee)\s*[,:;-]\s*", "", word)  # "Ja, opgelost"
    word = word.removeprefix("nog ").removesuffix(" nog")
    return OUTCOME_ALIASES.get(word)


# Section headings of a case form ("Knelpunt: ..."), the column aliases' Dutch words among
# them ("Probleem:", "Aanpak:", "Resultaat:"): ingest splits text documents by them, and the
# structure stage reads a form's structural and outcome lines written into a story by them.
SECTION_HEADINGS: dict[str, str] = {
    "situatie": "narrative",
    "casus": "narrative",
    "verhaal": "narrative",
    "knelpunt": "knelpunt",
    "knelpunten": "knelpunt",
    "probleem": "knelpunt",
    "belemmering": "knelpunt",
    "oplossing": "oplossing",
    "oplossingen": "oplossing",
    "aanpak": "oplossing",
    "interventie": "oplossing",
    "wat is er bereikt": "oplossing",
    "wat is er gedaan": "oplossing",
    "ondernomen acties": "oplossing",
    "wat is er structureel nodig": "structureel",
    "structureel nodig": "structureel",
    "structureel": "structureel",
    "uitkomst": "outcome",
    "resultaat": "outcome",
    "afloop": "outcome",
    "stand van zaken": "outcome",
    "gemeente": "municipality",
    "organisatie": "organisation",
    "datum": "case_date",
    "orde": "orde",
}


def headings_of(field: str) -> list[str]:
    """The section headings that fill `field`, longest first (for a regex alternation)."""
    return sorted((h for h, f in SECTION_HEADINGS.items() if f == field), key=len, reverse=True)


SOLUTION_TYPES: tuple[str, ...] = ("maatwerk", "doorbraak", "regulier", "geen")

# Orde of learning: 1 this case, 2 the organisation's own rules, 3 the system.
ORDES: tuple[int, ...] = (1, 2, 3)

ESCALATION_STATUSES: tuple[str, ...] = ("open", "geagendeerd", "in behandeling", "opgelost")
