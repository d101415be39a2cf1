"""Custom actions with the real domain, a Tracker built from a dict and a CollectingDispatcher."""
import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import (
    KNOWLEDGE_BASE,
    ActionAnswerMixedQuestion,
    ActionAnswerQuestion,
    ActionSearchKnowledgeBase,
    ActionTellMore,
)
from servers import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())


def tracker(intent="ask_link", text="", entities=(), slots=None, ranking=()) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "test",
            "slots": {"last_topic": None, "shown_entries": None, "crisis_active": False, **(slots or {})},
            "latest_message": {
                "text": text,
                "intent": {"name": intent, "confidence": 0.9},
                "entities": [{"entity": e, "value": v} for e, v in entities],
                "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
            },
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        }
    )


async def run(action, state):
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, state, DOMAIN)
    return dispatcher.messages, events


def test_actions_are_declared_in_the_domain():
    for action in (ActionAnswerQuestion(), ActionTellMore(), ActionSearchKnowledgeBase(), ActionAnswerMixedQuestion()):
        assert action.name() in DOMAIN["actions"]


async def test_answer_narrows_to_the_named_therapy_with_source_and_related_buttons():
    messages, events = await run(
        ActionAnswerQuestion(), tracker("ask_integrative_care", "does yoga help my neck", [("therapy", "yoga")])
    )
    entry = KNOWLEDGE_BASE.by_id["integrative-yoga"]
    assert messages[0]["text"].startswith(entry.text)
    assert "Source: article" in messages[0]["text"]
    assert [b["payload"] for b in messages[0]["buttons"]] == [f"/{t}" for t in entry.related]
    assert all(b["title"] for b in messages[0]["buttons"])
    assert events == [SlotSet("last_topic", "ask_integrative_care"), SlotSet("shown_entries", ["integrative-yoga"])]


async def test_answer_without_entity_gives_the_topic_overview():
    messages, _ = await run(ActionAnswerQuestion(), tracker("ask_link", "how are they related"))
    assert messages[0]["text"].startswith(KNOWLEDGE_BASE.overview("ask_link").text)


async def test_tell_me_more_gives_the_next_unseen_entry_on_the_last_topic():
    first, second = KNOWLEDGE_BASE.by_intent["ask_exercise"][:2]
    messages, events = await run(
        ActionTellMore(),
        tracker("tell_me_more", "more", slots={"last_topic": "ask_exercise", "shown_entries": [first.id]}),
    )
    assert messages[0]["text"].startswith(second.text)
    assert SlotSet("shown_entries", [first.id, second.id]) in events


async def test_tell_me_more_at_the_end_of_a_topic_offers_related_topics():
    topic = "ask_collaboration"
    shown = [e.id for e in KNOWLEDGE_BASE.by_intent[topic]]
    messages, events = await run(
        ActionTellMore(), tracker("tell_me_more", "more", slots={"last_topic": topic, "shown_entries": shown})
    )
    assert messages[0]["response"] == "utter_topic_done" and messages[0]["buttons"]
    assert "utter_topic_done" in DOMAIN["responses"]
    assert events == []


async def test_tell_me_more_with_no_topic_yet_explains_what_it_can_do():
    messages, _ = await run(ActionTellMore(), tracker("tell_me_more", "tell me more"))
    assert messages[0]["response"] == "utter_capabilities"


async def test_unsure_nlu_answers_from_search_when_confident():
    messages, events = await run(
        ActionSearchKnowledgeBase(), tracker("nlu_fallback", "is acupuncture better than fake needles")
    )
    assert messages[0]["text"].startswith(KNOWLEDGE_BASE.by_id["integrative-acupuncture"].text)
    assert SlotSet("last_topic", "ask_integrative_care") in events


async def test_unsure_nlu_declines_honestly_when_search_is_not_confident():
    messages, events = await run(ActionSearchKnowledgeBase(), tracker("nlu_fallback", "how do I fix my car"))
    assert [m["response"] for m in messages] == ["utter_cannot_answer"]
    assert DOMAIN["responses"]["utter_cannot_answer"][0]["buttons"]
    assert events == []


async def test_after_a_crisis_answers_keep_help_in_view():
    messages, _ = await run(
        ActionAnswerQuestion(), tracker("ask_mindfulness", "ok what about meditation", slots={"crisis_active": True})
    )
    assert messages[0]["response"] == "utter_crisis_reminder"
    assert "{main_crisis_line}" in DOMAIN["responses"]["utter_crisis_reminder"][0]["text"]
    assert messages[1]["text"].startswith(KNOWLEDGE_BASE.overview("ask_mindfulness").text)


async def test_ordinary_answers_carry_no_crisis_reminder():
    messages, _ = await run(ActionAnswerQuestion(), tracker("ask_mindfulness", "meditation?"))
    assert [m.get("response") for m in messages] == [None]


async def test_question_mixed_with_low_mood_is_answered_after_the_support_reply():
    messages, events = await run(
        ActionAnswerMixedQuestion(),
        tracker(
            "express_low_mood", "i feel so low and my neck is stiff, would walking help?", [("exercise", "low_impact")],
            ranking=[("express_low_mood", 0.6), ("ask_exercise", 0.3), ("greet", 0.1)],
        ),
    )
    assert messages[0]["text"].startswith(KNOWLEDGE_BASE.by_id["exercise-low-impact"].text)
    assert SlotSet("last_topic", "ask_exercise") in events


async def test_low_mood_without_a_confident_topic_adds_nothing():
    messages, events = await run(
        ActionAnswerMixedQuestion(),
        tracker("express_low_mood", "i feel so low", ranking=[("express_low_mood", 0.9), ("ask_exercise", 0.05)]),
    )
    assert messages == [] and events == []
