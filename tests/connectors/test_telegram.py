"""Telegram end to end: Bot API Updates posted to the running server, replies
checked where they leave it, at the Bot API (sendMessage).

The payloads are Telegram's Update objects (https://core.telegram.org/bots/api#update):
a `message`, and a `callback_query` (a press on an inline-keyboard button),
sent with the `X-Telegram-Bot-Api-Secret-Token` header that Telegram adds
once the webhook is registered with a secret.
"""
import json
import subprocess
import time
from itertools import count
from typing import Any, Dict, List

from actions.actions import KNOWLEDGE_BASE
from channel_settings import TELEGRAM_SECRET, TELEGRAM_TOKEN
from channels.validation import NOT_TEXT_REPLY
from servers import BIN, ROOT, http
from vendor_api import VendorAPI

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
_update_ids = count(700000001)


def user(chat_id: int) -> Dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": "Alex", "language_code": "en"}


def chat(chat_id: int) -> Dict[str, Any]:
    return {"id": chat_id, "first_name": "Alex", "type": "private"}


def message_update(chat_id: int, text: str) -> Dict[str, Any]:
    update_id = next(_update_ids)
    return {"update_id": update_id, "message": {
        "message_id": update_id % 100000, "from": user(chat_id), "chat": chat(chat_id), "date": int(time.time()),
        "text": text, **({"entities": [{"offset": 0, "length": len(text), "type": "bot_command"}]}
                         if text.startswith("/") else {}),
    }}


def button_update(chat_id: int, shown: Dict[str, Any], data: str) -> Dict[str, Any]:
    """The Update Telegram sends when the button with `data` under the bot's message `shown` is pressed."""
    update_id = next(_update_ids)
    return {"update_id": update_id, "callback_query": {
        "id": f"43820{update_id}",
        "from": user(chat_id),
        "message": {
            "message_id": 9000 + update_id % 1000, "date": int(time.time()), "chat": chat(chat_id),
            "from": {"id": 123456789, "is_bot": True, "first_name": "FAQ assistant", "username": "faq_test_bot"},
            "text": shown["text"], "reply_markup": json.loads(shown["reply_markup"]),
        },
        "chat_instance": "-6428915247181543911",
        "data": data,
    }}


def post(channel_stack, update: Dict[str, Any], secret: str = TELEGRAM_SECRET):
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    return http("POST", f"{channel_stack.stack.url}/webhooks/telegram/webhook", update, headers)


def sent_to(channel_stack, chat_id: int, count_: int = 1) -> List[Dict[str, Any]]:
    calls = channel_stack.vendor.wait_for(
        lambda call: call.vendor == "telegram" and call.method == "sendMessage" and call.body.get("chat_id") == str(chat_id),
        count_,
    )
    assert all(call.token == TELEGRAM_TOKEN for call in calls)
    return [call.body for call in calls]


def keyboard(message: Dict[str, Any]) -> List[List[Dict[str, Any]]]:
    return json.loads(message["reply_markup"])["inline_keyboard"] if "reply_markup" in message else []


def topics(messages: List[Dict[str, Any]]) -> set:
    texts = "\n".join(message["text"] for message in messages)
    return {entry.intent for entry in KNOWLEDGE_BASE.entries if entry.text in texts}


def test_question_is_answered_with_an_inline_keyboard_and_a_button_press_gets_the_follow_up(channel_stack):
    status, answer = post(channel_stack, message_update(5550001, "How are depression and neck pain related?"))
    assert (status, answer) == (200, "success")
    [reply] = sent_to(channel_stack, 5550001)
    assert topics([reply]) == {"ask_link"}, reply["text"]
    assert "Source: article" in reply["text"]
    rows = keyboard(reply)
    # an inline keyboard, one button a row, each sending its topic's payload
    assert rows and all(len(row) == 1 for row in rows)
    assert all(row[0]["callback_data"].startswith("/ask_") for row in rows)
    assert {row[0]["text"] for row in rows} <= set(KNOWLEDGE_BASE.topic_titles.values())

    pressed = rows[0][0]["callback_data"]
    press = button_update(5550001, reply, pressed)
    assert post(channel_stack, press)[0] == 200
    # the press is acknowledged (Telegram stops the button's spinner) ...
    channel_stack.vendor.wait_for(lambda call: call.method == "answerCallbackQuery"
                                  and call.body.get("callback_query_id") == press["callback_query"]["id"])
    # ... and answered with the pressed topic
    follow_up = sent_to(channel_stack, 5550001, 2)[1:]
    assert topics(follow_up) == {pressed[1:]}, [m["text"] for m in follow_up]


def test_start_command_gets_the_greeting_with_topic_buttons(channel_stack):
    assert post(channel_stack, message_update(5550002, "/start"))[0] == 200
    [greeting] = sent_to(channel_stack, 5550002)
    assert "depression and neck pain" in greeting["text"] and "isn't medical advice" in greeting["text"]
    rows = keyboard(greeting)
    assert rows and all(len(row) == 1 and row[0]["callback_data"].startswith("/ask_") for row in rows)


def test_a_sticker_gets_a_reply_that_only_text_is_read(channel_stack):
    update = message_update(5550003, "x")
    del update["message"]["text"]
    update["message"]["sticker"] = {"file_id": "CAACAgIAAxkBAAIBQ2", "file_unique_id": "AgADQw", "type": "regular",
                                    "width": 512, "height": 512, "is_animated": False, "is_video": False}
    assert post(channel_stack, update)[0] == 200
    [reply] = sent_to(channel_stack, 5550003)
    assert reply["text"] == NOT_TEXT_REPLY


def test_updates_without_the_secret_token_are_refused(channel_stack):
    question = "What are the treatment options for depression-related neck pain?"
    assert post(channel_stack, message_update(5550101, question), secret=None)[0] == 403
    assert post(channel_stack, message_update(5550102, question), secret="wrong-secret")[0] == 403
    # a genuine update after them is answered; they never are
    assert post(channel_stack, message_update(5550103, question))[0] == 200
    assert topics(sent_to(channel_stack, 5550103)) == {"ask_treatment_options"}
    assert not channel_stack.vendor.matching(lambda call: call.body.get("chat_id") in ("5550101", "5550102"))


def test_the_server_never_calls_setwebhook_or_getme(channel_stack):
    # Rasa's connector calls setWebhook while starting and getMe on every
    # update, which fails offline. Ours registers the webhook on demand only.
    assert post(channel_stack, message_update(5550201, "hello"))[0] == 200
    sent_to(channel_stack, 5550201)
    assert not channel_stack.vendor.matching(lambda call: call.vendor == "telegram"
                                             and call.method in ("setWebhook", "getMe", "deleteWebhook"))


def test_set_webhook_command_registers_the_url_and_the_secret():
    api = VendorAPI().start()
    try:
        env = {
            "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
            "TELEGRAM_WEBHOOK_URL": "https://faq.example.org/webhooks/telegram/webhook",
            "TELEGRAM_API_URL": api.telegram_url,
        }
        result = subprocess.run([str(BIN / "python"), "-m", "channels.telegram", "set-webhook"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
        [call] = api.matching(lambda call: call.method == "setWebhook")
        assert call.token == TELEGRAM_TOKEN
        assert call.body["url"] == "https://faq.example.org/webhooks/telegram/webhook"
        assert call.body["secret_token"] == TELEGRAM_SECRET
        assert json.loads(call.body["allowed_updates"]) == ["message", "edited_message", "callback_query"]

        del env["TELEGRAM_WEBHOOK_URL"]
        result = subprocess.run([str(BIN / "python"), "-m", "channels.telegram", "set-webhook"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=300)
        assert result.returncode != 0 and "TELEGRAM_WEBHOOK_URL" in result.stderr
        assert len(api.matching(lambda call: call.method == "setWebhook")) == 1
    finally:
        api.stop()
