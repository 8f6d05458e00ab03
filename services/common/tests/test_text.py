from services.common.text import fold, keywords, words


def test_fold_removes_case_accents_ligatures_and_punctuation():
    assert fold("Tiers-Lieu de l'Écluse") == "tiers lieu de l ecluse"
    assert fold("Œuvre  ÇA") == "oeuvre ca"


def test_words_drop_stop_words_and_repeats():
    assert words("La Maison de la Maison") == ["maison"]


def test_keywords_hold_each_word_and_its_prefixes_from_three_letters():
    found = keywords(["Atelier", None, "Mende"])
    assert {"ate", "atel", "atelier", "men", "mende"} <= set(found)
    assert "at" not in found and "mend" in found
    assert found == sorted(found)


def test_a_short_word_is_kept_whole():
    assert keywords(["Bô"]) == ["bo"]
