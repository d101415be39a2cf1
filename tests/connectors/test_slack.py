"""Slack end to end: signed Events API payloads posted to the running server,
replies checked where they leave it, at Slack's Web API (chat.postMessage).

The payloads are the Events API's own shapes (https://api.slack.com/apis/events-api):
an event_callback envelope around a `message` (direct message) or an
`app_mention`, `url_verification`, and an interactivity `block_actions`
(a button click), signed as Slack signs them: `X-Slack-Signature` =
v0=HMAC-SHA256(signing secret, "v0:<timestamp>:<body>").
"""
import hashlib
import hmac
import json
import time
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

from actions.actions import KNOWLEDGE_BASE
from channels.validation import TOO_LONG_REPLY, MAX_MESSAGE_CHARS
from channel_settings import SLACK_SIGNING_SECRET, SLACK_TOKEN
from servers import http

BOT_USER = "U0FAQBOT01"
TEAM = "T0TEAM0001"


def signed_headers(body: bytes, secret: str = SLACK_SIGNING_SECRET, timestamp: Optional[int] = None,
                   content_type: str = "application/json") -> Dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"Content-Type": content_type, "X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def event_callback(event: Dict[str, Any]) -> bytes:
    now = time.time()
    event = {"ts": f"{now:.6f}", "event_ts": f"{now:.6f}", **event}
    return json.dumps({
        "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
        "team_id": TEAM,
        "api_app_id": "A0FAQAPP01",
        "event": event,
        "type": "event_callback",
        "event_id": f"Ev{int(now * 1000)}",
        "event_time": int(now),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER,
                            "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
    }).encode()


def direct_message(channel: str, user: str, text: str) -> bytes:
    return event_callback({"type": "message", "channel": channel, "user": user, "text": text,
                           "channel_type": "im", "client_msg_id": f"{channel}-{user}-msg"})


def post(channel_stack, body: bytes, headers: Dict[str, str]):
    return http("POST", f"{channel_stack.stack.url}/webhooks/slack/webhook", body, headers)


def replies_to(channel_stack, channel: str, count: int = 1) -> List[Dict[str, Any]]:
    calls = channel_stack.vendor.wait_for(
        lambda call: call.vendor == "slack" and call.method == "chat.postMessage" and call.body.get("channel") == channel,
        count,
    )
    for call in calls:  # every call is authenticated with the bot token, without the legacy as_user
        assert call.headers.get("Authorization") == f"Bearer {SLACK_TOKEN}"
        assert "as_user" not in call.body
    return [call.body for call in calls]


def shown_text(message: Dict[str, Any]) -> str:
    """The text a person sees: the section block's, else the message text."""
    for block in message.get("blocks") or []:
        if block["type"] == "section":
            return block["text"]["text"]
    return message["text"]


def buttons(message: Dict[str, Any]) -> List[Dict[str, Any]]:
    return [element for block in message.get("blocks") or [] if block["type"] == "actions" for element in block["elements"]]


def answered_topic(messages: List[Dict[str, Any]]) -> set:
    texts = "\n".join(shown_text(message) for message in messages)
    return {entry.intent for entry in KNOWLEDGE_BASE.entries if entry.text in texts}


def test_url_verification_is_answered_with_the_challenge(channel_stack):
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    body = json.dumps({"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": challenge, "type": "url_verification"}).encode()
    status, answer = post(channel_stack, body, signed_headers(body))
    assert (status, answer) == (200, {"challenge": challenge})
    # the same request unsigned gets no challenge back
    status, answer = post(channel_stack, body, {"Content-Type": "application/json"})
    assert status == 400 and challenge not in str(answer)


def test_direct_message_question_is_answered_through_the_web_api_with_buttons(channel_stack):
    body = direct_message("D0DMSLACK1", "U0ALEX0001", "How are depression and neck pain related?")
    status, _ = post(channel_stack, body, signed_headers(body))
    assert status == 200
    [reply] = replies_to(channel_stack, "D0DMSLACK1")
    assert answered_topic([reply]) == {"ask_link"}, shown_text(reply)
    assert "Source: article" in shown_text(reply)
    # the reply's buttons are the related topics, clickable in Slack
    related = buttons(reply)
    assert related and all(button["type"] == "button" and button["value"].startswith("/ask_") for button in related)
    assert {button["text"]["text"] for button in related} <= set(KNOWLEDGE_BASE.topic_titles.values())


def test_button_click_sends_its_payload_and_gets_the_follow_up(channel_stack):
    payload = {
        "type": "block_actions",
        "user": {"id": "U0ALEX0002", "username": "alex", "team_id": TEAM},
        "api_app_id": "A0FAQAPP01",
        "token": "Jhj5dZrVaK7ZwHHjRyZWjbDl",
        "container": {"type": "message", "message_ts": "1700000000.000200", "channel_id": "D0DMSLACK2", "is_ephemeral": False},
        "trigger_id": "1234567890.123456789.abcdef",
        "team": {"id": TEAM, "domain": "faq-test"},
        "channel": {"id": "D0DMSLACK2", "name": "directmessage"},
        "message": {"type": "message", "ts": "1700000000.000200", "bot_id": "B0FAKEBOT", "text": "..."},
        "response_url": "https://hooks.slack.com/actions/T0TEAM0001/1/abc",
        "actions": [{"action_id": "a1", "block_id": "b1", "type": "button", "value": "/ask_treatment_options",
                     "text": {"type": "plain_text", "text": "Treatment options", "emoji": True},
                     "action_ts": "1700000001.000300"}],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    status, _ = post(channel_stack, body, signed_headers(body, content_type="application/x-www-form-urlencoded"))
    assert status == 200
    replies = replies_to(channel_stack, "D0DMSLACK2")
    assert answered_topic(replies) == {"ask_treatment_options"}, [shown_text(r) for r in replies]


def test_app_mention_in_a_channel_is_answered_in_that_channel(channel_stack):
    body = event_callback({"type": "app_mention", "channel": "C0GENERAL1", "user": "U0SAM00001",
                           "text": f"<@{BOT_USER}> Can lifestyle changes help relieve depression and neck pain?"})
    status, _ = post(channel_stack, body, signed_headers(body))
    assert status == 200
    replies = replies_to(channel_stack, "C0GENERAL1")
    assert answered_topic(replies) == {"ask_lifestyle"}, [shown_text(r) for r in replies]


def test_crisis_message_gets_the_crisis_lines_escaped_for_slack(channel_stack):
    body = direct_message("D0DMSLACK3", "U0ALEX0003", "I want to kill myself")
    status, _ = post(channel_stack, body, signed_headers(body))
    assert status == 200
    replies = replies_to(channel_stack, "D0DMSLACK3", count=2)
    texts = [reply["text"] for reply in replies]
    # "988 Suicide & Crisis Lifeline": `&`, `<` and `>` reach Slack escaped,
    # so no reply can form a link, a mention or an @channel
    assert any("988 Suicide &amp; Crisis Lifeline" in text for text in texts), texts
    assert not any(("&" in text.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "")) or "<" in text
                   for text in texts), texts


def test_over_long_message_gets_a_reply_saying_so(channel_stack):
    text = "neck " * (MAX_MESSAGE_CHARS // 4)
    body = direct_message("D0DMSLACK4", "U0ALEX0004", text)
    status, _ = post(channel_stack, body, signed_headers(body))
    assert status == 200
    [reply] = replies_to(channel_stack, "D0DMSLACK4")
    assert reply["text"] == TOO_LONG_REPLY.format(length=len(text.strip()), limit=MAX_MESSAGE_CHARS)


def test_unsigned_wrongly_signed_and_stale_requests_are_rejected(channel_stack):
    question = "What are the treatment options for depression-related neck pain?"
    unsigned = direct_message("D0REJECT01", "U0MALLORY1", question)
    wrong = direct_message("D0REJECT02", "U0MALLORY1", question)
    stale = direct_message("D0REJECT03", "U0MALLORY1", question)
    six_minutes_ago = int(time.time()) - 6 * 60
    attempts = [
        (unsigned, {"Content-Type": "application/json"}),
        (wrong, signed_headers(wrong, secret="not-the-signing-secret")),
        (stale, signed_headers(stale, timestamp=six_minutes_ago)),
        # a valid signature of another body
        (direct_message("D0REJECT04", "U0MALLORY1", question), signed_headers(unsigned)),
    ]
    for body, headers in attempts:
        status, answer = post(channel_stack, body, headers)
        assert status == 400, (headers, status, answer)
    # a genuine message sent after them is answered; none of them ever is
    genuine = direct_message("D0GENUINE1", "U0ALEX0005", question)
    assert post(channel_stack, genuine, signed_headers(genuine))[0] == 200
    replies_to(channel_stack, "D0GENUINE1")
    rejected = {"D0REJECT01", "D0REJECT02", "D0REJECT03", "D0REJECT04"}
    assert not channel_stack.vendor.matching(lambda call: call.body.get("channel") in rejected)
