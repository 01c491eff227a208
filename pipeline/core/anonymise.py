"""Anonymise stage: the Dutch personal-data gate.

Reads free-text case narratives and returns the same text with everything that identifies a
person replaced by a placeholder ("[PERSOON-1]", "[BSN]", "[ADRES]", ...), together with the
spans it replaced (offsets into the *input* text).

How it decides:
- Structured identifiers come from own rules with checksums: BSN (11-proef, a 9-digit number
  that fails the check is kept), IBAN (mod-97), Dutch phone formats, e-mail, URL, postcode,
  street + house number (with toevoegingen), full dates (with or without year; birth dates when
  a cue such as "geboren"/"geb." precedes), licence plates (Dutch sidecodes) and client/case
  numbers that follow a cue word ("dossiernr", "klantnummer", ...).
- Person names and street names come from ``deduce`` (Dutch lists of first names, surnames and
  streets), minus its known false persons: sentence-initial common words ("Pas", "Toen"),
  place names, organisation names (deduce's own institution list plus national agencies),
  profession words used as professions ("als bakker") and placeholders already in the text
  ("mw. X", "[naam]").
- Money amounts, months/years, ages, municipality and organisation names are never touched.
- Within one text the same person gets the same number.

Guarantees: pure functions of their input (no file or network I/O after start-up, no logging of
text), offsets always point into the input, never raises on odd input (empty, huge, HTML,
unicode); a non-``str`` input raises ``TypeError``.
"""

from __future__ import annotations

import bisect
import logging
import re
import sys
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
_EMAIL_RE = re.compile(r"(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63})*\.[A-Za-z]{2,12}\b")
_URL_RE = re.compile(
    r"(?:\b(?:https?://|www\.)[^\s<>\"'\]\[]+"
    r"|\b[\w-]+(?:\.[\w-]+)*\.(?:com|nl|org|net|be|eu|de|io|info|me|tv)/[^\s<>\"'\]\[]*)",
    re.IGNORECASE,
)
_IBAN_RE = re.compile(r"\b[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{1,4}){3,8}\b")
_NL_IBAN_SHAPE = re.compile(r"NL\d{2}[A-Z]{4}\d{10}", re.IGNORECASE)
_BSN_RE = re.compile(
    r"(?<![\d.,\-/])(\d{4}\.\d{2}\.\d{3}|\d{3}\.\d{3}\.\d{3}|\d{3} \d{3} \d{3}|\d{4} \d{2} \d{3}"
    r"|\d{9})(?![\d]|[.,]\d)"
)
_BSN_CUE_RE = re.compile(
    r"(?i)(?:\bbsn|burgerservicenummer|sofi-?(?:nummer|nr))\W{0,6}(\d{8})(?!\d)"
)
_PHONE_RE = re.compile(
    r"(?<![\w+/.,])(?:(?:\+|00)31[ \-]?(?:\(0\)[ \-]?)?|\(?0)"
    r"[1-9](?:(?:[ \-]|\)[ \-]?)?\d){8}(?![\d])"
)
_POSTCODE_RE = re.compile(r"(?<![\w€.,])([1-9]\d{3})( ?)([A-Za-z]{2})(?![\w])")
# address context just before a postcode: a cue word or a house number ("Kerkstraat 12, ")
_POSTCODE_CUE_RE = re.compile(
    r"(?i)(?:postcode|adres|woonplaats|\b\d{1,5}(?:[a-z]|-\w{1,3}|\s[a-z])?)\W{0,4}$"
)
_POSTCODE_BAD = {"SA", "SD", "SS"}
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
    r"\d{1,5}(?:-\d{1,3}(?!\d)|-(?:I{1,3}|IV|hs|bis|[A-Za-z])(?![\w])|[a-zA-Z](?![\w])"
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
    r"|jan|feb|febr|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec)\.?"
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
_BIRTH_CUE_RE = re.compile(
    r"(?i)(?:geboren|geb\.?|geboortedatum|geboortedat\.?|geb\.?\s?datum|d\.o\.b\.?|dob|°)"
    r"[^.!?\n]{0,25}$"
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
    + r")(?![\w\-])"
)
_PLATE_CUE_RE = re.compile(
    r"(?i)\bkenteken(?:nummer)?\s*[:.]?\s*([A-Z0-9]{2,3}-?[A-Z0-9]{2,3}-?[A-Z0-9]{1,3})\b"
)

_CLIENT_CUE_RE = re.compile(
    r"(?i)\b(?:klant|cli[eë]nt|dossier|zaak|relatie|registratie|referentie|aanvraag|beschikking"
    r"|debiteur|polis|verzekerden|huurder|contract|lid|pati[eë]nt|casus|melding|cjib|burger)"
    r"[\s\-]?(?:nummer|nr\.?|no\.?|#)"
    r"|\b(?:ons|uw)?\s?kenmerk|\bdossier(?=\s*[:#]?\s*[A-Z]{0,4}[\-/]?\d)|\bbetalingskenmerk"
)
_CLIENT_ID_RE = re.compile(r"\s*[:#.]?\s*((?=[\w./\-]*\d)[A-Za-z0-9][\w./\-]*[A-Za-z0-9])")

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
    "ing", "mr", "prof", "ds",
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
# National agencies and common social-domain organisations. deduce's institution list adds
# ~49k healthcare institutions on top of this.
_ORGANISATIONS = [
    "UWV", "SVB", "CAK", "GGD", "GGZ", "CJG", "CJIB", "DUO", "IND", "COA", "ISD", "RDW", "LBIO",
    "Belastingdienst", "Toeslagen", "Veilig Thuis", "Leger des Heils", "Humanitas",
    "Vluchtelingenwerk", "Voedselbank", "Reclassering Nederland", "Schuldhulpmaatje",
    "Schuldhulp Maatje", "SchuldHulpMaatje", "Sociaal Raadslieden", "Stichting Exodus", "Exodus",
    "Kwadraad", "Woonstad", "Portaal", "Vidomes", "Ymere", "Eigen Haard", "Vestia", "Havensteder",
    "Woonbron", "Stadgenoot", "De Alliantie", "Mitros", "Lefier", "Acantus", "Domijn",
    "Woonzorg Nederland", "MEE", "Zilveren Kruis", "VGZ", "Menzis",
    "Raad voor de Kinderbescherming",
    "Jeugdbescherming", "William Schrikker", "Salvation Army", "Nibud", "Juridisch Loket",
    "Rechtspraak", "Openbaar Ministerie", "Politie", "Wijkteam", "Buurtteam", "Sociaal Team",
    "Jeugdteam", "Jellinek", "Arkin", "Parnassia", "Mondriaan", "Brijder", "Tactus", "Novadic",
    "Lentis", "Dimence", "Pameijer", "Cordaan", "Philadelphia", "Siza", "Ipse de Bruggen",
    "Kentalis", "Rijnstad", "Sophia Kinderziekenhuis", "Jeroen Bosch Ziekenhuis",
    "Martini Ziekenhuis", "Antonius Ziekenhuis", "Maasstad Ziekenhuis", "Isala", "Rijnstate",
    "Amphia", "Gemeente", "gemeente",
]  # fmt: skip
_ORG_TAIL_RE = re.compile(
    r"^\s*(?:Ziekenhuis|ziekenhuis|Kliniek|kliniek|Instituut|Stichting|Huis|College|School"
    r"|Kinderziekenhuis|Zorg|zorg|Groep|Centrum|Fonds|Academie|Universiteit|Gasthuis)\b"
)
_PLACEHOLDER_NAME_RE = re.compile(r"^(?:[A-Z]\.?|X{1,6}|N\.?N\.?|[A-Z]{1,2}\.|\.{2,})$")
_INITIALS_RE = re.compile(r"^(?:[A-ZÀ-Þ]\.){1,4}[A-ZÀ-Þ]?$|^[A-ZÀ-Þ]$")
_TOKEN_RE = re.compile(r"[^\s]+")


def _fold(s: str) -> str:
    return unicodedata.normalize("NFKC", s).casefold()


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


def _previous_word(text: str, pos: int) -> str:
    m = re.search(r"([\w'’.\-]+)\W*$", text[max(0, pos - 40) : pos])
    return _fold(m.group(1)).strip(".") if m else ""


# ----------------------------------------------------------------------------------------------
# Structured rules (also used by residual_pii)
# ----------------------------------------------------------------------------------------------
_Cand = tuple[int, int, str]


def _find_emails(text: str) -> list[_Cand]:
    return [(m.start(), m.end(), "EMAIL") for m in _EMAIL_RE.finditer(text)]


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
        parts = chunk.split(" ")
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
    return out


def _find_postcodes(text: str) -> list[_Cand]:
    out = []
    for m in _POSTCODE_RE.finditer(text):
        letters = m.group(3)
        cue = bool(_POSTCODE_CUE_RE.search(text[max(0, m.start() - 30) : m.start()]))
        place_after = bool(re.match(r"\s+[A-ZÀ-Þ'][\w'-]", text[m.end() : m.end() + 4]))
        if letters.isupper():
            if letters in _POSTCODE_BAD or (
                letters in _POSTCODE_UPPER_BAD and not (cue or place_after)
            ):
                continue
        elif letters.islower():
            if letters in _POSTCODE_LOWER_BAD and not cue:
                continue  # "2023 op", "2021 de": a year and a word
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


def _find_plates(text: str) -> list[_Cand]:
    out = [(m.start(), m.end(), "KENTEKEN") for m in _PLATE_RE.finditer(text)]
    for m in _PLATE_CUE_RE.finditer(text):
        token = m.group(1)
        if re.search(r"\d", token) and re.search(r"[A-Z]", token):
            out.append((m.start(1), m.end(1), "KENTEKEN"))
    return out


def _find_client_numbers(text: str) -> list[_Cand]:
    out = []
    for m in _CLIENT_CUE_RE.finditer(text):
        idm = _CLIENT_ID_RE.match(text, m.end())
        if not idm:
            continue
        token = idm.group(1)
        if sum(c.isdigit() for c in token) >= 3:
            out.append((idm.start(1), idm.end(1), "KLANTNUMMER"))
    return out


def _structured(text: str) -> list[_Cand]:
    return (
        _find_emails(text)
        + _find_urls(text)
        + _find_ibans(text)
        + _find_bsns(text)
        + _find_phones(text)
        + _find_postcodes(text)
        + _find_streets(text)
        + _find_dates(text)
        + _find_plates(text)
        + _find_client_numbers(text)
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


def _load_deduce(deduce_module: Any) -> Any:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        return deduce_module.Deduce()
    finally:
        for h in list(root.handlers):
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)


def _read_lines(path: Path) -> list[str]:
    try:
        return [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    except OSError:
        return []


# ----------------------------------------------------------------------------------------------
# The gate
# ----------------------------------------------------------------------------------------------
# Bump whenever a rule, list or filter changes what the gate removes: the ingest stage's
# anonymisation cache is keyed on `Anonymiser.fingerprint`, so a bump re-anonymises every text.
GATE_VERSION = "2026.12.1"


class Anonymiser:
    """Dutch personal-data gate. Heavy to build (loads deduce once); reuse one instance.

    Args:
        keep_terms: extra words or phrases never to treat as persons (e.g. municipality names).
        use_deduce: False gives a rules-only gate (persons only after a title such as
            "mevrouw"); meant for fast unit tests, not for production.
    """

    def __init__(self, keep_terms: Iterable[str] = (), use_deduce: bool = True) -> None:
        self._keep = {_fold(t).strip() for t in keep_terms if t and t.strip()}
        self._use_deduce = use_deduce
        self._deduce = None
        self._first_names: set[str] = set()
        self._words: set[str] = set(_SENTENCE_WORDS)
        self._places: set[str] = set()
        orgs = list(_ORGANISATIONS)
        if use_deduce:
            deduce = _import_deduce()
            if not _deduce_cache_exists(deduce):
                print(
                    "deduce: building its lookup cache once (about 2 minutes)...",
                    file=sys.stderr,
                    flush=True,
                )
            self._deduce = _load_deduce(deduce)
            src = Path(deduce.__file__).parent / "data" / "lookup" / "src"
            self._first_names = {
                _fold(x) for x in _read_lines(src / "names/lst_first_name/items.txt")
            }
            for name in ("lst_common_word", "lst_stop_word"):
                self._words |= {_fold(x) for x in _read_lines(src / f"whitelist/{name}/items.txt")}
            for sub in ("lst_municipality", "lst_residence", "lst_province", "lst_region"):
                self._places |= {
                    _fold(x) for x in _read_lines(src / f"locations/lst_placename/{sub}/items.txt")
                }
        self._org_re = re.compile(
            r"(?<![\w])(?:"
            + "|".join(re.escape(o) for o in sorted(set(orgs), key=len, reverse=True))
            + r")(?![\w])"
        )
        self._title_person_re = re.compile(
            r"(?<![\w])(?:[Mm]evrouw|[Mm]evr\.|[Mm]w\.|[Mm]eneer|[Mm]ijnheer|[Dd]hr\.|[Dd]e heer)"
            r"\s+((?:(?:[A-ZÀ-Þ]\.){1,4}\s?)?(?:(?:[Vv]an|[Dd]e|[Dd]er|[Dd]en|[Tt]er|[Tt]en|[Oo]p"
            r"|[Ii]n|'t|[Hh]et|El|el|Al|al)\s+){0,3}[A-ZÀ-Þ][\w'’]+(?:-[A-ZÀ-Þa-z][\w'’]+)*)"
        )

    @property
    def fingerprint(self) -> str:
        """Identifies what this gate removes: its version, configuration and deduce's version.

        Cached anonymisations are valid only for the same fingerprint."""
        import hashlib
        from importlib import metadata

        try:
            deduce_version = metadata.version("deduce") if self._use_deduce else "off"
        except metadata.PackageNotFoundError:
            deduce_version = "missing"
        parts = [GATE_VERSION, deduce_version, *sorted(self._keep)]
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
            if (word in _TITLES or word in _ROLE_WORDS) and s + m.end() < e:
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

    def _reject_person(self, text: str, s: int, e: int) -> bool:
        name = text[s:e]
        folded = _fold(name)
        tokens = name.split()
        if not any(ch.isalpha() for ch in name):
            return True
        if folded in self._keep:
            return True
        if _ORG_TAIL_RE.match(text[e : e + 20]):
            return True
        if _previous_word(text, s) in _HONORIFICS:
            return False  # "Dhr. Koning", "mevrouw De Boer", "meneer Assen": a person
        if folded in self._places:
            return True
        if len(tokens) == 1:
            word = folded.strip(".")
            if name[0].islower() and (word in self._words or word in _PROFESSION_SURNAMES):
                return True
            if word in self._words and _sentence_start(text, s):
                return True
            if word in _SENTENCE_WORDS or word in _ROLE_WORDS:
                return True
            if word in _PROFESSION_SURNAMES and _previous_word(text, s) in _PROFESSION_CONTEXT:
                return True
        elif len(tokens) == 2 and tokens[0] in ("De", "de"):
            # "De Bakker kwam" / "als de Bakker": an article plus a profession word
            if _fold(tokens[1]) in _PROFESSION_SURNAMES and (
                tokens[0] == "de" or _sentence_start(text, s)
            ):
                return True
        return False

    def _lowercase_first_names(self, text: str) -> list[tuple[int, int]]:
        """First names typed in lower case after a cue ("zus naima"); deduce skips those."""
        out = []
        if not self._first_names:
            return out
        for m in re.finditer(r"(?<![\w@./])([a-zà-ÿ][a-zà-ÿ'\-]{2,})(?![\w@])", text):
            word = m.group(1)
            if word in self._words or word not in self._first_names:
                continue
            if _LOWER_NAME_CUE_RE.search(text[max(0, m.start() - 14) : m.start()]):
                out.append(m.span(1))
        return out

    def _persons(self, text: str) -> list[_Cand]:
        raw: list[tuple[int, int]] = []
        keep_spans: list[tuple[int, int]] = [m.span() for m in self._org_re.finditer(text)]
        streets: list[_Cand] = []
        if self._deduce is not None:
            for offset, chunk in _chunks(text):
                doc = self._deduce.deidentify(chunk, disabled=_DEDUCE_DISABLED)
                for a in doc.annotations:
                    s, e = a.start_char + offset, a.end_char + offset
                    tag = a.tag
                    if "persoon" in tag or tag == "patient":
                        raw.append((s, e))
                    elif tag in ("ziekenhuis", "zorginstelling"):
                        keep_spans.append((s, e))
                    elif tag == "locatie" and a.priority >= 1 and re.search(r"\d", a.text):
                        m = _TOEVOEGING_RE.match(text, e)
                        streets.append((s, m.end() if m else e, "ADRES"))
            raw += self._lowercase_first_names(text)
        raw += [m.span(1) for m in self._title_person_re.finditer(text)]
        out: list[_Cand] = []
        keep = _Intervals(keep_spans)
        for s, e in raw:
            trimmed = self._trim_person(text, s, e, keep)
            if trimmed is None or self._reject_person(text, *trimmed):
                continue
            out.append((trimmed[0], trimmed[1], "PERSOON"))
        return out + streets

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
        cands = _structured(text) + self._persons(text)
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

    def anonymise_many(self, texts: Sequence[str]) -> list[AnonResult]:
        """Anonymise a batch; person numbering restarts for every text."""
        return [self.anonymise(t) for t in texts]


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
