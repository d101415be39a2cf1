"""Slack: Rasa's Slack connector, switched on by SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET.

Events (`message` in a direct message, `app_mention` in a channel) and button
clicks arrive at /webhooks/slack/webhook; every request must carry a valid
`X-Slack-Signature` made with the signing secret and a timestamp less than
five minutes old (Rasa's check), else it is answered 400 and ignored.

What this module changes in Rasa's connector (rasa/core/channels/slack.py):
- `url_verification` is answered with `{"challenge": ...}`, the JSON object
  Slack documents, instead of Rasa's bare JSON string;
- replies are posted without the legacy `as_user` argument, which Slack
  rejects (`invalid_arguments`) for apps created after 2020;
- reply text escapes `&`, `<` and `>` as Slack requires, so nothing in a
  reply can turn into a link or a mention, and button messages show their
  text as plain text;
- up to 25 buttons (Slack's limit for one actions block) instead of 5;
- every message is checked and cleaned like the other channels' messages
  (channels/validation.py): an over-long one gets a reply saying so, and a
  failure while handling one gets the "having trouble" reply;
- SLACK_API_URL can point the Web API elsewhere (a proxy or a test server).
"""
import json
import logging
from typing import Any, Dict, List, Mapping, Optional, Text

from rasa.core.channels.slack import SlackBot as RasaSlackBot
from rasa.core.channels.slack import SlackInput as RasaSlackInput
from rasa.core.channels.channel import InputChannel
from sanic import response
from sanic.request import Request
from slack_sdk.web.async_client import AsyncWebClient

from channels import answering_failures, flag, switched_on, validation

logger = logging.getLogger(__name__)

TOKEN_ENV = "SLACK_BOT_TOKEN"
SIGNING_SECRET_ENV = "SLACK_SIGNING_SECRET"
MAX_BUTTONS = 25  # elements in one Slack actions block
MAX_BUTTON_TITLE = 75  # characters of a button's plain_text


def credentials_from_env(env: Mapping[str, str]) -> Optional[Dict[str, Any]]:
    """The channel's credentials entry, or None when its variables are unset.

    Secrets are written as `${VAR}` references, which Rasa expands when it
    reads the file, so they never land on disk.
    """
    if not switched_on(env, "Slack", [TOKEN_ENV, SIGNING_SECRET_ENV]):
        return None
    credentials: Dict[str, Any] = {
        "slack_token": "${%s}" % TOKEN_ENV,
        "slack_signing_secret": "${%s}" % SIGNING_SECRET_ENV,
        "use_threads": flag(env, "SLACK_USE_THREADS"),
    }
    if env.get("SLACK_CHANNEL"):
        credentials["slack_channel"] = env["SLACK_CHANNEL"]
    if env.get("SLACK_API_URL"):
        credentials["api_url"] = env["SLACK_API_URL"]
    return credentials


def escape(text: Text) -> Text:
    """Text as Slack shows it literally: its three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class SlackBot(RasaSlackBot):
    """Posts replies through Slack's Web API (chat.postMessage)."""

    def __init__(
        self,
        token: Text,
        slack_channel: Optional[Text] = None,
        thread_id: Optional[Text] = None,
        proxy: Optional[Text] = None,
        api_url: Optional[Text] = None,
    ) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        if api_url:
            self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def _post_message(self, channel: Text, **kwargs: Any) -> None:
        kwargs.pop("as_user", None)  # legacy; new Slack apps reject it
        kwargs.pop("type", None)  # not a chat.postMessage argument
        await super()._post_message(channel, **kwargs)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        recipient = self.slack_channel or recipient_id
        for part in text.strip().split("\n\n"):
            await self._post_message(channel=recipient, text=escape(part))

    async def send_text_with_buttons(
        self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]], **kwargs: Any
    ) -> None:
        recipient = self.slack_channel or recipient_id
        blocks: List[Dict[str, Any]] = [{"type": "section", "text": {"type": "plain_text", "text": text}}]
        if buttons:
            blocks.append({
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "text": {"type": "plain_text", "text": button["title"][:MAX_BUTTON_TITLE]},
                        "value": button["payload"],
                    }
                    for button in buttons[:MAX_BUTTONS]
                ],
            })
        # `text` is the notification and screen-reader fallback of the blocks
        await self._post_message(channel=recipient, text=escape(text), blocks=blocks)


class SlackInput(RasaSlackInput):
    """The Events API and interactivity webhook, at /webhooks/slack/webhook."""

    api_url: Optional[Text] = None

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.api_url = (credentials or {}).get("api_url")
        return channel

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> SlackBot:
        return SlackBot(self.slack_token, channel or self.slack_channel, thread_id, self.proxy, self.api_url)

    async def process_message(  # type: ignore[override]
        self, request: Request, on_new_message: Any, text: Text, sender_id: Optional[Text], metadata: Optional[Dict],
    ) -> Any:
        checked = validation.check_message(text)
        if checked.problem is None:
            return await super().process_message(request, on_new_message, checked.text, sender_id, metadata)
        if not request.headers.get(self.retry_num_header):  # a retry was answered already
            channel = (metadata or {}).get("out_channel")
            thread_id = (metadata or {}).get("thread_id") if self.use_threads else None
            try:
                await self.get_output_channel(channel, thread_id).send_text_message(channel or sender_id, checked.reply)
            except Exception:  # noqa: BLE001
                logger.exception("Could not answer a message that failed the checks.")
        return response.text("")

    def blueprint(self, on_new_message):  # type: ignore[no-untyped-def]
        webhook = super().blueprint(answering_failures(on_new_message))

        @webhook.middleware("request")
        async def answer_url_verification(request: Request) -> Optional[response.HTTPResponse]:
            # Runs before Rasa's handler; anything else, and any unsigned or
            # stale request, goes on to Rasa's handler, which rejects it.
            if request.method != "POST" or not request.path.endswith("/webhook"):
                return None
            if not (request.headers.get("content-type") or "").startswith("application/json"):
                return None
            try:
                event = json.loads(request.body or b"null")
            except ValueError:
                return None
            if (
                isinstance(event, dict)
                and event.get("type") == "url_verification"
                and self.is_request_from_slack_authentic(request)
            ):
                return response.json({"challenge": str(event.get("challenge", ""))})
            return None

        return webhook
