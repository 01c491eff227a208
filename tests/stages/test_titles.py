"""Readable pattern titles: the shortening of a barrier statement to its core clause, and titles
of a small demo build that name what their pattern is about."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
import yaml

from pipeline.core.config import PROJECT_ROOT
from pipeline.core.text import lemmas_of, stop_words
from pipeline.stages.cluster.titles import (
    MAX_CHARS,
    barrier_bias,
    cut,
    make_title,
    tells_help,
)


def test_short_statement_is_kept_whole_without_the_full_stop():
    assert make_title("Geen briefadres, dus geen bijstand.") == "Geen briefadres, dus geen bijstand"


def test_title_starts_with_a_capital():
    assert make_title("zonder adres geen uitkering.") == "Zonder adres geen uitkering"


def test_anonymisation_placeholders_are_removed():
    title = make_title("[PERSOON-1] krijgt geen briefadres van [ORGANISATIE-2].")
    assert "[" not in title and title == "Krijgt geen briefadres van"


def test_leading_connective_is_stripped_and_a_pronoun_subject_moves_to_the_front():
    assert make_title("Daardoor krijgt zij geen bijstand.") == "Zij krijgt geen bijstand"
    assert make_title("Inmiddels is er geen plek.") == "Er is geen plek"


@pytest.mark.parametrize("word", ["Maar", "Ook", "Toch", "Bovendien"])
def test_each_leading_filler_word_is_stripped(word):
    assert make_title(f"{word} de kliniek neemt niemand op zonder detox.").startswith("De kliniek")


def test_a_conjunction_after_a_dropped_connective_is_no_verb_to_swap_with_its_subject():
    # real dev cluster title: "Hij toen negentien was, vertrok zijn vriendin naar een ander"
    title = make_title("Maar toen hij negentien was, vertrok zijn vriendin naar een ander.")
    assert title.startswith("Toen hij negentien was")
    title = make_title("Maar omdat ze geen adres heeft, krijgt ze geen uitkering.")
    assert title.startswith("Omdat ze geen adres heeft")


def test_who_said_it_is_dropped_and_what_was_said_stays():
    # real cluster titles: "Ze wilden het helemaal niet', vertelt ze aan de koffietafel"
    assert make_title("Ze wilden het helemaal niet', vertelt ze aan de koffietafel.") == (
        "Ze wilden het helemaal niet"
    )
    assert make_title("Er is nu geen ander werk, zegt de wethouder.") == "Er is nu geen ander werk"
    assert make_title("'Ik kreeg geen antwoord', zegt de vrouw.") == "Ik kreeg geen antwoord"
    # no subject after the verb: a list of what someone did, not who said it
    assert make_title("Hij legt de brief weg, zegt niets.") == "Hij legt de brief weg, zegt niets"


def test_leading_time_phrase_is_stripped():
    assert make_title("Na drie maanden zij kreeg geen uitkering.") == "Zij kreeg geen uitkering"
    assert make_title("Sinds 2019 de gemeente weigert.") == "De gemeente weigert"


def test_a_front_stays_when_dropping_it_would_leave_a_question():
    # Dutch puts the verb before a noun subject after a front: "Stopt de uitkering" reads as a
    # question (found in real-text clusters: "Loopt ze weken ...", "Gaat een deel ...")
    assert make_title("Na drie maanden stopt de uitkering.") == "Na drie maanden stopt de uitkering"
    assert make_title("Nu gaat een deel van zijn loon naar de deurwaarder.") == (
        "Nu gaat een deel van zijn loon naar de deurwaarder"
    )
    # "toen" and "nu" opening a subordinate clause are no front to drop
    assert make_title("Toen haar man overleed, kon zij het huis niet houden.").startswith(
        "Toen haar man overleed"
    )


def test_a_date_placeholder_goes_with_its_preposition():
    assert make_title("Op [DATUM] meldt de verzekeraar een achterstand.") == (
        "Op een dag meldt de verzekeraar een achterstand"
    )
    assert make_title("Het is sinds [DATUM] verplicht.") == "Het is verplicht"
    # "met ingang van [DATUM]" goes whole: "moest van het CAK met ingang een eigen bijdrage"
    assert make_title("Zij moest van het CAK met ingang van [DATUM] een bijdrage betalen.") == (
        "Zij moest van het CAK een bijdrage betalen"
    )


def test_the_barrier_sentence_wins_over_the_solution_sentence():
    # a real-text cluster was titled "Dankzij een vergunning van de gemeente Peel"
    text = (
        "Na het overlijden van haar man kon een vrouw geen huurwoning vinden. Dankzij een "
        "vergunning van de gemeente woont zij nu in een chalet bij haar dochter."
    )
    assert make_title(text, ["vergunning", "gemeente", "chalet"]) == (
        "Na het overlijden van haar man kon een vrouw geen huurwoning vinden"
    )
    assert tells_help("De gemeente hielp hem.") and not tells_help("Hij krijgt geen hulp.")
    assert barrier_bias("122 daklozen vroegen opvang.") < barrier_bias("Daklozen vroegen opvang.")
    # a small count opening a note is no statistic
    assert barrier_bias("2 deurwaarders leggen beslag.") == barrier_bias(
        "Deurwaarders leggen beslag."
    )
    # a note's list of nouns is no title while a sentence is left
    assert barrier_bias("Drugssmokkel/-handel, diefstal, verslaving, cel") < barrier_bias(
        "Dhr., vader, huurtoeslag volledig ingehouden door de Belastingdienst"
    )


def test_client_description_is_stripped():
    title = make_title("Mw. 34 jr, 3 kids, huurachterstand loopt op door terugvordering toeslag.")
    assert title == "Huurachterstand loopt op door terugvordering toeslag"


def test_short_label_before_a_colon_is_stripped():
    assert make_title("Knelpunt: niemand is verantwoordelijk.") == "Niemand is verantwoordelijk"


def test_long_statement_is_cut_at_a_clause_boundary():
    text = (
        "De gemeente weigert een briefadres omdat er geen binding met de gemeente zou zijn, "
        "waardoor de inschrijving in de BRP en daarmee de uitkering maandenlang uitblijven."
    )
    title = make_title(text)
    assert title == "De gemeente weigert een briefadres omdat er geen binding met de gemeente…" or (
        len(title) <= MAX_CHARS and text.startswith(title)
    )
    assert len(title) <= MAX_CHARS


def test_clause_cut_prefers_a_comma_over_a_word_cut():
    text = (
        "Zonder adres kan hij geen uitkering krijgen, geen zorgverzekering afsluiten en geen "
        "schuldhulp aanvragen bij de gemeente."
    )
    assert make_title(text) == "Zonder adres kan hij geen uitkering krijgen"


def test_single_long_clause_is_cut_at_a_word_with_an_ellipsis_and_no_dangling_article():
    text = (
        "De woningcorporatie zet de ontruiming van de huurder door na de uitspraak van de "
        "kantonrechter in de zaak over de achterstand van de huur"
    )
    title = make_title(text)
    assert title.endswith("…") and len(title) <= MAX_CHARS
    assert title[:-1].split()[-1].lower() not in {"de", "het", "een", "van", "met"}


def test_sentence_with_most_keywords_is_chosen():
    text = "Het gezin woont in Zwolle. De kostendelersnorm kort de uitkering van moeder."
    assert make_title(text, ["kostendelersnorm", "uitkering"]) == (
        "De kostendelersnorm kort de uitkering van moeder"
    )


def test_first_sentence_wins_when_no_keyword_is_found():
    text = "Het gezin woont in Zwolle. De kostendelersnorm kort de uitkering."
    assert make_title(text, ["detox"]) == "Het gezin woont in Zwolle"


def test_nothing_readable_gives_an_empty_title():
    assert make_title("[PERSOON-1].") == ""


# --------------------------------------------------------------------------- demo build


def _content(text: str) -> set[str]:
    stops = stop_words()
    return {w for w in lemmas_of(text.lower()) if len(w) > 2 and w not in stops}


@pytest.fixture(scope="module")
def demo_titles(tmp_path_factory) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Title and first four keywords of the cluster most of each demo pattern's cases landed in
    (2 cases per pattern, structure → embed → cluster with the real model), and each pattern's
    description."""
    from pipeline.evaluate import build_sample_workdir

    root = tmp_path_factory.mktemp("titles")
    cache = root / "cache"  # a copy of the shared vectors: the shared cache is never written
    shared = PROJECT_ROOT / "models" / "cache" / "embeddings"  # the project's build cache
    if shared.exists():
        shutil.copytree(shared, cache)
    wd, labels_path = build_sample_workdir(root / "kb", n_per_pattern=2, cache_dir=cache)
    truth = pd.read_csv(labels_path)
    cases = pd.read_parquet(wd.case_clusters)
    cases = cases[cases["is_primary"] & (cases["cluster_id"] >= 0)]
    joined = cases.merge(truth, left_on="case_id", right_on="source_id")
    clusters = pd.read_parquet(wd.clusters).set_index("cluster_id")
    catalogue = yaml.safe_load((PROJECT_ROOT / "data/demo/patterns.yaml").read_text())
    desc = {p["id"]: p["desc"] for p in catalogue["patterns"]}
    titles, keywords = {}, {}
    for pattern, rows in joined.groupby("pattern"):
        cid = int(rows["cluster_id"].mode().iloc[0])
        titles[str(pattern)] = str(clusters.loc[cid, "label"])
        keywords[str(pattern)] = " ".join(clusters.loc[cid, "keywords"][:4])
    return titles, keywords, desc


def _hits(named: dict[str, str], desc: dict[str, str]) -> list[str]:
    return [p for p, t in named.items() if _content(t) & _content(desc[p])]


def _cluster_hits(demo_titles) -> tuple[int, int, int]:
    """(clusters, clusters whose title names a content word of one of their patterns, the same
    for their keyword labels). With 2 cases per pattern several patterns share a cluster, and a
    shared cluster's title can name only one of them, so it counts once per cluster."""
    titles, keywords, desc = demo_titles
    by_cluster: dict[tuple[str, str], list[str]] = {}
    for p, t in titles.items():
        by_cluster.setdefault((t, keywords[p]), []).append(p)
    named = sum(
        any(_content(t) & _content(desc[p]) for p in ps) for (t, _), ps in by_cluster.items()
    )
    keyworded = sum(
        any(_content(k) & _content(desc[p]) for p in ps) for (_, k), ps in by_cluster.items()
    )
    return len(by_cluster), named, keyworded


@pytest.mark.slow
def test_demo_titles_name_a_content_word_of_their_pattern(demo_titles):
    # Measured with the structure model trained on 197 real dev cases: 35 patterns in 18
    # clusters, 9 titles name one of their patterns (10 with the titles before the real-text
    # changes, which took solution sentences and client descriptions as titles on real cases).
    # Trained on 519 real dev cases (the seventh round): 7 of 18; on the real test split the
    # titles named their majority pattern in 15 of 59 clusters against 16 of 60 before, and
    # the main barrier read 0.500 against 0.487, so the retrained model stays.
    # Since the ranker learns from where readers located each real main barrier (2026-12-05):
    # 5 of 18. The titles now more often tell the block ("Het zorgkantoor wijst de aanvraag
    # af") than the person; on the real test split they name a word of the majority pattern's
    # key in 16 of 77 clusters (16 of 69 before) and a word of its located barrier sentences in
    # 0.662 of them (0.638), a word of its labels' paraphrase in 0.558 (0.681: the paraphrase
    # repeats who the person is). So the floor is a quarter of the clusters.
    titles, _, _ = demo_titles
    n_clusters, named, _ = _cluster_hits(demo_titles)
    assert len(titles) >= 25  # most patterns land in a cluster at all
    assert n_clusters >= 12
    assert named >= n_clusters / 4, (named, n_clusters)


@pytest.mark.slow
def test_demo_titles_name_their_pattern_nearly_as_often_as_the_keyword_labels(demo_titles):
    # measured per cluster: titles 9, keyword labels 12 of 18 (a four-keyword label has more
    # chances to share a word with the pattern's description than one sentence); with the
    # structure model of the seventh round titles 7, keyword labels 8
    _, named, keyworded = _cluster_hits(demo_titles)
    assert named >= 0.6 * keyworded, (named, keyworded)


@pytest.mark.slow
def test_demo_titles_are_short_sentences_not_keyword_lists(demo_titles):
    titles, _, _ = demo_titles
    assert all(len(t) <= MAX_CHARS + 1 and " · " not in t for t in titles.values())


def test_a_title_drops_a_bracketed_aside():
    text = "Een gezin met drie kinderen (vader 36, moeder 34) raakt de woning kwijt."
    assert make_title(text) == "Een gezin met drie kinderen raakt de woning kwijt"


def test_a_comma_between_two_adjectives_is_no_clause_break():
    # a real round-5 title was "De gemeente biedt hem daarna gesubsidieerde": an adjective
    # without its noun
    text = (
        "De gemeente biedt hem daarna gesubsidieerde, aangepaste arbeid in de sociale werkplaats "
        "aan, waarvoor geen Wsw-indicatie nodig is."
    )
    assert not make_title(text).rstrip("…").endswith("gesubsidieerde")
    assert cut("Hij krijgt geen uitkering, omdat hij een kleine, oude auto heeft die te veel waard "
               "is volgens de gemeente") == "Hij krijgt geen uitkering"  # fmt: skip


@pytest.mark.parametrize(
    ("text", "title"),
    [("Corporatie weigert toewijzing vanwege oude huurschuld (ca. 2 jaar oud). Zij woont elders.",
      "Corporatie weigert toewijzing vanwege oude huurschuld"),
     ("Bijstand ingetrokken per [DATUM], nieuwe aanvragen afgewezen.",
      "Bijstand ingetrokken, nieuwe aanvragen afgewezen")],
)  # fmt: skip
def test_a_title_has_no_bracket_stump_and_no_space_before_a_comma(text, title):
    # real round-5 titles were "... oude huurschuld (ca" ("(ca." ended the sentence) and
    # "Bijstand ingetrokken , nieuwe ..." (a date placeholder removed before the comma)
    assert make_title(text) == title


def test_a_pronoun_subject_moves_back_before_its_comma_and_an_insertion_is_dropped():
    # a real round-5 title was "Krijgt hij, zonder aankondiging of herinnering"
    text = (
        "In 2015 krijgt hij, zonder aankondiging of herinnering, te horen dat hij nog een maand "
        "premie moet betalen."
    )
    assert make_title(text).startswith("Hij krijgt te horen dat hij")
    assert make_title("Zij woont, net als haar moeder, in een te dure woning.") == (
        "Zij woont in een te dure woning"
    )
    # a list of verbs is no insertion
    assert make_title("Zij studeerde, werkte, had een goede woning.").startswith(
        "Zij studeerde, werkte"
    )


def test_a_cut_never_ends_inside_an_open_bracket():
    text = (
        "Een gezin met drie kinderen (vader 36, moeder 34 en de kinderen die allemaal nog "
        "naar school gaan) raakt de woning kwijt"
    )
    out = cut(text)
    assert out.count("(") == out.count(")") and len(out) <= 70


# Cuts that real published notes and stories showed (data/real): each title below was a fragment.


def test_no_cut_between_an_elliptic_compound_part_and_en():
    text = (
        "In een pilot van het landelijke Actieprogramma Dak- en Thuisloze Jongeren krijgen "
        "jongeren een eigen woning en een vaste coach."
    )
    title = make_title(text)
    assert not title.rstrip("…").endswith("-")
    assert "Dak- en Thuisloze" in title


def test_a_subject_with_a_relative_clause_keeps_its_main_verb():
    text = "Een man die geen zorgverzekering had afgesloten, kreeg van het CVZ een boete."
    assert make_title(text) == "Een man kreeg van het CVZ een boete"  # not "Een man die ..."
    text = "Een 58-jarige man die in de gevangenis had gezeten, stond na zijn vrijlating op straat."
    assert make_title(text) == "Een 58-jarige man stond na zijn vrijlating op straat"


@pytest.mark.parametrize(
    "text, kept",
    [
        # an apposition after the comma, no main verb: the relative clause stays
        (
            "Een vrouw die in 2016 uit Syrië vluchtte en in Hoofddorp, gemeente Haarlemmermeer, "
            "woont, vroeg om een urgentieverklaring.",
            "Een vrouw die in 2016",
        ),
        # "die" as a demonstrative, a conjunction after the comma
        (
            "De gemeente trok die beschikking met ingang van januari in, omdat het paar een "
            "woning had verzwegen.",
            "De gemeente trok die beschikking",
        ),
    ],
)
def test_a_relative_clause_goes_only_before_a_main_verb(text, kept):
    assert make_title(text).startswith(kept)


def test_gem_before_a_place_ends_no_sentence():
    from pipeline.stages.cluster.titles import sentences

    assert sentences("Dhr., bijstand, gem. Den Haag. Hij krijgt geen urgentie.") == [
        "Dhr., bijstand, gem. Den Haag.",
        "Hij krijgt geen urgentie.",
    ]
    assert not make_title("Aanvraag opvang afgewezen door gem. Amsterdam.").endswith("gem")
    # before a figure it does end one
    assert len(sentences("Mw. vraagt Wmo aan bij gem. 2 mnd geen reactie.")) == 2


def test_a_month_before_a_year_or_an_article_before_its_number_ends_no_sentence():
    # real zorg12 and wonen12 notes: "CIZ neemt okt" and "Gem. beroept zich op nieuw art" were
    # pattern titles
    from pipeline.stages.cluster.titles import sentences

    note = "CIZ neemt okt. 2014 een besluit, bezwaar mrt. 2015 deels gegrond."
    assert sentences(note) == [note]
    assert make_title(note).startswith("CIZ neemt okt. 2014 een besluit")
    assert sentences("Gem. beroept zich op art. 13 lid 2 WWB. Vzr. oordeelt anders.") == [
        "Gem. beroept zich op art. 13 lid 2 WWB.",
        "Vzr. oordeelt anders.",
    ]
    # before a capital a month ends its sentence
    assert sentences("Bijstand aangevraagd 2 nov. Via RMC blijkt studie mogelijk.") == [
        "Bijstand aangevraagd 2 nov.",
        "Via RMC blijkt studie mogelijk.",
    ]


def test_a_note_heading_with_its_municipality_goes():
    text = "Melding Daklozenloket gem. Den Haag: geen opvang, vader zou zelf woonruimte regelen."
    assert make_title(text) == "Geen opvang, vader zou zelf woonruimte regelen"


def test_no_title_opens_with_a_bracket_closed_in_the_sentence_before():
    title = make_title(
        "Halderberge), weduwe, woont sinds het overlijden van haar partner op een park."
    )
    assert ")" not in title and title.startswith("Weduwe")


def test_the_college_of_burgemeester_en_wethouders_is_the_college_and_no_cut_at_its_en():
    text = (
        "Bij besluit van [DATUM] trok het college van burgemeester en wethouders van Rotterdam "
        "haar uitkering in, omdat zij met hem een gezamenlijke huishouding zou voeren."
    )
    assert make_title(text) == "Bij besluit trok het college van Rotterdam haar uitkering in"
    title = make_title(
        "Burgemeester en wethouders van Utrecht weigeren de aanvraag voor een maatwerkvoorziening "
        "die zij nodig heeft."
    )
    assert title.startswith("Burgemeester en wethouders van Utrecht weigeren")


@pytest.mark.parametrize(
    ("text", "title"),
    [
        # the clause after "en" was cut off, or the filler after it went
        (
            "De woningcorporatie hield haar aansprakelijk en wilde niet helpen, en omdat ze in een "
            "schuldentraject zat mocht ze geen nieuwe schulden maken.",
            "De woningcorporatie hield haar aansprakelijk en wilde niet helpen",
        ),
        (
            "Volgens haar kreeg ze jarenlang te weinig uitkering en nog steeds.",
            "Volgens haar kreeg ze jarenlang te weinig uitkering",
        ),
        # a subject pronoun after a colon, its clause cut off
        (
            "Een jonge vrouw meldt zich bij de ombudsman: zij en haar zoontje dreigen binnen "
            "enkele dagen uit de instelling voor beschermd wonen te worden gezet.",
            "Een jonge vrouw meldt zich bij de ombudsman",
        ),
        # a pronoun after its verb is a whole clause
        (
            "Zonder die toeslagen kan ze geen eten kopen, zegt ze.",
            "Zonder die toeslagen kan ze geen eten kopen, zegt ze",
        ),
    ],
)
def test_a_title_never_ends_in_a_conjunction_or_a_pronoun_whose_clause_was_cut_off(text, title):
    assert make_title(text) == title
