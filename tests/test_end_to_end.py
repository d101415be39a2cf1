"""The real servers answer the article's questions over the REST webhook."""
import pytest

from actions.actions import KNOWLEDGE_BASE
from servers import reply_text

ARTICLE_FAQ = [
    ("How are depression and neck pain related?", "ask_link"),
    ("Can neck pain cause depression?", "ask_neck_pain_causes_depression"),
    ("How can depression lead to neck pain?", "ask_depression_causes_neck_pain"),
    ("What diagnostic methods are used for identifying depression and neck pain?", "ask_diagnosis"),
    ("What are the treatment options for depression-related neck pain?", "ask_treatment_options"),
    ("Can lifestyle changes help relieve depression and neck pain?", "ask_lifestyle"),
    ("What is an integrative treatment approach for these conditions?", "ask_integrative_care"),
    ("Why is collaboration between healthcare professionals important for treating these conditions?", "ask_collaboration"),
]

TOPIC_QUESTIONS = [
    ("what are the symptoms when depression and neck pain go together", "ask_symptoms"),
    ("does cbt actually help with depression", "psych-therapy-cbt"),
    ("would a massage help my neck", "physical-therapy-massage"),
    ("i've had a stiff neck for months and feel low, would walking help?", "exercise-low-impact"),
    ("how many minutes of exercise a week should i aim for", "ask_exercise"),
    ("any tips on breathing exercises to relax", "mindfulness-breathing"),
    ("is acupuncture any good for neck pain", "integrative-acupuncture"),
    ("will they do an mri of my neck?", "diagnosis-imaging"),
]


def entry_ids(replies):
    text = reply_text(replies)
    return {entry.id for entry in KNOWLEDGE_BASE.entries if entry.text in text}


@pytest.mark.parametrize("question, topic", ARTICLE_FAQ)
def test_article_faq_question_gets_its_topic_answer_with_source(stack, question, topic):
    replies = stack.say(f"faq-{topic}", question)
    ids = entry_ids(replies)
    assert ids and all(KNOWLEDGE_BASE.by_id[i].intent == topic for i in ids), reply_text(replies)
    assert "Source: article" in reply_text(replies)


@pytest.mark.parametrize("question, expected", TOPIC_QUESTIONS)
def test_topic_questions_typed_casually_get_the_right_snippet(stack, question, expected):
    replies = stack.say(f"topic-{expected}", question)
    ids = entry_ids(replies)
    if expected.startswith("ask_"):
        assert ids and all(KNOWLEDGE_BASE.by_id[i].intent == expected for i in ids), reply_text(replies)
    else:
        assert ids == {expected}, reply_text(replies)


def test_tell_me_more_continues_the_topic_and_buttons_offer_related_topics(stack):
    first = stack.say("more-1", "how can exercise help with neck pain and low mood?")
    more = stack.say("more-1", "tell me more")
    shown = entry_ids(first) | entry_ids(more)
    assert len(shown) == 2 and {KNOWLEDGE_BASE.by_id[i].intent for i in shown} == {"ask_exercise"}
    buttons = [b for r in more for b in r.get("buttons", [])]
    assert buttons and all(b["payload"].startswith("/ask_") for b in buttons)
    # clicking a button sends its payload
    clicked = stack.say("more-1", buttons[0]["payload"])
    assert entry_ids(clicked)


def test_greeting_says_what_it_can_do_and_that_it_is_not_medical_advice(stack):
    text = reply_text(stack.say("greet-1", "hello"))
    assert "depression and neck pain" in text and "isn't medical advice" in text


def test_unrelated_question_gets_an_honest_no_with_topics(stack):
    replies = stack.say("oos-1", "what's the best recipe for lasagne?")
    assert "can't answer" in reply_text(replies) or "not sure" in reply_text(replies)
    assert not entry_ids(replies)
    assert any(r.get("buttons") for r in replies)


def test_bot_challenge_says_it_is_not_a_person(stack):
    assert "not a person" in reply_text(stack.say("human-1", "am I talking to a human?"))
