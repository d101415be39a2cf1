"""The REST channel (`POST /webhooks/rest/webhook`), hardened.

Registered in credentials.yml as `channels.rest.RestInput`; same URL and
reply format as Rasa's `rest` channel. Before a message reaches Rasa:

- the body must be JSON (`Content-Type: application/json`, else 415) holding
  an object (else 400);
- `sender` must be a non-empty string of at most 255 characters, `message` a
  string, `metadata` an object if given (else 400 with the reason);
- the text is cleaned (null bytes, control and invisible characters removed,
  channels/validation.py); an empty text gets a reply asking for a question,
  a text over MAX_MESSAGE_CHARS gets 413 with the limit.

Errors are JSON: `{"error": <code>, "message": <what to fix>}`. A failure
while handling a valid message gets the "having trouble" reply (with crisis
lines) instead of a 500 or an empty answer. Nothing here logs message text.
"""
import json
import logging
from asyncio import CancelledError
from typing import Any, Awaitable, Callable, Dict, Optional, Text, Union

from rasa.core.channels import rest
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.utils.endpoints import bool_arg
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from assistant.action_fallback import trouble_text
from channels import validation

logger = logging.getLogger(__name__)

# Far above any valid message (MAX_MESSAGE_CHARS characters, JSON-escaped):
# bodies beyond it are refused before they are parsed.
MAX_BODY_BYTES = 256 * 1024


def error(status: int, code: str, message: str) -> HTTPResponse:
    return response.json({"error": code, "message": message}, status=status)


class RestInput(rest.RestInput):
    """Rasa's REST channel with the request checked and cleaned first."""

    @classmethod
    def name(cls) -> Text:
        return "rest"

    def _parse(self, request: Request) -> Union[Dict[Text, Any], HTTPResponse]:
        """The request's JSON object, or the error response to send."""
        content_type = request.headers.get("content-type", "")
        if content_type.split(";")[0].strip().lower() != "application/json":
            return error(415, "unsupported_media_type", "Send the message as JSON with 'Content-Type: application/json'.")
        if len(request.body) > MAX_BODY_BYTES:
            return error(413, "body_too_large", f"The request body can be at most {MAX_BODY_BYTES} bytes.")
        try:
            body = json.loads(request.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return error(400, "invalid_json", "The body is not valid JSON (UTF-8).")
        if not isinstance(body, dict):
            return error(400, "invalid_body", 'The body must be a JSON object: {"sender": "...", "message": "..."}.')
        problem = (
            validation.sender_problem(body.get("sender"))
            or validation.metadata_problem(body.get("metadata"))
            or (None if isinstance(body.get("input_channel"), (str, type(None))) else "'input_channel' must be a string")
        )
        if not problem and not isinstance(body.get("message"), str):
            problem = "'message' must be a string: the text the person typed"
        if problem:
            return error(400, "invalid_request", problem)
        return body

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Union[ResponseStream, HTTPResponse]:
            body = self._parse(request)
            if isinstance(body, HTTPResponse):
                return body
            sender_id = body["sender"]
            checked = validation.check_message(body["message"])
            if checked.problem == "too_long":
                return error(413, "message_too_long", checked.reply)
            if checked.problem:
                return response.json([validation.reply(sender_id, checked.reply)])

            input_channel = body.get("input_channel") or self.name()
            metadata: Optional[Dict[Text, Any]] = body.get("metadata")
            if bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(on_new_message, checked.text, sender_id, input_channel, metadata),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(
                    UserMessage(checked.text, collector, sender_id, input_channel=input_channel, metadata=metadata)
                )
            except (CancelledError, Exception):  # noqa: BLE001 - the person must get an answer
                logger.exception("Handling a message failed; replying that the assistant has trouble.")
                collector.messages.append(validation.reply(sender_id, trouble_text()))
            return response.json(collector.messages)

        return webhook
