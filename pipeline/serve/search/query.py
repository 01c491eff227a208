"""Query-side types of the search engine: modes, filters, hits and the user-facing error."""

from __future__ import annotations

from dataclasses import dataclass

MODES = ("hybrid", "bm25", "dense")


class QueryError(ValueError):
    """A query that cannot be searched; the message is Dutch and meant for the user."""


@dataclass(frozen=True)
class Filters:
    """Restrictions on which cases may be returned. Within a field: any of; across: all of."""

    domains: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    barrier_types: tuple[str, ...] = ()
    orde: tuple[int, ...] = ()
    only_with_solution: bool = False
    outcomes: tuple[str, ...] = ()

    def is_empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class Hit:
    """One case in a result list, with what is needed to show why it matched."""

    case_id: str
    source_id: str
    score: float
    cluster_id: int
    cluster_label: str | None
    municipality: str | None
    organisation: str | None
    year: int | None
    snippet: str
    barrier: str | None
    solution: str | None
    outcome: str | None
    orde: int | None
    matched_terms: tuple[str, ...]
    why: str
