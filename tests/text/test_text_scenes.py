from engine.text import MOODS, make_scenes
from engine.text.moods import scene_mood, story_mood
from engine.text.scenes import group_sentences

RU_STORY = [
    "Жил-был дракон, который боялся темноты.",
    "Каждый вечер дракон прятался в пещере и зажигал свечи.",
    "Однажды ночью ветер погасил все свечи, и дракону стало страшно.",
    "Тогда дракон решил найти свет.",
    "По дороге дракон встретил маленького светлячка.",
    "Светлячок показал ему волшебную поляну, где светились звёзды.",
    "Дракон засмеялся от радости и подружился со светлячком.",
    "С тех пор дракон больше не боялся ночи.",
]


def test_groups_are_consecutive_balanced_and_never_empty():
    groups = group_sentences(RU_STORY, 4)
    assert [s for g in groups for s in g] == RU_STORY
    assert len(groups) == 4 and all(groups)
    lengths = [sum(len(s) for s in g) for g in groups]
    assert max(lengths) < 2.2 * min(lengths)


def test_more_scenes_than_sentences_gives_one_sentence_each():
    groups = group_sentences(RU_STORY[:3], 8)
    assert groups == [[s] for s in RU_STORY[:3]]


def test_make_scenes_russian():
    scenes = make_scenes(RU_STORY, "ru", 6)
    assert [s.index for s in scenes] == list(range(6))
    assert " ".join(s.text for s in scenes) == " ".join(RU_STORY)
    for scene in scenes:
        assert scene.mood in MOODS
        assert scene.image_prompt and scene.keywords
    # the hero (most named noun) leads every image prompt that mentions it
    assert all(s.keywords[0] == "дракон" for s in scenes if "дракон" in s.text.lower())


def test_make_scenes_english():
    story = [
        "Once upon a time there was a little fox who lived in a cold forest.",
        "One day the fox found a shiny key under the snow.",
        "The fox walked to the old castle and opened the heavy door.",
        "Inside, the fox met a kind bear who was very lonely.",
        "The fox and the bear laughed and played together until morning.",
        "From that day on, the fox visited the castle every week.",
    ]
    scenes = make_scenes(story, "en", 6)
    assert len(scenes) == 6
    assert all(s.keywords[0] == "fox" for s in scenes)
    assert "shiny key" in scenes[1].image_prompt
    assert scenes[4].mood == "happy"


def test_mood_lexicon():
    assert scene_mood(["темнота", "страшный", "дракон"], "ru") == "scary"
    assert scene_mood(["дракон", "гора"], "ru", default="tense") == "tense"
    assert scene_mood(["victory", "brave", "hero"], "en") == "triumphant"
    assert story_mood(["calm", "scary", "scary", "happy"]) == "scary"
    assert story_mood([]) == "calm"
