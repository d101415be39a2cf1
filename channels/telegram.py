"""Telegram: Rasa's Telegram connector, switched on by TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN.

Telegram posts each Update (a message, or a button press: `callback_query`)
to /webhooks/telegram/webhook with the header
`X-Telegram-Bot-Api-Secret-Token`; an update without the right secret is
answered 403 and ignored. Replies go out through the Bot API (`sendMessage`);
buttons become an inline keyboard, one button a row.

Rasa's connector (rasa/core/channels/telegram.py) calls `setWebhook` while
the server starts and `getMe` on every update, so the server cannot start
offline and fails when Telegram is unreachable. Here:
- nothing calls Telegram at start-up; the webhook is registered on demand,
  once, with `python -m channels.telegram set-webhook` (which also registers
  the secret token);
- updates are authenticated by the secret token instead of a `getMe` call;
- a button press is acknowledged (`answerCallbackQuery`), so Telegram stops
  showing a spinner on it, `/start` (the first message of every chat) is
  answered with the greeting, and a message that is not text (a sticker, a
  photo) with "I can only read text messages";
- every message is checked and cleaned like the other channels' messages
  (channels/validation.py); a failure while handling one gets the "having
  trouble" reply, and the update is answered 200 all the same, so Telegram
  does not redeliver it over and over;
- TELEGRAM_API_URL can point the Bot API elsewhere (a local Bot API server,
  a proxy or a test server).
"""
import argparse
import asyncio
import hmac
import json
import logging
import os
import re
import sys
from typing import Any, Awaitable, Callable, Dict, List, Mapping, Optional, Text, Tuple

from aiogram import Bot
from aiogram.bot.api import TELEGRAM_PRODUCTION, TelegramAPIServer
from aiogram.types import Update
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput as RasaTelegramInput
from rasa.core.channels.telegram import TelegramOutput as RasaTelegramOutput
from rasa.shared.exceptions import InvalidConfigException
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels import ChannelConfigError, answering_failures, switched_on, validation

logger = logging.getLogger(__name__)

TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
SECRET_TOKEN_ENV = "TELEGRAM_SECRET_TOKEN"
WEBHOOK_URL_ENV = "TELEGRAM_WEBHOOK_URL"
API_URL_ENV = "TELEGRAM_API_URL"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
UPDATE_TYPES = ["message", "edited_message", "callback_query"]
GREETING_PAYLOAD = "/greet"
SECRET_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,256}")


def credentials_from_env(env: Mapping[str, str]) -> Optional[Dict[str, Any]]:
    """The channel's credentials entry, or None when its variables are unset.

    Secrets are written as `${VAR}` references, which Rasa expands when it
    reads the file, so they never land on disk.
    """
    if not switched_on(env, "Telegram", [TOKEN_ENV, SECRET_TOKEN_ENV]):
        return None
    if not SECRET_TOKEN_PATTERN.fullmatch(env[SECRET_TOKEN_ENV]):
        raise ChannelConfigError(
            f"{SECRET_TOKEN_ENV} must be 1-256 characters of A-Z, a-z, 0-9, _ and - (Telegram's rule); "
            f"e.g. python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    credentials: Dict[str, Any] = {
        "access_token": "${%s}" % TOKEN_ENV,
        "secret_token": "${%s}" % SECRET_TOKEN_ENV,
    }
    if env.get(WEBHOOK_URL_ENV):
        credentials["webhook_url"] = env[WEBHOOK_URL_ENV]
    if env.get(API_URL_ENV):
        credentials["api_url"] = env[API_URL_ENV]
    return credentials


class TelegramOutput(RasaTelegramOutput):
    """Sends replies through the Bot API; creating one makes no request."""

    def __init__(self, access_token: Optional[Text], api_url: Optional[Text] = None) -> None:
        server = TelegramAPIServer.from_base(api_url) if api_url else TELEGRAM_PRODUCTION
        Bot.__init__(self, access_token, server=server)

    async def send_text_with_buttons(
        self,
        recipient_id: Text,
        text: Text,
        buttons: List[Dict[Text, Any]],
        button_type: Optional[Text] = "vertical",
        **kwargs: Any,
    ) -> None:
        # one button a row: topic titles are too long to share a phone's width
        await super().send_text_with_buttons(recipient_id, text, buttons, button_type=button_type, **kwargs)

    async def register_webhook(self, url: Text, secret_token: Text) -> bool:
        """Tells Telegram where to post updates, and the secret to send with them."""
        return await self.request("setWebhook", {
            "url": url,
            "secret_token": secret_token,
            "allowed_updates": json.dumps(UPDATE_TYPES),
        })


def message_of(update: Update) -> Tuple[Optional[Text], Optional[int]]:
    """(text for Rasa, chat id) of an update. The text is None for a message
    that is not text (a sticker, a photo, ...); the chat id is None for an
    update that is no message at all, which gets no answer."""
    if update.callback_query is not None:
        query = update.callback_query
        chat_id = query.message.chat.id if query.message else query.from_user.id
        return query.data, chat_id
    message = update.message or update.edited_message
    if message is None:
        return None, None
    if message.text is not None:
        text = message.text
        if text.split("@")[0].strip() == "/start":
            text = GREETING_PAYLOAD
        return text, message.chat.id
    return None, message.chat.id


class TelegramInput(RasaTelegramInput):
    """The Bot API webhook, at /webhooks/telegram/webhook."""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            webhook_url=credentials.get("webhook_url"),
            secret_token=credentials.get("secret_token"),
            api_url=credentials.get("api_url"),
        )

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text] = None,
        webhook_url: Optional[Text] = None,
        secret_token: Optional[Text] = None,
        api_url: Optional[Text] = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        if not access_token or not secret_token:
            raise InvalidConfigException(
                f"The Telegram channel needs an access_token and a secret_token "
                f"(environment: {TOKEN_ENV}, {SECRET_TOKEN_ENV}); see the Channels section of README.md."
            )
        self.secret_token = secret_token
        self.api_url = api_url

    def get_output_channel(self) -> TelegramOutput:
        """The Bot API client; unlike Rasa's connector, it does not call setWebhook."""
        return TelegramOutput(self.access_token, self.api_url)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        out_channel = self.get_output_channel()
        handle = answering_failures(on_new_message)

        @telegram_webhook.listener("after_server_stop")
        async def close_session(*_: Any) -> None:
            await out_channel.close()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            secret = request.headers.get(SECRET_HEADER, "")
            if not hmac.compare_digest(secret.encode(), self.secret_token.encode()):
                logger.warning("Telegram update without the right secret token: ignored.")
                return response.text("forbidden", status=403)
            try:
                body = request.json
                update = Update(**(json.loads(body) if isinstance(body, str) else body))
                text, chat_id = message_of(update)
            except Exception as error:  # a body that is no Update
                logger.warning(f"Not a Telegram update: {error}")
                return response.text("bad request", status=400)

            if update.callback_query is not None:
                try:
                    await out_channel.answer_callback_query(update.callback_query.id)
                except Exception as error:
                    logger.warning(f"answerCallbackQuery failed: {error}")
            if chat_id is None:
                return response.text("success")
            checked = validation.check_message(text)  # not text: "I can only read text messages"
            try:
                if checked.problem:
                    await out_channel.send_text_message(str(chat_id), checked.reply)
                else:
                    await handle(UserMessage(
                        checked.text, out_channel, str(chat_id),
                        input_channel=self.name(), metadata=self.get_metadata(request),
                    ))
            except Exception:  # noqa: BLE001 - Telegram would redeliver the update
                logger.exception(f"Telegram update {update.update_id} could not be answered.")
            return response.text("success")

        return telegram_webhook


async def _set_webhook(env: Mapping[str, str]) -> bool:
    missing = [name for name in (TOKEN_ENV, SECRET_TOKEN_ENV, WEBHOOK_URL_ENV) if not env.get(name)]
    if missing:
        raise SystemExit(f"error: set {', '.join(missing)} first (see the Channels section of README.md)")
    bot = TelegramOutput(env[TOKEN_ENV], env.get(API_URL_ENV) or None)
    try:
        return await bot.register_webhook(env[WEBHOOK_URL_ENV], env[SECRET_TOKEN_ENV])
    finally:
        await bot.close()


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels.telegram", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser(
        "set-webhook",
        help=f"register ${WEBHOOK_URL_ENV} and ${SECRET_TOKEN_ENV} with Telegram (setWebhook)",
    )
    parser.parse_args(argv)
    ok = asyncio.run(_set_webhook(os.environ))
    print(f"setWebhook {os.environ[WEBHOOK_URL_ENV]}: {'ok' if ok else 'refused'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
