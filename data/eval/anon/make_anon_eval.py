# ruff: noqa: E501  (template strings are data; splitting them hurts reading)
"""Generate the labelled evaluation set for the Dutch personal-data gate.

Writes ``anon_eval.jsonl`` next to this script: synthetic Dutch social-domain narratives with
planted identifiers (gold ``entities`` with exact character offsets) and marked hard negatives
(``negatives``: things a gate must leave alone). Everything is synthetic: first names and
surnames are combined at random from short hand-written lists, numbers are generated (valid BSNs
pass the 11-proef, IBANs pass mod-97), so no line describes a real person.

The set was written before the gate and is not tuned to it. Run it with any Python >= 3.11:

    python data/eval/anon/make_anon_eval.py

Deterministic: the same seed gives byte-identical output.
"""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

SEED = 20261123
N_NARRATIVES = 360
OUT = Path(__file__).with_name("anon_eval.jsonl")

# --------------------------------------------------------------------------------------------
# Word lists (hand-written; combined at random so no line names a real person)
# --------------------------------------------------------------------------------------------
FIRST_F = [
    "Anna",
    "Sanne",
    "Fatima",
    "Noor",
    "Emma",
    "Lotte",
    "Marieke",
    "Ingrid",
    "Wilma",
    "Ria",
    "Khadija",
    "Samira",
    "Esra",
    "Aylin",
    "Dewi",
    "Priya",
    "Olga",
    "Agnieszka",
    "Roos",
    "Anouk",
    "Joke",
    "Gerda",
    "Yvonne",
    "Naima",
    "Hanneke",
    "Bianca",
    "Chantal",
    "Sevda",
    "Mirjam",
    "Ilse",
    "Latifa",
    "Zeynep",
    "Shanti",
    "Marloes",
    "Petra",
    "Tineke",
    "Nadia",
    "Jasmijn",
    "Femke",
]
FIRST_M = [
    "Jan",
    "Kees",
    "Pieter",
    "Henk",
    "Gerrit",
    "Daan",
    "Bram",
    "Mohammed",
    "Youssef",
    "Rachid",
    "Mehmet",
    "Yusuf",
    "Thijs",
    "Joost",
    "Kevin",
    "Dylan",
    "Jayden",
    "Ravi",
    "Piotr",
    "Tomasz",
    "Sven",
    "Ahmed",
    "Hamza",
    "Wouter",
    "Ruud",
    "Erik",
    "Marco",
    "Stefan",
    "Karim",
    "Bilal",
    "Arjen",
    "Johan",
    "Dennis",
    "Sander",
    "Mustafa",
    "Emre",
    "Jeroen",
    "Frank",
    "Lucas",
]
# (tussenvoegsel, surname)
SURNAMES = [
    ("de", "Vries"),
    ("van den", "Berg"),
    ("", "Jansen"),
    ("", "Bakker"),
    ("", "Visser"),
    ("", "Smit"),
    ("", "Meijer"),
    ("de", "Boer"),
    ("", "Mulder"),
    ("de", "Groot"),
    ("", "Bos"),
    ("", "Vos"),
    ("", "Peters"),
    ("", "Hendriks"),
    ("van", "Leeuwen"),
    ("", "Dekker"),
    ("", "Brouwer"),
    ("de", "Wit"),
    ("", "Dijkstra"),
    ("de", "Graaf"),
    ("van der", "Meer"),
    ("van der", "Linden"),
    ("", "Kok"),
    ("", "Jacobs"),
    ("de", "Haan"),
    ("", "Vermeulen"),
    ("van den", "Heuvel"),
    ("van der", "Veen"),
    ("van den", "Broek"),
    ("de", "Bruijn"),
    ("de", "Jong"),
    ("", "Schouten"),
    ("El", "Amrani"),
    ("", "Öztürk"),
    ("", "Yilmaz"),
    ("", "Bouzid"),
    ("", "Kaya"),
    ("", "Demir"),
    ("", "Ramdin"),
    ("", "Soekhai"),
    ("", "Nguyen"),
    ("", "Kowalski"),
    ("", "Nowak"),
    ("", "Haddou"),
    ("", "Benali"),
    ("El", "Idrissi"),
    ("", "Wolterink"),
    ("", "Hofstede"),
    ("", "Brinkhuis"),
    ("", "Terpstra"),
    ("", "Hiemstra"),
    ("", "Oosterveld"),
    ("", "Kloosterboer"),
    ("ter", "Horst"),
    ("", "Koning"),
    ("", "Timmerman"),
    ("op de", "Weegh"),
    ("van 't", "Hof"),
    ("", "Çelik"),
    ("", "Aydın"),
    ("", "Mahabier"),
    ("", "Lambrechts"),
    ("", "Zwartjes"),
    ("", "Boukhari"),
    ("", "Ouali"),
    ("", "Postma"),
]
DOUBLE_SECOND = ["Öztürk", "Bakker", "El Khatib", "Yilmaz", "Smit", "de Lange", "Postma", "Demir"]

STREETS = [
    "Kerkstraat",
    "Dorpsweg",
    "Laan van Meerdervoort",
    "Stationsweg",
    "Molenstraat",
    "Burgemeester de Withstraat",
    "Prinses Irenelaan",
    "Hoofdstraat",
    "Jan van Goyenkade",
    "Schoolstraat",
    "Beukenlaan",
    "Julianastraat",
    "Eikenlaan",
    "Vondelstraat",
    "Rozengracht",
    "Nieuwe Binnenweg",
    "Merelstraat",
    "Wilhelminapark",
    "Kastanjelaan",
    "Lindenhof",
    "Poortugaalseweg",
    "Oranjeplein",
    "Groenhovenstraat",
    "Zuiderdiep",
    "Tulpstraat",
    "Akkerwinde",
    "Boterdiep",
    "Meidoornhof",
    "Marktstraat",
    "Van Speijkstraat",
]
MUNICIPALITIES = [
    "Zwolle",
    "Rotterdam",
    "Den Haag",
    "Utrecht",
    "Amsterdam",
    "Groningen",
    "Assen",
    "Emmen",
    "Den Helder",
    "Hoorn",
    "Zaanstad",
    "Almere",
    "Lelystad",
    "Breda",
    "Tilburg",
    "Deventer",
    "Apeldoorn",
    "Enschede",
    "Leeuwarden",
    "Súdwest-Fryslân",
    "'s-Hertogenbosch",
    "Heerlen",
    "Nijmegen",
    "Arnhem",
    "Dordrecht",
    "Schiedam",
    "Vlaardingen",
    "Helmond",
    "Roermond",
    "Middelburg",
    "Vlissingen",
    "Kampen",
    "Harderwijk",
    "Oss",
    "Venlo",
    "Gouda",
    "Delft",
]
ORGANISATIONS = [
    "UWV",
    "SVB",
    "CAK",
    "GGZ",
    "Leger des Heils",
    "Belastingdienst",
    "Veilig Thuis",
    "GGD",
    "CJG",
    "Humanitas",
    "Vluchtelingenwerk",
    "MEE",
    "Reclassering Nederland",
    "Toeslagen",
    "het wijkteam",
    "Mondriaan",
    "Brijder",
    "Pameijer",
    "Cordaan",
    "Lentis",
    "Dimence",
    "Jeroen Bosch Ziekenhuis",
    "Martini Ziekenhuis",
    "Parnassia",
    "Tactus",
    "Woonstad",
    "Portaal",
    "Vidomes",
    "Kwadraad",
    "de Voedselbank",
    "Schuldhulp Maatje",
    "Stichting Exodus",
    "het CJIB",
    "de ISD",
    "de woningcorporatie",
    "Sociaal Raadslieden",
]
PROFESSIONS = [
    "huisarts",
    "schuldhulpverlener",
    "casusregisseur",
    "wijkverpleegkundige",
    "jeugdconsulent",
    "bewindvoerder",
    "reclasseringswerker",
    "woonconsulent",
    "leerplichtambtenaar",
    "ambulant begeleider",
    "praktijkondersteuner",
    "trajectbegeleider",
    "consulent Wmo",
]
# Words that are also surnames, used as ordinary words. (text, surname-like word)
SURNAME_WORDS = [
    "werkte jaren als bakker",
    "zijn vader was visser",
    "werkt nu als kok in een lunchroom",
    "de bakker op de hoek gaf brood mee",
    "de schilder van de corporatie kwam langs",
    "een timmerman van de woningcorporatie repareerde de deur",
    "zoon wil kok worden",
    "werkt als schilder via het uitzendbureau",
    "deed vroeger klussen bij de boer",
    "de koster van de kerk bracht een pakket",
    "voelde zich behandeld als een koning",
    "werkt als visser op de kotter",
    "de slager in de straat liet hem helpen",
    "haar broer is molenaar",
    "was vroeger smid",
]
SENTENCE_INITIAL = [
    "Pas",
    "Toen",
    "Wel",
    "Na",
    "Sinds",
    "Dan",
    "Ook",
    "Nu",
    "Verder",
    "Daarna",
    "Meteen",
    "Bij",
    "Vaak",
    "Samen",
    "Hier",
    "Thuis",
    "Door",
    "Ondanks",
    "Helaas",
    "Gelukkig",
]
PLACEHOLDERS = [
    "[naam]",
    "mw. X",
    "dhr. Y",
    "[NAAM CLIËNT]",
    "cliënt",
    "betrokkene",
    "[moeder]",
    "mevr. A.",
    "meneer P.",
    "XXXX",
    "[zoon]",
    "de cliënte",
]
MONTHS = [
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
]
MONTHS_ABBR = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]
WEEKDAYS = ["maandag", "dinsdag", "woensdag", "donderdag", "vrijdag"]
MAIL_DOMAINS = ["hotmail.com", "gmail.com", "outlook.com", "ziggo.nl", "kpnmail.nl", "live.nl"]
WORK_DOMAINS = ["wijkteam-zwolle.nl", "kwadraad.nl", "sociaalteam.nl", "gemeente-assen.nl"]
BANKS = ["ABNA", "INGB", "RABO", "SNSB", "TRIO", "ASNB", "KNAB", "BUNQ", "RBRB"]
PLATE_LETTERS = "BDFGHJKLNPRSTVXZ"
AREA_CODES = [
    "010",
    "020",
    "030",
    "050",
    "070",
    "0592",
    "0591",
    "038",
    "040",
    "0570",
    "0513",
    "076",
    "013",
    "024",
    "026",
    "043",
    "0418",
    "0229",
    "0223",
    "036",
]


# --------------------------------------------------------------------------------------------
# Generators for identifiers
# --------------------------------------------------------------------------------------------
def eleven_check(digits: str) -> bool:
    """True if a 9-digit string passes the BSN 11-proef."""
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True))
    total -= int(digits[8])
    return total % 11 == 0


def valid_bsn(rng: random.Random) -> str:
    while True:
        d = str(rng.randint(100_000_000, 399_999_999))
        if eleven_check(d):
            return d


def invalid_nine_digits(rng: random.Random) -> str:
    while True:
        d = str(rng.randint(100_000_000, 999_999_999))
        if not eleven_check(d):
            return d


def fmt_bsn(rng: random.Random, d: str) -> str:
    style = rng.choice(["plain", "plain", "dots4", "dots3", "spaces3", "spaces4"])
    if style == "dots4":
        return f"{d[:4]}.{d[4:6]}.{d[6:]}"
    if style == "dots3":
        return f"{d[:3]}.{d[3:6]}.{d[6:]}"
    if style == "spaces3":
        return f"{d[:3]} {d[3:6]} {d[6:]}"
    if style == "spaces4":
        return f"{d[:4]} {d[4:6]} {d[6:]}"
    return d


def iban_check_digits(country: str, bban: str) -> str:
    rearranged = bban + country + "00"
    num = "".join(str(int(c, 36)) for c in rearranged)
    return f"{98 - int(num) % 97:02d}"


def make_iban(rng: random.Random) -> str:
    if rng.random() < 0.08:  # occasionally a Belgian or German account
        if rng.random() < 0.5:
            bban = "".join(str(rng.randint(0, 9)) for _ in range(12))
            return "BE" + iban_check_digits("BE", bban) + bban
        bban = "".join(str(rng.randint(0, 9)) for _ in range(18))
        return "DE" + iban_check_digits("DE", bban) + bban
    bban = rng.choice(BANKS) + "".join(str(rng.randint(0, 9)) for _ in range(10))
    return "NL" + iban_check_digits("NL", bban) + bban


def fmt_iban(rng: random.Random, iban: str) -> str:
    style = rng.random()
    if style < 0.45:
        return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))
    if style < 0.9:
        return iban
    return iban.lower()


def make_phone(rng: random.Random, kind: str | None = None) -> str:
    kind = kind or rng.choice(["mobile", "mobile", "mobile", "landline"])
    if kind == "mobile":
        rest = "".join(str(rng.randint(0, 9)) for _ in range(8))
        style = rng.choice(
            ["dash", "plain", "space4", "space2", "intl", "intl_space", "intl0", "0031"]
        )
        if style == "dash":
            return f"06-{rest}"
        if style == "plain":
            return f"06{rest}"
        if style == "space4":
            return f"06 {rest[:4]} {rest[4:]}"
        if style == "space2":
            return f"06 {rest[:2]} {rest[2:4]} {rest[4:6]} {rest[6:]}"
        if style == "intl":
            return f"+316{rest}"
        if style == "intl_space":
            return f"+31 6 {rest[:4]} {rest[4:]}"
        if style == "intl0":
            return f"+31 (0)6 {rest}"
        return f"0031 6 {rest}"
    area = rng.choice(AREA_CODES)
    n = 10 - len(area)
    rest = "".join(str(rng.randint(1, 9)) for _ in range(n))
    style = rng.choice(["dash", "space", "plain", "split"])
    if style == "dash":
        return f"{area}-{rest}"
    if style == "space":
        return f"{area} {rest}"
    if style == "split" and n == 7:
        return f"{area} {rest[:3]} {rest[3:]}"
    return f"{area}{rest}"


def make_postcode(rng: random.Random) -> str:
    digits = rng.randint(1000, 9999)
    while True:
        letters = rng.choice("ABCDEGHJKLMNPRSTVWXZ") + rng.choice("ABCDEGHJKLMNPRSTVWXZ")
        if letters not in {"SA", "SD", "SS"}:
            break
    style = rng.random()
    if style < 0.6:
        return f"{digits} {letters}"
    if style < 0.93:
        return f"{digits}{letters}"
    return f"{digits} {letters.lower()}"


def make_house_number(rng: random.Random) -> str:
    n = rng.randint(1, 240)
    style = rng.random()
    if style < 0.45:
        return str(n)
    if style < 0.6:
        return f"{n}{rng.choice('abcd')}"
    if style < 0.72:
        return f"{n}-{rng.randint(1, 4)}"
    if style < 0.8:
        return f"{n} {rng.choice('ABC')}"
    if style < 0.87:
        return f"{n}-{rng.choice(['I', 'II', 'III', 'hs'])}"
    if style < 0.93:
        return f"{n} hs"
    return f"{n}{rng.choice('ABC')}"


def make_plate(rng: random.Random) -> str:
    def letters(k: int) -> str:
        return "".join(rng.choice(PLATE_LETTERS) for _ in range(k))

    def digits(k: int) -> str:
        return "".join(str(rng.randint(0, 9)) for _ in range(k))

    sidecode = rng.choice(
        [
            lambda: f"{letters(2)}-{digits(2)}-{digits(2)}",
            lambda: f"{digits(2)}-{digits(2)}-{letters(2)}",
            lambda: f"{digits(2)}-{letters(2)}-{digits(2)}",
            lambda: f"{letters(2)}-{digits(2)}-{letters(2)}",
            lambda: f"{letters(2)}-{letters(2)}-{digits(2)}",
            lambda: f"{digits(2)}-{letters(2)}-{letters(2)}",
            lambda: f"{digits(2)}-{letters(3)}-{digits(1)}",
            lambda: f"{digits(1)}-{letters(3)}-{digits(2)}",
            lambda: f"{letters(2)}-{digits(3)}-{letters(1)}",
            lambda: f"{letters(1)}-{digits(3)}-{letters(2)}",
            lambda: f"{letters(3)}-{digits(2)}-{letters(1)}",
            lambda: f"{letters(1)}-{digits(2)}-{letters(3)}",
            lambda: f"{digits(1)}-{letters(2)}-{digits(3)}",
        ]
    )()
    return sidecode


def make_date(rng: random.Random, year_range: tuple[int, int], with_year: bool = True) -> str:
    y = rng.randint(*year_range)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    if not with_year:
        style = rng.choice(["long", "long", "abbr", "weekday"])
        if style == "abbr":
            return f"{d} {MONTHS_ABBR[m - 1]}"
        if style == "weekday":
            return f"{rng.choice(WEEKDAYS)} {d} {MONTHS[m - 1]}"
        return f"{d} {MONTHS[m - 1]}"
    style = rng.choice(["long", "long", "dash2", "dash1", "slash", "dot", "iso", "short_year"])
    if style == "long":
        return f"{d} {MONTHS[m - 1]} {y}"
    if style == "dash2":
        return f"{d:02d}-{m:02d}-{y}"
    if style == "dash1":
        return f"{d}-{m}-{y}"
    if style == "slash":
        return f"{d}/{m}/{y}"
    if style == "dot":
        return f"{d:02d}.{m:02d}.{y}"
    if style == "iso":
        return f"{y}-{m:02d}-{d:02d}"
    return f"{d}-{m}-{str(y)[2:]}"


def nl_int(n: int) -> str:
    """Dutch thousands separator: 63000 -> '63.000'."""
    return f"{n:,}".replace(",", ".")


def ascii_fold(s: str) -> str:
    s = s.replace("ı", "i")
    return unicodedata.normalize("NFKD", s).encode("ascii", "ignore").decode()


# --------------------------------------------------------------------------------------------
# Persons
# --------------------------------------------------------------------------------------------
class Person:
    def __init__(self, rng: random.Random) -> None:
        self.female = rng.random() < 0.55
        self.first = rng.choice(FIRST_F if self.female else FIRST_M)
        self.tv, self.sur = rng.choice(SURNAMES)
        if rng.random() < 0.1 and not self.tv:
            self.sur = f"{self.sur}-{rng.choice(DOUBLE_SECOND)}"
        second = rng.choice(FIRST_F if self.female else FIRST_M)
        self.initials = self.first[0] + "." + (second[0] + "." if rng.random() < 0.4 else "")
        self.num = rng.randint(1, 99)

    def surname(self, capital_tv: bool) -> str:
        if not self.tv:
            return self.sur
        tv = self.tv[0].upper() + self.tv[1:] if capital_tv else self.tv
        return f"{tv} {self.sur}"

    def title(self, rng: random.Random, sentence_start: bool = False) -> str:
        opts = (
            ["mevrouw", "mw.", "mevr.", "Mw.", "mevrouw"]
            if self.female
            else ["meneer", "dhr.", "de heer", "Dhr.", "meneer"]
        )
        t = rng.choice(opts)
        return t[0].upper() + t[1:] if sentence_start else t

    def email(self, rng: random.Random) -> str:
        first = ascii_fold(self.first).lower()
        sur = ascii_fold((self.tv + self.sur).replace(" ", "").replace("'", "")).lower()
        style = rng.choice(["dot", "init", "num", "work"])
        if style == "dot":
            return f"{first}.{sur}@{rng.choice(MAIL_DOMAINS)}"
        if style == "init":
            return f"{first[0]}.{sur}@{rng.choice(MAIL_DOMAINS)}"
        if style == "num":
            return f"{first}{sur}{self.num}@{rng.choice(MAIL_DOMAINS)}"
        return f"{first[0]}.{sur}@{rng.choice(WORK_DOMAINS)}"

    def url(self, rng: random.Random) -> str:
        first = ascii_fold(self.first).lower()
        sur = ascii_fold(self.sur.replace(" ", "")).lower()
        return rng.choice(
            [
                f"https://www.facebook.com/{first}.{sur}.{self.num}",
                f"www.instagram.com/{first}_{sur}",
                f"https://nl.linkedin.com/in/{first}-{sur}-{self.num}a",
                f"https://www.tiktok.com/@{first}{sur}{self.num}",
                f"https://mijn.dossier-sociaaldomein.nl/casus/{rng.randint(10000, 99999)}",
            ]
        )


# --------------------------------------------------------------------------------------------
# Rendering: every slot yields pieces (text, tag); tag is None, ("E", label, ref) or ("N", kind)
# --------------------------------------------------------------------------------------------
Piece = tuple[str, tuple | None]


def E(text: str, label: str, ref: str | None = None) -> Piece:  # noqa: N802
    return (text, ("E", label, ref))


def N(text: str, kind: str) -> Piece:  # noqa: N802
    return (text, ("N", kind))


def T(text: str) -> Piece:  # noqa: N802
    return (text, None)


class Ctx:
    """Per-narrative state: the persons and the random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.persons: dict[str, Person] = {}
        taken: set[str] = set()
        for key in ("P1", "P2", "P3", "P4"):
            while True:
                p = Person(rng)
                if p.sur not in taken:
                    taken.add(p.sur)
                    self.persons[key] = p
                    break
        self.gem = rng.choice(MUNICIPALITIES)


def render_person(ctx: Ctx, key: str, form: str, at_start: bool) -> list[Piece]:
    rng = ctx.rng
    p = ctx.persons[key]
    if form == "full":
        return [E(f"{p.first} {p.surname(False)}", "PERSOON", key)]
    if form == "first":
        # hurried notes sometimes type a first name in lower case
        first = p.first.lower() if (not at_start and rng.random() < 0.04) else p.first
        return [E(first, "PERSOON", key)]
    if form == "formal":  # title + surname; the title is not part of the entity
        return [T(p.title(rng, at_start) + " "), E(p.surname(True), "PERSOON", key)]
    if form == "init":  # initials + surname, with or without title
        name = f"{p.initials} {p.surname(False)}"
        if rng.random() < 0.5:
            return [T(p.title(rng, at_start) + " "), E(name, "PERSOON", key)]
        return [E(name, "PERSOON", key)]
    if form == "sur":
        return [E(p.surname(at_start), "PERSOON", key)]
    if form == "email":
        return [E(p.email(rng), "EMAIL")]
    if form == "url":
        return [E(p.url(rng), "URL")]
    if form == "any":
        return render_person(
            ctx, key, rng.choice(["full", "full", "formal", "init", "first"]), at_start
        )
    raise ValueError(form)


def render_slot(ctx: Ctx, name: str, at_start: bool) -> list[Piece]:  # noqa: C901
    rng = ctx.rng
    if "." in name:
        key, form = name.split(".", 1)
        return render_person(ctx, key, form, at_start)
    if name == "BSN":
        cue = rng.choice(
            ["BSN ", "BSN: ", "bsn ", "burgerservicenummer ", "BSN-nr. ", "sofinr ", ""]
        )
        return [T(cue), E(fmt_bsn(rng, valid_bsn(rng)), "BSN")]
    if name == "BSNBARE":
        return [E(fmt_bsn(rng, valid_bsn(rng)), "BSN")]
    if name == "IBAN":
        return [E(fmt_iban(rng, make_iban(rng)), "IBAN")]
    if name == "TEL":
        return [E(make_phone(rng), "TELEFOON")]
    if name == "TELM":
        return [E(make_phone(rng, "mobile"), "TELEFOON")]
    if name == "TELV":
        return [E(make_phone(rng, "landline"), "TELEFOON")]
    if name == "ADRES":
        street = rng.choice(STREETS)
        return [E(f"{street} {make_house_number(rng)}", "ADRES")]
    if name == "PC":
        return [E(make_postcode(rng), "POSTCODE")]
    if name == "GEM":
        return [N(ctx.gem, "municipality")]
    if name == "GEM2":
        return [N(rng.choice(MUNICIPALITIES), "municipality")]
    if name == "GEBDAT":
        cue = rng.choice(["geboren op ", "geb. ", "geboortedatum: ", "geboortedatum ", "geb "])
        return [T(cue), E(make_date(rng, (1940, 2012)), "GEBOORTEDATUM")]
    if name == "DATUM":
        return [E(make_date(rng, (2019, 2025)), "DATUM")]
    if name == "DATUMNY":
        return [E(make_date(rng, (2019, 2025), with_year=False), "DATUM")]
    if name == "KENTEKEN":
        return [E(make_plate(rng), "KENTEKEN")]
    if name == "KLANTNR":
        style = rng.randrange(8)
        if style == 0:
            return [
                T("dossiernr "),
                E(f"{rng.randint(2019, 2025)}-{rng.randint(10000, 99999)}", "KLANTNUMMER"),
            ]
        if style == 1:
            return [T("klantnummer "), E(str(rng.randint(100000, 9999999)), "KLANTNUMMER")]
        if style == 2:
            return [T("cliëntnummer "), E(f"CL-{rng.randint(100000, 999999)}", "KLANTNUMMER")]
        if style == 3:
            return [
                T("zaaknummer "),
                E(f"Z/{rng.randint(19, 25)}/{rng.randint(100000, 999999)}", "KLANTNUMMER"),
            ]
        if style == 4:
            return [
                T("relatienummer: "),
                E(str(rng.randint(10_000_000, 99_999_999)), "KLANTNUMMER"),
            ]
        if style == 5:
            return [T("dossiernummer "), E(str(rng.randint(10000, 999999)), "KLANTNUMMER")]
        if style == 6:
            return [
                T("registratienr. "),
                E(f"{rng.randint(2019, 2025)}.{rng.randint(1000, 99999)}", "KLANTNUMMER"),
            ]
        return [
            T("kenmerk "),
            E(
                f"{rng.choice(['WMO', 'SHV', 'BB'])}-{rng.randint(2019, 2025)}-{rng.randint(1000, 9999)}",
                "KLANTNUMMER",
            ),
        ]
    # ---------------- hard negatives ----------------
    if name == "NEG9":
        d = invalid_nine_digits(rng)
        style = rng.randrange(4)
        if style == 0:
            return [T("artikelnummer "), N(d, "nine_digit_not_bsn"), T(" (wasmachine)")]
        if style == 1:
            return [T("formuliercode "), N(d, "nine_digit_not_bsn")]
        if style == 2:
            return [T("een landelijk budget van "), N(d, "nine_digit_not_bsn"), T(" euro")]
        return [T("productcode "), N(fmt_bsn(rng, d), "nine_digit_not_bsn")]
    if name == "AMOUNT":
        n = rng.randint(150, 85000)
        style = rng.randrange(7)
        if style == 0:
            return [N(f"EUR {nl_int(n)}", "amount")]
        if style == 1:
            return [N(f"€ {nl_int(n)},{rng.randint(0, 99):02d}", "amount")]
        if style == 2:
            return [N(f"{nl_int(n)} euro", "amount")]
        if style == 3:
            return [N(f"€{n}", "amount")]
        if style == 4:
            return [N(f"€ {rng.randint(40, 900)} per maand", "amount")]
        if style == 5:
            return [N(f"{rng.randint(40, 900)},- per maand", "amount")]
        return [N(f"EUR {nl_int(rng.randint(1000, 99999))},{rng.randint(10, 99)}", "amount")]
    if name == "ORG":
        return [N(rng.choice(ORGANISATIONS), "organisation")]
    if name == "PROF":
        return [N(rng.choice(PROFESSIONS), "profession")]
    if name == "SURWORD":
        text = rng.choice(SURNAME_WORDS)
        if at_start:
            text = text[0].upper() + text[1:]
        return [N(text, "surname_as_word")]
    if name == "INIT":
        return [N(rng.choice(SENTENCE_INITIAL), "sentence_initial_word")]
    if name == "MY":
        y = rng.randint(2018, 2025)
        style = rng.randrange(4)
        if style == 0:
            return [N(f"{rng.choice(MONTHS)} {y}", "month_year")]
        if style == 1:
            return [N(f"{rng.choice(MONTHS_ABBR)} {y}", "month_year")]
        if style == 2:
            return [N(f"{rng.choice(MONTHS)} '{str(y)[2:]}", "month_year")]
        return [N(str(y), "year")]
    if name == "AGE":
        a = rng.randint(17, 82)
        return [N(rng.choice([f"{a} jr", f"{a} jaar", f"({a})", f"{a}jr"]), "age")]
    if name == "PH":
        return [N(rng.choice(PLACEHOLDERS), "placeholder")]
    if name == "LAW":
        return [
            N(
                rng.choice(
                    [
                        "Participatiewet",
                        "Wmo",
                        "Jeugdwet",
                        "Wet schuldsanering natuurlijke personen",
                        "Zorgverzekeringswet",
                    ]
                ),
                "law",
            )
        ]
    if name == "DURATION":
        return [
            N(
                rng.choice(
                    [
                        f"{rng.randint(2, 14)} mnd",
                        f"{rng.randint(2, 30)} weken",
                        f"{rng.randint(2, 9)} jaar",
                    ]
                ),
                "duration",
            )
        ]
    raise ValueError(name)


# --------------------------------------------------------------------------------------------
# Templates: realistic wijkteam language; {SLOT} placeholders as rendered above
# --------------------------------------------------------------------------------------------
TEMPLATES = [
    # short registration notes
    "{P1.formal}, {AGE}, 3 kids, huurachterstand {DURATION}. {ORG}-uitkering gestopt na verhuizing naar {GEM}. "
    "BSN {BSNBARE}. Tel {TEL}. Afspraak {DATUM} met {PROF}.",
    "Melding {DATUM}: {P1.full} ({AGE}) woont {ADRES}, {PC} {GEM}. Schuld bij {ORG} ca. {AMOUNT}. "
    "Contact via {P1.email}.",
    "{INIT} in {MY} kwam er duidelijkheid van {ORG}. {P1.formal} kreeg {AMOUNT} nabetaald op {IBAN}.",
    "Cliënt {P1.init}, {GEBDAT}, {BSN}. Woont bij zus {P2.first} in {GEM}. Schulden {AMOUNT}. "
    "Bewindvoering aangevraagd via {PROF}.",
    "Dhr. woont sinds {MY} op {ADRES} ({PC}). Auto met kenteken {KENTEKEN} staat op naam van "
    "ex-partner {P2.full}. {ORG} rekent dat toe als vermogen.",
    "Tel. contact met {P1.first} ({TELM}) over {ORG}. {PH} wil geen hulp van {ORG}. Volgende afspraak {DATUMNY}.",
    "{KLANTNR}. {P1.formal} belde over de beslagvrije voet. Beslag door {ORG} op rekening {IBAN}. "
    "Restant {AMOUNT}.",
    # longer stories for a casusbespreking
    "Situatie: {P1.full} ({AGE}) woont met haar twee kinderen in een huurwoning van {ORG} in {GEM}. "
    "Na de scheiding van {P2.full} in {MY} ontstond een huurachterstand van {AMOUNT}. "
    "{P1.first} werkt parttime en {SURWORD}. Knelpunt: de kostendelersnorm. "
    "Oplossing: bijzondere bijstand voor vier maanden. Contact: {TEL} / {P1.email}.",
    "Casus {P1.formal}. Geboren in {GEM2}, {GEBDAT}. {INIT} was er al jaren contact met {ORG}. "
    "Meneer zat tussen wal en schip: geen briefadres, dus geen uitkering, dus geen woning. "
    "De regisseur ({P3.full}, {TELV}) heeft een doorbraak geforceerd. Nieuw adres: {ADRES}, {PC} {GEM}.",
    "{P1.full} en {P2.full} zijn in {MY} vanuit {GEM2} naar {GEM} verhuisd. {P1.formal} heeft "
    "schulden bij {ORG} en {ORG}. {SURWORD}. Het gezin staat op de wachtlijst bij {ORG}. "
    "Zoon {P3.first} gaat niet naar school; de leerplichtambtenaar is ingeschakeld.",
    "Knelpunt: {ORG} en {ORG} verwijzen naar elkaar. {P1.formal} heeft {DURATION} geen inkomen gehad. "
    "BSN bekend: {BSNBARE}. Rekeningnummer voor de noodbetaling: {IBAN} t.n.v. {P1.init}.",
    "Mw. heeft {DURATION} in de maatschappelijke opvang van {ORG} gezeten. Zij staat nu ingeschreven "
    "op {ADRES} in {GEM}. Haar dochter {P2.first} ({AGE}) woont bij oma. {PH} wil het contact "
    "herstellen. Bereikbaar op {TELM}.",
    "Wat is er structureel nodig: één loket voor schulden bij de overheid. {P1.formal} had "
    "schuldeisers {ORG}, {ORG} en het CJIB. Totaal {AMOUNT}. De {PROF} ({P2.full}) kreeg pas "
    "op {DATUM} toestemming.",
    # forms
    "Naam: {P1.full}\nGeboortedatum: {GEBDATBARE}\nBSN: {BSNBARE}\nAdres: {ADRES}\nPostcode: {PC}\n"
    "Woonplaats: {GEM}\nTelefoon: {TEL}\nE-mail: {P1.email}\nSituatie: huurachterstand, {ORG} dreigt met ontruiming.",
    "Situatie: {P1.formal} ({AGE}) heeft een verslavingsachtergrond en wacht op detox bij {ORG}.\n"
    "Knelpunt: geen behandeling zonder detox, geen detox zonder behandeling.\n"
    "Oplossing: {PROF} regelde via {P2.full} een plek per {DATUM}.\n"
    "Structureel: afspraken tussen {ORG} en de gemeente {GEM}.",
    "Aanmelding {KLANTNR}\nClient: {P1.init}\nContactpersoon: {P2.full}, {TELV}\n"
    "Korte omschrijving: {P1.first} kreeg een naheffing van {ORG} van {AMOUNT}. {INIT} is er een "
    "betalingsregeling.",
    # e-mail style / HTML remnants
    "<p>Beste collega,</p><p>Ik stuur je de gegevens van {P1.full} door. Zij is bereikbaar op "
    "{TEL} of via {P1.email}.&nbsp;Zij woont op {ADRES}, {PC}&nbsp;{GEM}.</p><p>Groet, {P2.full}<br>{PROF}</p>",
    "Van: {P2.email}\nAan: {P3.email}\nOnderwerp: casus {P1.formal}\n\nHoi {P3.first}, zie hieronder. "
    "Meneer is {DATUM} bij {ORG} geweest. {INIT} ging het mis met de aanvraag. Groet, {P2.first}",
    # justitie / vervoer
    "{P1.full} is in {MY} vrijgekomen en staat onder toezicht van {ORG}. Voor werk heeft hij een "
    "auto nodig ({KENTEKEN}). De gemeente {GEM} betaalde de reparatie ({AMOUNT}) in plaats van "
    "taxivervoer. Contact reclassering: {TELV}.",
    "Meneer {P1.sur} ({AGE}) rijdt zonder geldig rijbewijs in een auto met kenteken {KENTEKEN}. "
    "Boetes bij het CJIB: {AMOUNT}. {SURWORD}. Zijn zus {P2.full} maakt zich zorgen.",
    # jeugd / gezin
    "Gezin {P1.sur}: moeder {P1.first} ({AGE}), kinderen {P2.first} en {P3.first}. Vader {P4.full} "
    "woont in {GEM2}. Jeugdhulp via {ORG} stopt bij 18 jaar. {P2.first} wordt {DATUMNY} achttien.",
    "{P1.formal} vertelt dat haar zoon {P2.first} ({AGE}) {SURWORD}. {INIT} is er een plek via {ORG}. "
    "Profiel op {P2.url} laat zien dat hij veel online is.",
    # wonen
    "Woonconsulent {P2.full} van {ORG} meldt dat {P1.formal} op {ADRES} een huurachterstand van "
    "{AMOUNT} heeft. Ontruiming gepland op {DATUM}. {ORG} en {ORG} zijn op de hoogte.",
    "Tijdelijke woonunit in de tuin bij de ouders van {P1.first} in {GEM} in plaats van uithuisplaatsing. "
    "Kosten {AMOUNT}. Adres ouders: {ADRES}, {PC}.",
    # ggz / zorg
    "{P1.formal} ({GEBDAT}) staat {DURATION} op de wachtlijst bij {ORG}. Huisarts {P2.init} heeft "
    "crisisdienst ingeschakeld. Bereikbaar: {TELM}.",
    "Wmo-aanvraag {KLANTNR} voor {P1.init}: traplift. {ORG} wees af omdat de woning op {ADRES} "
    "niet geschikt is. {INIT} bleek een verhuizing naar {GEM2} de oplossing.",
    # financien
    "Schuldhulp: {P1.full}, {BSN}, IBAN {IBAN}. Schulden bij {ORG} ({AMOUNT}), {ORG} ({AMOUNT}) en "
    "een webwinkel. {NEG9} werd eerst voor een BSN aangezien.",
    "{P1.formal} ontvangt {AMOUNT} bijstand. Door de kostendelersnorm ({P2.first} woont in) daalt dat naar "
    "{AMOUNT}. {LAW} laat weinig ruimte. {INIT} kwam het tot een oplossing via de maatwerktafel.",
    "Terugvordering {ORG}: {AMOUNT}. {P1.formal} heeft {NEG9} op het formulier gezet i.p.v. het "
    "BSN {BSNBARE}. {ORG} heeft dat gecorrigeerd op {DATUM}.",
    # no identifiers at all (only negatives)
    "{INIT} in {MY} werd duidelijk dat {ORG} en {ORG} elkaars voorwaarden uitsluiten. {PH} ({AGE}) "
    "heeft een schuld van {AMOUNT}. De {PROF} zocht een oplossing via de {LAW}.",
    "{PH} woont in {GEM} en heeft sinds {MY} geen inkomen. {ORG} verwees naar {ORG}. {SURWORD}.",
    "Leeratelier {GEM}: casus over een jongen ({AGE}) die bij 18 uit de jeugdhulp viel. "
    "{ORG} had geen passend aanbod; {ORG} betaalde {AMOUNT} uit het flexbudget.",
    # misc
    "Gesprek met {P1.any} en {P2.any} op {DATUM}. {P1.first} wil zelf de regie houden. "
    "Adres: {ADRES}. Telefoon {P2.first}: {TEL}.",
    "{P1.full} ({TELM}) heeft een beschikking van {ORG} ontvangen ({KLANTNR}). {P1.formal} begrijpt "
    "de brief niet; {P3.full} van {ORG} helpt.",
    "Dossier {P1.init}. Eerdere melding Veilig Thuis {DATUM}. Partner {P2.full}, {GEBDAT}, woont op "
    "{ADRES} in {GEM}. {ORG} betrokken sinds {MY}.",
    "Ex-partner {P2.formal} heeft Facebook-pagina {P2.url} gebruikt om {P1.first} te bedreigen. "
    "Aangifte gedaan op {DATUM}. {P1.formal} woont nu op een geheim adres.",
    "Kort: {P1.init} ({AGE}), {ORG}-cliënt, bsn {BSNBARE}, {ADRES}, tel. {TEL}. Geen {ORG}-indicatie.",
    "{P1.first} {P1.sur} heeft {AMOUNT} schuld. {INIT} is er contact met {P2.formal} van {ORG}, "
    "bereikbaar via {P2.email} of {TELV}.",
]


SLOT_RE = re.compile(r"\{([A-Z0-9]+(?:\.[a-z]+)?)\}")


def render_template(ctx: Ctx, template: str) -> tuple[str, list[dict], list[dict]]:
    text = ""
    entities: list[dict] = []
    negatives: list[dict] = []
    pos = 0
    for m in SLOT_RE.finditer(template):
        text += template[pos : m.start()]
        name = m.group(1)
        stripped = text.rstrip(" ")
        at_start = stripped == "" or stripped[-1] in ".!?\n:>"
        if name == "GEBDATBARE":
            pieces = [E(make_date(ctx.rng, (1940, 2012)), "GEBOORTEDATUM")]
        else:
            pieces = render_slot(ctx, name, at_start)
        for piece_text, tag in pieces:
            start = len(text)
            text += piece_text
            if tag is None:
                continue
            if tag[0] == "E":
                ent = {"start": start, "end": len(text), "label": tag[1]}
                if tag[2]:
                    ent["ref"] = tag[2]
                entities.append(ent)
            else:
                negatives.append({"start": start, "end": len(text), "kind": tag[1]})
        pos = m.end()
    text += template[pos:]
    return text, entities, negatives


def add_noise(rng: random.Random, text: str, entities: list[dict], negatives: list[dict]) -> str:
    """Word/HTML remnants that do not move any offsets inside spans: only appended or prefixed."""
    r = rng.random()
    prefix = ""
    suffix = ""
    if r < 0.05:
        prefix = "\ufeff"
    elif r < 0.1:
        prefix = '<div class="MsoNormal">'
        suffix = "</div>"
    elif r < 0.14:
        suffix = "\u00a0\u200b"
    if prefix:
        for span in entities + negatives:
            span["start"] += len(prefix)
            span["end"] += len(prefix)
    return prefix + text + suffix


def main(seed: int = SEED, out: Path = OUT) -> None:
    rng = random.Random(seed)
    lines = []
    for i in range(N_NARRATIVES):
        ctx = Ctx(rng)
        template = (
            TEMPLATES[i % len(TEMPLATES)] if i < len(TEMPLATES) * 2 else rng.choice(TEMPLATES)
        )
        text, entities, negatives = render_template(ctx, template)
        text = add_noise(rng, text, entities, negatives)
        for span in entities + negatives:  # guard: offsets are exact
            assert text[span["start"] : span["end"]].strip() == text[span["start"] : span["end"]]
        lines.append(
            {"id": f"anon-{i:04d}", "text": text, "entities": entities, "negatives": negatives}
        )
    # edge cases: only an identifier, empty text
    wrong = invalid_nine_digits(rng)
    extra = [(f"BSN {wrong}", [], [{"start": 4, "end": 13, "kind": "nine_digit_not_bsn"}])]
    bsn = valid_bsn(rng)
    extra.append((bsn, [{"start": 0, "end": 9, "label": "BSN"}], []))
    iban = make_iban(rng)
    extra.append((iban, [{"start": 0, "end": len(iban), "label": "IBAN"}], []))
    for j, (text, ents, negs) in enumerate(extra):
        lines.append({"id": f"anon-edge-{j}", "text": text, "entities": ents, "negatives": negs})
    with out.open("w", encoding="utf-8") as fh:
        for line in lines:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    n_ent = sum(len(x["entities"]) for x in lines)
    n_neg = sum(len(x["negatives"]) for x in lines)
    print(f"wrote {len(lines)} narratives, {n_ent} entities, {n_neg} hard negatives to {out}")


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED, help="other seeds give held-out sets")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    main(args.seed, args.out)
