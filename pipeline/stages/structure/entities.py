"""Municipality and organisations named in a case text, from the lists beside this module.

`municipalities.tsv` holds every current Dutch municipality, other spellings, former
municipalities (merged ones map to their current municipality; divided ones keep their own name)
and demonyms ("Haagse", "Rotterdammer"); `organisations.tsv` holds national agencies, care
providers, housing corporations, insurers and oversight bodies. Courts, ombudsmen and ministries
with a place or subject ("Rechtbank Oost-Brabant", "Ombudsman Metropool Amsterdam", "ministerie van
VWS") are found by patterns.

A municipality mention scores by its cue: "gemeente X" and "inwoner van X" count most, "in X" /
"uit X" / a demonym less, a bare name least; a name that is also a common word or a town inside a
newer municipality (`needs_cue`) counts only after a cue, and a name inside a court's or ombudsman's
name counts little (the court sits there; the case need not play there). The case's municipality is
the best-scoring one above `min_score`. Everything is plain regular expressions over the text: no
model, a few hundred microseconds per case.
"""

from __future__ import annotations

import functools
import re
from collections import defaultdict
from dataclasses import dataclass, replace
from pathlib import Path

_HERE = Path(__file__).parent

# cue → weight, for the words right before a municipality name
_STRONG_CUE = re.compile(
    r"(?:\b[Gg]emeenten?|\b[Gg]em\.|\b[Ww]ethouders?\s+(?:van|in)|\b[Ii]nwon(?:er|ers|ster)\s+van"
    r"|\b[Bb]ewon(?:er|ers|ster)\s+van|\b[Bb]urgers?\s+van|\b[Ww]o(?:ont|onde|nen|nend|onachtig)\s+in"
    r"|\b[Rr]aad\s+van|\b[Bb]urgemeester\s+van|\b[Ii]ngeschreven\s+in"
    r"|\b(?:[Ll]oket|[Ww]ijkteam|[Ss]ociaal\s+team|[Ss]ociale\s+dienst|[Cc]ollege)\s+van)\s*$"
)
# "op Texel": the islands; "ombudsman Den Haag" / "ombudsman van Zaanstad": a municipality's own
# ombudsman hears complaints about that municipality (the Nationale ombudsman names no place)
_PLACE_CUE = re.compile(
    r"(?:\b[Ii]n|\b[Uu]it|\b[Tt]e|\b[Nn]aar|\bbij|\b[Oo]p|\(|\b[Oo]mbudsman(?:\s+van)?)\s*$"
)
# "de Haagse regio", "Rotterdamse politie", "Utrechts Nieuwsblad": an adjective before a region,
# a national body or an institution's or a paper's name
_NOT_PLACE_AFTER = re.compile(
    r"^\s+(?:regio|politie|haven|[Rr]ijn|[Mm]etropool|[Nn]ieuwsblad|[Dd]agblad|[Pp]eil|[Ff]onds"
    r"|[Mm]edisch|[Uu]niversitair|[Cc]onservatorium)"
)
# a place inside an institution's name: the institution sits there, the case need not play there
_INSTITUTION_CUE = re.compile(
    r"(?:[Rr]echtbank|[Gg]erechtshof|\b[Hh]of|[Mm]etropool|[Kk]redietbank|[Ss]tadsbank"
    r"|[Gg]eschillencommissie|[Kk]antonrechter|[Uu]niversiteit|[Hh]ogeschool|[Zz]iekenhuis|UMC"
    r"|[Rr]egio|[Pp]rovincie|[Zz]ittingsplaats|\bRb\.?)"
    r"\s+(?:van\s+|in\s+)?$"
)
# a compass district after a hyphen: "Amsterdam-Noord", "Den Haag-Zuidwest", "Utrecht-Centrum";
#   or a named one ("Amsterdam-Geuzenveld", "Rotterdam-Charlois"), unless that word is a place
#   itself ("Rechtbank Zwolle-Lelystad", "Tilburg-Waalwijk") or a region (`_REGION_TAILS`:
#   "Rotterdam-Rijnmond"): then the regex matches neither name (see `_alternation`)
_COMPASS = r"Nieuw-West|(?:Noord|Zuid)(?:oost|west)?|Oost|West|Centrum"
_NAMED_DISTRICT = r"[A-Z][a-z]{3,}"
_REGION_TAILS = frozenset(
    ("Rijnmond", "Amstelland", "Haaglanden", "Rijnland", "Midden", "Holland", "Brabant")
)
_WEIGHTS = {"strong": 3.0, "inhabitant": 2.0, "place": 1.5, "bare": 1.0, "institution": 0.5}

_OVERSIGHT_PATTERNS = (
    r"[Rr]echtbank\s+(?:[A-Z][\w'-]+(?:[ -](?:[A-Z][\w'-]+))?)",
    r"(?:[Gg]erechts)?[Hh]of\s+(?:van\s+)?"
    r"(?:Amsterdam|Den Haag|Arnhem-Leeuwarden|'s-Hertogenbosch)",
    r"(?:[Gg]emeentelijke\s+)?[Oo]mbudsman\s+"
    r"(?:Metropool\s+Amsterdam|Rotterdam-Rijnmond|[A-Z][\w'-]+)",
    r"[Gg]emeentelijke\s+[Oo]mbudsman",
    r"(?:[A-Z][\w]+se\s+)(?:[Oo]mbudsman|[Kk]inderombudsman)",
    r"(?:[Jj]eugd|[Kk]inder)ombudsman\s+(?:[A-Z][\w'-]+(?:\s+Haag)?)",
    r"[Mm]inisterie\s+van\s+(?:SZW|VWS|BZK|OCW|JenV|J&V|Financiën|Sociale\s+Zaken(?:\s+en\s+Werkgelegenheid)?"
    r"|Volksgezondheid(?:,\s+Welzijn\s+en\s+Sport)?|Binnenlandse\s+Zaken(?:\s+en\s+Koninkrijksrelaties)?"
    r"|Justitie(?:\s+en\s+Veiligheid)?|Onderwijs(?:,\s+Cultuur\s+en\s+Wetenschap)?)",
)
_CORPORATION = re.compile(r"(?:[Ww]oning)?[Cc]orporatie\s+((?:[A-Z][\w·'-]+)(?:\s+[A-Z][\w·'-]+)?)")
# "Rb Amsterdam", "Rb. Noord-Holland": a case note's court, published as "Rechtbank ..."
_COURT_ABBREVIATION = re.compile(r"\bRb\.?\s+([A-Z][\w'-]+(?:[ -][A-Z][\w'-]+)?)")
# "gemeente Amsterdam", "Gemeente Súdwest-Fryslân": the municipality as an organisation the case
# deals with (kind "municipality": never the case's main organisation, which counts the other
# bodies a pattern spreads over; the municipality has its own column)
_MUNICIPAL_BODY = re.compile(r"\b[Gg]emeente\s+(?=[A-Z'])")


@dataclass(frozen=True)
class _Place:
    municipality: str  # what we publish: the current name, or the former name if it was divided
    needs_cue: bool
    demonym: bool = False  # "Haagse", "Rotterdammer": itself a cue that the case plays there


def _read_tsv(path: Path) -> list[dict[str, str]]:
    rows = [ln for ln in path.read_text("utf-8").splitlines() if ln and not ln.startswith("#")]
    header = rows[0].split("\t")
    width = len(header)
    return [
        dict(zip(header, (r.split("\t") + [""] * width)[:width], strict=True)) for r in rows[1:]
    ]


def _alternation(names, districts: bool = False) -> re.Pattern[str]:
    """One regex over all names (longest first), as whole words. With `districts` a name may
    carry a district ("Amsterdam-Noord", "Rotterdam-Zuid") or an adjective's "s" ("een
    Rotterdams stel"; group "adj", see `s_adjective_places`); group "name" is the name alone."""
    alts = "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    tail = ""
    if districts:
        # a named district is no place of its own nor a region ("Zwolle-Lelystad" names neither)
        not_district = "|".join(
            sorted({n for n in names if re.fullmatch(_NAMED_DISTRICT, n)} | _REGION_TAILS)
        )
        district = rf"{_COMPASS}|(?!(?:{not_district})(?![\w-])){_NAMED_DISTRICT}"
        tail = rf"(?P<adj>s)?(?:-(?:{district}))?"
    return re.compile(rf"(?<![\w'-])(?P<name>{alts}){tail}(?![\w-])")


@functools.lru_cache(maxsize=1)
def _place_table() -> tuple[dict[str, _Place], frozenset[str]]:
    """One pass over municipalities.tsv: surface form → place (with the regular adjectives,
    "Almelose"), and the names whose adjective before a neuter noun is the name and "s" ("een
    Rotterdams stel"): those that take "-se" and do not end in "s". The place regex matches that
    "s" as an optional suffix (a second alternative per name would slow every text down)."""
    places: dict[str, _Place] = {}
    s_adjectives: set[str] = set()
    for row in _read_tsv(_HERE / "municipalities.tsv"):
        name, kind = row["name"], row["kind"]
        target = row["municipality"] or name
        needs = row["needs_cue"] == "yes"
        places[name] = _Place(target, needs, kind == "demonym")
        if kind == "current" and " " not in name and not name.endswith(("e", "a", "o")):
            places.setdefault(f"{name}se", _Place(target, False, True))  # Tilburgse, Amersfoortse
            if not name.endswith("s"):
                s_adjectives.add(name)
    return places, frozenset(s_adjectives)


def load_places() -> dict[str, _Place]:
    """Surface form → place, from municipalities.tsv plus regular adjectives ("Almelose")."""
    return _place_table()[0]


def s_adjective_places() -> frozenset[str]:
    """Names whose "s" form is an adjective before a neuter noun ("een Utrechts gezin")."""
    return _place_table()[1]


@functools.lru_cache(maxsize=1)
def municipality_aliases() -> dict[str, str]:
    """Folded name → the municipality we publish (for comparing labels with predictions)."""
    from pipeline.core.text import fold

    return {
        " ".join(fold(k).replace("-", " ").split()): v.municipality
        for k, v in load_places().items()
    }


_MUNICIPALITY_CELL_NOISE = re.compile(
    r"^(?:de\s+)?(?:gemeente|gem\.?)\s+|\s*\((?:[a-z]{1,4}\.?|[a-z]+)\)$"
)


def canonical_municipality(cell: str | None) -> str | None:
    """A municipality cell as we publish its name: "gemeente zwolle", "ZWOLLE", "Gem. Zwolle"
    and "Den Bosch" become "Zwolle" and "'s-Hertogenbosch", so that a pattern's spread counts
    each municipality once; a cell that names none of the list (a district, a region) stays as
    typed; None stays None."""
    if cell is None or (isinstance(cell, float) and cell != cell) or not str(cell).strip():
        return None
    from pipeline.core.text import fold

    known = municipality_aliases()
    key = " ".join(fold(str(cell)).replace("-", " ").split())
    if key in known:  # "Hengelo (Gld)" is a former municipality of its own
        return known[key]
    return known.get(_MUNICIPALITY_CELL_NOISE.sub("", key).strip(), str(cell).strip())


@functools.lru_cache(maxsize=1)
def place_regex() -> re.Pattern[str]:
    return _alternation(load_places(), districts=True)


@functools.lru_cache(maxsize=1)
def load_organisations() -> tuple[dict[str, tuple[str, str]], re.Pattern[str]]:
    """Surface form → (published name, kind) and one regex over all surface forms."""
    forms: dict[str, tuple[str, str]] = {}
    for row in _read_tsv(_HERE / "organisations.tsv"):
        for form in [row["name"], *[a for a in row["aliases"].split("|") if a]]:
            forms[form] = (row["name"], row["kind"])
    return forms, _alternation(forms)


# a place right after a capitalised word inside a sentence is part of a name ("NPI Amsterdam",
# "Inholland Rotterdam", "Opvangcentrum Purmerend", "KOLB (Gouda)"), unless that word is the
# municipality's own body
_NAME_BEFORE = re.compile(r"(?<=[\w)]\s)(?:[A-Z][\w&'-]*|[a-z]+[A-Z][\w-]*)\s+\(?$")
_LIST_GLUE = re.compile(r"\s*(?:,|,?\s+(?:en|of))\s*")
_OWN_BODY = re.compile(
    r"(?:[Gg]emeente|[Ww]ijkteam|[Ll]oket|[Tt]eam|[Dd]ienst|[Oo]mbudsman|[Rr]aad|[Cc]ollege)\s+$"
)


def _listed_places(text: str, ms: list[re.Match[str]]) -> set[int]:
    """Start offsets of the place matches `ms` named in a list of three or more ("Alblasserdam,
    Dordrecht, Papendrecht of Zwijndrecht"): a list names a region, not where the case plays."""
    out: set[int] = set()
    run = ms[:1]
    for prev, m in zip(ms, ms[1:], strict=False):
        if _LIST_GLUE.fullmatch(text, prev.end(), m.start()):
            run.append(m)
            continue
        if len(run) >= 3:
            out.update(x.start() for x in run)
        run = [m]
    if len(run) >= 3:
        out.update(x.start() for x in run)
    return out


def _scores_and_first(text: str) -> tuple[dict[str, float], dict[str, int]]:
    """Per municipality: its score, and the offset where the text first names it."""
    places = load_places()
    scores: dict[str, float] = defaultdict(float)
    first: dict[str, int] = {}
    ms = list(place_regex().finditer(text))
    listed = _listed_places(text, ms) if len(ms) >= 3 else set()
    for m in ms:
        place = places[m.group("name")]
        if m.group("adj"):
            if m.group("name") not in s_adjective_places():
                continue
            place = replace(place, demonym=True)
        first.setdefault(place.municipality, m.start())
        if m.start() in listed:
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        if place.demonym and _NOT_PLACE_AFTER.match(text[m.end() : m.end() + 20]):
            continue
        if _NAME_BEFORE.search(before) and not _OWN_BODY.search(before):
            cue = "institution"
        elif _INSTITUTION_CUE.search(before):  # also "kantonrechter in X": the court's seat
            cue = "institution"
        elif _PLACE_CUE.search(before) and not _STRONG_CUE.search(before):
            cue = "place"
        elif _STRONG_CUE.search(before):
            cue = "strong"
        elif place.demonym:
            cue = "inhabitant"
        elif _PLACE_CUE.search(before):
            cue = "place"
        else:
            cue = "bare"
        if place.needs_cue and cue in ("bare", "institution"):
            continue
        scores[place.municipality] += _WEIGHTS[cue]
    return dict(scores), first


def municipality_scores(text: str) -> dict[str, float]:
    """Score of each municipality the text names (higher = more surely where the case plays)."""
    return _scores_and_first(text)[0]


def find_municipality(text: str, min_score: float) -> str | None:
    """The municipality where the case plays, or None when the text names none surely enough.

    Ties go to the municipality named first.
    """
    scores, first = _scores_and_first(text)
    if not scores:
        return None
    best = max(scores.values())
    if best < min_score:
        return None
    return min((name for name, v in scores.items() if v == best), key=first.__getitem__)


@functools.lru_cache(maxsize=1)
def _pattern_regex() -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in _OVERSIGHT_PATTERNS))


def find_organisations(text: str) -> list[tuple[str, str]]:
    """(name, kind) of each organisation the text names, in order of first mention."""
    forms, regex = load_organisations()
    found: list[tuple[int, int, str, str]] = []
    for m in regex.finditer(text):
        name, kind = forms[m.group(0)]
        found.append((m.start(), m.end(), name, kind))
    for m in _pattern_regex().finditer(text):
        found.append((m.start(), m.end(), " ".join(m.group(0).split()), "oversight"))
    for m in _CORPORATION.finditer(text):
        found.append((m.start(1), m.end(1), m.group(1), "housing"))
    for m in _COURT_ABBREVIATION.finditer(text):
        found.append((m.start(), m.end(), f"Rechtbank {m.group(1)}", "oversight"))
    places, place_re = load_places(), place_regex()
    for cue in _MUNICIPAL_BODY.finditer(text):
        m = place_re.match(text, cue.end())
        place = places.get(m.group("name")) if m else None
        if m and place and not place.demonym and not m.group("adj"):
            found.append((cue.start(), m.end(), f"gemeente {place.municipality}", "municipality"))
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    covered: list[tuple[int, int]] = []
    # longest match first at each position; a name inside a longer one is not a second name
    for start, end, name, kind in sorted(found, key=lambda t: (t[0], t[0] - t[1])):
        if any(a <= start < b for a, b in covered):
            continue
        covered.append((start, end))
        if name not in seen:
            seen.add(name)
            out.append((name, kind))
    return out


def main_organisation(organisations: list[tuple[str, str]]) -> str | None:
    """The organisation the case is about: the first one named that is not an oversight body,
    the police or the municipality itself; else the first oversight body."""
    for name, kind in organisations:
        if kind not in ("oversight", "police", "municipality"):
            return name
    for name, kind in organisations:
        if kind == "oversight":
            return name
    return None
