"""Retrieval ranking: which entry answers which question."""
import pytest

from assistant.knowledge_base import SEARCH_THRESHOLD, KnowledgeBase


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


@pytest.mark.parametrize(
    "intent, values, text, expected",
    [
        ("ask_integrative_care", [], "what is integrative care", "integrative-care-overview"),
        ("ask_integrative_care", ["yoga"], "does yoga help", "integrative-yoga"),
        ("ask_integrative_care", ["acupuncture"], "is acupuncture worth it", "integrative-acupuncture"),
        ("ask_psychological_therapy", ["cbt"], "what is cbt", "psych-therapy-cbt"),
        ("ask_physical_therapy", ["heat_cold"], "ice or heat?", "physical-therapy-heat-cold"),
        ("ask_diagnosis", ["questionnaire"], "what is the phq-9", "diagnosis-questionnaire-phq9"),
        ("ask_diagnosis", ["questionnaire"], "what's the beck depression inventory", "diagnosis-questionnaire-bdi"),
        ("ask_diagnosis", ["imaging"], "do I need an MRI", "diagnosis-imaging"),
        # an entity outside the topic still finds its entry elsewhere
        ("ask_exercise", ["meditation"], "is meditation exercise", "mindfulness-meditation"),
    ],
)
def test_answer_picks_the_entry_about_the_named_thing(kb, intent, values, text, expected):
    assert kb.answer(intent, values, text).id == expected


def test_overview_is_the_first_entry_and_has_no_entity(kb):
    for intent in kb.topic_titles:
        assert kb.answer(intent).id == kb.by_intent[intent][0].id
        assert kb.by_intent[intent][0].entities == ()


def test_tell_me_more_walks_the_topic_in_order(kb):
    shown = []
    while (entry := kb.next_entry("ask_exercise", shown)) is not None:
        shown.append(entry.id)
    assert shown == [e.id for e in kb.by_intent["ask_exercise"]]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("is acupuncture better than fake needles", "integrative-acupuncture"),
        ("how long should I meditate each day", "mindfulness-meditation"),
        ("can my GP talk to my therapist", "collaboration-in-practice"),
        ("is it true neck pain raises depression risk by 60%", "neck-pain-depression-risk-evidence"),
        ("stretches and pilates for a stiff neck", "exercise-stretching"),
    ],
)
def test_search_ranks_the_matching_entry_first_above_threshold(kb, text, expected):
    score, entry = kb.search(text, limit=1)[0]
    assert entry.id == expected and score >= SEARCH_THRESHOLD


@pytest.mark.parametrize("text", ["how do I fix my car", "what's the weather in Paris", "who won the football", ""])
def test_search_declines_unrelated_text(kb, text):
    assert kb.search(text, limit=1)[0][0] < SEARCH_THRESHOLD


def test_search_matches_word_forms_through_lemmas(kb):
    assert kb.score("stretches", kb.by_id["exercise-stretching"]) == kb.score("stretching", kb.by_id["exercise-stretching"]) > 0
