"""Leeratelier: a diverse set of cases around one theme, with questions, as a session pack.

Reads  nothing from disk: takes case records and their L2-normalised vectors (from the
published `case_embeddings`), chosen by the app for a theme (a cluster, a domain or a search).
Writes nothing: returns the selection, the questions, and the pack as Markdown text or DOCX bytes.
Guarantees: the selection is deterministic for the same input (maximal marginal relevance with
ties broken by input order) and never holds two near-duplicates (cosine ≥ `duplicate_threshold`)
while other candidates are left; every case gets discussion questions for orde 1, 2 and 3.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from pipeline.serve import document as D

ORDE_TITLES = {
    1: "Orde 1 — deze casus oplossen",
    2: "Orde 2 — de eigen organisatie",
    3: "Orde 3 — het systeem",
}

# Per barrier type: what the organisation (orde 2) and the system (orde 3) question asks about.
_ORDE2 = {
    "regel/wet": "Welke eigen beleidsregel of werkinstructie liet hier geen ruimte, en wie in de "
    "organisatie kan die ruimte geven (hardheidsclausule, omgekeerde toets)?",
    "voorwaarden die elkaar uitsluiten": "Welke volgorde van voorwaarden (eerst dit, dan dat) "
    "houden wij zelf in stand, en kunnen we één voorwaarde voorlopig loslaten?",
    "procedure/wachttijd": "Welke stap in onze eigen procedure kostte de meeste tijd, en kan die "
    "korter, parallel of door één persoon?",
    "financiering": "Uit welk budget hadden wij dit zelf kunnen betalen, en wie mag daarover "
    "snel beslissen (maatwerkbudget, doorbraakfonds)?",
    "schotten/samenwerking": "Wie had hier casusregie moeten nemen, en wat maakt dat niemand "
    "eigenaar werd?",
    "informatie/privacy": "Welke informatie hadden we nodig, wat mocht wel gedeeld worden met "
    "toestemming, en wat weten collega's daar niet van?",
    "houding/cultuur": "Wat maakte dat het eerste antwoord 'nee' was (angst voor precedent, "
    "wantrouwen), en wat helpt collega's om 'ja, mits' te zeggen?",
    "geen passend aanbod": "Welk aanbod ontbrak, en kunnen we het zelf tijdelijk of als maatwerk "
    "organiseren?",
}
_ORDE3 = {
    "regel/wet": "Welke wet of landelijke regel werkt hier averechts, en wie agendeert dat "
    "(VNG, ministerie, doorbraaktafel)?",
    "voorwaarden die elkaar uitsluiten": "Welke regels van verschillende instanties sluiten "
    "elkaar uit, en welke afspraak tussen die instanties zou de cirkel doorbreken?",
    "procedure/wachttijd": "Welke wachttijd of landelijke procedure is structureel te lang, en "
    "wat kost het wachten de samenleving meer dan sneller helpen?",
    "financiering": "Welke financieringsstromen (Wmo, Jeugdwet, Zvw, Wlz, Participatiewet) "
    "wijzen naar elkaar, en wat is nodig om ze te ontschotten?",
    "schotten/samenwerking": "Welke grens tussen gemeenten, domeinen of wetten maakt dat "
    "niemand verantwoordelijk is, en wie kan die grens wegnemen?",
    "informatie/privacy": "Welke wettelijke grondslag voor gegevensdeling ontbreekt, en bij "
    "wie moet dat op de agenda?",
    "houding/cultuur": "Welke prikkels in het systeem (fraudebeleid, verantwoording) maken "
    "professionals voorzichtig, en wat zou dat veranderen?",
    "geen passend aanbod": "Welk aanbod ontbreekt in de regio of landelijk, en wie moet het "
    "inkopen of ontwikkelen?",
}
_LAWS = {
    "inkomen": "Participatiewet",
    "financien": "Wet gemeentelijke schuldhulpverlening",
    "zorg": "Wmo",
    "gezin": "Jeugdwet",
    "wonen": "Huisvestingswet",
    "ggz": "Zorgverzekeringswet",
    "verslaving": "Zorgverzekeringswet",
    "justitie": "Wet forensische zorg",
    "werk": "Participatiewet",
    "onderwijs": "Leerplichtwet",
}


@dataclass(frozen=True)
class AtelierCase:
    """One case as it goes into a session pack (anonymised text only)."""

    case_id: str
    source_id: str = ""
    municipality: str = ""
    organisation: str = ""
    year: int | None = None
    narrative: str = ""
    knelpunt: str = ""
    oplossing: str = ""
    outcome: str = ""
    barrier_types: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    cluster_name: str = ""


@dataclass(frozen=True)
class SessionPack:
    """A printable session pack: theme, cases and their questions per orde."""

    title: str
    theme: str
    cases: tuple[AtelierCase, ...]
    questions: tuple[Mapping[int, tuple[str, ...]], ...]
    created: str = field(default_factory=lambda: date.today().isoformat())


def mmr_select(
    vectors: np.ndarray,
    relevance: np.ndarray,
    n: int,
    lambda_: float = 0.6,
    duplicate_threshold: float = 0.98,
) -> list[int]:
    """Pick `n` row indices by maximal marginal relevance.

    Args:
        vectors: (m, d) L2-normalised candidate vectors.
        relevance: (m,) how well each candidate fits the theme (higher is better).
        n: how many to pick (fewer when there are fewer candidates).
        lambda_: weight of relevance against novelty (1.0 = relevance only).
        duplicate_threshold: candidates at least this similar to a picked one are only
            taken when nothing else is left.

    Returns:
        Indices into `vectors`, in the order they were picked.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    relevance = np.asarray(relevance, dtype=np.float64)
    m = len(vectors)
    n = min(n, m)
    if n <= 0:
        return []
    chosen: list[int] = []
    max_sim = np.full(m, -np.inf)
    available = np.ones(m, dtype=bool)
    for _ in range(n):
        if chosen:
            score = lambda_ * relevance - (1.0 - lambda_) * max_sim
            near_dup = max_sim >= duplicate_threshold
            candidates = available & ~near_dup
            if not candidates.any():
                candidates = available
        else:
            score = relevance.copy()
            candidates = available
        masked = np.where(candidates, score, -np.inf)
        best = int(np.argmax(masked))  # argmax keeps the first of equal scores: deterministic
        chosen.append(best)
        available[best] = False
        sims = vectors @ vectors[best]
        max_sim = np.maximum(max_sim, sims)
    return chosen


def centroid_relevance(vectors: np.ndarray, query: np.ndarray | None = None) -> np.ndarray:
    """Cosine of each vector to the query, or to the normalised centroid when there is none."""
    vectors = np.asarray(vectors, dtype=np.float32)
    if len(vectors) == 0:
        return np.zeros(0)
    target = np.asarray(query, dtype=np.float32) if query is not None else vectors.mean(axis=0)
    norm = float(np.linalg.norm(target)) or 1.0
    return vectors @ (target / norm)


def _short(text: str, limit: int = 160) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def questions_for(case: AtelierCase) -> dict[int, tuple[str, ...]]:
    """Discussion questions for orde 1, 2 and 3, fitted to the case's barrier and domains."""
    btype = case.barrier_types[0] if case.barrier_types else ""
    orde1 = ["Wat had dit huishouden nodig, en wat was de kleinste stap die het verschil maakte?"]
    if case.knelpunt:
        orde1.append(
            f"Het knelpunt was: “{_short(case.knelpunt).rstrip('.')}”. Wat had jij hier gedaan?"
        )
    if case.oplossing:
        orde1.append(
            f"Wat werkte: “{_short(case.oplossing).rstrip('.')}”. "
            "Wie nam het besluit, en had dat eerder gekund?"
        )
    else:
        orde1.append("Er is (nog) geen oplossing beschreven: wie zou hier een doorbraak forceren?")
    orde2 = [
        _ORDE2.get(
            btype, "Wat hield dit binnen de eigen organisatie tegen, en wie kan dat veranderen?"
        ),
        "Wat nemen we mee naar ons eigen team of werkoverleg, zodat de volgende casus "
        "sneller gaat?",
    ]
    orde3 = [
        _ORDE3.get(
            btype,
            "Wat moet er in wet- en regelgeving of financiering veranderen, zodat "
            "dit niet meer nodig is?",
        ),
    ]
    laws = sorted({_LAWS[d] for d in case.domains if d in _LAWS})
    if laws:
        orde3.append(
            f"Speelt hier een knelpunt in {', '.join(laws)} dat vaker voorkomt? Welk bewijs uit "
            "andere casussen hebben we om het te agenderen?"
        )
    else:
        orde3.append(
            "Komt dit vaker voor? Welk bewijs uit andere casussen hebben we om het te agenderen?"
        )
    return {1: tuple(orde1), 2: tuple(orde2), 3: tuple(orde3)}


def build_pack(title: str, theme: str, cases: Sequence[AtelierCase]) -> SessionPack:
    """A session pack for the chosen cases, each with its questions."""
    cases = tuple(cases)
    return SessionPack(
        title=title, theme=theme, cases=cases, questions=tuple(questions_for(c) for c in cases)
    )


def _strings(values: Any) -> tuple[str, ...]:
    """A list-like column value (list, tuple, numpy array or None) as a tuple of strings."""
    if values is None or isinstance(values, float):
        return ()
    return tuple(str(v) for v in values)


def case_from_record(rec: Mapping[str, Any]) -> AtelierCase:
    """An `AtelierCase` from a row dict with the published column names."""

    def text(key: str) -> str:
        value = rec.get(key)
        return "" if value is None or value != value else str(value)

    year = rec.get("year")
    return AtelierCase(
        case_id=text("case_id"),
        source_id=text("source_id"),
        municipality=text("municipality"),
        organisation=text("organisation"),
        year=None if year is None or year != year else int(year),
        narrative=text("narrative"),
        knelpunt=text("knelpunt") or text("barrier"),
        oplossing=text("oplossing") or text("solution"),
        outcome=text("outcome"),
        barrier_types=_strings(rec.get("barrier_types")),
        domains=_strings(rec.get("domains")),
        cluster_name=text("cluster_name"),
    )


def _case_heading(i: int, case: AtelierCase) -> str:
    where = ", ".join(str(p) for p in (case.municipality, case.year) if p)
    return f"Casus {i}" + (f" — {where}" if where else "")


def _case_facts(case: AtelierCase) -> list[tuple[str, str]]:
    facts = [
        ("Situatie", case.narrative),
        ("Knelpunt", case.knelpunt),
        ("Wat werkte", case.oplossing),
        ("Uitkomst", case.outcome),
        ("Soort knelpunt", ", ".join(case.barrier_types)),
        ("Leefgebieden", ", ".join(case.domains)),
        ("Organisatie", case.organisation),
        ("Patroon", case.cluster_name),
    ]
    return [(k, v) for k, v in facts if v]


INTRO = (
    "Werkvorm (90 minuten): lees per casus de situatie (5 min), bespreek de vragen van orde 1, "
    "2 en 3 (15 min per casus) en noteer aan het eind wat naar de eigen organisatie (orde 2) "
    "en naar beleid (orde 3) gaat."
)


def pack_document(pack: SessionPack) -> D.Document:
    """The session pack as one document model: one page per case, printable."""
    doc = D.Document(font_size=11)
    doc.add(
        D.Heading(pack.title, 0),
        D.Paragraph.plain(f"Thema: {pack.theme}"),
        D.Paragraph.plain(f"Datum: {pack.created}"),
        D.Paragraph.plain(INTRO),
    )
    for i, (case, questions) in enumerate(zip(pack.cases, pack.questions, strict=True), 1):
        doc.add(D.PageBreak(), D.Heading(_case_heading(i, case), 1))
        doc.add(*(D.Paragraph.labelled(label, value) for label, value in _case_facts(case)))
        for orde in (1, 2, 3):
            doc.add(D.Heading(ORDE_TITLES[orde], 2), D.Bullets(tuple(questions[orde])))
        doc.add(D.Paragraph.plain("Aantekeningen:"), D.NoteLines(4))
    doc.add(
        D.PageBreak(),
        D.Heading("Opbrengst", 1),
        D.table_of(("Wat", "Naar wie (orde 2 / orde 3)", "Wie pakt het op"), [("", "", "")] * 3),
    )
    return doc


def pack_to_markdown(pack: SessionPack) -> str:
    """The session pack as printable Markdown (rendered from `pack_document`)."""
    return D.to_markdown(pack_document(pack))


def pack_to_docx(pack: SessionPack) -> bytes:
    """The session pack as a Word document (rendered from `pack_document`)."""
    return D.to_docx(pack_document(pack))
