"""The year a case text places itself in, for records whose input gives no date.

Input of only `id` + `text` (and most published cases) has no date, so a knowledge base of it had
no trend, no years on its pattern pages and no report per period. Many texts name years ("In 2018
wordt een plan van aanpak opgesteld", "sinds 2013"); the latest year a text names is the year its
case last played. Years that are no time of the case do not count: a law's or rule's name ("Wmo
2015", "Participatiewet 2015", "Huisvestingsverordening 2018"), a birth year ("geboren in 1985"),
a count ("2000 euro", "2019 mensen"), part of a larger number ("€ 2.019", "2019,50"), of a
postcode ("2013 DE Haarlem") or of a number in groups (a phone or account number), and a year
after the build's own.

Real dev split, the 603 cases whose label has a year ("the year the case played or was
published", `data/real/README.md`), years from 2000 (`ingest.min_date`): a year for 364 (0.60),
the labelled one for 0.777 of them and within one year for 0.871 (the first year the text names:
0.577 / 0.717; the commonest: 0.519 / 0.684). Real test (268 with a year): a year for 143 (0.53),
0.762 / 0.867 (first year 0.580 / 0.699). Most years more than two off are a publication year
that the text does not name, of a case that began years before (a story of 2005 told in 2020).
Read after the gate instead, dev 0.47 / 0.57 / 0.73: the gate takes the dates away.

It is read from the text as given, before the anonymisation gate: the gate turns a full date
("10 juli 2019") into "[DATUM]", and court rulings and ombudsman reports name their year mostly in
such dates. Only the year is kept, as a number, never a date of birth or death; the text that
reaches the knowledge base is the gated one.

Plain regular expressions: no model, microseconds per case.
"""

from __future__ import annotations

import re
from datetime import date

import pandas as pd

from pipeline.core.config import IngestParams

_YEAR = re.compile(r"(?<![\d.,€])(19[5-9]\d|20\d\d)(?![\d]|[.,]\d)")
# a law's or rule's name right before the year ("Wmo 2015", "Participatiewet 2015",
# "Huisvestingsverordening 2018", "Beleidsregels bijzondere bijstand 2020")
_LAW_BEFORE = re.compile(
    r"(?:\bwmo|wet|\bwlz|verordening|regeling|beleidsregels?(?:\s+\w+){0,3}|richtlijn|akkoord"
    r"|\bpact)\s*$",
    re.IGNORECASE,
)
# a date of birth or death ("geboren op 3 mei 1985", "geb. 03-05-1985", "overleden in 2019")
_BIRTH_OR_DEATH_BEFORE = re.compile(
    r"\b(?:geboren|geb\.|geboortedatum|geboortejaar|overleden|overlijdensdatum|stierf|sterfdatum)"
    r"\s*(?::\s*)?(?:(?:in|op)\s+)?(?:\d{1,2}\s*[-/.\s]\s*(?:\d{1,2}|[a-z]+)\s*[-/.\s]\s*)?$",
    re.IGNORECASE,
)
# a count right after the number: "2000 euro", "2019 mensen"
_COUNT_AFTER = re.compile(
    r"^\s*(?:euro|eur\b|mensen|personen|huishoudens|gezinnen|kinderen|jongeren|cliënten|"
    r"daklozen|woningen|uur|km|kilometer|m2|vierkante)",
    re.IGNORECASE,
)

# part of a number written in groups, not a year: a postcode ("2013 DE Haarlem": the gate takes
# it out of the text, so its digits must not come back as a year), a phone number or an account
# number in groups ("06 2019 4455", "NL12 INGB 0001 2019 34")
_POSTCODE_AFTER = re.compile(r"^\s?[A-Z]{2}\b")
_GROUP_BEFORE = re.compile(r"\d\s$")  # a group before it ("in 2019 80 gram" is a year)


def year_range(params: IngestParams) -> tuple[int, int]:
    """The years a text may name as the case's: those of `min_date`-`max_date`, up to today's
    (a year after the build's own is a plan, not the case's time)."""
    latest = min(pd.Timestamp(params.max_date).year, date.today().year)
    return pd.Timestamp(params.min_date).year, latest


def text_years(text: str | None, earliest: int, latest: int) -> list[int]:
    """Every year from `earliest` up to `latest` that the text names as a time of the case, in
    text order."""
    text = text or ""
    years = []
    for m in _YEAR.finditer(text):
        year = int(m.group(1))
        if not earliest <= year <= latest:
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        if _LAW_BEFORE.search(before) or _BIRTH_OR_DEATH_BEFORE.search(before):
            continue
        after = text[m.end() : m.end() + 14]
        if _COUNT_AFTER.match(after) or _POSTCODE_AFTER.match(after):
            continue
        if _GROUP_BEFORE.search(before):
            continue
        years.append(year)
    return years


def text_year(text: str | None, earliest: int, latest: int) -> int | None:
    """The latest year from `earliest` up to `latest` that the text names as a time of the case,
    or None when it names none."""
    return max(text_years(text, earliest, latest), default=None)
