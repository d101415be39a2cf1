"""Unit tests of the rule-based safety net and the SafetyNet NLU component."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from assistant.safety import PHRASES_FILE, SafetyNet, SafetyRules, decide, edit_distance

SPEC = {
    "fuzzy_words": {"suicidal": 2},
    "exceptions": ["dying to know", "could kill for"],
    "categories": [
        {"name": "suicide", "intent": "safety_suicide", "priority": 1,
         "phrases": ["kill myself", "suicidal", "kms"],
         "patterns": [[{"LEMMA": "want"}, {"LOWER": "to"}, {"LEMMA": "die"}]]},
        {"name": "low_mood", "intent": "express_low_mood", "priority": 5, "phrases": ["feel hopeless"]},
    ],
}
INTENTS = {"safety_suicide": 1, "express_low_mood": 5}


@pytest.fixture(scope="module")
def rules():
    return SafetyRules(SPEC)


def categories(rules, text):
    return [m.category for m in rules.matches(text)]


@pytest.mark.parametrize(
    "text",
    ["I want to kill myself", "KILL MYSELF", "been thinking about killing myself", "i just wanted to die",
     "i feel sucidal", "feeling suicdal tonight", "kms"],
)
def test_rules_fire_on_case_lemma_pattern_and_misspelling(rules, text):
    assert categories(rules, text)[0] == "suicide"


@pytest.mark.parametrize("text", ["I'm dying to know if yoga helps", "I could kill for a massage", "what is CBT?", ""])
def test_rules_hold_figures_of_speech_and_ordinary_questions(rules, text):
    assert categories(rules, text) == []


def test_most_urgent_category_comes_first_and_words_are_reported(rules):
    found = rules.matches("I feel hopeless and I want to kill myself")
    assert [m.category for m in found][0] == "suicide" and "low_mood" in {m.category for m in found}
    assert found[0].words.lower() == "kill myself" and "kill myself" in found[0].rule


def test_fuzzy_matching_leaves_short_and_distant_words_alone(rules):
    assert edit_distance("sucidal", "suicidal") == 1
    assert categories(rules, "the sudoku was fun") == []


def test_decide_lets_the_classifier_fire_on_its_own():
    ranking = [{"name": "nlu_fallback", "confidence": 1.0}, {"name": "safety_suicide", "confidence": 0.2},
               {"name": "ask_link", "confidence": 0.1}]
    decision = decide([], ranking, INTENTS, threshold=0.3)
    assert decision["intent"] == "safety_suicide" and decision["detected_by"] == ["classifier"]


def test_decide_fires_on_a_safety_intent_ranked_below_the_top_above_threshold():
    ranking = [{"name": "ask_psychological_therapy", "confidence": 0.55}, {"name": "safety_suicide", "confidence": 0.4}]
    assert decide([], ranking, INTENTS, threshold=0.3)["intent"] == "safety_suicide"
    assert decide([], ranking, INTENTS, threshold=0.5) is None


def test_decide_prefers_the_most_urgent_of_rules_and_classifier(rules):
    ranking = [{"name": "express_low_mood", "confidence": 0.9}]
    decision = decide(rules.matches("i want to die"), ranking, INTENTS, threshold=0.3)
    assert decision["intent"] == "safety_suicide"
    assert decision["detected_by"] == ["rules", "classifier"]
    assert decision["rules"][0]["words"] == "want to die"


def test_decide_returns_none_when_nothing_fires(rules):
    assert decide(rules.matches("what is cbt"), [{"name": "ask_psychological_therapy", "confidence": 0.9}],
                  INTENTS, threshold=0.3) is None


def make_message(text, intent, ranking):
    message = Message.build(text=text)
    message.set("intent", {"name": intent, "confidence": ranking[0][1]}, add_to_output=True)
    message.set("intent_ranking", [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
    return message


@pytest.fixture(scope="module")
def real_rules():
    return SafetyRules.from_file(PHRASES_FILE)


@pytest.fixture(scope="module")
def component():
    return SafetyNet({**SafetyNet.get_default_config()})


def test_component_overrides_a_confident_faq_intent_and_records_why(component):
    message = make_message(
        "what is CBT? also I've been thinking of ending it", "ask_psychological_therapy",
        [("ask_psychological_therapy", 0.97), ("safety_suicide", 0.02)],
    )
    component.process([message])
    output = message.as_dict(only_output_properties=True)
    assert output["intent"] == {"name": "safety_suicide", "confidence": 1.0}
    assert output["safety"]["detected_by"] == ["rules"] and output["safety"]["rules"]


def test_component_rescues_a_crisis_message_from_the_fallback(component):
    message = make_message("i dont see the point anymore", "nlu_fallback",
                           [("nlu_fallback", 0.5), ("safety_suicide", 0.35), ("express_low_mood", 0.3)])
    component.process([message])
    assert message.get("intent")["name"] == "safety_suicide"


def test_component_leaves_ordinary_questions_alone(component):
    message = make_message("does yoga help neck pain", "ask_integrative_care", [("ask_integrative_care", 0.95)])
    component.process([message])
    assert message.get("intent")["name"] == "ask_integrative_care" and message.get("safety") is None


@pytest.mark.parametrize(
    "text, category",
    [
        ("I want to kill myself", "suicide"),
        ("everyone would be better off without me", "suicide"),
        ("I wish I could sleep and not wake up", "suicide"),
        ("im sucidal", "suicide"),
        ("thinking about how to unalive myself", "suicide"),
        ("kms", "suicide"),
        ("what is CBT? also I've been thinking of ending it", "suicide"),
        ("my partner hits me", "abuse"),
        ("I have chest pain spreading to my neck and jaw", "medical_emergency"),
        ("fever and a really stiff neck and the light hurts my eyes", "medical_emergency"),
        ("my neck hurts after a car crash this morning", "medical_emergency"),
        ("numbness and weakness in both arms", "urgent_care"),
        ("I lost control of my bladder and my neck hurts", "urgent_care"),
        ("how much ibuprofen can I take", "medical_advice"),
        ("I feel hopeless about this pain", "low_mood"),
    ],
)
def test_the_real_phrase_file_catches_the_issue_examples(real_rules, text, category):
    assert real_rules.matches(text)[0].category == category


@pytest.mark.parametrize(
    "text",
    ["I'm dying to know if yoga helps", "I could kill for a massage", "does depression cause neck pain?",
     "what exercises help a stiff neck", "is the PHQ-9 free to use", "what is mindfulness"],
)
def test_the_real_phrase_file_holds_hyperbole_and_faq(real_rules, text):
    assert real_rules.matches(text) == []
