"""Custom actions: thin wrappers that answer from the curated knowledge base.

The knowledge base is loaded and validated once, when the action server
imports this module: a malformed entry stops start-up with file and field.
Retrieval lives in assistant/knowledge_base.py; safety replies are domain
responses on rules (data/rules/safety.yml), not actions.
"""
from typing import Any, Dict, List, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from assistant.knowledge_base import SEARCH_THRESHOLD, Entry, KnowledgeBase

KNOWLEDGE_BASE = KnowledgeBase.load()
ENTITY_TYPES = {"therapy", "exercise", "test", "technique"}
# A topic ranked at least this high beside a low-mood or medical-advice
# intent is answered too (see ActionAnswerMixedQuestion).
MIXED_QUESTION_CONFIDENCE = 0.2


def named_entity_values(tracker: Tracker) -> List[Text]:
    """Canonical values of the entities in the latest message."""
    return [
        str(entity["value"])
        for entity in tracker.latest_message.get("entities", [])
        if entity.get("entity") in ENTITY_TYPES
    ]


def topic_buttons(topics: List[Text]) -> List[Dict[Text, Text]]:
    return [
        {"title": KNOWLEDGE_BASE.topic_titles[topic], "payload": f"/{topic}"}
        for topic in topics
    ]


def send_entry(dispatcher: CollectingDispatcher, tracker: Tracker, entry: Entry) -> List[EventType]:
    """Utter an entry with its source and related topics; remember what was shown."""
    if tracker.get_slot("crisis_active"):
        dispatcher.utter_message(response="utter_crisis_reminder")
    dispatcher.utter_message(
        text=f"{entry.text}\n\n({entry.source_note})",
        buttons=topic_buttons(list(entry.related)),
    )
    same_topic = tracker.get_slot("last_topic") == entry.intent
    shown = list(tracker.get_slot("shown_entries") or []) if same_topic else []
    return [SlotSet("last_topic", entry.intent), SlotSet("shown_entries", shown + [entry.id])]


class ActionAnswerQuestion(Action):
    """Answers a topic intent, narrowed by a named therapy, exercise or test."""

    def name(self) -> Text:
        return "action_answer_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        entry = KNOWLEDGE_BASE.answer(
            intent, named_entity_values(tracker), tracker.latest_message.get("text") or ""
        )
        if entry is None:
            dispatcher.utter_message(response="utter_cannot_answer")
            return []
        return send_entry(dispatcher, tracker, entry)


class ActionTellMore(Action):
    """Gives the next snippet on the last topic, or offers related topics."""

    def name(self) -> Text:
        return "action_tell_more"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        topic = tracker.get_slot("last_topic")
        if not topic:
            dispatcher.utter_message(response="utter_capabilities")
            return []
        entry = KNOWLEDGE_BASE.next_entry(topic, tracker.get_slot("shown_entries") or [])
        if entry is None:
            related = KNOWLEDGE_BASE.overview(topic).related
            dispatcher.utter_message(response="utter_topic_done", buttons=topic_buttons(list(related)))
            return []
        return send_entry(dispatcher, tracker, entry)


class ActionAnswerMixedQuestion(Action):
    """After a low-mood or medical-advice reply, still answers a topic question
    asked in the same message ("I feel low, would walking help?"), when the
    classifier ranked a topic confidently enough. Safety replies come first and
    do not depend on this action."""

    def name(self) -> Text:
        return "action_answer_mixed_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        topic = next(
            (
                ranked["name"]
                for ranked in tracker.latest_message.get("intent_ranking", [])
                if ranked["name"] in KNOWLEDGE_BASE.topic_titles
                and ranked.get("confidence", 0.0) >= MIXED_QUESTION_CONFIDENCE
            ),
            None,
        )
        if topic is None:
            return []
        entry = KNOWLEDGE_BASE.answer(topic, named_entity_values(tracker), tracker.latest_message.get("text") or "")
        return send_entry(dispatcher, tracker, entry)


class ActionSearchKnowledgeBase(Action):
    """When NLU is unsure: answer from a KB text search, only when it is confident."""

    def name(self) -> Text:
        return "action_search_knowledge_base"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        results = KNOWLEDGE_BASE.search(tracker.latest_message.get("text") or "", limit=1)
        if results and results[0][0] >= SEARCH_THRESHOLD:
            return send_entry(dispatcher, tracker, results[0][1])
        dispatcher.utter_message(response="utter_cannot_answer")
        return []
