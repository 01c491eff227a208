"""The controlled vocabularies, declared once: life domains, barrier types, solution types,
outcomes, orde and escalation statuses (the words users know, see docs and DOMAIN primer).

Every stage, the read side, the app and the benchmarks import them from here.
"""

from __future__ import annotations

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
    "solved": "opgelost",
    "partly": "deels",
    "unsolved": "niet",
    "unknown": "onbekend",
}


def outcome_of(text: str) -> str | None:
    """The canonical outcome a cell or a form line spells ("Opgelost.", "nog onbekend", "Loopt
    nog"), else None: a sentence that tells the outcome in words is no outcome word."""
    word = " ".join(text.lower().strip(" .!").split())
    word = word.removeprefix("nog ").removesuffix(" nog")
    return OUTCOME_ALIASES.get(word)


SOLUTION_TYPES: tuple[str, ...] = ("maatwerk", "doorbraak", "regulier", "geen")

# Orde of learning: 1 this case, 2 the organisation's own rules, 3 the system.
ORDES: tuple[int, ...] = (1, 2, 3)

ESCALATION_STATUSES: tuple[str, ...] = ("open", "geagendeerd", "in behandeling", "opgelost")
