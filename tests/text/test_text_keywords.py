from engine.text.keywords import extract_keywords, image_prompt


def test_russian_pos_filter_lemmatises_nouns_and_agrees_adjectives():
    kws = extract_keywords(
        "Дракон летел над тёмным лесом к старой башне, где спала принцесса.", "ru", {"дракон"}
    )
    lemmas = [k.lemma for k in kws]
    assert lemmas[0] == "дракон"  # the hero first
    assert {"лес", "башня", "принцесса"} <= set(lemmas)
    assert "летел" not in lemmas and "над" not in lemmas  # verbs and prepositions go
    prompt = image_prompt(kws)
    assert "тёмный лес" in prompt and "старая башня" in prompt  # adjective agreed with its noun, nominative


def test_russian_subjects_and_living_things_rank_before_objects():
    kws = extract_keywords("Кот увидел большую рыбу в пруду.", "ru")
    assert [k.lemma for k in kws][:3] == ["кот", "рыба", "пруд"]


def test_russian_stopwords_and_duplicates_are_dropped():
    kws = extract_keywords("Однажды дракон подумал, что каждый день дракон видит то же самое время.", "ru")
    lemmas = [k.lemma for k in kws]
    assert lemmas.count("дракон") == 1
    assert "день" not in lemmas and "время" not in lemmas


def test_english_pos_filter():
    kws = extract_keywords(
        "The brave knight rode past the dark forest and saw a golden dragon.", "en", {"dragon"}
    )
    lemmas = [k.lemma for k in kws]
    assert lemmas[0] == "dragon"
    assert {"knight", "forest"} <= set(lemmas)
    assert "rode" not in lemmas and "saw" not in lemmas and "see" not in lemmas
    prompt = image_prompt(kws)
    assert "golden dragon" in prompt and "dark forest" in prompt and "brave knight" in prompt


def test_english_plural_nouns_are_lemmatised():
    kws = extract_keywords("Two mice found some shiny stones near the rivers.", "en")
    assert {"mouse", "stone", "river"} <= {k.lemma for k in kws}


def test_an_english_noun_compound_names_its_head_as_the_hero():
    from engine.text.premise import find_hero

    keeper = find_hero("A lighthouse keeper finds a talking seagull.", "en")
    assert keeper is not None and keeper.lemma == "keeper" and keeper.name == "the lighthouse keeper"
    officer = find_hero("The police officer found a dog.", "en")
    assert officer is not None and officer.lemma == "officer"
    knight = find_hero("A brave knight must save the princess.", "en")
    assert knight is not None and knight.name == "the knight"
