"""The socket.io channel (the web widget's), hardened.

Registered in credentials.yml as `channels.socketio.SocketIOInput`; same
events and options as Rasa's `socketio` channel. Differences:

- Every message is checked like REST messages (channels/validation.py): a
  payload that is not an object, a missing or non-string message, invalid
  metadata or a missing session id get a bot message saying what is wrong
  (Rasa drops them silently or raises); the text is cleaned of null bytes,
  control and invisible characters; an empty or over-long text gets a reply
  saying so. A failure while handling a message gets the "having trouble"
  reply with crisis lines.
- Browsers may connect only from the origins the server allows for every
  other route, `rasa run --cors` (scripts/run.sh passes SITE_ORIGIN, default
  http://localhost:8080, the widget's). Rasa's channel accepts any origin.
  Clients that send no Origin header (not browsers) are not affected.

Nothing here logs message text.
"""
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels import socketio
from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sanic_cors.core import ensure_iterable, try_match, try_match_any

from assistant.action_fallback import trouble_text
from channels import validation

logger = logging.getLogger(__name__)

INVALID_PAYLOAD_REPLY = "Sorry, I couldn't read that message. Please send it as text."
NO_SESSION_REPLY = "Sorry, I lost track of our conversation. Please reload the page and try again."


def origin_allowed(origin: Text, environ: Dict[Text, Any]) -> bool:
    """Whether `rasa run --cors` (sanic-cors, as set up by Rasa) allows `origin` here."""
    request = environ.get("sanic.request")
    cors = getattr(request.app.ctx, "sanic_cors", None) if request is not None else None
    if cors is None:
        return False
    for pattern, options in cors.resources:
        if try_match(request.path, pattern):
            return bool(try_match_any(origin, ensure_iterable(options.get("origins") or [])))
    return False


class SocketIOInput(socketio.SocketIOInput):
    """Rasa's socket.io channel with payloads checked and origins restricted."""

    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def _metadata(self, data: Dict[Text, Any]) -> Any:
        """The message's metadata as a dict, or None when it is unusable."""
        metadata = data.get(self.metadata_key) or {}
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                return None
        return metadata if isinstance(metadata, dict) else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(on_new_message)
        sio = self.sio
        # Rasa creates the server with origin checks off (`[]`). With a check,
        # engine.io refuses other origins with 400. It would also add CORS
        # headers for allowed ones, but sanic-cors (`rasa run --cors`) adds
        # them to every response as well, and a browser refuses a response
        # with two Access-Control-Allow-Origin values (the widget could not
        # connect): engine.io checks, sanic-cors sets the headers.
        sio.eio.cors_allowed_origins = origin_allowed
        sio.eio._cors_headers = lambda environ: []
        output = socketio.SocketIOOutput(sio, self.bot_message_evt)

        async def tell(room: Text, text: Text) -> None:
            await sio.emit(self.bot_message_evt, {"text": text}, room=room, namespace=self.namespace)

        async def session_request(sid: Text, data: Any = None, *_: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if validation.sender_problem(session_id):
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                # a coroutine in python-socketio 5.x; Rasa 3.6 forgets the await,
                # so replies (emitted to the session's room) never arrive
                await sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        async def handle_message(sid: Text, data: Any = None, *_: Any) -> None:
            if not isinstance(data, dict):
                await tell(sid, INVALID_PAYLOAD_REPLY)
                return
            if self.session_persistence:
                sender_id = data.get("session_id")
                if validation.sender_problem(sender_id):
                    await tell(sid, NO_SESSION_REPLY)
                    return
            else:
                sender_id = sid
            metadata = self._metadata(data)
            checked = validation.check_message(data.get("message"))
            if metadata is None:
                await tell(sid, INVALID_PAYLOAD_REPLY)
                return
            if checked.problem:
                await tell(sid, checked.reply)
                return
            try:
                await on_new_message(
                    UserMessage(checked.text, output, sender_id, input_channel=self.name(), metadata=metadata)
                )
            except Exception:  # noqa: BLE001 - the person must get an answer
                logger.exception("Handling a message failed; replying that the assistant has trouble.")
                await tell(sid, trouble_text())

        sio.on("session_request", session_request, namespace=self.namespace)
        sio.on(self.user_message_evt, handle_message, namespace=self.namespace)
        return webhook
