"""Tests of the Swedish lexicon (pipeline/lexicon.py): membership, compounds, skeletons, cache."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from unittest import mock

import pytest

from pipeline.lexicon import Lexicon, StoredAnswers, hit_rate, load_lexicon, read_genre_terms, skeleton


@pytest.fixture(scope="module")
def lexicon() -> Lexicon:
    return load_lexicon()


def test_load_lexicon_is_cached_per_process():
    assert load_lexicon() is load_lexicon()


def test_hit_rate_separates_clean_from_damaged_text(lexicon):
    clean = "Arbetsmarknadsnämnden föreslår att förvaltningen får i uppdrag att återkomma med förslag".split()
    damaged = "Arbetsmarknadsndmnden foreslar att forvaltningen far i uppdrag att aterkomma med forslag".split()
    assert hit_rate(clean, lexicon.frequencies) == 1.0
    assert hit_rate(damaged, lexicon.frequencies) < 0.8
    assert hit_rate(["1", "§", "12"], lexicon.frequencies) == 1.0  # nothing alphabetic to judge


@pytest.mark.parametrize(
    ("word", "key"),
    [("Förslag", "forslag"), ("ärende", "arende"), ("Idéburet", "ideburet"), ("Linköpings", "linkopings")],
)
def test_skeleton_drops_diacritics(word, key):
    assert skeleton(word) == key


def test_same_skeleton_lists_diacritic_variants_most_frequent_first(lexicon):
    variants = lexicon.same_skeleton("ar")
    assert variants[0] == "är" and "år" in variants
    assert "förslag" in lexicon.same_skeleton("forslag")


@pytest.mark.parametrize("word", ["språkvänsmatchning", "försörjningsstödet", "anställningsbarhet"])
def test_compounds_no_list_holds_are_words(lexicon, word):
    assert lexicon.is_word(word)


@pytest.mark.parametrize("word", ["arbetsmarknadsndmnden", "forsorjningsstod", "xqzvbnm"])
def test_damaged_forms_are_not_words(lexicon, word):
    assert not lexicon.is_word(word)


def test_damage_like_forms_are_no_compound_parts(lexicon):
    assert "forvaltningen" not in lexicon.frequencies or "forvaltningen" in lexicon.damage_like
    assert not lexicon.split_compound("arbetsmarknadsforvaltningen")
    assert lexicon.split_compound("arbetsmarknadsförvaltningen")


def test_a_rare_three_letter_head_makes_no_compound(lexicon):
    """"-ema" (a rare listed form) is no compound head: "korttidsverksamhetema" is "-verksamheterna"
    misread, not a word; everyday three-letter heads still are ("-hus", "-bil"). The cut that weighs a
    part's diacritic readings keeps rare parts: "verksamhets|mal" beside "-mål"."""
    assert not lexicon.split_compound("korttidsverksamhetema")
    assert lexicon.split_compound("förvaltningshus") == ("förvaltnings", "hus")
    assert lexicon.split_compound("kommunbil") == ("kommun", "bil")
    assert lexicon.compound_parts("verksamhetsmal") == ("verksamhets", "mal")


def test_unseen_trigrams_flag_implausible_spellings(lexicon):
    assert lexicon.unseen_trigrams("förvaltning") == 0
    assert lexicon.unseen_trigrams("forsdrjning") >= 1


def test_genre_terms_are_loaded_with_sources(lexicon):
    terms = read_genre_terms()
    assert 20 <= len(terms) <= 400
    assert all(t in lexicon.frequencies for t in terms)
    assert all(" " not in t for t in terms)


def test_a_load_reads_the_cache_instead_of_building_the_lexicon():
    """The cache `make setup` builds is what every process loads (its load time is measured by
    bench/eval_repair.py, not here)."""
    load_lexicon()  # built here if this checkout has no cache yet
    load_lexicon.cache_clear()
    with mock.patch("pipeline.lexicon.build_lexicon", side_effect=AssertionError("the lexicon was rebuilt")):
        lexicon = load_lexicon()
    assert "förslag" in lexicon.frequencies and lexicon.pairs.bigrams


def test_same_skeleton_answers_a_word_that_is_its_own_only_form(lexicon):
    # such skeletons are left out of the index; the answer is the same as if they were in it
    assert "kommunstyrelsen" not in lexicon.by_skeleton
    assert lexicon.same_skeleton("Kommunstyrelsen") == ("kommunstyrelsen",)
    assert lexicon.same_skeleton("kommunstyrelsen") == ("kommunstyrelsen",)
    assert lexicon.same_skeleton("xqzvkr") == ()
    assert lexicon.same_skeleton("1234") == ()  # never a listed word's skeleton: not letters


def test_dictionary_index_finds_every_key_and_nothing_else(lexicon):
    keys = lexicon.dictionary.keys
    for key in keys[:3] + keys[len(keys) // 2 : len(keys) // 2 + 3] + keys[-3:]:
        forms = lexicon.dictionary.get(key)
        assert forms and all(skeleton(form) == key for form in forms)
        assert lexicon.dictionary.get(key + "q") == ()  # sorts right after it, absent
    assert lexicon.dictionary.get("") == () and lexicon.dictionary.get("ööö") == ()
    assert len(lexicon.dictionary) > len(keys)  # a few skeletons have more than one form


def test_dictionary_holds_unlisted_inflections_with_diacritics(lexicon):
    # hunspell-sv's stems with their suffix rules applied; only forms no frequency list holds
    assert lexicon.in_dictionary("upplånas") and "upplånas" not in lexicon.frequencies
    assert "upplånas" in lexicon.dictionary.get("upplanas")
    assert not lexicon.in_dictionary("förslag")  # listed: a frequency, not a dictionary form
    assert not lexicon.in_dictionary("upplanas")  # no å/ä/ö/é: never a repair's target


def _answer_in_a_worker(path: Path) -> None:
    StoredAnswers(lambda: path).add("asked in a worker", True)


def test_stored_answers_merge_writers_and_replace_stale_files(tmp_path):
    """Two processes that learned different answers both keep them: a save merges what the file
    holds, writes through a temporary file, and removes the files of older keys."""
    path, stale = tmp_path / "answers-new.pickle", tmp_path / "answers-old.pickle"
    stale.write_bytes(b"")
    first, second = (StoredAnswers(lambda: path, stale="answers-*.pickle") for _ in range(2))
    first.add("a", "A")
    second.add("b", "B")  # both have read the file (none yet) before either writes
    first.save()
    second.save()
    assert StoredAnswers(lambda: path).load() == {"a": "A", "b": "B"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]


def test_a_pool_worker_writes_its_answers_when_it_ends(tmp_path):
    """`papers run` repairs in a process pool, whose workers end without atexit handlers."""
    path = tmp_path / "answers.pickle"
    with ProcessPoolExecutor(1) as pool:
        pool.submit(_answer_in_a_worker, path).result()
    assert StoredAnswers(lambda: path).load() == {"asked in a worker": True}


def test_stored_answers_stop_growing_at_their_limit(tmp_path):
    """Years of an archive's runs cannot grow the file (read by every process) without bound."""
    path = tmp_path / "answers.pickle"
    first = StoredAnswers(lambda: path, limit=2)
    for word in ("a", "b", "c"):
        first.add(word, True)
    first.save()
    assert len(StoredAnswers(lambda: path).load()) == 2
    assert first.load() == {"a": True, "b": True, "c": True}  # this process keeps what it learned


@pytest.mark.parametrize("form", ["ndring", "rets", "fr", "overgang", "sarskilt", "bocker", "aterkomma"])
def test_restorations_are_the_listed_forms_with_letters_put_back(lexicon, form):
    """The index answers what putting å/ä/ö back at every place finds in the word list."""
    floor, forms = 1e-6, {form}
    for letters, restored in enumerate(lexicon.restorations(floor, 2), 1):
        forms = {f[:i] + ch + f[i:] for f in forms for i in range(len(f) + 1) for ch in "åäö"}
        listed = {f for f in forms if lexicon.frequencies.get(f, 0.0) >= floor}
        assert set(restored.get(form, ())) == listed, letters


def test_part_prefixes_hold_every_beginning_of_a_part(lexicon):
    prefixes, parts = lexicon.part_prefixes(), lexicon.parts_by_skeleton()
    assert prefixes["forvaltning"] is True and prefixes["forvaltni"] is False
    assert all(prefixes[k[:n]] == (k[:n] in parts) for k in list(parts)[:2000] for n in range(3, len(k) + 1))
