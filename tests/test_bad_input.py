"""Bad input over REST and socket.io gets a clear reply or a 4xx, never a 500, and the server keeps serving.

Runs against the real servers (the session `stack`), whose credentials.yml
registers channels/rest.py and channels/socketio.py.
"""
import asyncio
import json
import uuid

import pytest
import socketio

from channels.socketio import INVALID_PAYLOAD_REPLY, NO_SESSION_REPLY
from channels.validation import EMPTY_MESSAGE_REPLY, MAX_MESSAGE_CHARS, NOT_TEXT_REPLY
from servers import http, reply_text

LONG = "my neck hurts " * 1500  # 21,000 characters
ODD_BUT_VALID = {
    "emoji": "😢🙃 my neck hurts 👩‍⚕️ what helps?",
    "rtl": "\u202eمرحبا، رقبتي تؤلمني שלום",
    "zero-width inside": "does\u200b exercise\u200d help\ufeff neck pain?",
    "html and script": "<script>alert('x')</script><img src=x onerror=alert(1)> what is cbt?",
    "null bytes": "does\u0000 exercise help\u0000 neck pain?",
    "control characters": "\x07\x1b[31mdoes exercise help neck pain?\x1b[0m",
}
EMPTY = {"empty": "", "whitespace": " \n\t  ", "only invisible": "\u200b\u200d\ufeff\u202e\u0000"}


def webhook(stack):
    return f"{stack.url}/webhooks/rest/webhook"


def post(stack, body, content_type="application/json", query=""):
    return http("POST", webhook(stack) + query, body, headers={"Content-Type": content_type})


@pytest.mark.parametrize("name", sorted(ODD_BUT_VALID))
def test_rest_odd_but_valid_text_gets_an_answer(stack, name):
    status, replies = post(stack, {"sender": f"odd-{name}", "message": ODD_BUT_VALID[name]})
    assert status == 200, (status, replies)
    text = reply_text(replies)
    assert text.strip(), replies
    assert "<script" not in text and "onerror" not in text  # user input is never echoed


def test_rest_text_is_cleaned_before_nlu(stack):
    """Null bytes and invisible characters do not change what is understood."""
    clean = reply_text(stack.say("clean-a", "does exercise help neck pain?"))
    dirty = reply_text(stack.say("clean-b", "does\u0000 exercise\u200b help\ufeff neck pain?\u202e"))
    assert clean == dirty


@pytest.mark.parametrize("name", sorted(EMPTY))
def test_rest_empty_message_gets_a_clear_reply(stack, name):
    status, replies = post(stack, {"sender": f"empty-{name}", "message": EMPTY[name]})
    assert (status, replies) == (200, [{"recipient_id": f"empty-{name}", "text": EMPTY_MESSAGE_REPLY}])


def test_rest_too_long_message_is_refused_with_the_limit(stack):
    status, body = post(stack, {"sender": "long", "message": LONG})
    assert status == 413
    assert body["error"] == "message_too_long" and str(MAX_MESSAGE_CHARS) in body["message"]


BAD_REQUESTS = {
    "invalid json": (b'{"sender": "x", "message": ', "application/json", 400, "invalid_json"),
    "not utf-8": (b'{"sender": "x", "message": "\xff\xfe"}', "application/json", 400, "invalid_json"),
    "empty body": (b"", "application/json", 400, "invalid_json"),
    "json array": (b'["hello"]', "application/json", 400, "invalid_body"),
    "json string": (b'"hello"', "application/json", 400, "invalid_body"),
    "text/plain": (b'{"sender": "x", "message": "hi"}', "text/plain", 415, "unsupported_media_type"),
    "form": (b"sender=x&message=hi", "application/x-www-form-urlencoded", 415, "unsupported_media_type"),
    "no content type": (b'{"sender": "x", "message": "hi"}', "", 415, "unsupported_media_type"),
    "missing message": ({"sender": "x"}, "application/json", 400, "invalid_request"),
    "null message": ({"sender": "x", "message": None}, "application/json", 400, "invalid_request"),
    "number message": ({"sender": "x", "message": 42}, "application/json", 400, "invalid_request"),
    "list message": ({"sender": "x", "message": ["hi"]}, "application/json", 400, "invalid_request"),
    "object message": ({"sender": "x", "message": {"text": "hi"}}, "application/json", 400, "invalid_request"),
    "missing sender": ({"message": "hi"}, "application/json", 400, "invalid_request"),
    "number sender": ({"sender": 7, "message": "hi"}, "application/json", 400, "invalid_request"),
    "null byte sender": ({"sender": "a\u0000b", "message": "hi"}, "application/json", 400, "invalid_request"),
    "huge sender": ({"sender": "s" * 300, "message": "hi"}, "application/json", 400, "invalid_request"),
    "string metadata": ({"sender": "x", "message": "hi", "metadata": "x"}, "application/json", 400, "invalid_request"),
}


@pytest.mark.parametrize("name", sorted(BAD_REQUESTS))
def test_rest_bad_request_gets_a_4xx_that_says_what_is_wrong(stack, name):
    body, content_type, expected_status, code = BAD_REQUESTS[name]
    for query in ("", "?stream=true"):
        status, answer = post(stack, body, content_type, query)
        assert status == expected_status, (query, status, answer)
        assert answer["error"] == code and answer["message"], answer


def test_rest_server_keeps_serving_after_bad_input(stack):
    for body, content_type, _, _ in BAD_REQUESTS.values():
        post(stack, body, content_type)
    post(stack, {"sender": "after-long", "message": LONG})
    assert stack.rasa.popen.poll() is None
    assert "Source: article" in reply_text(stack.say("after-bad-input", "can neck pain cause depression?"))


# --- socket.io ---------------------------------------------------------------

async def sio_send(url, payload, *, with_session=True, timeout=90):
    """Connect like the web widget, send one user_uttered event; the first bot message."""
    client = socketio.AsyncClient(reconnection=False)
    replies: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Queue = asyncio.Queue()
    client.on("bot_uttered", replies.put)
    client.on("session_confirm", confirmed.put)
    await client.connect(url, transports=["polling"], wait_timeout=60)
    try:
        session_id = uuid.uuid4().hex
        if with_session:
            await client.emit("session_request", {"session_id": session_id})
            assert await asyncio.wait_for(confirmed.get(), timeout) == session_id
        if callable(payload):
            payload = payload(session_id)
        if payload is ...:
            await client.emit("user_uttered")
        else:
            await client.emit("user_uttered", payload)
        return await asyncio.wait_for(replies.get(), timeout)
    finally:
        # abort: a polling client would otherwise wait up to a ping interval
        # for its pending long-poll to end
        await client.eio.disconnect(abort=True)


SIO_BAD = {
    "string payload": (lambda s: "hello", INVALID_PAYLOAD_REPLY),
    "list payload": (lambda s: ["hello"], INVALID_PAYLOAD_REPLY),
    "no payload": (lambda s: ..., INVALID_PAYLOAD_REPLY),
    "missing message": (lambda s: {"session_id": s}, NOT_TEXT_REPLY),
    "number message": (lambda s: {"session_id": s, "message": 5}, NOT_TEXT_REPLY),
    "empty": (lambda s: {"session_id": s, "message": ""}, EMPTY_MESSAGE_REPLY),
    "whitespace and invisible": (lambda s: {"session_id": s, "message": " \u200b\n\u0000 "}, EMPTY_MESSAGE_REPLY),
    "invalid metadata": (lambda s: {"session_id": s, "message": "hi", "metadata": "{not json"}, INVALID_PAYLOAD_REPLY),
    "missing session id": (lambda s: {"message": "hi"}, NO_SESSION_REPLY),
    "number session id": (lambda s: {"session_id": 12, "message": "hi"}, NO_SESSION_REPLY),
}


@pytest.mark.parametrize("name", sorted(SIO_BAD))
async def test_socketio_bad_payload_gets_a_clear_bot_message(stack, name):
    payload, expected = SIO_BAD[name]
    assert await sio_send(stack.url, payload) == {"text": expected}


async def test_socketio_too_long_and_odd_messages(stack):
    reply = await sio_send(stack.url, lambda s: {"session_id": s, "message": LONG})
    assert "too long" in reply["text"] and str(MAX_MESSAGE_CHARS) in reply["text"]
    for text in ODD_BUT_VALID.values():
        reply = await sio_send(stack.url, lambda s: {"session_id": s, "message": text})
        assert reply.get("text", "").strip() and "<script" not in reply["text"], reply


async def test_socketio_server_keeps_serving_after_bad_payloads(stack):
    for payload, _ in SIO_BAD.values():
        await sio_send(stack.url, payload)
    reply = await sio_send(stack.url, lambda s: {"session_id": s, "message": "hello"})
    assert "depression and neck pain" in reply["text"]
    assert stack.rasa.popen.poll() is None


# --- logs --------------------------------------------------------------------

async def test_info_logs_never_contain_what_people_type(stack):
    marker = f"zqx{uuid.uuid4().hex[:10]}"
    messages = [f"my neck hurts {marker}", f"{marker}\u0000", f"<b>{marker}</b>"]
    for text in messages:
        stack.say(f"log-{marker}", text)
        await sio_send(stack.url, lambda s: {"session_id": s, "message": text})
    post(stack, {"sender": f"log-{marker}", "message": {"nested": marker}})
    post(stack, {"sender": f"log-{marker}", "message": marker * 2000})
    post(stack, json.dumps({"sender": f"log-{marker}", "message": marker})[:-3].encode())
    # one more ordinary round trip so the earlier lines are surely written
    stack.say(f"log-{marker}", "hello")
    for log in (stack.rasa.log_path, stack.actions.log_path):
        assert marker not in log.read_text(errors="replace"), f"{log.name} contains a user's text"
