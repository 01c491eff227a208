"""Anonymise stage: the Dutch personal-data gate.

Reads free-text case narratives and returns the same text with everything that identifies a
person replaced by a placeholder ("[PERSOON-1]", "[BSN]", "[ADRES]", ...), together with the
spans it replaced (offsets into the *input* text).

How it decides:
- Structured identifiers come from own rules with checksums: BSN (11-proef, a 9-digit number
  that fails the check is kept), IBAN (mod-97; also a Dutch IBAN the writer partly masked),
  Dutch phone formats (spaces, dots, any dash, "+31 (0)6", area codes in brackets), e-mail, URL,
  social-media handles, postcode, street + house number (with toevoegingen; lower-case streets
  from deduce's street list), dates (with or without year; "12/3", and "12-3" after a cue;
  birth dates when a cue such as "geboren"/"geb." precedes), licence plates (Dutch sidecodes, any
  case) and client/case numbers after a cue word ("dossiernr", "V-nummer", "CAK-nummer", "ref-").
- Person names come from ``deduce`` (Dutch lists of first names and surnames), minus its known
  false persons (sentence-initial Dutch words, place, organisation and law names, professions
  used as professions, placeholders), plus names its lists miss, found by context: a cue before
  ("zoon", "zegt", "Groet,", "ik ben", "mevrouw"), an age after ("Daan (7)"), a report verb after
  ("Bos vertelde"), quotes, two name-like words in a row, letters no Dutch word has, the gate's
  own first-name and surname lists (pipeline/core/data/anonymise_*.txt), lower-case names
  ("sanne de vries", "mevrouw jansen", "naam: ..."), and other mentions of a name already found.
- Money amounts, months/years, ages, article numbers, municipality, organisation and law names
  and roles are never touched.
- Within one text the same person gets the same number.

Guarantees: pure functions of their input (no file or network I/O after start-up, no logging of
text), offsets always point into the input, never raises on odd input (empty, huge, HTML,
unicode); a non-``str`` input raises ``TypeError``. A missing, unreadable or empty word list
(deduce's or the gate's own) raises ``GateListError`` at start-up instead of a weaker gate.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
import logging
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.core.text import MONTH_ABBREVIATIONS, compound_splits, fold, spacing_view

LABELS = (
    "PERSOON",
    "BSN",
    "IBAN",
    "TELEFOON",
    "EMAIL",
    "ADRES",
    "POSTCODE",
    "GEBOORTEDATUM",
    "DATUM",
    "KENTEKEN",
    "URL",
    "KLANTNUMMER",
    "ACCOUNT",
)

# Overlapping candidates: the higher priority wins, then the longer span.
_PRIORITY = {
    "EMAIL": 9,
    "URL": 8,
    "IBAN": 8,
    "BSN": 7,
    "TELEFOON": 7,
    "KLANTNUMMER": 6,
    "KENTEKEN": 6,
    "ACCOUNT": 6,
    "GEBOORTEDATUM": 5,
    "DATUM": 4,
    "POSTCODE": 4,
    "ADRES": 3,
    "PERSOON": 2,
}

# deduce is fed text in pieces of at most this many characters (bounds its memory on 1 MB input).
_CHUNK = 20_000


@dataclass(frozen=True)
class Span:
    """One replaced piece of the input text.

    ``text`` is the original string; it exists for evaluation and must never be logged.
    """

    start: int
    end: int
    label: str
    replacement: str
    text: str


@dataclass(frozen=True)
class AnonResult:
    """Anonymised text plus the spans (offsets into the input) that were replaced."""

    text: str
    spans: tuple[Span, ...]


# ----------------------------------------------------------------------------------------------
# Checksums
# ----------------------------------------------------------------------------------------------
def eleven_check(digits: str) -> bool:
    """Return True if a 9-digit string passes the BSN 11-proef."""
    if len(digits) != 9 or not digits.isdigit() or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    return (total - int(digits[8])) % 11 == 0


def iban_valid(iban: str) -> bool:
    """Return True if a compact IBAN passes the mod-97 check."""
    iban = iban.upper()
    if not (15 <= len(iban) <= 34) or not re.fullmatch(r"[A-Z]{2}\d{2}[A-Z0-9]+", iban):
        return False
    if iban.startswith("NL") and len(iban) != 18:
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


# ----------------------------------------------------------------------------------------------
# Regular expressions for structured identifiers
# ----------------------------------------------------------------------------------------------
# A top-level domain glued to more characters ("ziggo.nl2") is still an address: the residual
# check's regex (ingest/expectations.py) has no word boundary there either.
_EMAIL_RE = re.compile(
    r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[A-Za-z]{2,12}[\w-]*"
)
# An address written out against spam bots: "jansen(at)hotmail.com", "j.jansen [at] gemeente
# [dot] nl", "jansen(apenstaartje)ziggo(punt)nl", or with a space beside a plain at sign
# ("jan.jansen @ gmail.com"); the domain ends in a top-level domain.
_AT_WORD = r"(?:\(at\)|\[at\]|\{at\}|\(apenstaartje\)|\[apenstaartje\]| @|@ )"
_AT = rf"[ \u00a0]?{_AT_WORD}[ \u00a0]?"
_DOT = r"[ \u00a0]?(?:\.|\(dot\)|\[dot\]|\(punt\)|\[punt\])[ \u00a0]?"
_AT_WRITTEN_OUT_RE = re.compile(f"(?i){_AT_WORD}")  # cheap to look for first
_EMAIL_WRITTEN_OUT_RE = re.compile(
    rf"(?i)(?<![\w.+-])[\w.+-]{{1,64}}{_AT}[\w-]{{1,63}}(?:{_DOT}[\w-]{{1,63}})*"
    rf"{_DOT}(?:nl|com|org|net|be|eu|de|info|nu|online|email)(?![\w-])"
)
# Social-media handles ("@sanne_dv", "insta @kiki.xo"); an e-mail address holds no handle.
_HANDLE_RE = re.compile(r"(?<![\w@./])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?![\w@])")
_URL_RE = re.compile(
    r"(?:\b(?:https?://|www\.)[^\s<>\"'\]\[]+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|nl|org|net|be|eu|de|io|info|me|tv)/[^\s<>\"'\]\[]*)",
    re.IGNORECASE,
)
# groups apart by a space, a hyphen or a dot ("NL91-ABNA-0417-1643-00") or none
_IBAN_RE = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ \u00a0.-]?[A-Za-z0-9]{1,4}){3,8}\b")
# A Dutch IBAN the writer partly masked ("NL91 ABNA 04xx xxx3 00"): the visible digits still
# identify the account.
_IBAN_MASKED_RE = re.compile(
    r"(?i)\bNL[\dx*]{2}[ \u00a0]?[A-Z]{4}(?:[ \u00a0]?[\dx*]){10}(?![\w*])"
)
_NL_IBAN_SHAPE = re.compile(r"NL\d{2}[A-Z]{4}\d{10}", re.IGNORECASE)
_BSN_RE = re.compile(
    r"(?<![\d.,\-/])(\d{4}\.\d{2}\.\d{3}|\d{3}\.\d{3}\.\d{3}|\d{3} \d{3} \d{3}|\d{4} \d{2} \d{3}"
    r"|\d{9})(?![\d]|[.,]\d)"
)
_BSN_CUE_RE = re.compile(
    r"(?i)(?:\bbsn|burgerservicenummer|sofi-?(?:nummer|nr))\W{0,6}(\d{8})(?!\d)"
)
# At most one separator between two digits: a space, a dash of any kind with or without spaces
# around it, a dot, or the ")" of an area code ("06.12.34.56.78", "06–12345678",
# "070 - 123 45 67", "+31 (0)6 ...", "(058) 212 34 56").
_SP = r"[ \u00a0]"
_DASH = r"[\-–—.]"
_PHONE_RE = re.compile(
    rf"(?<![\w+/.,])(?:(?:\+|00)31{_SP}?{_DASH}?{_SP}?(?:\(0\){_SP}?{_DASH}?{_SP}?)?|\(?0)"
    rf"[1-9](?:(?:{_SP}?{_DASH}{_SP}?|{_SP}|\){_SP}?)?\d){{8}}(?![\d])"
)
# the area code and the number apart by a slash, once: ten digits in all ("06/12345678"; a date
# "12/03/2020" has a second slash, "1/3" too few digits)
_PHONE_SLASH_RE = re.compile(
    rf"(?<![\w+/.,])0[1-9]\d{{0,2}}{_SP}?/{_SP}?\d(?:{_SP}?\d){{5,7}}(?![\d/])"
)
# a foreign number: "+" or "00" and a country code other than 31, then 7 to 12 digits in groups
# ("+48 512 345 678", "0032 470 12 34 56", "+1 (212) 555-0123")
_INTL_PHONE_RE = re.compile(
    rf"(?<![\w+/.,])(?:\+|00)(?!31)[1-9]\d{{0,2}}(?:(?:{_SP}?{_DASH}{_SP}?|{_SP})?\(?\d+\)?){{1,6}}"
    r"(?![\d])"
)
_POSTCODE_RE = re.compile(r"(?<![\w€.,/-])([1-9]\d{3})( ?|-)([A-Za-z]{2})(?![\w-])")
# address context just before a postcode: a cue word or a house number ("Kerkstraat 12, ")
_POSTCODE_CUE_RE = re.compile(
    r"(?i)(?:postcode|adres|woonplaats|\b\d{1,5}(?:[a-z]|-\w{1,3}|\s[a-z])?)\W{0,4}$"
)
_POSTCODE_BAD = {"SA", "SD", "SS"}
# a year right before: "over 2018, 2019 en 2020" lists years, no house number and postcode
_YEAR_BEFORE_RE = re.compile(r"\b(?:19|20)\d\d\W{1,4}$")
_POSTCODE_LOWER_BAD = {
    "mg", "kg", "km", "cm", "mm", "ml", "gr", "ie", "st", "nd", "rd", "th", "jr", "pm", "am",
    "de", "en", "in", "op", "te", "is", "na", "om", "al", "of", "er", "ze", "we", "nu", "zo",
}  # fmt: skip
# upper-case pairs that after a number are usually units or abbreviations, unless an address
# context says otherwise
_POSTCODE_UPPER_BAD = {"EU", "NL", "BV", "NV", "CV", "KG", "MB", "GB", "KM", "CM", "MM", "ML"}

_STREET_SUFFIX = (
    r"(?:straat|str\.|laan|weg|kade|gracht|plein|singel|dijk|dreef|hof|park|pad|steeg|markt|diep"
    r"|dam|baan|wal|erf|veld|ring|plantsoen|boulevard|allee|haven|kanaal|burgwal|oord|veste|zoom"
    r"|linie|hoeve|akker|gaarde|wende|donk|horst|straatweg|dwarsstraat|rade|stede)"
)
_CAP = r"[A-ZÀ-Þ][\w'’\-]*"
_NAME_TOKEN = r"(?:[A-ZÀ-Þ][\w'’.\-]*|van|de|der|den|het|'t|ter|ten)"
_HOUSE_NUMBER = (
    r"\d{1,5}(?:-\d{1,3}(?!\d)|-(?:I{1,3}|IV|hs|bis|[A-Za-z])(?![\w])|(?:bis|hs|[a-zA-Z])(?![\w])"
    r"|\s(?:hs|bis|[A-Z])(?![\w.])|\s[a-d](?![\w.]))?"
)
_STREET_RE = re.compile(
    rf"(?<![\w])(?:(?:[1-9]e|{_CAP})\s+(?:{_NAME_TOKEN}\s+){{0,3}}[A-ZÀ-Þ][\w'’\-]*?{_STREET_SUFFIX}"
    rf"|[A-ZÀ-Þ][\w'’\-]*?{_STREET_SUFFIX}"
    rf"|(?:Laan|Weg|Plein|Kade|Singel|Hof|Dreef)\s+(?:(?:van|de|der|den|het|'t|op|ter|ten)\s+)+{_CAP})"
    rf"\s+{_HOUSE_NUMBER}(?![\d]|[.,]\d|\s(?:jaar|jr|euro|mnd|maanden|weken|dagen|%))"
)
_TOEVOEGING_RE = re.compile(
    r"(?:-\d{1,3}(?!\d)|-(?:I{1,3}|IV|hs|bis|[A-Za-z])(?![\w])|\s(?:hs|bis|[A-Z])(?![\w.])"
    r"|\s[a-d](?![\w.]))"
)

_MONTHS = (
    r"(?:januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    r"|Januari|Februari|Maart|April|Mei|Juni|Juli|Augustus|September|Oktober|November|December"
    r"|(?:jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?)"  # a dot only after "jan."
)
_WEEKDAY = (
    r"(?:(?:maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag|zondag"
    r"|ma|di|wo|do|vr|za|zo)\.?\s+)?"
)
_DATE_RES = (
    # 03-03-1987, 3/3/87, 03.03.1987 (same separator twice)
    re.compile(
        r"(?<![\d.,/\-])(?:0?[1-9]|[12]\d|3[01])([\-/.])(?:0?[1-9]|1[0-2])\1(?:(?:19|20)\d{2}|'?\d{2})"
        r"(?![\d]|[.,]\d)"
    ),
    # 1987-03-03
    re.compile(r"(?<![\d.,/\-])(?:19|20)\d{2}-(?:0?[1-9]|1[0-2])-(?:0?[1-9]|[12]\d|3[01])(?!\d)"),
    # (maandag) 3 maart (1987 / '87): a day and a month, with or without a year
    re.compile(
        rf"(?<![\w.,])(?i:{_WEEKDAY})(?:0?[1-9]|[12]\d|3[01])(?:e|ste|de)?\s+{_MONTHS}"
        r"(?:\s+(?:(?:19|20)\d{2}|'\d{2}))?(?![\w])"
    ),
)
# "12/3", "12-3": day and month, no year (see _find_short_dates for when this is a date)
_SHORT_DATE_RE = re.compile(
    r"(?<![\w€$.,/\-:])(0?[1-9]|[12]\d|3[01])([/\-])(?:0?[1-9]|1[0-2])(?![\w/\-]|[.,]\d)"
)
# a weekday in front belongs to the date ("vr 15/9"); matched backwards from the day
_WEEKDAY_BEFORE_RE = re.compile(
    r"(?i)(?<![\w])(?:ma|di|wo|do|vr|za|zo|maandag|dinsdag|woensdag|donderdag|vrijdag|zaterdag"
    r"|zondag)\.?\s+\Z"
)
_SHORT_DATE_UNIT_RE = re.compile(
    r"(?i)\s*(?:%|procent|deel|delen|van\s+de|van\s+het|keer|x\b|uur|u\b|min|minuten|dag|dagen"
    r"|week|weken|wk|mnd|maand|maanden|jaar|jr|kinderen|kids|personen|pers|euro|eur|€|punten"
    r"|km|kilo|kg|stuks|nachten|sessies|gesprekken|afspraken)"
)
_SHORT_DATE_NOT_RE = re.compile(
    r"(?i)(?:\b(?:art|artikel|lid|nr|nummer|hoofdstuk|par|paragraaf|versie|groep|klas|stand|score"
    r"|uitslag|bus|lijn|tram|kamer|blok|pagina|blz|p|maat)\.?|[€$#])\s*$"
)
_SHORT_DATE_CUE_RE = re.compile(
    r"(?i)(?:\b(?:op|per|vanaf|van|tot|t/m|tm|sinds|na|voor|d\.?d\.?|datum|afspraak|gesprek"
    r"|overleg|huisbezoek|bezoek|zitting|vandaag|gisteren|morgen|uiterlijk|deadline|om|over"
    r"|brief|mail|bericht|melding|intake)\.?|:)\s*$"
)
# a cue is a word of its own: not the "geb" inside "aangeboden", "gebruik" or "gebied"
_BIRTH_CUE_RE = re.compile(
    r"(?i)(?:(?<!\w)(?:geboren|geboortedatum|geboortedat\.?|geb\.?\s?datum|geb\.|geb(?!\w)"
    r"|d\.o\.b\.?|dob(?!\w))|°)[^.!?\n]{0,25}$"
)

_PLATE_L = r"[BDFGHJKLMNPRSTVXZ]"
_PLATE_RE = re.compile(
    r"(?<![\w\-])(?:"
    + "|".join(
        p.replace("X", _PLATE_L).replace("9", r"\d")
        for p in (
            "XX-99-99",
            "99-99-XX",
            "99-XX-99",
            "XX-99-XX",
            "XX-XX-99",
            "99-XX-XX",
            "99-XXX-9",
            "9-XXX-99",
            "XX-999-X",
            "X-999-XX",
            "XXX-99-X",
            "X-99-XXX",
            "9-XX-999",
            "999-XX-9",
        )
    )  # fmt: skip
    + r")(?![\w\-])",
    re.IGNORECASE,  # "xx-123-b": the sidecodes hold no vowels, so Dutch words do not match
)
_PLATE_CUE_RE = re.compile(
    r"(?i)\bkenteken(?:nummer)?\s*[:.]?\s*([A-Z0-9]{2,3}-?[A-Z0-9]{2,3}-?[A-Z0-9]{1,3})\b"
)

_CLIENT_CUE_RE = re.compile(
    r"(?i)\b(?:klant|cli[eë]nt|dossier|zaak|relatie|registratie|referentie|aanvraag|beschikking"
    r"|debiteur|polis|verzekerden|huurder|contract|lid|pati[eë]nt|casus|melding|cjib|burger"
    r"|v|vreemdelingen|a|administratie|cak|uwv|svb|duo|ind|coa|bezwaar|aanslag|factuur"
    r"|machtiging|verzekerings|zorgpas|insolventie|rekest|parket|personeels|toeslag|vordering)"
    r"[\s\-]?(?:nummers?|nrs?\.?|no\.?|#)"
    r"|\b(?:ons|uw)?\s?kenmerk|\bdossier(?=\s*[:#]?\s*[A-Z]{0,4}[\-/]?\d)|\bbetalingskenmerk"
    r"|\bvnr\b|\bref(?:erentie)?\b(?=[\s\-.:#]{0,3}[A-Z]{0,5}[\-/]?\d)"
    r"|\bnr\.?(?=\s*[:#]?\s*\d{6,})"  # "CAK-schuld, nr 2024118830"
)
# The number may follow a dash ("ref-111222333"), an agency or a word ("klantnummer UWV 884...",
# "v-nr partner 345...").
# "dossiernr is DH-20417", "dossiernummer gemeente: SD-2024-11873", "zaaknummer: ROT 24/5127"
_CLIENT_ID_RE = re.compile(
    r"(?:\s+(?:is|was)\b)?"
    r"(?:\s+(?:bij\s+|van\s+(?:het\s+|de\s+)?)?(?:[A-Z]{2,6}|[a-zë]{2,12}|[A-Z][a-zë]{2,15})"
    r"(?=(?:\s+|\s*[:#.]\s*)[A-Za-z]{0,5}[\-/]?\d))?"
    r"[\s\-]*[:#.]?\s*("
    r"\d{1,6}(?:\s\d{1,5}){1,4}(?![\w\-/]|[.,]\d)"  # in spaced groups: "2024 0000 4471 8823"
    r"|(?:[A-Z]{2,5}\s(?=\d))?(?=[\w./\-]*\d)[A-Za-z0-9][\w./\-]*[A-Za-z0-9])"
)

_MONEY_RE = re.compile(
    r"(?:€|\bEUR\b|\beuro\b)\s?-?\d[\d.,]*(?:,-{1,2})?"
    r"|\b\d[\d.]*(?:,\d{1,2}|,-{1,2})?\s?(?:euro|EUR|€)(?![\w])"
    r"|\b\d[\d.]*,-{1,2}",
    re.IGNORECASE,
)
_PLACEHOLDER_RE = re.compile(r"\[[^\[\]\n]{1,40}\]")

# ----------------------------------------------------------------------------------------------
# Word lists for filtering false persons (general Dutch; not tied to any test set)
# ----------------------------------------------------------------------------------------------
_SENTENCE_WORDS = set(
    """
    aan achter af al alle alleen als alsnog altijd anders bij binnen boven buiten daar daarbij
    daarna daarom daardoor daarmee daarnaast daarop dan dat de deze die dit door doordat dus
    een eerder eerst elke en enkele er erna even gelukkig graag hier hierbij hierdoor hiermee
    helaas hij hoe hoewel hun ik in inmiddels intussen is je ja jammer kort later langs maar
    meer meestal met meteen mogelijk na naar naast nadat natuurlijk net niet nog nooit nu of
    ofwel omdat om ondanks onder ook op over pas per samen sinds sindsdien snel soms steeds
    tegen terwijl thuis toch toen tot tussen uit uiteindelijk vaak van vandaag vanaf vanuit
    veel verder via vervolgens volgens voor voordat vooral waar waardoor wanneer want waren was
    wat we wel werd weer wie wij zelf zij ze zo zoals zonder zowel morgen gisteren nadien
    daaropvolgend tenslotte ten slotte bovendien echter ook nou oké ok goed mooi prima fijn
    eindelijk plots plotseling opeens zodra zolang zodat wegens dankzij namens zeker wellicht
    misschien blijkbaar kennelijk helemaal bijna nauwelijks zelfs vanwege
    straks vooraf achteraf nergens overal ergens tevens eveneens voorheen vroeger destijds
    tegenwoordig alvast binnenkort onlangs laatst zojuist nogmaals opnieuw wederom hopelijk
    uiteraard vermoedelijk waarschijnlijk ineens direct dadelijk voortaan kortom vandaar
    derhalve bijvoorbeeld noch evenmin evenwel weliswaar immers trouwens overigens althans
    namelijk ofschoon daarentegen desondanks toentertijd momenteel nogal vrijwel ruim
    """.split()
)
# Words that are both a Dutch profession/common noun and a common surname.
_PROFESSION_SURNAMES = set(
    """
    bakker visser kok schilder timmerman koster slager molenaar smid smit boer koning mulder
    metselaar schipper kuiper brouwer snijder kramer verver wever schoenmaker herder jager
    dekker koopman keizer prins graaf ridder baron schouten schout burgemeester meester
    dokter knecht boekhouder kapper hovenier tuinman
    """.split()
)
_PROFESSION_CONTEXT = {
    "als", "de", "een", "het", "die", "deze", "onze", "hun", "zijn", "haar", "bij", "naar",
    "geen", "andere", "elke", "iedere", "welke", "was", "is", "wordt", "werd",
}  # fmt: skip
_TITLES = {
    "mevrouw", "mevr", "mw", "mej", "meneer", "mijnheer", "dhr", "heer", "hr", "dr", "drs",
    "ir", "ing", "mr", "prof", "ds", "cliënt", "client", "cliënte", "cliente", "betrokkene",
    "zoon", "dochter", "moeder", "vader", "partner", "ex-partner", "ex", "broer", "zus",
    "oma", "opa", "tante", "oom", "neef", "nicht", "huisarts", "collega", "gezin", "familie",
    "casus", "dossier", "kind", "kinderen", "echtgenoot", "echtgenote", "buurman", "buurvrouw",
    "vriend", "vriendin", "man", "vrouw",
}  # fmt: skip
# Forms of address: a word after one of these is a name, whatever else it could mean.
_HONORIFICS = {
    "mevrouw", "mevr", "mw", "mej", "meneer", "mijnheer", "dhr", "heer", "hr", "dr", "drs", "ir",
    "ing", "mr", "prof", "ds", "fam",
}  # fmt: skip
# Role and case words that deduce sometimes pulls into a name ("Woonconsulent Esra Çelik").
_ROLE_WORDS = set(
    """
    woonconsulent consulent regisseur casusregisseur schuldhulpverlener schuldhulp
    wijkverpleegkundige jeugdconsulent bewindvoerder mentor begeleider trajectbegeleider
    reclasseringswerker reclassering leerplichtambtenaar praktijkondersteuner wijkagent
    hulpverlener maatschappelijk werker medewerker contactpersoon leeratelier casusbespreking
    melding aanmelding gesprek afspraak overleg onderwerp situatie knelpunt oplossing
    naam adres telefoon kort dossier gezin familie ex-partner verwijzer sociaal wijkteam
    rechter voorzieningenrechter kantonrechter kinderrechter bestuursrechter strafrechter
    """.split()
)
# Cues before a first name typed in lower case in a hurried note ("zus naima", "hoi rachid").
_LOWER_NAME_CUE_RE = re.compile(
    r"(?i)\b(?:zus|broer|zoon|dochter|moeder|vader|partner|vriend|vriendin|oma|opa|neef|nicht"
    r"|tante|oom|hoi|hallo|beste|dag|met|ouders van|namens|mw\.?|dhr\.?|cliënt|client)\s+$"
)
_INTERFIXES = {
    "van", "de", "der", "den", "het", "'t", "ter", "ten", "te", "op", "in", "aan", "bij", "uit",
    "von", "zu", "zur", "la", "le", "du", "da", "di", "dos", "del", "el", "al", "d'", "l'",
}  # fmt: skip
# Word lists kept as data (pipeline/core/data/anonymise_*.txt): organisations, places, laws
# and brands that are never persons; first names and surnames from other countries than deduce's
# lists cover; cue words before a name; verbs after one.
_DATA = Path(__file__).parent / "data"
_KEEP_FILE = _DATA / "anonymise_keep.txt"
_FIRST_NAMES_FILE = _DATA / "anonymise_first_names.txt"
_SURNAMES_FILE = _DATA / "anonymise_surnames.txt"
_CUES_FILE = _DATA / "anonymise_cues.txt"
_VERBS_FILE = _DATA / "anonymise_verbs.txt"
_PERSON_VERBS_FILE = _DATA / "anonymise_person_verbs.txt"
_WORDS_FILE = _DATA / "anonymise_words.txt"
# Report verbs: after one of these even a Dutch word at the start of a sentence is a surname
# ("Bos vertelde"); other verbs in _VERBS_FILE ("heeft", "woont") only count for non-words.
_SPEECH_VERBS = {
    "vertelde", "vertelt", "zei", "zegt", "belde", "belt", "meldde", "meldt", "schreef",
    "antwoordde", "reageerde", "verwijst", "verwees", "legde", "gaf", "geeft", "vindt", "vond",
    "liet", "laat",
}  # fmt: skip
# A surname with a capitalised particle and no first name: "Van der Meer stelt", "volgens Van
# den Berg", "wijkagent De Boer". Its last word is often also a Dutch word ("Meer", "Berg"), so
# only a report verb after it or "volgens"/"aldus" before it makes a "Van" name a person; "De
# Hoop", "De Schakel" and the like are as often an organisation, so a "De", "Den", "Ter" or "Ten"
# name needs a job title or family word right before it (`_PERSON_TITLE_WORDS`).
_PARTICLE_NAME_RE = re.compile(
    r"(?<![\w'’\-])(?:Van(?:[ \u00a0](?:der|den|de|het|'t))?|De|Den|Ter|Ten)[ \u00a0]"
    r"([A-ZÀ-Þ][a-zß-ÿ'’\-]+)(?![\w'’\-])"
)
_PARTICLE_VERBS = _SPEECH_VERBS | {
    "stelt", "stelde", "meent", "meende", "betoogt", "betoogde", "klaagt", "klaagde",
    "verklaart", "verklaarde", "wil", "wilde", "kreeg", "krijgt", "woont", "woonde",
}  # fmt: skip
# before a "Van" name: "volgens", "aldus", and a quote's verb in inverted order ('"...," zegt
# Van der Meer')
_PARTICLE_BEFORE = {
    "volgens", "aldus", "zegt", "zei", "vertelt", "vertelde", "stelt", "stelde", "meent",
    "schrijft", "schreef", "reageert", "reageerde", "benadrukt", "benadrukte", "vindt", "vond",
}  # fmt: skip
# Lower-case words that may open a false person before a place: "college van Arnhem", "aan den
# IJssel", "wonende te Apeldoorn"
_PLACE_LEADS = {"van", "aan", "in", "uit", "bij", "naar", "den", "te"}
_COMPASS = {
    "noord", "oost", "zuid", "west", "midden", "noordoost", "noordwest", "zuidoost", "zuidwest",
    "groot", "klein", "nieuw", "oud", "sint", "hoog", "laag", "boven", "beneden",
}  # fmt: skip
_ARTICLES = {"de", "het", "een", "deze", "die", "dit", "dat"}
# Common Dutch first names that are also Dutch words ("roos kramer belde", "storm slaapt bij
# vriend mees"): general knowledge, not taken from any evaluation set.
_WORD_FIRST_NAMES = {
    "roos", "storm", "noor", "fleur", "mees", "sterre", "lot", "bas", "mark", "job", "rob",
    "joy", "hope", "jade", "iris", "merel", "bloem", "lieve", "teun", "pien",
    "dirk", "frank", "jet", "kim", "liza", "bram", "gijs", "hidde", "luuk", "thijs", "koen",
    "sil", "stijn", "cas", "ruben", "daan", "jan", "pim", "bo", "isa", "lotte", "puck",
    "hanna", "zoë", "sky", "piet",
}  # fmt: skip
# The commonest Dutch surnames that are also Dutch words (from the top of the national surname
# counts, general knowledge): in lower case after a form of address or a job title or family
# word they are the name ("mw. vos", "buurman wolf", "juf winter"); any other listed surname
# there is as often a verb or pronoun ("moeder wilde", "dochter haar").
_WORD_SURNAMES = {
    "bakker", "visser", "smit", "mulder", "bos", "vos", "dekker", "brouwer", "kok", "koster",
    "prins", "blom", "post", "kuiper", "kramer", "groen", "jonker", "boer", "schipper",
    "koning", "mol", "molenaar", "wolf", "hart", "baas", "schaap", "winter", "zomer", "hoek",
    "haan", "visscher", "de wit", "de jong", "de vries", "de graaf", "de haan", "de boer",
    "de groot", "de lange", "de leeuw", "de ruiter", "de koning", "de vos", "de bruin",
    "de jonge", "de kok", "de bakker", "de roos", "van dam", "van dijk", "van den berg",
    "van der meer", "van der linden", "van den broek", "van der heijden", "van leeuwen",
    "van beek", "van vliet", "van wijk", "van loon", "van der wal", "van der veen",
    "van den bosch", "van der horst", "van der laan", "van de pol", "smid", "timmer",
    "snoek", "haas", "kraai", "vink", "mees", "storm", "roos", "berg", "hoekstra", "smits",
    "bruin", "zwart", "kooi", "veen", "dijk", "brink", "beek", "vogel", "de vogel", "kamp",
    "dam", "boon", "spijker", "haring", "kuiken", "valk", "de valk", "kuijpers", "wit",
    "de bruijn", "van veen", "van der velde", "van de ven", "ruiter", "jager",
    "de jager", "schouten", "schutte", "veenstra", "bosch", "rijken", "verbeek", "steen",
}  # fmt: skip
# Abbreviations that stand before a number and read like names ("Art. 13", "Nr. 4")
_NUMBER_ABBREVIATIONS = {"art", "nr", "blz", "lid", "par", "hfst", "fig", "afb", "bijl", "sub"}
# First names and surnames that are also common verb forms: never looked for in another case.
_NAME_VERB_FORMS = {
    "ben", "wil", "hoop", "kan", "zal", "mag", "had", "was", "kom", "zie", "sta", "loop",
    "werk", "vind", "geef", "neem", "blijf", "word", "doe", "heb", "ga", "hoor", "help",
    "groet", "wens", "dank", "lig", "zit", "leg", "zeg", "weet", "denk", "ken", "hou", "houd",
}  # fmt: skip
# Before a name that is also a word, these make it the word: "een vos", "ik hoop", "mijn baas",
# "geen groen", "'t bos".
_WORD_NAME_BLOCKERS = _ARTICLES | {
    "'t", "t", "ik", "je", "jij", "we", "wij", "ze", "zij", "hij", "u", "men", "mijn", "m'n",
    "mn", "jouw", "zijn", "z'n", "zn", "haar", "hun", "onze", "ons", "uw", "jullie", "elke",
    "ieder", "iedere", "geen", "veel", "weinig", "meer", "minder", "wat", "welke", "zo", "te",
    "erg", "heel", "zeer", "nog", "al", "niet", "wel", "ook", "is", "was", "wordt", "werd",
    "blijft", "bleef", "lijkt", "leek", "als", "even", "best", "echt",
}  # fmt: skip
_SUBJECT_PRONOUNS = {
    "ik", "je", "jij", "u", "hij", "zij", "ze", "we", "wij", "jullie", "men", "er", "het",
}  # fmt: skip
# after these a capitalised unknown word is a place or an organisation as often as a person
_PLACE_PREPOSITIONS = {
    "van", "bij", "via", "naar", "voor", "door", "aan", "uit", "over", "tegen", "vanuit", "in",
    "op", "te", "richting", "tussen", "rond", "binnen", "buiten", "nabij", "uw", "ons", "onze",
    "de", "het", "een", "deze", "die", "dit", "dat",
}  # fmt: skip
_PREPOSITIONS = {
    "van", "bij", "via", "naar", "voor", "door", "aan", "uit", "over", "tegen", "vanuit",
}  # fmt: skip
# prepositions before a person as their object: "de bijstand van Kibrom", "voor Yonas" (not
# "naar" and "bij", which take places and employers: "verhuisd naar Adam", "werkt bij Aster")
_OBJECT_OF = {"van", "voor", "aan", "door", "over", "tegen", "namens", "zonder"}
# Words right before a lone unknown capitalised word that make it the person addressed or
# talked about: "gesproken met Zhanna over", "ik heb Rukhsana gebeld", "kun jij Nigist
# terugbellen", "de rechtbank heeft Wanjiru toegelaten". Organisations take the prepositions
# in _PLACE_PREPOSITIONS ("bij Kwadraad", "van Ymere"), which stay excluded.
_PERSON_SLOT_BEFORE = {
    "met", "heb", "heeft", "had", "hadden", "hebben", "jij", "je", "u", "ik", "wij", "we",
    "belde", "bel", "bellen", "vraag", "vroeg", "vragen", "sprak", "spreek", "zag", "zie",
    "ken", "kent", "hielp", "help", "helpt", "begeleid", "begeleidt", "bezocht", "bezoek",
    # a subject after a conjunction: "omdat Zhanna geen adres had", "maar Kofi wilde niet"
    "omdat", "toen", "nadat", "zodat", "terwijl", "waardoor", "hoewel", "totdat", "voordat",
    "zodra", "maar", "want", "dus", "sinds", "dat", "of", "als", "wanneer", "hoe",
    # inversion after a finite verb: "Toen kwam Wubet langs", "In het gesprek gaf Wubet aan"
    "kwam", "ging", "kon", "moest", "wilde", "zou", "mocht", "kreeg", "gaf", "bleef", "raakte",
    "zat", "woonde", "sliep", "liep", "weigerde", "stuurde", "betaalde", "bood",
    "stond", "zei", "vertelde", "lag", "hoorde", "voelde", "leek", "wist", "werd", "was", "is",
    "zit", "staat", "woont", "slaapt", "krijgt",  # "Een week later stond Nebiat voor de deur"
    "adviseren", "adviseer", "adviseert", "adviseerde", "verwijzen", "verwees", "verwijs",
}  # fmt: skip
# Family words: right before a capitalised word ("tante Wil", "zus (Saba)") they make it a
# first name even when it is also a Dutch word or a place; after "X en haar" or "X," they make
# X a person ("Zarmina en haar man", "Sanne, moeder van twee").
_KIN_WORDS = {
    "zoon", "zoontje", "dochter", "dochtertje", "broer", "broertje", "zus", "zusje", "moeder",
    "vader", "stiefvader", "stiefmoeder", "pleegmoeder", "pleegvader", "oma", "opa", "tante",
    "oom", "neef", "neefje", "nicht", "nichtje", "man", "vrouw", "echtgenoot", "echtgenote",
    "partner", "ex", "ex-man", "ex-vrouw", "vriend", "vriendin", "zwager", "schoonzus",
    "schoonmoeder", "schoonvader", "kleinzoon", "kleindochter", "buurman", "buurvrouw",
    "kinderen", "kind", "ouders", "baby", "peuter", "kleuter", "tweeling", "gezin",
}  # fmt: skip
# Family words that name one person ("zoon", "buurvrouw"), not a group ("kinderen", "gezin")
_ONE_PERSON_KIN = _KIN_WORDS - {"kinderen", "gezin", "tweeling"}
# A person's role in brackets after a name: "Bakker (cliënt, niet de buurman)", "Visser (moeder)"
_BRACKET_ROLE_RE = re.compile(r"[ \t]*\(([^\W\d_][\w-]*)")
_BRACKET_ROLES = _ONE_PERSON_KIN | {
    "cliënt", "cliënte", "client", "cliente", "clt", "betrokkene", "aanvrager", "aanvraagster",
    "verzoeker", "verzoekster", "melder", "huurder", "bewoner", "bewoonster", "ouder",
}  # fmt: skip
# Before these a name is what the law, method or court is named after, never a person: "Wet
# Mulder", "methode Marte Meo", "Rechtbank Gelderland" (the court's seat)
_NAMED_AFTER_WORDS = {"wet", "regeling", "methode", "rechtbank", "gerechtshof"}
# Words that name the kind of place or body whose name follows: "gemeente Dantumadiel".
_INSTITUTION_WORDS = {
    "gemeente", "gemeenten", "provincie", "stad", "dorp", "regio", "wijk", "buurt", "stichting",
    "vereniging", "organisatie", "bedrijf", "corporatie", "woningcorporatie", "instelling",
    "ziekenhuis", "basisschool", "afdeling", "project", "programma", "dienst", "platform",
    "restaurant", "café", "cafe", "moskee", "kerk", "museum", "hotel", "school", "camping",
    "theater", "buurthuis", "wijkcentrum", "winkelcentrum", "winkel", "supermarkt",
    # a firm ("schoonmaakbedrijf Hollander")
    "schoonmaakbedrijf", "uitzendbureau", "firma", "kantoor", "bewindvoerderskantoor",
} | _NAMED_AFTER_WORDS  # fmt: skip
# Words that introduce an organisation by its name ("woningcorporatie Woonwenz", "stichting
# Kadera"): the same name later in the text ("kreeg Woonwenz bericht") is that body, no person.
# Not "verhuurder" or "huisbaas": a private landlord is a person.
_ORG_INTRO_WORDS = {
    "woningcorporatie", "wooncorporatie", "corporatie", "woningbouwvereniging", "woonstichting",
    "stichting", "vereniging", "organisatie", "zorgorganisatie", "zorgaanbieder", "zorginstelling",
    "instelling", "welzijnsorganisatie", "thuiszorgorganisatie", "zorgverzekeraar", "verzekeraar",
    "energieleverancier", "uitzendbureau", "incassobureau", "bedrijf", "platform", "ziekenhuis",
    "inrichting", "kliniek", "wijkteam", "wijk", "tehuis", "verpleeghuis", "zorgboerderij",
    "hulporganisatie", "hoogheemraadschap", "waterschap", "belastingkantoor", "gemeente",
}  # fmt: skip
# Of those, the words that introduce a place: its name is no person even where it is a listed
# surname ("de wijk Sterrenburg", "de gemeente Bergh"), unlike "stichting Bakker"
_PLACE_INTRO_WORDS = frozenset({"wijk", "gemeente"})
# Heads that also introduce a body at the end of a compound: "thuiszorgbedrijf Dolia",
# "afkickkliniek White River Manor", "hulporganisatie Geldfit", "kortverblijftehuis"
_ORG_INTRO_HEADS = {"bedrijf", "organisatie", "kliniek", "stichting", "corporatie", "tehuis"}
_ORG_NAME = r"((?:[A-ZÀ-Þ][\w'’&\-]*|[A-ZÀ-Þ]{2,})(?:[ \t]+[A-ZÀ-Þ][\w'’&\-]*){0,2})"
# each word as it is typed: lower case, capitalised or in capitals (no case folding, so re can
# skip ahead to a word's first letter)
_ORG_INTRO_RE = re.compile(
    r"\b(?:"
    + "|".join(f"[{w[0].upper()}{w[0]}]{w[1:]}|{w.upper()}" for w in sorted(_ORG_INTRO_WORDS))
    + rf")[ \t]+{_ORG_NAME}"
)
# a head ends a compound in lower case, so this needs no case folding (which would make re try
# every position instead of skipping to a head's first letter)
_ORG_INTRO_COMPOUND_RE = re.compile(rf"(?:{'|'.join(sorted(_ORG_INTRO_HEADS))})[ \t]+{_ORG_NAME}")
# A disease named after a person ("de ziekte van Sjögren"): the name is the disease, not someone
# in the case, unless it is a known name ("de ziekte van Fatima"); "syndroom van": _SYNDROME_RE
_EPONYM_RE = re.compile(r"(?i:\bziekte van)[ \t]+([A-ZÀ-Þ][\w'’\-]*)")
# A service "made to measure": "Vervoer op Maat", "Werk op Maat" (deduce lists "Maat" as a surname)
_MADE_TO_MEASURE_RE = re.compile(r"\bop[ \t]+Maat\b")
# "het syndroom van Gilles de la Tourette": after "syndroom van" a name (with its particles) is
# always the syndrome; after "ziekte van" it may be the person's illness ("de ziekte van Fatima")
_SYNDROME_RE = re.compile(
    r"(?i:\bsyndroom van)[ \t]+([A-ZÀ-Þ][\w'’\-]*(?:[ \t]+(?:(?:de|la|le|van|der)[ \t]+)*"
    r"[A-ZÀ-Þ][\w'’\-]*){0,3})"
)
# An English name that starts with "The" ("The Colour Kitchen", "The House of Hope"): a body,
# a brand or a title in a Dutch case text.
_ENGLISH_NAME_RE = re.compile(
    r"\bThe(?:[ \t]+(?:(?:of|and|for|the)[ \t]+)?[A-ZÀ-Þ][\w'’&\-]*){1,4}"
)
# Abbreviations that read like first names before a number: a month before a year ("Jan.
# 2015 opnieuw 4 boetes"), a maximum before an amount ("Max. € 800 kale huur")
_NUMBER_ABBREVIATION_RE = re.compile(
    r"\b(?:(?:Jan|Feb|Mrt|Apr|Jun|Jul|Aug|Sep|Sept|Okt|Nov|Dec)\.(?=[ \t]+(?:19|20)\d\d\b)"
    r"|(?:Max|Min)\.(?=[ \t]*(?:€|\d)))"
)
# Nationality and language adjectives, capitalised in Dutch: "een Duits opleidingsinstituut"
_NATIONALITY_ADJECTIVES = {
    "duits", "pools", "turks", "marokkaans", "surinaams", "antilliaans", "frans", "engels",
    "spaans", "italiaans", "portugees", "belgisch", "roemeens", "bulgaars", "hongaars",
    "oekraiens", "russisch", "syrisch", "eritrees", "somalisch", "afghaans", "iraaks", "iraans",
    "chinees", "indonesisch", "amerikaans", "brits", "grieks", "kaapverdisch", "arabisch",
    "koerdisch", "nederlands", "fries", "europees", "afrikaans", "aziatisch", "litouws", "lets",
    "tsjechisch", "slowaaks", "kroatisch", "servisch", "bosnisch", "albanees", "ghanees",
    "nigeriaans", "ethiopisch", "soedanees", "jemenitisch", "pakistaans", "indiaas", "thais",
    "filipijns", "vietnamees", "braziliaans", "colombiaans", "venezolaans", "dominicaans",
    "hindoestaans", "creools", "javaans", "moluks", "caribisch", "joods", "islamitisch",
}  # fmt: skip
# their inflected forms ("van Hindoestaanse afkomst", "de Europese regels", "Chinese")
_NATIONALITY_INFLECTED = {
    a[:-3] + "ese" if a.endswith("ees") else a + "e" for a in _NATIONALITY_ADJECTIVES
}
# Bodies of the state, capitalised alone: "Raad" (voor de Kinderbescherming), "de Staat", "'s
# Rijks kas", "het Hof". deduce lists each as a surname; after a form of address ("mevrouw Hof")
# or a job title they still are one.
_STATE_BODIES = {"raad", "staat", "rijk", "rijks", "hof", "kabinet", "overheid", "kamer"}
# Words after which a language is named: "met een tolk Engels", "spreekt een beetje Engels"
_LANGUAGE_CONTEXT_WORDS = {
    "tolk", "tolken", "tolkt", "spreekt", "spreken", "sprak", "verstaat", "beetje", "gebrekkig",
    "vloeiend",
}  # fmt: skip
# Court abbreviations in case notes and summaries: "Rb gaf haar gelijk", "CRvB oordeelt"
_COURT_ABBREVIATIONS = {"rb", "crvb", "abrvs", "rvs", "cbb", "hr", "gh"}
# A law or rule by its compound name: "Huisvestingswet", "Taxiverordening"
_LAW_COMPOUND_RE = re.compile(
    r"^([A-ZÀ-Þ][a-zß-ÿ\-]{2,}?)s?(?:wet|verordening|regeling|besluit|richtlijn)$"
)
# A profession by its acronym: "IT'er", "ZZP'er", "MBO'ers"
_ACRONYM_PROFESSION_RE = re.compile(r"^[A-Z]{2,5}['’]ers?$")
# A brand written with a capital inside ("WerkSaam", "GeldFit"); not "McDonald", "DeVries",
# and not when a part is a first name ("AnneMarie": `_CAP_PART_RE` finds the parts)
_CAMEL_BRAND_RE = re.compile(
    r"^(?!Mc|Mac|De|Di|Da|Du|La|Le|Van|Ten|Ter|O['’])[A-Z][a-z]+[A-Z][a-z]"
)
_CAP_PART_RE = re.compile(r"[A-Z][a-z]+")
# Initials alone ("A.", "J.H."): already no name
_INITIALS_ONLY_RE = re.compile(r"^(?:[A-ZÀ-Þ]\.){1,4}$")
_DETERMINERS = _ARTICLES | {"geen", "zo'n", "elk", "ieder"}
# Greetings and sign-offs: like family words, they make the next known first name a person
# ("Groet, Jet", "Hoi Wil").
_SIGN_OFFS = {"groet", "groeten", "groetjes", "gr", "mvg", "doei"}
_GREETINGS = {"hoi", "hallo", "hey", "beste", "lieve"} | _SIGN_OFFS
_KIN_OR_GREETING = _KIN_WORDS | _GREETINGS
# A lower-case first name closing a message after a sign-off: "gr bas", "groetjes\nroos".
# There it is the writer, even when it is also a word.
_SIGN_OFF_NAME_RE = re.compile(
    rf"(?i:\b(?:{'|'.join(sorted(_SIGN_OFFS | {'liefs'}))})\b)[.,!]?[ \t]*\n?[ \t]*"
    r"([a-zß-öø-ÿ][a-zß-öø-ÿ'’\-]{1,20})[ \t]*[.!]?[ \t]*(?=\n|\Z)"
)
# after a name ("X, partner van de gemeente") "partner" is as often an organisation's
_KIN_AFTER_WORDS = _KIN_WORDS - {"partner"}
# Professional cues: "hulpverlener Tendai" names a person, "hulpverlener van Limor" an employer.
_WORKER_CUES = {
    "hulpverlener", "contactpersoon", "mentor", "consulent", "klantmanager", "regisseur",
    "casusregisseur", "wijkcoach", "jobcoach", "begeleider", "coördinator", "coordinator",
    "collega", "directeur", "wethouder", "advocaat", "bewindvoerder", "huisarts",
    "wijkverpleegkundige", "schuldhulpverlener", "verpleegkundige", "psychiater", "psycholoog",
    "docent", "leerkracht", "medewerker", "medewerkster",
}  # fmt: skip
# Job titles and family words used as a title before a surname: "wijkagent De Boer", "oom Van Dam"
_PERSON_TITLE_WORDS = (
    _WORKER_CUES
    | (_ONE_PERSON_KIN - {"ouders"})
    | {
        "wijkagent", "agent", "dokter", "arts", "jeugdarts", "leerplichtambtenaar", "juf",
        "meester", "praktijkondersteuner", "woonconsulent", "trajectbegeleider", "therapeut",
        "casushouder", "behandelaar",
    }
)  # fmt: skip
_LOWER_LIST_NAME_RE = re.compile(
    r"(?m)(?:^|\|)[ \t]*(?:[-*•][ \t]*)?"
    r"(((?:(?:van|de|der|den|ter|ten)[ ]+){0,3}[a-zß-öø-ÿ][\w'’\-]+),[ ]?[a-z]\.)"
)
_TITLED_LOWER_RE = re.compile(
    r"(?<![\w\-])("
    + "|".join(sorted((re.escape(w) for w in _PERSON_TITLE_WORDS), key=len, reverse=True))
    + r")[ \u00a0]+((?:(?:van|de|der|den|ter|ten)[ \u00a0]+){0,3}[a-zß-öø-ÿ][\w'’\-]+)",
    re.IGNORECASE,
)
# Hurried-note abbreviations before a person: "m/ Gidey" (met), "t.a.v. Tsegai", "i.o.m. X"
_NOTE_CUES = {"m/", "t.a.v.", "tav", "t.a.v", "i.o.m.", "iom", "i.o.m"}
# Nouns that belong to a person: "het verhaal van Mulu", "de situatie van Abeba"
_OWNER_NOUNS = {
    "verhaal", "situatie", "schulden", "dossier", "leven", "gezondheid", "dood", "overlijden",
    "vlucht", "opname", "zorgen", "thuissituatie", "gezinssituatie", "ex-partner", "kinderen",
    "zaak", "klacht", "bezwaar", "beroep",
    # what only a person has: "de huurachterstand van Nebiat", "de uitkering van Rahwa"
    "huurachterstand", "achterstand", "betalingsachterstand", "uitkering", "bijstand",
    "toeslag", "toeslagen", "huurtoeslag", "zorgtoeslag", "kinderopvangtoeslag", "inkomen",
    "verblijfsvergunning", "verblijfsstatus", "scheiding", "ziekte", "verslaving", "diagnose",
    "werkgever", "verhuurder", "huisbaas", "echtscheiding", "pensioen", "loon", "baan",
}  # fmt: skip
# Letters that Dutch words never hold but Polish, Romanian, Turkish, Czech... names do.
_FOREIGN_LETTERS = set("łńśźżćęąșțşğıđčžřěůőűĺľŕ")
# Abbreviations of hurried notes that must never start a lower-case name.
_NOTE_ABBREVIATIONS = {
    "ivm", "nvt", "tzt", "zsm", "evt", "mbt", "ipv", "obv", "ovv", "mbv", "tav", "tnv", "iom",
    "ihkv", "dwz", "oa", "ca", "mw", "dhr", "clt", "tel", "gespr", "afspr", "hv", "hb", "wk",
}  # fmt: skip
# the interfixes of Dutch surnames after an honorific ("MEVROUW VAN DER BERG")
_SURNAME_INTERFIXES = {"van", "de", "der", "den", "ter", "ten"}
_NAME_INTERFIXES = {
    "van", "de", "der", "den", "ter", "ten", "te", "'t", "het", "op", "in", "el", "al", "ben",
    "bin", "ibn", "abu", "ait", "da", "dos", "das", "du", "le", "la", "von", "zu", "di", "del",
}  # fmt: skip
_WORD_RE = re.compile(r"[^\W\d_][\w'’]*(?:-[^\W\d_][\w'’]*)*")
# Words in capitals (runs of them: "PETRA DE VRIES").
# Not next to a hyphen ("WIA-uitkering"); the two letters of a postcode are never a name.
_CAPS_WORD_RE = re.compile(r"(?<![\w'’-])[A-ZÀ-Þ][A-ZÀ-Þ'’]+(?![\w'’-])")
# Runs of capitalised words, with interfixes between them ("Karim Ait Haddou", "Y. Haile" is
# deduce's): the candidates for names outside deduce's lists.
_UPPER = "A-Z" + "".join(chr(c) for c in range(0xC0, 0x250) if chr(c).isupper())
_CAP_WORD = rf"[{_UPPER}][\w'’]*(?:-[\w'’]+)*"
_CAP_RUN_RE = re.compile(
    rf"(?<![\w'’\-@#/.]){_CAP_WORD}(?:[ \u00a0](?:(?:"
    + "|".join(sorted(_NAME_INTERFIXES - {"'t", "het", "in", "op", "te"}))
    + rf")[ \u00a0])*{_CAP_WORD}){{0,5}}"
)
_NONSPACE_RE = re.compile(r"\S+")
_COORD_AFTER_RE = re.compile(
    rf"(?:,[ \u00a0]*|[ \u00a0]+(?:en|of)[ \u00a0]+)(?P<w>{_CAP_WORD})(?![\w'’\-])"
)
_COORD_BEFORE_RE = re.compile(
    rf"(?<![\w'’\-])(?P<w>{_CAP_WORD})(?:,[ \u00a0]*|[ \u00a0]+(?:en|of)[ \u00a0]+)\Z"
)
_ABBREVIATION_RE = re.compile(r"[A-Z][a-z]?[A-Z]+[a-z]?")
_LOWER_WORD_RE = re.compile(r"(?<![\w'’\-])[a-zß-öø-ÿ][a-zß-öø-ÿ'’\-]+")
_GAP_RE = re.compile(r"[ \u00a0\w'’]*")
_LOWER_HONORIFIC_RE = re.compile(
    r"(?<![\w])(?i:mevrouw|mevr\.?|mw\.?|meneer|mijnheer|dhr\.?|de heer|hr\.|fam\.)[ \u00a0]+"
    r"((?:(?:van|de|der|den|ter|ten|el|al|ben|'t|het|in|op)[ \u00a0]+){0,3}[a-zß-öø-ÿ][\w'’\-]+)"
)
# "Naam: ..." and "naam cliënt: ..." fields: the value is a name even in lower case.
_NAME_FIELD_RE = re.compile(
    r"(?im)^[ \t]*(?:(?:voor|achter|roep|meisjes|geboorte|familie|geslachts)?(?:naam|namen)"
    r"(?:[ \t]+[\w\-]+){0,2}|van|afzender)[ \t]*:[ \t]*([^\n]+)$"
)  # also a message's sender line ("Van: Y. El-Amrani")
_CAPS_SPEAKER_RE = re.compile(r"(?m)^[ \t]*([A-ZÀ-Þ]{3,})[ \t]*:")
# "X en haar man", "X, moeder van twee": a family word right after X
_KIN_AFTER_RE = re.compile(
    r"(?:[ \u00a0]+en[ \u00a0]+(?:zijn|haar|hun|de)[ \u00a0]+|,[ \u00a0]+|[ \u00a0]*\()"
    r"([^\W\d_][\w\-]*)"
)
_KIN_BEFORE_RE = re.compile(r"([^\W\d_][\w\-]*)(?:[ \u00a0]+\(?|,?\s+)\Z")
_THUIS_AFTER_RE = re.compile(r"[ \u00a0]+thuis\b")
_BIJ_BEFORE_RE = re.compile(
    r"(?i)\bbij(?:[ \u00a0]+(?:de familie|het gezin|familie|gezin))?[ \u00a0]+\Z"
)
# Speakers: 'Senait: "Ik ..."' and chat exports ("[12:04] Tesfay:", "12-03-23 09:14 - Tesfay:")
_SPEAKER_QUOTE_RE = re.compile(r"[ \u00a0]*[\"“”'‘’«]")
_CHAT_STAMP = (
    r"[ \t]*(?:\[[^\]\n]{1,30}\][ \t]*|(?:[\d/.\-]{6,10},?[ \t]+)?\d{1,2}:\d{2}[ \t]*[-–][ \t]*)"
)
_CHAT_STAMP_RE = re.compile(_CHAT_STAMP)
# a lower-case speaker after a line's chat time stamp: "[12:04] tesfay: ok"
_CHAT_LOWER_SPEAKER_RE = re.compile(rf"(?m)^{_CHAT_STAMP}([a-zß-öø-ÿ][\w'’\-]*)[ \t]*:")
_APOSTROPHE_KIN_RE = re.compile(r"(?:['’]s?)?[ \u00a0]+([^\W\d_][\w\-]*)")
# e-mail headers: "Van: Wubet Gebreyes", "Verzonden door Noor Hamdaoui"
_HEADER_BEFORE_RE = re.compile(
    r"(?i)(?:^|\n)[ \t]*(?:van|aan|cc|bcc|afzender|ontvanger|verzonden door|from|to)[ \t]*:?"
    r"[ \t]*\Z"
)
_SIGNATURE_RE = re.compile(r"[ \t]*(?:\n|\Z)")
_DASH_LINE_RE = re.compile(r"(?:^|\n)[ \t]*[—–\-]{1,2}[ \t]*\Z")
# "Ahmeds moeder", "Daans school": a name with the genitive s before a lower-case word
_POSSESSIVE_AFTER_RE = re.compile(r"[ \u00a0]+[a-zß-öø-ÿ]")
_AGE_AFTER_RE = re.compile(
    r"[ \u00a0]*(?:\([ \u00a0]*\d{1,2}[ \u00a0]*(?:jaar|jr\.?|j\.?)?"
    r"[ \u00a0]*(?:\)|,[ \u00a0]*[a-z])"  # "Daan (7)", "Mahlet (41, moeder van drie)"
    r"|,[ \u00a0]*\d{1,2}(?:[ \u00a0]*(?:jaar|jr\.?))?[ \u00a0]*,"
    r"|,[ \u00a0]*\d{1,2}[ \u00a0]*jaar(?:[ \u00a0]+oud)?[ \u00a0]*(?:[.;)]|\Z)"
    r"|,?[ \u00a0]*\(?(?:geb\.|geboren|geb[ \u00a0])[ \u00a0]*\d)"  # "Senait, geb. 1988"
)
# "Wolde is 41", "Kebede was negentien", "Zemzem staat er alleen voor", "Mehari was dakloos":
# a predicate only a person takes, after a lone unknown capitalised word
_NUMBER_WORDS = (
    "een|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien"
    "|zestien|zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|zestig|zeventig"
    "|tachtig|negentig|(?:een|twee|drie|vier|vijf|zes|zeven|acht|negen)en(?:twintig|dertig"
    "|veertig|vijftig|zestig|zeventig|tachtig|negentig)"
)
_PERSON_PREDICATE_RE = re.compile(
    r"[ \u00a0]+(?:is|was|wordt|werd|raakte|bleek|blijkt|staat|stond)"
    r"(?:[ \u00a0]+(?:nu|inmiddels|pas|al|bijna|net|toen|eerder|sinds kort|zelf|ook|nog))?"
    r"[ \u00a0]+(?:"
    rf"(?:\d{{1,2}}|{_NUMBER_WORDS})(?![ \u00a0]+jaar[ \u00a0]+(?:geleden|lang)\b)"
    r"(?:[ \u00a0]+jaar(?:[ \u00a0]+oud)?)?(?![\w%.,]\w)"
    r"(?![ \u00a0]*(?:%|euro|procent|keer|maand|maanden|week|weken|dag|dagen|uur|minuten"
    r"|kinderen|mensen|cliënten|gezinnen|huishoudens|woningen|medewerkers|plekken|bedden"
    r"|kamers|locaties|gemeenten|miljoen|duizend|honderd)\b)"
    r"|zwanger|alleenstaand|alleenstaande|dakloos|thuisloos|verslaafd|gescheiden|getrouwd"
    r"|weduwe|weduwnaar|werkloos|arbeidsongeschikt|laaggeletterd|analfabeet|ongedocumenteerd"
    r"|statushouder|vluchteling|mantelzorger|moeder|vader|oma|opa|student|studente|scholier"
    r"|minderjarig|meerderjarig|geboren|opgegroeid|gevlucht|overleden|opgenomen|gedetineerd"
    r"|depressief|suïcidaal|psychotisch|autistisch|dement|eenzaam|wanhopig|ten einde raad"
    r"|bang|boos|bezorgd|ongerust|radeloos|moe|ziek|opgelucht|teleurgesteld|verdrietig"
    r"|ontslagen|geschorst|uitgezet|gearresteerd|veroordeeld|opgepakt|bevallen"
    r"|er alleen voor|op straat|in beeld|op de wachtlijst|zich af)\b"
)
_AGE_END_RE = re.compile(rf"(?:\d{{1,2}}|{_NUMBER_WORDS})(?:[ \u00a0]+jaar(?:[ \u00a0]+oud)?)?$")


def _is_age_predicate(text: str, end: int) -> bool:
    """Does an age follow the word ending at `end` ("is pas negen", "was 14 jaar")?"""
    m = _PERSON_PREDICATE_RE.match(text, end)
    return bool(m and _AGE_END_RE.search(m.group(0)))


# "Afewerki werd in 2021 uit huis gezet": a passive that only happens to a person, in the clause
_PASSIVE_PERSON_RE = re.compile(
    r"[ \u00a0]+(?:is|was|werd|wordt|raakte)(?:[ \u00a0]+[\w€.\-]+){0,6}?[ \u00a0]+"
    r"(?:uit huis gezet|uitgezet|ontslagen|opgenomen|geboren|veroordeeld|gearresteerd|opgepakt"
    r"|aangehouden|mishandeld|bedreigd|gedetineerd|geschorst|overleden|bevallen|zwanger)"
    r"(?=[ \u00a0]*(?:[.,;:!?)]|en\b|\Z))"
)
# "Yordanos, de oudste dochter", "Genet, de zus van cliënt": a family word in an apposition
_APPOSITION_KIN_RE = re.compile(
    r",[ \u00a0]+(?:de|haar|zijn|hun|diens|een)[ \u00a0]+([a-zß-öø-ÿ\-]+)"
    r"(?:[ \u00a0]+([a-zß-öø-ÿ\-]+))?"
)
# "Tesfalem van MEE": a person named with the organisation they work for
_EMPLOYER_AFTER_RE = re.compile(
    r"[ \u00a0]+van[ \u00a0]+(?:de[ \u00a0]+|het[ \u00a0]+)?([A-Z][\w\-]*)"
)
# "Wanjiku en Achieng delen": two unknown names joined, then a plural verb of persons
_PAIR_AFTER_RE = re.compile(
    r"[ \u00a0]+en[ \u00a0]+([A-ZÀ-Þ][\w\-]*)[ \u00a0]+((?:[a-zß-öø-ÿ]+)en)\b"
)
# plural verbs that two organisations rarely take, besides the person verbs
_PAIR_VERBS = {"delen", "deel", "leven"}
# "Zij (Mulu) wil niet": a pronoun or client word, then the name in brackets
_PRONOUN_BRACKET_RE = re.compile(
    r"(?i)(?<!\w)(?:zij|hij|ze|cliënte?|client)[ \u00a0]*\([ \u00a0]*\Z"
)
# "Lemlem gebeld, geen gehoor", "Tegen Mehret gezegd dat": a case note's contact verb right
# after a lone unknown capitalised word (organisations one calls are in the keep list or
# acronyms, which never reach this check)
_NOTE_CONTACT_RE = re.compile(
    r"(?:[ \u00a0]+(?:vandaag|gisteren|vanochtend|vanmiddag|telefonisch|nogmaals|opnieuw"
    r"|wederom|nog|niet|al|net|kort|even))*"
    r"[ \u00a0]+(?:gebeld|opgebeld|teruggebeld|nagebeld|gemaild|geappt|ge-?sms't|gesproken"
    r"|bereikt|bezocht|gezegd|uitgelegd|verteld|gevraagd|ingelicht|geïnformeerd|uitgenodigd"
    r"|gezien|doorverwezen|geadviseerd)"
    r"(?=[ \u00a0]*(?:[.,;:!?)\n]|dat\b|over\b|en\b|maar\b|want\b|om\b|ivm\b|op\b|bij\b|in\b"
    r"|naar\b|\Z))"
)
# "Lemlem haar uitkering is gestopt": a colloquial possessive at the start of a sentence (an
# object pronoun cannot stand there: the finite verb comes second)
_SPOKEN_POSSESSIVE_RE = re.compile(r"[ \u00a0]+haar[ \u00a0]+[a-zß-öø-ÿ]")
# "Zowel Senait als haar broer hebben schulden"
_BOTH_KIN_RE = re.compile(r"[ \u00a0]+als[ \u00a0]+(?:zijn|haar|hun)[ \u00a0]+([a-zß-öø-ÿ\-]+)")
# "Lemlem en ik hebben de formulieren ingevuld"
_AND_I_RE = re.compile(r"[ \u00a0]+en[ \u00a0]+ik\b")
_SELF_AFTER_RE = re.compile(r"[ \u00a0]+zelf[ \u00a0]+[a-zß-öø-ÿ]")
_AGED_BEFORE_RE = re.compile(rf"(?:\d{{1,2}}-|(?:{_NUMBER_WORDS}))jarige")
# "aan Tsion, die namens het wijkteam begeleidt": a relative clause up to its end
_RELATIVE_CLAUSE_RE = re.compile(r",[ \u00a0]+die[ \u00a0]+([^.,;:!?\n]{1,120})")
# inside it, what only a person does: act for an organisation, be employed, do it oneself, live
_PERSON_CLAUSE_WORDS = {"namens", "werkzaam", "zelf", "jarig", "woont"}
# "Kun jij Jet vragen", "heb je Ede gesproken": after these a place cannot stand
_ADDRESSEE_PRONOUNS = {"jij", "je", "u", "ik", "wij", "we", "jullie"}
# the opening of a list line: "- ", "• ", "1. " (or nothing)
_LIST_ITEM_START_RE = re.compile(r"[ \t]*(?:[-*•–]|\d{1,2}[.)])?[ \t]*")
# "Van: Nardos" alone on its line: the sender
_LINE_END_RE = re.compile(r"[ \t]*(?:\n|\Z|<)")
_LOWER_STREET_RE = re.compile(
    r"(?<![\w@./\-])((?:[a-zß-öø-ÿ'][\w'’\-]*[ ]){0,3}[a-zß-öø-ÿ][\w'’\-]*)[ ]"
    rf"({_HOUSE_NUMBER})"
    r"(?![\d]|[.,]\d|\s(?:jaar|jr|euro|mnd|maanden|weken|dagen|keer|uur|kinderen|%))"
)
_STREET_SUFFIX_END_RE = re.compile(_STREET_SUFFIX.replace("str\\.", "str") + r"$")
# The head noun of a body named after a person: "Sint Maartenskliniek", "Ronald McDonald Huis",
# "Johan Cruijff Foundation", "Van Gogh Museum", "Johannes Hospitium"; at most two more
# capitalised words may stand between the name and its head.
_ORG_HEADS = (
    r"(?:Ziekenhuis|ziekenhuis|Kliniek|kliniek|Instituut|Stichting|Huis|College|School"
    r"|Kinderziekenhuis|Zorg|zorg|Groep|Centrum|Fonds|Academie|Universiteit|Gasthuis"
    r"|Hospitium|Hospice|Museum|museum|Foundation|Hogeschool|Lyceum|Gymnasium|Kerk|Moskee"
    r"|Stadion|Theater|Schouwburg|Paviljoen|Prijs|Park|Bibliotheek|Kazerne"
    # firms named after their owner: "Van der Poel Incasso", "Lammers Budgetbeheer"
    r"|Incasso|Bewindvoering|Budgetbeheer|Bewind|Gerechtsdeurwaarders|Deurwaarders"
    r"|Advocaten|Advocatuur|Notarissen|Accountants|Administratie|Administraties)"
)
# The head of a school or street named after a person, glued to the name: "Frankschool",
# "Bernhardlaan" (only heads no surname ends in: not "-dijk", "-veld", "-dam")
_GLUED_HEADS = (
    r"(?:school|college|ziekenhuis|kliniek|straat|laan|weg|plein|singel|gracht|kade|dreef"
    r"|steeg|plantsoen|boulevard|allee)"
)
_ORG_TAIL_RE = re.compile(
    rf"^[ \t]*(?:[A-Z][\w'’\-]*[ \t]+){{0,2}}{_ORG_HEADS}\b"
    # a school or street named after a person, glued: "Anne Frankschool", "Willem Dreeslaan"
    rf"|^[ \t]+[A-Z][\w'’\-]*{_GLUED_HEADS}\b"
)
_ORG_HEAD_RE = re.compile(_ORG_HEADS)
_GLUED_PLACE_RE = re.compile(rf"^[A-Z][\w'’\-]{{2,}}{_GLUED_HEADS}$")
_PLACEHOLDER_NAME_RE = re.compile(r"^(?:[A-Z]\.?|X{1,6}|N\.?N\.?|[A-Z]{1,2}\.|\.{2,})$")
_INITIALS_RE = re.compile(r"^(?:[A-ZÀ-Þ]\.){1,4}[A-ZÀ-Þ]?$|^[A-ZÀ-Þ]$")
_TOKEN_RE = re.compile(r"[^\s]+")


def _kin_apposition(text: str, e: int) -> bool:
    """Does a family apposition follow at ``e`` (", de oudste dochter", ", de zus van")?"""
    kin = _APPOSITION_KIN_RE.match(text, e)
    return bool(kin) and any(_fold(w or "") in _KIN_AFTER_WORDS for w in kin.groups())


def _fold(s: str) -> str:
    return fold(s, strip_accents=False)


def _sentence_start(text: str, pos: int) -> bool:
    """True if only whitespace/markup/quotes lie between ``pos`` and a sentence boundary."""
    i = pos - 1
    while i >= 0:
        c = text[i]
        if c.isspace() or c in "\"'“”‘’(«\u200b\ufeff*•-–":
            i -= 1
            continue
        if c == ">":  # end of an HTML tag: a tag boundary counts as a sentence start
            return True
        if c == ".":
            m = re.search(r"([\w']+)\.$", text[max(0, i - 12) : i + 1])
            if m and (_fold(m.group(1)) in _HONORIFICS or len(m.group(1)) == 1):
                return False  # "Dhr. Koning", "J. Bos": an abbreviation, not a sentence end
        return c in ".!?:;\n"
    return True


_NEXT_WORD_RE = re.compile(r"[ \u00a0]+([^\W\d_][\w'’]*)")
_PREV_WORD_RE = re.compile(r"([\w'’.\-]+)\W*$")


def _next_word(text: str, pos: int) -> str:
    m = _NEXT_WORD_RE.match(text, pos, pos + 40)
    return _fold(m.group(1)) if m else ""


def _previous_word(text: str, pos: int) -> str:
    m = _PREV_WORD_RE.search(text[max(0, pos - 40) : pos])
    return _fold(m.group(1)).strip(".") if m else ""


# ----------------------------------------------------------------------------------------------
# Structured rules (also used by residual_pii)
# ----------------------------------------------------------------------------------------------
_Cand = tuple[int, int, str]


def _find_emails(text: str) -> list[_Cand]:
    out = [(m.start(), m.end(), "EMAIL") for m in _EMAIL_RE.finditer(text)]
    if _AT_WRITTEN_OUT_RE.search(text):  # the full pattern only where it can match (speed)
        out += [(m.start(), m.end(), "EMAIL") for m in _EMAIL_WRITTEN_OUT_RE.finditer(text)]
    return out


def _find_urls(text: str) -> list[_Cand]:
    out = []
    for m in _URL_RE.finditer(text):
        s, e = m.start(), m.end()
        while e > s and text[e - 1] in ".,;:)!?'\"":
            e -= 1
        out.append((s, e, "URL"))
    return out


def _find_ibans(text: str, valid_only: bool = False) -> list[_Cand]:
    out = []
    for m in _IBAN_RE.finditer(text):
        chunk = m.group(0)
        parts = re.split("[ \u00a0.-]", chunk)
        best = None
        for k in range(len(parts), 0, -1):  # the longest prefix of groups that validates
            candidate = " ".join(parts[:k])
            compact = candidate.replace(" ", "")
            if iban_valid(compact):
                best = candidate
                break
            if not valid_only and _NL_IBAN_SHAPE.fullmatch(compact):
                best = candidate  # Dutch IBAN shape with a typo in the check digits
                break
        if best:
            out.append((m.start(), m.start() + len(best), "IBAN"))
    if not valid_only:
        for m in _IBAN_MASKED_RE.finditer(text):
            body = m.group(0)[4:]
            if re.search(r"[xX*]", body) and sum(c.isdigit() for c in body) >= 2:
                out.append((m.start(), m.end(), "IBAN"))
    return out


def _find_bsns(text: str) -> list[_Cand]:
    out = []
    for m in _BSN_RE.finditer(text):
        digits = re.sub(r"\D", "", m.group(1))
        if eleven_check(digits):
            out.append((m.start(1), m.end(1), "BSN"))
    for m in _BSN_CUE_RE.finditer(text):  # 8 digits after a cue: leading zero dropped
        if eleven_check("0" + m.group(1)):
            out.append((m.start(1), m.end(1), "BSN"))
    return out


def _find_phones(text: str) -> list[_Cand]:
    out = []
    for m in _PHONE_RE.finditer(text):
        s = m.start()
        if text[s] == "(" and ")" not in m.group(0):
            s += 1
        out.append((s, m.end(), "TELEFOON"))
    for m in _INTL_PHONE_RE.finditer(text):
        if 9 <= sum(c.isdigit() for c in m.group(0)) <= 15:
            out.append((m.start(), m.end(), "TELEFOON"))
    if "/" in text:  # "06/12345678"; the pattern only where it can match (speed)
        for m in _PHONE_SLASH_RE.finditer(text):
            if sum(c.isdigit() for c in m.group(0)) == 10:
                out.append((m.start(), m.end(), "TELEFOON"))
    return out


def _find_postcodes(text: str) -> list[_Cand]:
    out = []
    for m in _POSTCODE_RE.finditer(text):
        letters = m.group(3)
        cue = bool(_POSTCODE_CUE_RE.search(text[max(0, m.start() - 30) : m.start()]))
        place_after = bool(re.match(r"\s+[A-ZÀ-Þ'][\w'-]", text[m.end() : m.end() + 4]))
        if m.group(2) == "-" and not (letters.isupper() and (cue or place_after)):
            continue  # "3511-AB Utrecht", "postcode 3511-AB"; not "2024-NL"
        if letters.isupper():
            if letters in _POSTCODE_BAD or (
                letters in _POSTCODE_UPPER_BAD and not (cue or place_after)
            ):
                continue
        elif letters.islower():
            if letters in _POSTCODE_LOWER_BAD and (
                not cue or _YEAR_BEFORE_RE.search(text[max(0, m.start() - 12) : m.start()])
            ):
                continue  # "2023 op", "2021 de", "2018, 2019 en 2020": a year and a word
            if m.group(2) and not (cue or place_after):
                continue
        else:
            continue
        out.append((m.start(), m.end(), "POSTCODE"))
    return out


_NOT_STREET_START = {"adres", "woont", "woonde", "woonachtig", "verhuisd", "nieuw", "oud", "tel"}


def _find_streets(text: str) -> list[_Cand]:
    out = []
    for m in _STREET_RE.finditer(text):
        s = m.start()
        # "Woont Kerkstraat 12", "Daarna Kerkstraat 12": a capitalised word that is no street part
        while True:
            w = re.match(r"([\w'’.\-]+)\s+", text[s : m.end()])
            if not w or not re.search(r"\s\d", text[s + w.end() : m.end()]):
                break
            word = _fold(w.group(1)).rstrip(".:")
            if word in _SENTENCE_WORDS or word in _NOT_STREET_START:
                s += w.end()
            else:
                break
        out.append((s, m.end(), "ADRES"))
    return out


def _find_dates(text: str) -> list[_Cand]:
    out = []
    for rx in _DATE_RES:
        for m in rx.finditer(text):
            before = text[max(0, m.start() - 40) : m.start()]
            label = "GEBOORTEDATUM" if _BIRTH_CUE_RE.search(before) else "DATUM"
            out.append((m.start(), m.end(), label))
    return out


def _find_short_dates(text: str) -> list[_Cand]:
    """Day and month without a year ("12/3", "op 12-3", "vr 15/9") where the context says date.

    A slash form is a date unless a unit or count follows ("1/3 deel", "24/7"); a dash form
    ("3-4") is a range as often as a date, so it needs a cue before it ("op", "per", "tot",
    "afspraak", a weekday) or must open a line, unless it runs downward ("31-12", "15-3"): a
    range runs upward.
    """
    out = []
    for m in _SHORT_DATE_RE.finditer(text):
        after = text[m.end() : m.end() + 16]
        if m.group(0) == "24/7" or _SHORT_DATE_UNIT_RE.match(after):
            continue  # "24/7 bereikbaar"
        before = text[max(0, m.start() - 24) : m.start()]
        if _SHORT_DATE_NOT_RE.search(before):
            continue
        word = re.search(r"([^\W\d_]+)\s+$", before)
        if word and _STREET_SUFFIX_END_RE.search(word.group(1).lower()):
            continue  # "Kerkstraat 12-3": a house number with its floor
        weekday = _WEEKDAY_BEFORE_RE.search(before)
        cue = bool(weekday or _SHORT_DATE_CUE_RE.search(before))
        line_start = not before.strip() or bool(re.search(r"\n\s*$", before))
        day, month = (int(x) for x in re.split(r"[/\-]", m.group(0)))
        if m.group(2) == "/" or cue or line_start or day > month:
            start = m.start() - (len(before) - weekday.start()) if weekday else m.start()
            out.append((start, m.end(), "DATUM"))
    return out


def _find_handles(text: str) -> list[_Cand]:
    return [(m.start(), m.end(), "ACCOUNT") for m in _HANDLE_RE.finditer(text)]


def _find_plates(text: str) -> list[_Cand]:
    out = [(m.start(), m.end(), "KENTEKEN") for m in _PLATE_RE.finditer(text)]
    for m in _PLATE_CUE_RE.finditer(text):
        token = m.group(1)
        if re.search(r"\d", token) and re.search(r"[A-Z]", token):
            out.append((m.start(1), m.end(1), "KENTEKEN"))
    return out


# A reference code right after the thing it refers to, without "nummer": "vordering
# V24.118.773", "factuur F2024-088127", "huurcontract HC-0077/3412", "melding VT-24-08812"
_CODE_AFTER_NOUN_RE = re.compile(
    r"(?i:\b(?:vordering|factuur|melding|huurcontract|contract|huurovereenkomst|polis"
    r"|beschikking|aanmelding|zaak|dossier))\s*[:#]?\s*"
    r"([A-Z]{1,4}[\-./]?\d[\d./\-]*\d)(?![\w\-])"
)


# A court's case number: a court's location code before it ("SBR 04/1461", "... en ROT 16/8")
# or a law's abbreviation after it, as the Centrale Raad van Beroep writes them ("16/414 WWB",
# "00/4643 NABW"); not "24/7", "1/3" or a meeting's date ("MDO 12/11")
_COURT_CODES = (
    "AMS HAA HLM ROT SGR DHA UTR ARN ZWO ZUT LEE GRO ASS ALK BRE SHE ROE MAA MID DOR ALM LEL "
    "AWB SBR TIL NIJ APE ENS AMH"
).split()
_COURT_NUMBER_RE = re.compile(
    rf"(?<![\w/])(?:(?:{'|'.join(_COURT_CODES)})[ \t]\d{{2}}/\d{{1,6}}"
    r"|\d{2}/\d{3,6}[ \t][A-Z]{2,6})(?![\w/])"
)


def _find_client_numbers(text: str) -> list[_Cand]:
    out = [
        (m.start(1), m.end(1), "KLANTNUMMER")
        for m in _CODE_AFTER_NOUN_RE.finditer(text)
        if sum(c.isdigit() for c in m.group(1)) >= 5
    ]
    for m in _CLIENT_CUE_RE.finditer(text):
        idm = _CLIENT_ID_RE.match(text, m.end())
        if not idm:
            continue
        token = idm.group(1)
        if sum(c.isdigit() for c in token) >= 3:
            out.append((idm.start(1), idm.end(1), "KLANTNUMMER"))
    out += [(m.start(), m.end(), "KLANTNUMMER") for m in _COURT_NUMBER_RE.finditer(text)]
    return out


def _structured(text: str) -> list[_Cand]:
    clients = _find_client_numbers(text)
    # a number right after a client or file cue ("Klantnr. Vattenfall: 400512877") is that
    # number, even when it passes the BSN check
    client_spans = {(s, e) for s, e, _ in clients}
    bsns = [c for c in _find_bsns(text) if c[:2] not in client_spans]
    return (
        _find_emails(text)
        + _find_urls(text)
        + _find_ibans(text)
        + bsns
        + _find_phones(text)
        + _find_postcodes(text)
        + _find_streets(text)
        + _find_dates(text)
        + _find_short_dates(text)
        + _find_handles(text)
        + _find_plates(text)
        + clients
    )


def _guards(text: str) -> list[tuple[int, int]]:
    """Spans that must never be touched: money amounts and placeholders already present."""
    return [m.span() for m in _MONEY_RE.finditer(text)] + [
        m.span() for m in _PLACEHOLDER_RE.finditer(text)
    ]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


class _Intervals:
    """Sorted, merged intervals with O(log n) overlap queries (1 MB texts have ~10^5 spans)."""

    def __init__(self, spans: Iterable[tuple[int, int]] = ()) -> None:
        merged: list[list[int]] = []
        for s, e in sorted(spans):
            if merged and s < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], e)
            else:
                merged.append([s, e])
        self.starts = [m[0] for m in merged]
        self.ends = [m[1] for m in merged]

    def first_overlap(self, s: int, e: int) -> tuple[int, int] | None:
        i = bisect.bisect_right(self.starts, s) - 1
        if i >= 0 and self.ends[i] > s:
            return self.starts[i], self.ends[i]
        if i + 1 < len(self.starts) and self.starts[i + 1] < e:
            return self.starts[i + 1], self.ends[i + 1]
        return None

    def add(self, s: int, e: int) -> None:
        """Insert an interval known not to overlap any present one."""
        i = bisect.bisect_left(self.starts, s)
        self.starts.insert(i, s)
        self.ends.insert(i, e)


def _resolve(cands: list[_Cand], guards: list[tuple[int, int]]) -> list[_Cand]:
    """Drop candidates touching a guard; among overlapping ones the best (priority, length) wins."""
    guard_iv = _Intervals(guards)
    kept = []
    for c in cands:
        if c[1] <= c[0]:
            continue
        # e-mail, URL, IBAN and phone cannot be amounts; everything else must not touch one
        if c[2] not in ("IBAN", "EMAIL", "URL", "TELEFOON") and guard_iv.first_overlap(c[0], c[1]):
            continue
        kept.append(c)
    kept.sort(key=lambda c: (-_PRIORITY[c[2]], -(c[1] - c[0]), c[0]))
    accepted: list[_Cand] = []
    taken = _Intervals()
    for c in kept:
        if taken.first_overlap(c[0], c[1]) is None:
            taken.add(c[0], c[1])
            accepted.append(c)
    return sorted(accepted)


# ----------------------------------------------------------------------------------------------
# residual_pii: the fast check used by the great-expectations gate
# ----------------------------------------------------------------------------------------------
_HOUSE_NEAR_RE = re.compile(r"(?<![\d.,€])\b\d{1,5}[a-zA-Z]?\b(?:[\-\s]\w{1,3})?\s*,?\s*$")


def residual_pii(text: str) -> dict[str, int]:
    """Count structured identifiers still present in ``text``.

    Pure regexes and checksums (no deduce): valid BSN (11-proef), valid IBAN (mod-97), e-mail,
    Dutch phone numbers, and postcodes next to a house number.

    Returns:
        Counts per kind: ``bsn``, ``iban``, ``email``, ``telefoon``, ``postcode_huisnummer``.
    """
    if not isinstance(text, str) or not text:
        return {"bsn": 0, "iban": 0, "email": 0, "telefoon": 0, "postcode_huisnummer": 0}
    text = spacing_view(text)[0]
    guards = [m.span() for m in _MONEY_RE.finditer(text)]

    def unguarded(cands: list[_Cand]) -> list[_Cand]:
        return [c for c in cands if not any(_overlaps((c[0], c[1]), g) for g in guards)]

    n_pc = 0
    for s, e, _ in unguarded(_find_postcodes(text)):
        if not text[s:e][-2:].isupper():
            continue
        if _HOUSE_NEAR_RE.search(text[max(0, s - 40) : s]) or re.match(
            r"\s*,?\s*\d{1,5}[a-zA-Z]?\b", text[e : e + 12]
        ):
            n_pc += 1
    return {
        "bsn": len(unguarded(_find_bsns(text))),
        "iban": len(_find_ibans(text, valid_only=True)),
        "email": len(_find_emails(text)),
        "telefoon": len(unguarded(_find_phones(text))),
        "postcode_huisnummer": n_pc,
    }


# ----------------------------------------------------------------------------------------------
# deduce loading
# ----------------------------------------------------------------------------------------------
_DEDUCE_DISABLED = {
    "dates",
    "ages",
    "identifiers",
    "phone_numbers",
    "email_addresses",
    "urls",
    "post_processing",
}


def _import_deduce() -> Any:
    """Import deduce without letting it reconfigure logging.

    deduce calls ``logging.basicConfig(stream=sys.stdout, level=DEBUG)`` at import time, which
    would send every library's debug output (and thus possibly text) to stdout.
    """
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        import deduce  # noqa: PLC0415
    except ImportError as exc:  # pragma: no cover - deduce is a core dependency
        raise ImportError("The anonymise stage needs deduce: pip install 'deduce==3.0.6'") from exc
    finally:
        for h in list(root.handlers):
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)
    return deduce


def deduce_list(name: str) -> list[str]:
    """The lines of one of deduce's word lists (`name` under its `data/lookup/src`, e.g.
    "locations/lst_placename/lst_municipality"), deduce imported without its logging set-up.

    Raises:
        GateListError: if the list is missing, unreadable or empty.
    """
    return _read_lines(_deduce_src(_import_deduce()) / name / "items.txt")


def _deduce_src(deduce_module: Any) -> Path:
    return Path(deduce_module.__file__).parent / "data" / "lookup" / "src"


def _deduce_cache_exists(deduce_module: Any) -> bool:
    cache = Path(deduce_module.__file__).parent / "data" / "lookup" / "cache"
    return any(cache.glob("lookup_structs*"))


def warm_up() -> None:
    """Build deduce's lookup cache once (about 2 minutes, ~75 MB), with a message on stderr."""
    deduce = _import_deduce()
    if _deduce_cache_exists(deduce):
        print("deduce: lookup cache present.", file=sys.stderr)
        return
    print(
        "deduce: building its lookup cache once (about 2 minutes, ~75 MB); later starts take "
        "seconds...",
        file=sys.stderr,
        flush=True,
    )
    t0 = time.perf_counter()
    _load_deduce(deduce)
    print(f"deduce: cache built in {time.perf_counter() - t0:.0f} s.", file=sys.stderr)


@functools.cache
def _load_deduce(deduce_module: Any) -> Any:
    """deduce's `Deduce`, loaded once per process (a ~75 MB lookup cache, 10-20 s a load):
    every gate in the process (each build's ingest, the app's intake preview) shares it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return deduce_module.Deduce()
    finally:
        for h in list(root.handlers):
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)


class GateListError(RuntimeError):
    """A word list the gate needs is missing, unreadable or empty.

    Raised at start-up instead of running a silently weaker gate (fewer names, no places).
    """


def _read_lines(path: Path) -> list[str]:
    """Non-empty, non-comment lines of a UTF-8 word list; raises GateListError if unusable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise GateListError(
            f"anonimisering kan niet starten: woordenlijst {path} ontbreekt of is onleesbaar "
            f"({reason}). Zonder deze lijst mist de poort namen of plaatsen. Herstel het bestand "
            "(lijsten van deduce: pip install --force-reinstall 'deduce==3.0.6')."
        ) from exc
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    if not lines:
        raise GateListError(
            f"anonimisering kan niet starten: woordenlijst {path} is leeg. Herstel het bestand "
            "(lijsten van deduce: pip install --force-reinstall 'deduce==3.0.6')."
        )
    return lines


def _strip_accents(s: str) -> str:
    return (
        "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))
        .replace("ı", "i")
        .replace("ł", "l")
    )


def _trie_pattern(phrases: Iterable[str]) -> str:
    """A regular expression that matches exactly the given phrases, written as a trie:
    "Wmo", "Wmo 2015", "Wet" -> "W(?:mo(?: 2015)?|et)". Longer phrases are tried first."""
    root: dict[str, Any] = {}
    for phrase in phrases:
        node = root
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        if "" in node:
            return "(?:" + body + ")?"
        return body

    return emit(root)


def _fold_set(items: Iterable[str]) -> set[str]:
    """Folded forms plus their accent-free spelling ("Ayşe" also as "ayse")."""
    out = set()
    for x in items:
        f = _fold(x)
        out.add(f)
        out.add(_strip_accents(f))
    return out


def _dutch_lexicon() -> Any:
    """simplemma's Dutch word forms (~370k): is a token an ordinary Dutch word?"""
    import simplemma  # noqa: PLC0415  (0.7 s on first use, only with the gate)

    return simplemma


# ----------------------------------------------------------------------------------------------
# The gate
# ----------------------------------------------------------------------------------------------
# Bump whenever a rule, list or filter changes what the gate removes: the ingest stage's
# anonymisation cache is keyed on `Anonymiser.fingerprint`, so a bump re-anonymises every text.
GATE_VERSION = "2026.12.18"


class Anonymiser:
    """Dutch personal-data gate. Heavy to build (loads deduce once); reuse one instance.

    Args:
        keep_terms: extra words or phrases never to treat as persons (e.g. municipality names).
        use_deduce: False gives a rules-only gate (persons from titles, cues and the gate's own
            name lists, no deduce); meant for fast unit tests, not for production.

    Raises:
        GateListError: if one of deduce's lists or the gate's own word lists is missing,
            unreadable or empty.
    """

    def __init__(self, keep_terms: Iterable[str] = (), use_deduce: bool = True) -> None:
        self._keep = {_fold(t).strip() for t in keep_terms if t and t.strip()}
        self._use_deduce = use_deduce
        self._deduce = None
        self._words: set[str] = set(_SENTENCE_WORDS)
        self._places: set[str] = set()
        self._areas: set[str] = set()
        self._streets: set[str] = set()
        keep_phrases = _read_lines(_KEEP_FILE)
        first_names = _read_lines(_FIRST_NAMES_FILE)
        surnames = _read_lines(_SURNAMES_FILE)
        cues = _read_lines(_CUES_FILE)
        verbs = _read_lines(_VERBS_FILE)
        person_verbs = _read_lines(_PERSON_VERBS_FILE)
        self._person_verbs = {_fold(x) for x in person_verbs}
        self._pair_verbs = self._person_verbs | _PAIR_VERBS
        domain_words = _read_lines(_WORDS_FILE)
        self._words |= {_fold(x) for x in domain_words}
        self._cues = {_fold(x) for x in cues}
        self._verbs = {_fold(x) for x in verbs} | _SPEECH_VERBS
        # the gate's own lists are part of its fingerprint: editing one re-anonymises
        self._lists_digest = hashlib.sha256(
            "\x1e".join(
                "\x1f".join(x)
                for x in (
                    keep_phrases,
                    first_names,
                    surnames,
                    cues,
                    verbs,
                    person_verbs,
                    domain_words,
                )
            ).encode("utf-8")
        ).hexdigest()[:16]
        if use_deduce:
            deduce = _import_deduce()
            if not _deduce_cache_exists(deduce):
                print(
                    "deduce: building its lookup cache once (about 2 minutes)...",
                    file=sys.stderr,
                    flush=True,
                )
            src = _deduce_src(deduce)
            # read the lists before loading deduce: a missing list fails fast and clearly
            first_names += _read_lines(src / "names/lst_first_name/items.txt")
            surnames += _read_lines(src / "names/lst_surname/items.txt")
            surnames += _read_lines(src / "names/lst_interfix_surname/items.txt")
            for name in ("lst_common_word", "lst_stop_word"):
                self._words |= {_fold(x) for x in _read_lines(src / f"whitelist/{name}/items.txt")}
            for sub in ("lst_municipality", "lst_residence", "lst_province", "lst_region"):
                names = {
                    _fold(x) for x in _read_lines(src / f"locations/lst_placename/{sub}/items.txt")
                }
                self._places |= names
                if sub != "lst_residence":
                    self._areas |= names  # municipalities, provinces, regions
            self._streets = {_fold(x) for x in _read_lines(src / "locations/lst_street/items.txt")}
            self._deduce = _load_deduce(deduce)
        self._first_names = _fold_set(first_names)
        self._surnames = _fold_set(surnames)
        self._keep_words = {_fold(x) for x in keep_phrases}
        self._places |= {_fold(x) for x in keep_phrases if x[:1].isupper() and not x.isupper()} - {
            "gemeente"
        }
        # words of multi-word places and phrases: only names holding one need the slow check
        self._place_tokens = {
            t for p in self._places | self._keep_words if " " in p for t in p.split()
        }
        self._lexicon = _dutch_lexicon()
        self._word_cache: dict[str, bool] = {}
        self._name_cache: dict[str, bool] = {}
        # first names that are no Dutch word: only these can start a lower-case name
        self._lower_first_names = {
            f
            for f in self._first_names
            if len(f) >= 3 and f not in _NOTE_ABBREVIATIONS and not self._is_word(f)
        }
        # first names that are also words ("roos", "storm"): a lower-case name only with a
        # listed surname after them. deduce's list also holds "witte", "klaar" and "baan", so
        # only the common ones count here
        self._lower_word_first_names = {
            f for f in _WORD_FIRST_NAMES if f in self._first_names and self._name_as_word_ok(f)
        }
        # the phrases as a trie, so that re follows one branch per character instead of trying
        # every phrase (11x faster); its greedy optional tails take the longest phrase that ends
        # a word. No look-behind in front: it would stop re's first-character scan;
        # _keep_spans checks the character before each match instead
        self._org_re = re.compile("(?:" + _trie_pattern(set(keep_phrases)) + r")(?![\w])")
        self._cue_phrases = self._cues | _HONORIFICS
        self._title_person_re = re.compile(
            r"(?<![\w])(?:[Mm]evrouw|[Mm]evr\.|[Mm]w\.|[Mm]eneer|[Mm]ijnheer|[Dd]hr\.|[Dd]e heer)"
            r"\s+((?:(?:[A-ZÀ-Þ]\.){1,4}\s?)?(?:(?:[Vv]an|[Dd]e|[Dd]er|[Dd]en|[Tt]er|[Tt]en|[Oo]p"
            r"|[Ii]n|'t|[Hh]et|El|el|Al|al)\s+){0,3}[A-ZÀ-Þ][\w'’]+(?:-[A-ZÀ-Þa-z][\w'’]+)*)"
        )

    @property
    def fingerprint(self) -> str:
        """Identifies what this gate removes: its version, word lists, configuration and
        deduce's version.

        Cached anonymisations are valid only for the same fingerprint."""
        from importlib import metadata

        try:
            deduce_version = metadata.version("deduce") if self._use_deduce else "off"
        except metadata.PackageNotFoundError:
            deduce_version = "missing"
        parts = [GATE_VERSION, deduce_version, self._lists_digest, *sorted(self._keep)]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]

    # -- persons ---------------------------------------------------------------------------
    def _trim_person(self, text: str, s: int, e: int, keep: _Intervals) -> tuple[int, int] | None:
        """Strip titles/roles in front and organisations behind; None if no name remains."""
        # "Esra Çelik van de Voedselbank": cut the name where an organisation starts
        hit = keep.first_overlap(s, e)
        if hit is not None:
            if hit[0] <= s:
                return None
            e = hit[0]
        while True:
            two = re.match(r"\s*[Dd]e\s+heer\s+", text[s:e])
            if two and s + two.end() < e:
                s += two.end()
                continue
            m = re.match(r"\s*([^\s]+)\s+", text[s:e])
            if not m:
                break
            word = _fold(m.group(1)).rstrip(".:,")
            if (word in _TITLES or word in _ROLE_WORDS or word in self._cues) and s + m.end() < e:
                s += m.end()
            else:
                break
        # trailing interfixes left by the cut ("Op de Weegh van"), punctuation
        while True:
            m = re.search(r"\s+(?:van|de|der|den|het|bij|uit|aan|op|voor)\s*$", text[s:e])
            if m and m.start() > 0:
                e = s + m.start()
                continue
            break
        while e > s and text[e - 1] in " .,:;-":
            if text[e - 1] == "." and re.search(r"(?:^|[\s.])[A-Z]\.$", text[s:e]):
                break  # keep the dot of a final initial
            e -= 1
        if e <= s:
            return None
        if _PLACEHOLDER_NAME_RE.match(text[s:e].strip()):
            return None
        return s, e

    # -- word knowledge ----------------------------------------------------------------------
    def _is_word(self, token: str) -> bool:
        """True for an ordinary Dutch word (any case): "bos", "Schuld", "vertelde"."""
        known = self._word_cache.get(token)
        if known is None:
            f = _fold(token)
            known = (
                f in self._words
                or bool(self._lexicon.is_known(f, lang="nl"))
                or self._is_compound(f)
            )
            if len(self._word_cache) > 200_000:
                self._word_cache.clear()
            self._word_cache[token] = known
        return known

    def _holds_first_name(self, tokens: Sequence[str]) -> bool:
        """Whether a known first name is among the words, particles aside ("De" of "inrichting
        De Schie" is no first name here, though deduce's list holds it)."""
        return any(_fold(t) in self._first_names and _fold(t) not in _INTERFIXES for t in tokens)

    def _law_compound(self, token: str) -> bool:
        """A law or rule by its compound name: "Huisvestingswet", "Taxiverordening"; a word
        before the ending, so not a name that ends alike ("Ghebrehiwet")."""
        m = _LAW_COMPOUND_RE.match(token)
        return bool(m) and self._is_word(m.group(1).rstrip("-"))

    def _is_compound(self, f: str) -> bool:
        """A Dutch compound the lexicon lacks: "werkplein", "veiligheidshuis", "burgerzaken"."""
        if len(f) < 9 or not f.isalpha():
            return False
        # a part may be a compound itself: "huisvestings|verordening"
        return any(compound_splits(f, self._is_word, 4, 4, ("s", "e")))

    def _is_base_form(self, token: str) -> bool:
        """True if simplemma lemmatises the word to itself ("bakker"), not for "belt", "wil"."""
        return self._lexicon.lemmatize(token, lang="nl") == token

    @staticmethod
    def _role_in_brackets(text: str, e: int) -> bool:
        """Does a bracket with a person's role follow ``e``: "Bakker (cliënt, ...)",
        "Visser (moeder)"?"""
        m = _BRACKET_ROLE_RE.match(text, e)
        return bool(m) and _fold(m.group(1)) in _BRACKET_ROLES

    def _verb_says_person(self, text: str, s: int, e: int, word: str) -> bool:
        """Does the verb after a single capitalised word make it a person?

        A report verb does for any name or non-word ("Bos vertelde"); other verbs ("heeft",
        "komt") only for a non-word or for a known name that is no common word ("Visser komt
        mee", but not "Pas kwam er" or "Wel kwam het"). Never when a subject pronoun follows
        the verb ("Vooraf had ze": the first word is no subject), nor for an unknown word after
        a preposition ("adviseur van Schulinck vindt": an organisation as often as a person).
        Any other finite verb ("Wubet ontving", "Samrawit sliep") counts for a non-word only.
        """
        if self._is_name(word) and _is_age_predicate(text, e):
            return True  # "Storm is pas negen": a known name, and only a person is that old
        nxt = _next_word(text, e)
        if nxt not in self._verbs:
            parts = word.split("-")
            if (
                self._is_word(word)
                or not all(part[1:].islower() for part in parts if part)  # "PvdA vraagt"
                # "een Wlz-contract kreeg", "Jeugd-ggz mag" (but "Jan-Willem mocht")
                or (
                    len(parts) > 1
                    and any(self._is_word(t) and not self._is_name(t) for t in parts if t)
                )
                or _previous_word(text, s) in _ARTICLES
                or not self._finite_verb(nxt)
            ):
                return False
        m = _NEXT_WORD_RE.match(text, e, e + 40)
        if _next_word(text, m.end()) in _SUBJECT_PRONOUNS:
            return False
        if not self._is_name(word) and _previous_word(text, s) in _PREPOSITIONS:
            return False
        if _previous_word(text, s) in _ARTICLES and self._is_word(word):
            return False  # "De Raad verwees": a noun with its article
        if nxt in _SPEECH_VERBS:
            return self._is_name(word) or not self._is_word(word)
        if nxt in self._verbs:
            return not self._is_word(word) or (
                self._is_name(word) and _fold(word) not in self._words
            )
        return True  # a non-word before a finite verb (checked above)

    def _first_and_surname(self, span: str) -> bool:
        """Capitalised, a listed first name followed by a listed surname (with its particles):
        "Johannes Bakker", "Roos Visser", "Ben de Vries". Each alone may be a Dutch word
        ("Johannes" is in the lexicon, "Wil" is a verb); together they are a name."""
        tokens = span.split()
        if len(tokens) < 2 or not all(t[:1].isupper() for t in (tokens[0], tokens[-1])):
            return False
        if tokens[0].isupper() or tokens[-1].isupper():
            return False  # "HULP BIJ", a heading in capitals
        if _fold(tokens[0]) in _SENTENCE_WORDS:
            return False  # "Dan Hoop Ik Dat Het Lukt": a heading in title case
        return _fold(tokens[0]) in self._first_names and (
            _fold(" ".join(tokens[1:])) in self._surnames or _fold(tokens[-1]) in self._surnames
        )

    def _is_name(self, token: str) -> bool:
        f = _fold(token)
        return f in self._first_names or f in self._surnames

    def _name_like(self, token: str) -> bool:
        """A known first name or surname, or no Dutch word, and never a place, law or agency."""
        like = self._name_cache.get(token)
        if like is None:
            like = self._name_like_uncached(token)
            if len(self._name_cache) > 200_000:
                self._name_cache.clear()
            self._name_cache[token] = like
        return like

    def _name_like_uncached(self, token: str) -> bool:
        f = _fold(token)
        if f in self._keep_words or f in self._places or f in self._keep:
            return False
        if f in _HONORIFICS or f in _TITLES or f in self._cues or f in _ROLE_WORDS:
            return False
        if f in _NAME_INTERFIXES or f in self._words:
            return False  # "De", "Bij", "Die": interfixes and common words
        if _ABBREVIATION_RE.fullmatch(token):
            return False  # "HvO", "BvA"
        if "-" in token:
            parts = token.split("-")
            if any(len(p) > 1 and p.isupper() for p in parts):
                return False  # "WIA-uitkering", "GGZ-instelling"
            if all(self._is_word(p) or _fold(p) in self._places for p in parts if p):
                return False  # "E-rolstoelers", "Wmo-desk"
            if _fold(parts[0]) in _COMPASS:
                return False  # "Oost-Brabant", "Midden-Groningen": a region
            if self._place_district(token):
                return False  # "Helmond-Oost", "Amsterdam-Noord": a district
        if len(token) > 1 and token.isupper():
            return False  # an abbreviation ("UWV", "WIA")
        return f in self._first_names or f in self._surnames or not self._is_word(token)

    def _place_district(self, token: str) -> bool:
        """A place and a compass district after a hyphen: "Helmond-Oost", "Den Haag-Zuidwest"."""
        head, _, tail = token.rpartition("-")
        if _fold(tail) not in _COMPASS and _fold(tail) != "centrum":
            return False
        return _fold(head) in self._places or _fold(head.removesuffix("-Nieuw")) in self._places

    def _place_follows(self, text: str, e: int) -> bool:
        """Does a place name of one to three words follow position e ("... Den Haag")?"""
        toks = re.findall(r"[^\s,.;:()]+", text[e : e + 40])[:3]
        return any(_fold(" ".join(toks[:k])) in self._places for k in range(1, len(toks) + 1))

    def _in_place_phrase(self, text: str, s: int, e: int) -> bool:
        """True if [s, e) lies inside a multi-word place name ("Capelle aan den IJssel")."""
        if not any(_fold(t) in self._place_tokens for t in text[s:e].split()):
            return False
        lo, hi = max(0, s - 40), min(len(text), e + 40)
        toks = [(m.start() + lo, m.end() + lo) for m in re.finditer(r"[^\s,.;:()]+", text[lo:hi])]
        for i, (ts, _) in enumerate(toks):
            if ts > s:
                break
            for j in range(i, min(len(toks), i + 6)):
                if toks[j][1] < e:
                    continue
                phrase = _fold(" ".join(text[a:b] for a, b in toks[i : j + 1]))
                if phrase in self._places or phrase in self._keep_words:
                    return True
        return False

    # -- persons -----------------------------------------------------------------------------
    def _reject_person(self, text: str, s: int, e: int, strong: bool = False) -> bool:
        """Drop a person candidate that is a place, organisation, placeholder or common word.

        ``strong`` candidates came with context (a cue, an age, a report verb, a form field):
        only the place/organisation checks apply to them.
        """
        name = text[s:e]
        folded = _fold(name)
        tokens = name.split()
        if not any(ch.isalpha() for ch in name):
            return True
        if folded in self._keep or folded in self._keep_words:
            return True
        if _ORG_TAIL_RE.match(text[e : e + 40]) or (
            _ORG_HEAD_RE.fullmatch(tokens[-1]) and "van" not in tokens[1:-1]
        ):
            return True  # not "mr. J. Oosterhout van Kroes Advocaten": a person and a firm
        if folded in _NUMBER_ABBREVIATIONS and re.match(r"\.?\s*\d", text[e : e + 4]):
            return True  # "Art. 13 WWB", "Nr 4": an abbreviation before a number
        if len(tokens) == 1 and (
            self._law_compound(name)
            or _ACRONYM_PROFESSION_RE.match(name)
            or (  # not "AnneMarie", "JanWillem": first names written together
                _CAMEL_BRAND_RE.match(name)
                and not any(_fold(p) in self._first_names for p in _CAP_PART_RE.findall(name))
            )
            or folded.rstrip(".") in _COURT_ABBREVIATIONS
        ):
            return True  # "Huisvestingswet", "IT'er", "WerkSaam", "Rb gaf haar gelijk"
        if len(tokens) >= 2 and _INITIALS_ONLY_RE.match(tokens[0]):
            rest = tokens[1:]
            if (
                len(rest) == 1
                and _fold(rest[0]) in self._words
                and not self._is_name(rest[0])
                and not self._name_like(rest[0])
            ) or (
                len(rest) >= 2
                and rest[0] in ("te", "in", "uit")
                and _fold(" ".join(rest[1:])) in self._places
            ):
                # "mevrouw A. Toen zij ...", "mevrouw T. te Vlaardingen", "I. Bevindingen": an
                # initial (already no name) and the next sentence's word or a place
                return True
        before = _previous_word(text, s)
        if (
            before in _LANGUAGE_CONTEXT_WORDS
            and len(tokens) == 1
            and folded in _NATIONALITY_ADJECTIVES
            and folded not in self._first_names
        ):
            return True  # "met een tolk Engels", "een beetje Engels": a language, not Mr Engels
        if before in _HONORIFICS:
            # "uitkering mw. Eerste advies was ...": an abbreviated form of address ends the
            # sentence and a common word opens the next, no name of anyone
            if (
                len(tokens) == 1
                and text[max(0, s - 2) : s].startswith(".")
                and folded in self._words
                and not self._is_name(name)
            ):
                return True
            return False  # "Dhr. Koning", "mevrouw De Boer", "meneer Assen": a person
        if len(tokens) == 1 and folded in _STATE_BODIES and before not in _PERSON_TITLE_WORDS:
            return True  # "Raad wil binnen dagen starten", "Staat heeft ...", "'s Rijks kas"
        if _fold(tokens[0]) in _NATIONALITY_INFLECTED and (
            (len(tokens) > 1 and not self._holds_first_name(tokens[1:]))
            or (len(tokens) == 1 and re.match(r"[ \t]+[a-zß-ÿ]", text[e : e + 3]))
        ):
            # "van Hindoestaanse afkomst", "het Europese Hof van Justitie"; not "de Marokkaanse
            # Fatima El Amrani"
            return True
        if _GLUED_PLACE_RE.search(tokens[-1]):
            return True  # "Nieuwsbrief Anne Frankschool", "Prins Bernhardlaan"
        if _fold(tokens[0]) in _INSTITUTION_WORDS or (
            before in _NAMED_AFTER_WORDS and not _sentence_start(text, s)
        ):
            return True  # "Wet Mulder", "de Rechtbank Gelderland", "methode Marte Meo"
        if (
            strong
            and before in _PERSON_TITLE_WORDS
            and len(tokens) == 2
            and tokens[0] in ("De", "Den", "Ter", "Ten", "Van")
            and _fold(tokens[1]) in self._surnames
            and folded not in self._areas
        ):
            return False  # "wijkagent De Boer": a title like "mevrouw", not the hamlet De Boer
        if strong and len(tokens) == 1 and name[:1].isupper() and self._kin_before(text, s):
            return False  # "zus (Saba)", "tante Jet": a family word names a person
        if strong and len(tokens) == 1 and _previous_word(text, s) in _ADDRESSEE_PRONOUNS:
            if self._word_name_in_slot(text, s, e):
                return False  # "Kun jij Jet vragen": no place stands there
        if folded in self._places or self._in_place_phrase(text, s, e):
            return True
        if len(tokens) == 1 and self._place_district(name):
            return True  # "in Helmond-Oost"
        if len(tokens) == 1 and self._is_word(name) and self._place_follows(text, e):
            return True  # "Gerechtshof Den Haag", "Rechtbank Den Haag": a body and its seat
        if (
            len(tokens) >= 2
            and _fold(" ".join(tokens[1:])) in self._places
            and _fold(tokens[0]) not in _INTERFIXES | _NAME_INTERFIXES
            and self._is_word(tokens[0])
            and not self._is_name(tokens[0])
        ):
            return True  # "Huisvestingsverordening Den Haag": a word and a place, no first name
        if len(tokens) == 1 and re.search(r"\d", name):
            letters = re.sub(r"[\d\W_]+", "", name)
            if letters and self._is_word(letters) and not self._is_name(letters):
                return True  # "Ieder1", "Wonen4All": a brand, not a name with a number
        if (
            len(tokens) == 1
            and folded in _NATIONALITY_ADJECTIVES
            and before in _DETERMINERS
            and re.match(r"[ \t]+[a-zß-ÿ]", text[e : e + 3])
        ):
            return True  # "een Duits opleidingsinstituut", "het Pools consulaat"
        if len(tokens) >= 2 and tokens[0] in _PLACE_LEADS:
            # "college van Arnhem", "aan den IJssel", "wonende te Apeldoorn": a preposition and
            # a place, no first name
            if _fold(" ".join(tokens[1:])) in self._places and (
                tokens[0] == "te"  # "geboren op 3 juli 1961 te Apeldoorn"
                or self._is_word((_previous_word(text, s) or "x").rsplit("-", 1)[-1])
            ):
                return True
        if strong:
            return False
        if len(tokens) == 1:
            word = folded.strip(".")
            if name[0].islower() and (word in self._words or word in _PROFESSION_SURNAMES):
                return True
            if word in _SENTENCE_WORDS or word in _ROLE_WORDS or word in _TITLES:
                return True
            if word in self._cues:
                return True
            if word in _PROFESSION_SURNAMES and _previous_word(text, s) in _PROFESSION_CONTEXT:
                return True
            if _sentence_start(text, s) and (
                word in self._words or (word not in self._first_names and self._is_word(word))
            ):
                # "Schuld is opgelopen", "Pas in mei", "Visser van beroep": a Dutch word opening
                # the sentence, unless a verb says person ("Bos vertelde", "Visser komt mee") or
                # a known surname has its role in brackets ("Bakker (cliënt) heeft ...")
                return not (
                    self._verb_says_person(text, s, e, word)
                    or (self._is_name(word) and self._role_in_brackets(text, e))
                )
        elif len(tokens) == 2 and tokens[0] in ("De", "de"):
            # "De Bakker kwam" / "als de Bakker": an article plus a profession word
            if _fold(tokens[1]) in _PROFESSION_SURNAMES and (
                tokens[0] == "de" or _sentence_start(text, s)
            ):
                return True
        return False

    def _particle_names(self, text: str) -> list[tuple[int, int]]:
        """Known surnames with a capitalised particle and no first name: after "Van" where a
        report verb follows or "volgens"/"aldus" precedes ("Van der Meer stelt", "volgens Van
        den Berg"); after any particle ("De", "Den", "Ter", "Ten", "Van") where a job title or
        family word stands right before ("wijkagent De Boer")."""
        out: list[tuple[int, int]] = []
        for m in _PARTICLE_NAME_RE.finditer(text):
            if _fold(m.group(1)) not in self._surnames:
                continue
            before = _previous_word(text, m.start())
            if m.group(0).startswith("Van") and (
                _next_word(text, m.end()) in _PARTICLE_VERBS or before in _PARTICLE_BEFORE
            ):
                out.append(m.span())
            elif before in _PERSON_TITLE_WORDS:
                # "wijkagent De Boer", "huisarts Van Dam"; but "volgens De Hoop" may be the
                # addiction care provider
                out.append(m.span())
        return out

    def _context_persons(self, text: str) -> list[tuple[int, int]]:
        """Capitalised names that deduce's lists miss, found by what surrounds them.

        A run of capitalised words (with interfixes: "Karim Ait Haddou", "Łukasz Wójcik") is a
        person when: it holds two or more name-like words (no Dutch word, or a known name); or
        a cue precedes it ("zoon", "zegt", "Groet,", "ik ben", "Cliënt:"); or an age follows
        ("Daan (7)", "Kimberley, 17,"); or a report verb follows ("Tsegay heeft", "Bos
        vertelde"); or it sits alone in quotes; or it holds letters no Dutch word has.
        """
        out: list[tuple[int, int]] = []
        for m in _CAP_RUN_RE.finditer(text):
            word = m.group()
            if " " not in word and "\u00a0" not in word and not self._name_like(word):
                # most runs: one capitalised Dutch word ("De", "Daarna", "Mw"); a first name
                # that is also a word counts right after a family word ("zijn tante Wil")
                if (
                    self._kin_named(text, m.start(), word)
                    or self._at_home(text, *m.span())
                    or self._word_name_apposition(text, *m.span())
                    or self._word_name_in_slot(text, *m.span())
                ):
                    out.append(m.span())
                continue
            run = [
                (t.start() + m.start(), t.end() + m.start(), t.group())
                for t in _NONSPACE_RE.finditer(m.group())
            ]
            # a listed first name and surname that are both words: "Hoop Koning", "Wil Mol"
            pair = next(
                (
                    (run[0][0], run[k][1])
                    for k in range(min(len(run), 4) - 1, 0, -1)
                    if self._first_and_surname(text[run[0][0] : run[k][1]])
                ),
                None,
            )
            if pair:
                out.append(pair)
                continue
            # leading cue or title words inside the run ("Zoon Daan", "Verzoeker Farah") are
            # context, not name; leading and trailing Dutch words are no part of the name
            cue_inside = False
            kin_named = False
            while run and not self._name_like(run[0][2]):
                if self._kin_named(text, run[0][0], run[0][2]) or self._at_home(
                    text, run[0][0], run[0][1]
                ):
                    kin_named = True  # "Tante Wil past op", "Bij Visser thuis"
                    break
                cue_inside = cue_inside or _fold(run[0][2]) in self._cues
                run = run[1:]
            while len(run) > kin_named and (
                not self._name_like(run[-1][2]) or run[-1][2] in _NAME_INTERFIXES
            ):
                run = run[:-1]
            if not run:
                continue
            s, e = run[0][0], run[-1][1]
            if text.rfind("<", 0, s) > text.rfind(">", 0, s):
                continue  # inside an HTML tag ('class="MsoNormal"')
            names = [w for _, _, w in run if w not in _NAME_INTERFIXES]
            if names and (
                kin_named
                or self._at_home(text, s, e)
                or self._decide_run(text, s, e, names, cue_inside)
            ):
                out.append((s, e))
        return out

    def _cue_before(self, text: str, s: int) -> bool:
        """Does a cue ("zoon", "zegt", "Groet,", "ik ben", "Cliënt:") end right before ``s``?"""
        before = text[max(0, s - 40) : s].rstrip(" \u00a0")
        if before.endswith("\n") and before.rstrip().endswith(","):
            before = before.rstrip()  # a sign-off line: "Met vriendelijke groet,\n\nSamrawit"
        if before[-1:] in (",", ":", "("):
            before = before[:-1].rstrip(" \u00a0")
        last = before.rsplit(None, 1)[-1:]
        if last and last[0].casefold() in _NOTE_CUES:
            return True  # "afspr. m/ Gidey", "T.a.v. Tsegai", "i.o.m. Berhane"
        if not before or not (before[-1].isalpha() or before[-1] == "."):
            return False
        # a quote or bracket opening the cue does not hide it ('"ik ben sanne," zei ze')
        toks = [t.lstrip("\"'“‘«(") for t in before.split()[-4:]]
        if toks[-1].endswith("."):
            # "mw.", "dhr." are cues; "... beste vriend." ends a sentence
            return _fold(toks[-1]).rstrip(".") in _HONORIFICS
        for k in range(1, len(toks) + 1):
            if " ".join(toks[-k:]).casefold() in self._cue_phrases:
                return True
        if _AGED_BEFORE_RE.fullmatch(toks[-1]):
            return True  # "de 23-jarige Filmon", "de zestienjarige Yonas"
        # "de zus van Blerta", "de kinderen van Efrem"
        if len(toks) >= 2 and toks[-1] == "van":
            kin = _fold(toks[-2])
            if kin in _OWNER_NOUNS:
                return True  # "het verhaal van Mulu", "de schulden van Abeba"
            if kin in _WORKER_CUES:
                return False  # "een hulpverlener van Limor": the employer, not a person
            return kin in self._cues or kin in _TITLES
        return False

    def _decide_run(self, text: str, s: int, e: int, names: list[str], cue_inside: bool) -> bool:
        if _previous_word(text, s) in _INSTITUTION_WORDS and not _sentence_start(text, s):
            return False  # "de gemeente Dantumadiel zou", "stichting Kadera biedt"
        if len(names) == 1 and text[e : e + 1] == ":":
            # a speaker in a chat log or transcript ("[12:04] Tesfay: ok", 'Senait: "Ik..."');
            # otherwise a form field's label ("Tel:", "Betreft:")
            return not self._is_word(names[0]) and (
                self._speaker_label(text, s, e)
                or self._cue_before(text, s)
                or self._kin_after_colon(text, s, e)
            )
        dutch = [self._is_word(t) for t in names]
        foreign = any(c in _FOREIGN_LETTERS for c in _fold(" ".join(names)))
        if self._first_and_surname(text[s:e]):
            return True  # "Johannes Bakker", "Wil Mol": both words, but a listed pair
        if len(names) >= 2 and not all(dutch):
            # a known name that is no Dutch word, or foreign letters: "Kidane Berhe", "Łukasz
            # Wójcik"; not "Meldpunt Huurtoeslag", "Raad van State"
            if foreign or any(
                self._is_name(t) and not d for t, d in zip(names, dutch, strict=True)
            ):
                return True
        if cue_inside or self._cue_before(text, s):
            return True
        if (len(names) >= 2 or self._is_name(names[0])) and not all(dutch):
            if _HEADER_BEFORE_RE.search(text, max(0, s - 30), s):
                return True  # "Van: Wubet Gebreyes"
        if _AGE_AFTER_RE.match(text, e):
            return True
        if (
            len(names) == 1
            and (not dutch[0] or (self._is_name(names[0]) and _fold(names[0]) not in self._words))
            and _PERSON_PREDICATE_RE.match(text, e)
        ):
            return True  # "Wolde is 41", "Mehari was dakloos", "Zemzem staat er alleen voor"
        if len(names) == 1 and not dutch[0] and _PASSIVE_PERSON_RE.match(text, e):
            return True  # "Afewerki werd in 2021 uit huis gezet"
        if len(names) == 1 and not dutch[0]:
            pair = _PAIR_AFTER_RE.match(text, e)
            if (
                pair
                and self._name_like(pair.group(1))
                and not self._is_word(pair.group(1))
                and self._lexicon.lemmatize(pair.group(2), lang="nl") in self._pair_verbs
            ):
                return True  # "Wanjiku en Achieng delen een kamer"
            if _kin_apposition(text, e):
                return True  # "Yordanos, de oudste dochter"
            employer = _EMPLOYER_AFTER_RE.match(text, e)
            if employer and (_fold(employer.group(1)) in self._keep or employer.group(1).isupper()):
                return True  # "gebeld door Tesfalem van MEE"
            if _HEADER_BEFORE_RE.search(text, max(0, s - 30), s) and _LINE_END_RE.match(text, e):
                return True  # "Van: Nardos" alone on its line
            if text[e : e + 1] == ")" and _PRONOUN_BRACKET_RE.search(text, max(0, s - 12), s):
                return True  # "Zij (Mulu) wil niet verhuizen"
            if _NOTE_CONTACT_RE.match(text, e):
                return True  # "Lemlem gebeld, geen gehoor", "Tegen Mehret gezegd dat"
            both = _BOTH_KIN_RE.match(text, e)
            if (
                both
                and _previous_word(text, s) == "zowel"
                and _fold(both.group(1)) in _KIN_AFTER_WORDS
            ):
                return True  # "Zowel Senait als haar broer"
            if _AND_I_RE.match(text, e) or _SELF_AFTER_RE.match(text, e):
                return True  # "Lemlem en ik hebben ...", "Senait zelf wil niet verhuizen"
            if _sentence_start(text, s) and _SPOKEN_POSSESSIVE_RE.match(text, e):
                return True  # "Lemlem haar uitkering is gestopt"
        if len(names) == 1 and self._verb_says_person(text, s, e, names[0]):
            return True  # "Tsegay heeft", "Bos vertelde", "Visser komt mee"
        if len(names) > 1 and _next_word(text, e) in self._verbs:
            return True
        if foreign:
            return True
        if len(names) == 1 and (
            not dutch[0]
            or (
                _fold(names[0]) not in self._words
                and _previous_word(text, s) not in _PROFESSION_CONTEXT  # "als Bakker en zijn"
            )
        ):
            kin = _KIN_AFTER_RE.match(text, e)
            if kin and _fold(kin.group(1)) in _KIN_AFTER_WORDS:
                return True  # "Zarmina en haar man", "Sanne, moeder van twee"
            if not dutch[0] and self._possessive(names[0]) and _POSSESSIVE_AFTER_RE.match(text, e):
                return True  # "Ahmeds moeder", "Daans school"
            kin = _APOSTROPHE_KIN_RE.match(text, e)
            if not dutch[0] and kin and _fold(kin.group(1)) in _KIN_WORDS:
                return True  # "Gebreyes' dochter", "Wubet's broer"
            if (
                not dutch[0]
                and names[0].endswith(("'s", "’s"))
                and _POSSESSIVE_AFTER_RE.match(text, e)
            ):
                return True  # "Mulu's uitkering"
            if _SIGNATURE_RE.match(text, e) and _DASH_LINE_RE.search(text, max(0, s - 8), s):
                return True  # a signature line: "— Wubet"
        if len(names) == 1 and not dutch[0] and self._in_person_slot(text, s, e):
            return True
        if len(names) == 1 and not dutch[0] and self._relative_person(text, s, e):
            return True  # "overgedragen aan Tsion, die namens het wijkteam begeleidt"
        if len(names) == 1 and dutch[0] and self._word_name_in_slot(text, s, e):
            return True  # "Kun jij Jet vragen of", "gesproken met Roos over"
        if len(names) == 1 and not dutch[0]:
            if self._is_name(names[0]) and _previous_word(text, s) not in _PLACE_PREPOSITIONS:
                return True  # a first name or surname from the lists that is no Dutch word
            if _fold(names[0]) in self._first_names and _previous_word(text, s) in _OBJECT_OF:
                # "de bijstand van Kibrom", "de kosten zijn voor Yonas": a listed first name
                # that is no Dutch word after a preposition (surnames: "van" is their interfix;
                # places and kept organisations are no name-like word, so never get here)
                return not self._in_place_phrase(text, s, e)
        q0, q1 = text[s - 1 : s], text[e : e + 1]
        if q0 and q1 and q0 in "\"'“‘«" and q1 in "\"'”’»" and not all(dutch):
            return True  # a nickname in quotes: '"Mo" slaapt in de nachtopvang'
        return False

    def _speaker_label(self, text: str, s: int, e: int) -> bool:
        """Is "Name:" at [s, e) a speaker: quoted words follow, or a chat time stamp leads?"""
        if _SPEAKER_QUOTE_RE.match(text, e + 1):
            return True
        line = text[text.rfind("\n", 0, s) + 1 : s]
        return bool(_CHAT_STAMP_RE.fullmatch(line))

    def _finite_verb(self, word: str) -> bool:
        """A singular finite form of a verb that takes a person: "ontving", "sliep", "spijbelt"
        (not "besproken", "wonen": a participle or plural has another subject)."""
        if not word.islower() or word.endswith(("s", "en")) or len(word) < 3:
            return False
        if word.startswith("ge") and word.endswith(("d", "t")):
            return False  # "gebeld": a participle
        return self._lexicon.lemmatize(word, lang="nl") in self._person_verbs

    def _at_home(self, text: str, s: int, e: int) -> bool:
        """ "bij Visser thuis", "bij de familie Groen thuis": whose home it is."""
        if not _THUIS_AFTER_RE.match(text, e) or not _BIJ_BEFORE_RE.search(text, max(0, s - 30), s):
            return False
        return not self._kept(_fold(text[s:e]))

    def _kept(self, f: str) -> bool:
        """Is the folded word a place or a kept term (organisation, law, scheme)?"""
        return f in self._places or f in self._keep_words or f in self._keep

    def _kin_after_colon(self, text: str, s: int, e: int) -> bool:
        """ "- Aregash: moeder, geen werk": a list line that opens with "Name:" and a family
        word (a field label is followed by its value, never by a family word)."""
        if not _LIST_ITEM_START_RE.fullmatch(text, text.rfind("\n", 0, s) + 1, s):
            return False
        m = _NEXT_WORD_RE.match(text, e + 1, e + 40)
        return bool(m) and _fold(m.group(1)) in _KIN_AFTER_WORDS

    def _word_name_apposition(self, text: str, s: int, e: int) -> bool:
        """ "naar Genet, de zus van cliënt": a capitalised word mid-sentence, then a family
        apposition, is a first name that is also a word (not a place or an organisation)."""
        f = _fold(text[s:e])
        if self._kept(f) or f in _SENTENCE_WORDS:
            return False
        if _sentence_start(text, s) or _previous_word(text, s) in _ARTICLES:
            return False
        return _kin_apposition(text, e)

    def _relative_person(self, text: str, s: int, e: int) -> bool:
        """ "aan Tsion, die per 1 mei namens het wijkteam begeleidt": an unknown word mid-
        sentence, then a relative clause that only fits a person (acting for an organisation,
        employed somewhere, a verb that takes a person); organisations take "die" as well
        ("Sociom, die sinds 2019 vanuit de wijk werkt")."""
        m = _RELATIVE_CLAUSE_RE.match(text, e)  # a name-like word: never a kept one
        if not m or _sentence_start(text, s):
            return False
        words = m.group(1).split()
        return any(w in _PERSON_CLAUSE_WORDS or self._finite_verb(w) for w in words)

    def _word_name_in_slot(self, text: str, s: int, e: int) -> bool:
        """ "Kun jij Jet vragen", "gesproken met Roos over": a known first name that is also a
        rare word or a place, capitalised mid-sentence where a person is talked to or about."""
        token = text[s:e]
        f = _fold(token)
        if f not in self._first_names or token.isupper() or f in self._keep_words:
            return False
        if f in self._words:  # "werkt als Kok in": a common noun with a capital
            return False
        if f in self._keep or f in _SENTENCE_WORDS or f in _TITLES or f in self._cues:
            return False
        if f in _NAME_INTERFIXES or not self._in_person_slot(text, s, e):
            return False
        # a village's name too ("Jet"): only right after a pronoun, where no place stands; never
        # a municipality, province or region ("heb jij Ede gebeld": its offices)
        if f in self._areas:
            return False
        return f not in self._places or _previous_word(text, s) in _ADDRESSEE_PRONOUNS

    def _possessive(self, token: str) -> bool:
        """ "Ahmeds", "Daans": a known name plus the genitive s."""
        return (
            len(token) > 3
            and token.endswith("s")
            and self._is_name(token[:-1])
            and _fold(token[:-1]) not in self._places
        )

    def _kin_before(self, text: str, s: int) -> bool:
        """Is a family word or greeting ("tante ", "zus (", "Groet,\n") directly before ``s``?"""
        m = _KIN_BEFORE_RE.search(text, max(0, s - 30), s)
        return bool(m) and _fold(m.group(1)) in _KIN_OR_GREETING

    def _kin_named(self, text: str, s: int, token: str) -> bool:
        """A capitalised known first name right after a family word: "tante Wil", "zus Roos"."""
        f = _fold(token)
        if f not in self._first_names or not token[:1].isupper() or token.isupper():
            return False
        if f in _SENTENCE_WORDS or f in _TITLES or f in self._cues or f in _NAME_INTERFIXES:
            return False
        if f in self._keep_words or f in self._keep:
            return False
        return self._kin_before(text, s)

    def _in_person_slot(self, text: str, s: int, e: int) -> bool:
        """Is the word at [s, e) the object or subject of talk within a sentence?

        "gesproken met Zhanna over", "ik heb Rukhsana net gebeld": a person word before it and
        a lower-case word or the sentence's end after it, mid-sentence.
        """
        if _previous_word(text, s) not in _PERSON_SLOT_BEFORE:
            return False
        before = text[max(0, s - 3) : s].rstrip(" \u00a0")
        if not before or before[-1] in ".!?:\n":
            return False  # sentence-initial: any capitalised word could stand there
        after = text[e : e + 2]
        return after[:1] in (".", ",", "?", "!") or (
            after[:1] in (" ", "\u00a0") and after[1:2].islower()
        )

    def _lower_names(self, text: str) -> list[tuple[int, int]]:
        """Names typed in lower case: "sanne de vries belde", "mevrouw jansen", "zus naima",
        "naam: youssef el idrissi"."""
        out: list[tuple[int, int]] = []
        # after a form of address
        for m in _LOWER_HONORIFIC_RE.finditer(text):
            toks = m.group(1).split()
            last = toks[-1]
            if last in _NOTE_ABBREVIATIONS or _fold(last).strip(".") in _TITLES:
                continue  # "mw. mr. C.A. Wiersma": a title, the name follows
            interfix = len(toks) > 1
            surname = _fold(last) in self._surnames or _fold(m.group(1)) in self._surnames
            if not self._is_word(last) or (
                surname
                and (
                    interfix
                    # "mw. vos", "dhr. kok": after a form of address a common surname is
                    # the name even when it is a word; "mw. woning kwijtraakt" and "meneer
                    # wilde niet" are no names
                    or (_fold(m.group(1)) in _WORD_SURNAMES and self._word_name_after_title(last))
                )
            ):
                out.append(m.span(1))
        # a first name, interfixes and a surname, all lower case (most texts hold no lower-case
        # first name at all: one set intersection in C decides that)
        lower_words = _LOWER_WORD_RE.findall(text)
        if self._lower_first_names.isdisjoint(
            lower_words
        ) and self._lower_word_first_names.isdisjoint(lower_words):
            words = []
        else:
            words = [(m.start(), m.end(), m.group()) for m in _WORD_RE.finditer(text)]
        n = len(words)
        for i, (s, e, w) in enumerate(words):
            if w not in self._first_names or not w.islower() or len(w) < 3:
                continue  # lower-case tokens fold to themselves: one set look-up for most words
            if w in _NOTE_ABBREVIATIONS:
                continue
            if w in MONTH_ABBREVIATIONS and re.match(r"\.?[ \t]*\d", text[e : e + 4]):
                continue  # "vanaf jan 2007", "sinds jan. 2020": a month, not a name
            if self._is_word(w):
                # a first name that is a word names a person only with a listed surname right
                # after it: "roos kramer", "dewi hart"; not "de roos", "ik hoop", "wil graag"
                j = i + 1
                while j < n and words[j][2] in _NAME_INTERFIXES and j - i <= 3:
                    j += 1
                surname = _fold(" ".join(x[2] for x in words[i + 1 : j + 1]))
                if (
                    j < n
                    and w in self._lower_word_first_names
                    and _previous_word(text, s) not in _WORD_NAME_BLOCKERS
                    and _GAP_RE.fullmatch(text, e, words[j][0])
                    and words[j][2].islower()
                    and words[j][2] not in _NAME_VERB_FORMS
                    # "roos kramer"; after an interfix the list holds the surname without it
                    # ("jan de vries": "vries")
                    and (
                        surname in self._surnames
                        or (
                            j > i + 1
                            and all(x[2] in _SURNAME_INTERFIXES for x in words[i + 1 : j])
                            and _fold(words[j][2]) in self._surnames
                        )
                    )
                ):
                    out.append((s, words[j][1]))
                continue
            j = i + 1
            while j < n and words[j][2] in _NAME_INTERFIXES and j - i <= 3:
                j += 1
            if j < n and _GAP_RE.fullmatch(text, e, words[j][0]):
                sur = words[j][2]
                if (
                    sur.islower()
                    and sur not in _NOTE_ABBREVIATIONS
                    and (
                        _fold(sur) in self._surnames
                        or _fold(" ".join(x[2] for x in words[i + 1 : j + 1])) in self._surnames
                        or not self._is_word(sur)
                    )
                ):
                    out.append((s, words[j][1]))
                    continue
            # a lone first name after a cue ("zus naima", "broer mussie", "hoi rachid") or
            # before a verb ("anna woont in")
            if (
                self._cue_before(text, s)
                or _LOWER_NAME_CUE_RE.search(text[max(0, s - 14) : s])
                or _next_word(text, e) in self._verbs
            ):
                out.append((s, e))
        # a listed name that is also a word, in lower case right after a job title or family
        # word: "buurman wolf", "juf winter", "wijkagent post", "huisarts de wit"
        for m in _TITLED_LOWER_RE.finditer(text):
            name = m.group(2)
            last = name.split()[-1]
            if (
                name.islower()
                and _fold(m.group(1)) in _PERSON_TITLE_WORDS
                and self._word_name_after_title(last)
                and last not in _INSTITUTION_WORDS  # "contactpersoon school"
                and text[m.end(2) : m.end(2) + 1] != ":"
                and (_fold(name) in _WORD_SURNAMES or _fold(name) in _WORD_FIRST_NAMES)
            ):
                out.append(m.span(2))
        # a list row or table cell "kok, m." / "de jong, j.": a listed surname and an initial
        for m in _LOWER_LIST_NAME_RE.finditer(text):
            sur = _fold(m.group(2))
            if sur in self._surnames or sur.split()[-1] in self._surnames:
                out.append(m.span(1))
        for m in _SIGN_OFF_NAME_RE.finditer(text):
            if m.group(1) in self._first_names and m.group(1) not in _NOTE_ABBREVIATIONS:
                out.append(m.span(1))
        # a lower-case speaker after a chat time stamp: "[12:04] tesfay: ok ik kom"
        for m in _CHAT_LOWER_SPEAKER_RE.finditer(text):
            word = m.group(1)
            if word not in _NOTE_ABBREVIATIONS and (
                not self._is_word(word) or (word in self._first_names and word not in self._words)
            ):
                out.append(m.span(1))
        # an interview's speaker in capitals at a line start: "LAKEISHA: Toen ik ..."
        for m in _CAPS_SPEAKER_RE.finditer(text):
            word = m.group(1)
            if _fold(word) in self._first_names and not self._is_word(word):
                out.append(m.span(1))
        # "Naam: ..." fields: the value up to a comma or bracket (a second comma part may be a
        # first name: "Naam: Gebru, Selam")
        for m in _NAME_FIELD_RE.finditer(text):
            pos = m.start(1)
            for k, part in enumerate(re.split(r"([,;(/|<]|\s-\s)", m.group(1))):
                if k % 2 == 1:
                    pos += len(part)
                    continue
                toks = part.split()
                # a form in capitals ("NAAM: JANSEN, P."): judge each word as written normally
                words = [
                    t.strip(".").capitalize() if t.isupper() and len(t) > 3 else t.strip(".")
                    for t in toks
                ]
                ok = (
                    0 < len(toks) <= 5
                    and all(re.fullmatch(r"[^\W\d_][\w'’\-.]*", t) for t in toks)
                    and any(self._name_like(w) for w in words)
                )
                if ok and (k == 0 or (len(toks) == 1 and self._name_like(toks[0]))):
                    lead = len(part) - len(part.lstrip())
                    out.append((pos + lead, pos + len(part.rstrip())))
                elif k == 0 or not ok:
                    if k > 0:
                        break
                pos += len(part)
        return out

    def _propagate(self, text: str, found: list[_Cand], keep: _Intervals) -> list[tuple[int, int]]:
        """Other mentions of a name already found: "mevrouw Bos ... Bos vertelde"."""
        names: set[str] = set()
        for s, e, _ in found:
            for t in _WORD_RE.findall(text[s:e]):
                f = _fold(t)
                if len(t) < 3 or f in _NAME_INTERFIXES or f in _TITLES or f in _HONORIFICS:
                    continue
                if f in self._cues or f in _ROLE_WORDS:
                    continue
                if t.islower() and self._is_word(t) and not self._name_as_word_ok(t):
                    continue  # "wil" of "mw. wil" stays a verb elsewhere
                if self._kept(f):
                    continue  # "Eindhoven" of a false "Eindhoven Woensel"
                names.add(t)
        if not names:
            return []
        taken = _Intervals([(s, e) for s, e, _ in found])
        out = []
        for name in names:
            # the name as found, and typed in lower case or capitalised at a sentence's start
            # ("mw. Vos ... vos is gevallen", "Wil Mol ... mol belde"), where a name that is
            # also a word must stand where the word cannot: no article or pronoun before it
            # ("een vos", "ik hoop"), no verb form ("ben", "wil")
            variants = {name, name.lower(), name[:1].upper() + name[1:].lower()}
            word = self._is_word(name)
            for variant in variants:
                if word and variant[:1].islower() and not self._name_as_word_ok(variant):
                    continue
                s = text.find(variant)
                while s >= 0:
                    e = s + len(variant)
                    if (
                        not (s and (text[s - 1].isalnum() or text[s - 1] in "_'’-"))
                        and not (e < len(text) and (text[e].isalnum() or text[e] in "_'’-"))
                        and taken.first_overlap(s, e) is None
                        and keep.first_overlap(s, e) is None
                        and (
                            not word
                            or not variant[:1].islower()
                            or _previous_word(text, s) not in _WORD_NAME_BLOCKERS
                        )
                    ):
                        out.append((s, e))
                        taken.add(s, e)
                    s = text.find(variant, e)
        return out

    @staticmethod
    def _name_as_word_ok(token: str) -> bool:
        """May a found name that is also a Dutch word be looked for in another case? Not a
        common verb form ("ben" of "Ben de Vries", "wil" of "Wil Mol", "hoop") or function
        word: those stand in every sentence."""
        f = _fold(token)
        if len(f) < 3 or f in _SENTENCE_WORDS or f in _NAME_VERB_FORMS:
            return False
        if f.endswith("en"):
            return False  # "hebben", "allen": an infinitive or plural, no name
        lemma = _dutch_lexicon().lemmatize(f, lang="nl")
        # "belt" (bellen), "praat" (praten): a verb's finite form
        return not (f.endswith("t") and lemma != f and lemma.endswith("en"))

    def _word_name_after_title(self, word: str) -> bool:
        """May a lower-case word after a form of address or a job or family word be a name
        ("mw. vos", "buurman wolf")? Not a verb form, role, title or person cue."""
        return (
            self._name_as_word_ok(word)
            and word not in _ROLE_WORDS
            and word not in _TITLES
            and word not in self._cues
        )

    def _place_and_year(self, text: str, s: int, span: str) -> bool:
        """A place and a year, no address: "Huisvestingsverordening Den Haag 2023" (deduce's
        "Haag 2023"), "Woonruimtebemiddeling regio Rotterdam 2020" (a street's "-dam"), "Rb.
        Zeeland-West-Brabant 2016" (a court district)."""
        m = re.fullmatch(r"(.+?)[ \t]+(?:19|20)\d\d", span.strip())
        if not m:
            return False
        head = s
        while head and (text[head - 1].isalpha() or text[head - 1] == "-"):
            head -= 1  # deduce's "Brabant 2016" in "Rb. Zeeland-West-Brabant 2016"
        place = _fold(text[head:s] + m.group(1))
        if place in self._places or f"{_fold(_previous_word(text, s))} {place}" in self._places:
            return True
        # a rule's word and its place: "Huisvestingsverordening Amsterdam 2020" (a street's
        # "-dam"); not a street and its place ("Kerkstraat Amsterdam 2020" stays an address)
        head, *rest = place.split()
        return (
            1 <= len(rest) <= 3
            and " ".join(rest) in self._places
            and self._law_compound(head.capitalize())
        )

    def _word_and_number(self, span: str) -> bool:
        """A location deduce found that is an ordinary Dutch word and a number, no street: "Moest
        8 maanden wachten", "Kreeg 3 brieven". A word on the street list ("Brink 5") or with a
        street's ending ("Zonnebloemstraat 4") stays an address."""
        word = _fold(re.split(r"\d", span, maxsplit=1)[0].strip())
        if not word or " " in word or word in self._streets or _STREET_SUFFIX_END_RE.search(word):
            return False
        return bool(self._lexicon.is_known(word, lang="nl"))

    def _lowercase_streets(self, text: str) -> list[_Cand]:
        """Street names typed in lower case with a house number ("op de kerkstraat 12")."""
        if not self._streets:
            return []
        out = []
        for m in _LOWER_STREET_RE.finditer(text):
            toks = m.group(1).split(" ")
            for k in range(len(toks)):
                cand = toks[k:]
                name = " ".join(cand)
                if _fold(name) in self._streets and (
                    len(cand) >= 2 or _STREET_SUFFIX_END_RE.search(cand[-1])
                ):
                    if (
                        re.fullmatch(r"(?:19|20)\d\d", m.group(2))
                        and self._is_word(cand[-1])
                        and not _STREET_SUFFIX_END_RE.search(cand[-1])
                    ):
                        break  # "de jaren 2012": a word and a year, no street
                    start = m.start(1) + len(" ".join(toks[:k])) + (1 if k else 0)
                    out.append((start, m.end(2), "ADRES"))
                    break
        return out

    def _keep_spans(self, text: str) -> list[tuple[int, int]]:
        """Organisations, places, laws and brands from the keep list, as whole words."""
        out = []
        pos = 0
        while True:
            m = self._org_re.search(text, pos)
            if m is None:
                return out
            s = m.start()
            if s and (text[s - 1].isalnum() or text[s - 1] == "_"):
                pos = s + 1  # inside a word ("XUWV"): look again from the next character
                continue
            out.append(m.span())
            pos = m.end()

    def _introduced_orgs(self, text: str) -> list[tuple[int, int]]:
        """Every mention of a name that an organisation word introduces somewhere in the text
        ("woningcorporatie Hof Wonen", then "Hof Wonen zette hem op straat"). A name with a
        known first name in it stays a person candidate ("stichting Jan de Vries" is rare; a
        leaked first name is worse than a redacted body)."""
        names: set[str] = set()
        for m in itertools.chain(
            _ORG_INTRO_RE.finditer(text),
            (  # the head of a compound: "thuiszorgbedrijf Dolia"
                m
                for m in _ORG_INTRO_COMPOUND_RE.finditer(text)
                if m.start() and (text[m.start() - 1].isalpha() or text[m.start() - 1] == "-")
            ),
        ):
            tokens = m.group(1).split()
            if self._holds_first_name(tokens):
                continue
            # "stichting GGZ Momentum", later just "Momentum": the name after the acronyms and
            # known words it starts with is that body too
            lead = 0
            while lead < len(tokens) - 1 and (
                (len(tokens[lead]) > 1 and tokens[lead].isupper())
                or _fold(tokens[lead]) in self._keep_words
            ):
                lead += 1
            place = _fold(m.group().split()[0]) in _PLACE_INTRO_WORDS
            for name in (tokens, tokens[lead:]) if lead else (tokens,):
                core = [t for t in name if _fold(t) not in _INTERFIXES]
                if len(core) == 1 and _fold(core[0]) in self._surnames and not place:
                    continue  # "stichting Bakker", "stichting De Wit": maybe after a person
                names.add(" ".join(name))
        if not names:
            return []
        pattern = re.compile(
            r"(?<![\w])(?:"
            + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            + r")(?![\w])"
        )
        return [m.span() for m in pattern.finditer(text)]

    def _named_things(self, text: str) -> list[tuple[int, int]]:
        """Names that are no person by the words around them: a month or maximum abbreviated
        before a number ("Jan. 2015", "Max. € 800"), a disease named after someone
        ("ziekte van Lyme"; not a known first name or surname: "de ziekte van Fatima") and an
        English name that starts with "The" ("The Colour Kitchen"), unless every word of the
        latter is a known first name or surname."""
        out = [m.span() for m in _NUMBER_ABBREVIATION_RE.finditer(text)]
        # "de ziekte van Fatima" is her illness
        out += [m.span(1) for m in _EPONYM_RE.finditer(text) if not self._is_name(m.group(1))]
        out += [m.span(1) for m in _SYNDROME_RE.finditer(text)]
        out += [m.span() for m in _MADE_TO_MEASURE_RE.finditer(text)]
        for m in _ENGLISH_NAME_RE.finditer(text):
            if not all(self._is_name(w) for w in m.group().split()[1:] if w[:1].isupper()):
                out.append(m.span())
        return out

    def _persons(self, text: str) -> list[_Cand]:
        raw: list[tuple[int, int]] = []
        strong: list[tuple[int, int]] = []
        keep_spans = self._keep_spans(text) + self._introduced_orgs(text) + self._named_things(text)
        streets: list[_Cand] = self._lowercase_streets(text)
        if self._deduce is not None:
            for offset, chunk in _chunks(text):
                doc = self._deduce.deidentify(chunk, disabled=_DEDUCE_DISABLED)
                persons = [
                    (a.start_char, a.end_char)
                    for a in doc.annotations
                    if "persoon" in a.tag or a.tag == "patient"
                ]
                for a in doc.annotations:
                    s, e = a.start_char + offset, a.end_char + offset
                    tag = a.tag
                    if "persoon" in tag or tag == "patient":
                        raw.append((s, e))
                    elif tag in ("ziekenhuis", "zorginstelling"):
                        if _fold(a.text) in self._first_names and any(
                            ps <= a.start_char and a.end_char < pe for ps, pe in persons
                        ):
                            continue  # "Johannes" (a hospital) of "Johannes Bakker"
                        keep_spans.append((s, e))
                    elif tag == "locatie" and a.priority >= 1 and re.search(r"\d", a.text):
                        if self._word_and_number(a.text):
                            continue
                        m = _TOEVOEGING_RE.match(text, e)
                        streets.append((s, m.end() if m else e, "ADRES"))
        strong += self._lower_names(text)
        strong += self._context_persons(text)
        strong += self._particle_names(text)
        raw += [m.span(1) for m in self._title_person_re.finditer(text)]
        out: list[_Cand] = []
        keep = _Intervals(keep_spans)
        seen: set[tuple[int, int]] = set()
        # context first: a span deduce also found must get the context's lighter checks
        for spans, is_strong in ((strong, True), (raw, False)):
            for s, e in spans:
                if (s, e) in seen:
                    continue  # the same span from deduce and from a context rule
                seen.add((s, e))
                trimmed = self._trim_person(text, s, e, keep)
                if trimmed is None or self._reject_person(text, *trimmed, strong=is_strong):
                    continue
                out.append((trimmed[0], trimmed[1], "PERSOON"))
        out += [(s, e, "PERSOON") for s, e in self._propagate(text, out, keep)]
        out += [(s, e, "PERSOON") for s, e in self._coordinated(text, out, keep)]
        return out + streets

    def _coordinated(
        self, text: str, found: list[_Cand], keep: _Intervals
    ) -> list[tuple[int, int]]:
        """A single name-like word joined to a found name: "Mariama en Ousmane", "de zus van
        Blerta, Vjollca, tolkt"."""
        taken = _Intervals([(s, e) for s, e, _ in found])
        out: list[tuple[int, int]] = []
        queue = [(s, e) for s, e, _ in found]
        while queue:  # a list runs on: "Kiflom, Tirhas en Mebrahtu"
            s, e = queue.pop()
            for m in (
                _COORD_AFTER_RE.match(text, e),
                _COORD_BEFORE_RE.search(text, max(0, s - 40), s),
            ):
                if m is None:
                    continue
                ws, we = m.span("w")
                word = m.group("w")
                if (
                    self._name_like(word)
                    and not self._is_word(word)
                    and taken.first_overlap(ws, we) is None
                    and keep.first_overlap(ws, we) is None
                ):
                    out.append((ws, we))
                    taken.add(ws, we)
                    queue.append((ws, we))
        return out

    def _number_persons(self, text: str, spans: list[_Cand]) -> dict[int, int]:
        """Map span index -> person number, so one person keeps one placeholder.

        Mentions are parsed into a first name, surname keys and initials; full names are
        placed first, then "mevrouw De Vries" joins "Anna de Vries" by surname, "Anna" joins
        by first name, and "Arjen" joins "A. van den Berg" when exactly one person fits.
        """
        persons: list[dict[str, Any]] = []
        assignment: dict[int, int] = {}
        parsed = []
        for idx, (s, e, label) in enumerate(spans):
            if label != "PERSOON":
                continue
            tokens = text[s:e].split()
            initials = "".join(
                c.casefold() for t in tokens if _INITIALS_RE.match(t) for c in t if c.isalpha()
            )
            had_interfix = any(_fold(t) in _INTERFIXES for t in tokens)
            core = [
                _fold(t)
                for t in tokens
                if not _INITIALS_RE.match(t) and _fold(t) not in _INTERFIXES
            ] or [_fold(text[s:e])]
            titled = _previous_word(text, s) in _HONORIFICS
            if len(core) >= 2 and not initials:
                first, sur_tokens = core[0], core[1:]
            elif len(core) >= 2 or initials or had_interfix or titled or "-" in core[0]:
                first, sur_tokens = None, core
            else:
                first, sur_tokens = core[0], []
            surs: set[str] = set()
            if sur_tokens:
                surs.add(" ".join(sur_tokens))
                for t in sur_tokens:
                    surs |= {t, *t.split("-")}
            if first and not initials:
                initials = first[0]
            parsed.append((idx, s, first, surs, initials))
        # full names first, so "Anna" and "mevrouw De Vries" can attach to "Anna de Vries"
        parsed.sort(key=lambda p: (not (p[2] and p[3]), not p[3], p[1]))
        for idx, pos, first, surs, initials in parsed:
            match = None
            for n, p in enumerate(persons):
                if surs and surs & p["surs"]:
                    if first is None or not p["firsts"] or first in p["firsts"]:
                        match = n
                        break
                elif not surs and first and (first in p["firsts"] or first in p["surs"]):
                    match = n
                    break
            if match is None and first and not surs:
                fitting = [
                    n
                    for n, p in enumerate(persons)
                    if not p["firsts"] and p["initials"] and p["initials"][0] == first[0]
                ]
                if len(fitting) == 1:
                    match = fitting[0]
            if match is None:
                persons.append({"firsts": set(), "surs": set(), "initials": "", "pos": pos})
                match = len(persons) - 1
            p = persons[match]
            if first:
                p["firsts"].add(first)
            p["surs"] |= surs
            p["initials"] = p["initials"] or initials
            p["pos"] = min(p["pos"], pos)
            assignment[idx] = match
        order = sorted(range(len(persons)), key=lambda n: persons[n]["pos"])
        number = {n: i + 1 for i, n in enumerate(order)}
        return {idx: number[n] for idx, n in assignment.items()}

    # -- public API ------------------------------------------------------------------------
    def anonymise(self, text: str) -> AnonResult:
        """Anonymise one text.

        Args:
            text: Dutch free text (may be empty, HTML, very long).

        Returns:
            The anonymised text and the replaced spans (offsets into ``text``).

        Raises:
            TypeError: if ``text`` is not a string.
        """
        if not isinstance(text, str):
            raise TypeError(f"anonymise expects str, got {type(text).__name__}")
        if not text.strip():
            return AnonResult(text=text, spans=())
        view, where = spacing_view(text)
        if where is not None:  # read with plain spacing, replace in the text as given
            return _spans_into(text, self.anonymise(view).spans, where)
        cased = self._capitals_view(text)
        if cased != text:  # names in capitals read as names; same length, same offsets
            return _spans_into(text, self.anonymise(cased).spans, range(len(text)))
        # "_" separates words in file names and ids ("Jansen_111222333.docx"); same length,
        # so the offsets stay those of the input
        cands = _structured(text) + self._persons(text.replace("_", " "))
        # an address from any rule (deduce's "Haag 2023", a street's "-dam" in "Rotterdam 2020")
        # that is a place and a year is none
        cands = [
            c
            for c in cands
            if not (c[2] == "ADRES" and self._place_and_year(text, c[0], text[c[0] : c[1]]))
        ]
        resolved = _resolve(cands, _guards(text))
        numbers = self._number_persons(text, resolved)
        spans = []
        pieces = []
        pos = 0
        for idx, (s, e, label) in enumerate(resolved):
            replacement = f"[PERSOON-{numbers[idx]}]" if label == "PERSOON" else f"[{label}]"
            spans.append(Span(s, e, label, replacement, text[s:e]))
            pieces.append(text[pos:s])
            pieces.append(replacement)
            pos = e
        pieces.append(text[pos:])
        return AnonResult(text="".join(pieces), spans=tuple(spans))

    def _capitals_view(self, text: str) -> str:
        """`text` with the names written in capitals written as names, for the detectors: in
        each run of two or more words in capitals ("PETRA DE VRIES", "MEVROUW BAKKER") that
        holds a first name or a surname that is no Dutch word ("JANSEN"), or a name after an
        honorific ("MEVROUW BAKKER"), the names and the words that are no Dutch word are
        capitalised and the interfixes put in lower case. Other words, abbreviations ("UWV"),
        places and a single word in capitals stay as they are, except a first name of four
        letters or more that is no Dutch word ("gesprek met PETRA"; context rules read
        "Dhr. JANSEN" already). A word after an interfix is capitalised as a surname
        ("DE VRIES", though Vries is a village). Same length as `text`."""
        found = list(_CAPS_WORD_RE.finditer(text))
        if not found:
            return text
        out = list(text)

        def put(at: int, word: str, new: str) -> None:
            """Write `new` over `word` at `at`: same length, and never a kept word."""
            if new != word and len(new) == len(word) and _fold(word) not in self._keep_words:
                out[at : at + len(word)] = new

        # a first name alone ("gesprek met PETRA"), of four letters or more: "WIA", "PIP" and
        # "TIA" are abbreviations that are first names too
        for w in found:
            f = _fold(w.group(0))
            if (
                len(f) > 3
                and f in self._first_names
                and f not in self._places
                and not self._is_word(w.group(0))
            ):
                put(w.start(), w.group(0), w.group(0).capitalize())
        # runs: words in capitals one space apart
        runs: list[list[re.Match[str]]] = [[found[0]]]
        for prev, w in itertools.pairwise(found):
            if w.start() == prev.end() + 1 and text[prev.end()] == " ":
                runs[-1].append(w)
            else:
                runs.append([w])

        # a street in capitals before a house number ("KERKSTRAAT 12"): written as a street,
        # so that the address rules read it, and the Dutch words in capitals just before it in
        # lower case ("WOONT AAN DE KERKSTRAAT 12"), so that they are read as no part of it
        for i, w in enumerate(found):
            f = _fold(w.group(0))
            if not (
                len(f) > 4
                and _STREET_SUFFIX_END_RE.search(f)
                and re.match(r"\s\d", text[w.end() : w.end() + 2])
            ):
                continue
            put(w.start(), w.group(0), w.group(0).capitalize())
            j, at = i - 1, w.start()
            while j >= 0 and i - j <= 4 and found[j].end() == at - 1 and text[at - 1] == " ":
                word = found[j].group(0)
                if self._is_word(word) and not self._is_name(_fold(word)):
                    put(found[j].start(), word, word.lower())
                j, at = j - 1, found[j].start()

        def name(f: str) -> bool:
            return f not in self._places and f not in _NAME_INTERFIXES and self._is_name(f)

        for run in runs:
            if len(run) < 2:
                continue
            words = [(w.start(), w.group(0), _fold(w.group(0))) for w in run]
            honorific = False
            interfix = False  # after an honorific and a surname's interfix ("DE HEER DE")
            holds_name = False
            for _, word, f in words:
                if len(f) > 2 and name(f) and (honorific or not self._is_word(word)):
                    holds_name = True
                if (
                    interfix
                    and len(f) > 2
                    and (self._is_name(f) or not self._is_word(word))
                    and f not in _NAME_INTERFIXES
                ):
                    holds_name = True  # "DE HEER DE VRIES", though Vries is a village
                interfix = (honorific or interfix) and f in _SURNAME_INTERFIXES
                honorific = f in _HONORIFICS
            if not holds_name:
                continue
            after_interfix = False
            for at, word, f in words:
                if f in _NAME_INTERFIXES:
                    new = word.lower()
                elif (
                    f in _HONORIFICS
                    or after_interfix  # "DE VRIES", "VAN DER BERG": a surname, though a place
                    or ((name(f) or not self._is_word(word)) and f not in self._places)
                ):
                    new = word.capitalize()
                else:
                    new = word
                after_interfix = f in _NAME_INTERFIXES
                if len(f) > 2 or f in _NAME_INTERFIXES:  # not "AB" of a postcode
                    put(at, word, new)
        return "".join(out)

    def anonymise_many(self, texts: Sequence[str]) -> list[AnonResult]:
        """Anonymise a batch; person numbering restarts for every text."""
        return [self.anonymise(t) for t in texts]


def _spans_into(text: str, found: Sequence[Span], where: Sequence[int]) -> AnonResult:
    """The spans found in a view of `text` (its plain spacing, `spacing_view`, or its names in
    capitals written as names), replaced in `text` itself: view index i is `text` index
    where[i]."""
    spans = []
    pieces = []
    pos = 0
    for sp in found:
        s, e = where[sp.start], where[sp.end - 1] + 1
        spans.append(Span(s, e, sp.label, sp.replacement, text[s:e]))
        pieces += [text[pos:s], sp.replacement]
        pos = e
    pieces.append(text[pos:])
    return AnonResult(text="".join(pieces), spans=tuple(spans))


def _chunks(text: str) -> list[tuple[int, str]]:
    """Split long text at whitespace into pieces of at most ``_CHUNK`` characters."""
    if len(text) <= _CHUNK:
        return [(0, text)]
    out = []
    start = 0
    while start < len(text):
        end = min(len(text), start + _CHUNK)
        if end < len(text):
            cut = max(text.rfind("\n", start, end), text.rfind(" ", start, end))
            if cut > start:
                end = cut
        out.append((start, text[start:end]))
        start = end
    return out
