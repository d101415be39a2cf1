"""What a user message must look like before it reaches Rasa, for every channel.

Rasa's own REST and socket.io channels pass anything on: a missing or
non-string message makes the NLU pipeline raise (the person gets no reply), a
body that is not a JSON object gives a 500, and a null byte is stored as is
(PostgreSQL refuses it, so the conversation silently falls back to memory).
`channels/rest.py` and `channels/socketio.py` run every message through
`check_message` first and answer problems with the replies below. Nothing here
logs the text of a message.
"""
import os
import unicodedata
from dataclasses import dataclass
from typing import Any, Dict, Optional

# The longest message passed on to the assistant, in characters after cleaning.
# Questions to an FAQ assistant are a sentence or two; far longer texts only
# cost NLU time. Set MAX_MESSAGE_CHARS to change it.
MAX_MESSAGE_CHARS = int(os.environ.get("MAX_MESSAGE_CHARS", "2000"))
# The longest conversation id: the SQL tracker store's column holds 255.
MAX_SENDER_CHARS = 255

EMPTY_MESSAGE_REPLY = (
    "Your message looks empty. What would you like to know about depression or neck pain?"
)
TOO_LONG_REPLY = (
    "Sorry, that message is too long for me ({length} characters; I can read up to "
    "{limit}). Could you ask your question in a sentence or two?"
)
NOT_TEXT_REPLY = "Sorry, I can only read text messages. What would you like to know?"

# Characters that carry no meaning for the assistant and break storage or
# logs: control characters (category Cc, e.g. the null byte) other than
# tab and newlines, invisible format characters (Cf: zero-width spaces and
# joiners, right-to-left overrides, byte order marks) and lone surrogates (Cs,
# which JSON allows but UTF-8 cannot store).
_KEPT_CONTROLS = {"\t", "\n", "\r"}
_DROPPED_CATEGORIES = {"Cc", "Cf", "Cs"}


def clean_text(text: str) -> str:
    """The text in NFC form without invisible or control characters, stripped."""
    text = unicodedata.normalize("NFC", text)
    return "".join(
        char for char in text
        if char in _KEPT_CONTROLS or unicodedata.category(char) not in _DROPPED_CATEGORIES
    ).strip()


@dataclass(frozen=True)
class Checked:
    """A message after `check_message`: the cleaned text, or why it is refused.

    `problem` is None for a text to pass on. Otherwise it is "not_text" (the
    message is missing or not a string), "empty" or "too_long", and `reply` is
    what to tell the person.
    """

    text: str
    problem: Optional[str] = None
    reply: Optional[str] = None


def check_message(value: Any, limit: Optional[int] = None) -> Checked:
    limit = MAX_MESSAGE_CHARS if limit is None else limit
    if not isinstance(value, str):
        return Checked("", "not_text", NOT_TEXT_REPLY)
    text = clean_text(value)
    if not text:
        return Checked("", "empty", EMPTY_MESSAGE_REPLY)
    if len(text) > limit:
        return Checked("", "too_long", TOO_LONG_REPLY.format(length=len(text), limit=limit))
    return Checked(text)


def sender_problem(value: Any) -> Optional[str]:
    """Why a conversation id is unusable, or None when it is fine."""
    if not isinstance(value, str) or not value.strip():
        return "'sender' must be a non-empty string: the id of the conversation"
    if len(value) > MAX_SENDER_CHARS:
        return f"'sender' can be at most {MAX_SENDER_CHARS} characters long"
    if clean_text(value) != value:
        return "'sender' must not contain control or invisible characters, or surrounding spaces"
    return None


def metadata_problem(value: Any) -> Optional[str]:
    if value is None or isinstance(value, dict):
        return None
    return "'metadata' must be a JSON object"


def reply(recipient_id: str, text: str) -> Dict[str, Any]:
    """A bot message in the REST channel's format."""
    return {"recipient_id": recipient_id, "text": text}
