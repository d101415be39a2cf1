"""A clear reply, with crisis lines, when the action server fails.

Rasa 3.6 runs every custom action as a `RemoteAction` (an HTTP call to the
action server). When that call fails (server down, restarting, erroring or
hanging) the processor logs the exception and drops the action's events, so
the person gets no reply at all. Rasa has no setting for this: the class is
chosen in `rasa.core.actions.action.action_for_name_or_text`.

`install()` swaps in `FallbackRemoteAction`, which runs the action as usual
and, when it fails, utters `utter_having_trouble` from the domain (filled with
the region's crisis line and emergency number by the configured NLG) instead.
The failure is recorded in the tracker like any bot message, and the next
message is tried against the action server again, so the conversation goes on
once it is back. The Rasa server installs it when it loads the NLG configured
in endpoints.yml (assistant/nlg.py).

ACTION_TIMEOUT_SECONDS (default 10) bounds how long one action may take
before the person gets this reply (Rasa's own limit is 5 minutes). It also
validates the action server's responses with a validator built once instead
of once per response (see `_response_validator`).
"""
import asyncio
import functools
import logging
import os
from pathlib import Path
from typing import Any, Dict, List, Text

import rasa.core.actions.action
import yaml
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction, create_bot_utterance
from rasa.shared.core.events import Event

from assistant.helplines import load_region, response_variables

logger = logging.getLogger(__name__)

TROUBLE_RESPONSE = "utter_having_trouble"
DOMAIN_FILE = Path(__file__).resolve().parent.parent / "domain.yml"
ACTION_TIMEOUT_ENV = "ACTION_TIMEOUT_SECONDS"
DEFAULT_ACTION_TIMEOUT = 10.0


def action_timeout() -> float:
    return float(os.environ.get(ACTION_TIMEOUT_ENV) or DEFAULT_ACTION_TIMEOUT)


@functools.lru_cache(maxsize=None)
def trouble_text(region: str = "") -> str:
    """`utter_having_trouble` of the project's domain.yml, filled for the region.

    Used when the loaded model's domain predates that response, or when a
    channel fails outside the dialogue (see channels/rest.py).
    """
    responses = yaml.safe_load(DOMAIN_FILE.read_text(encoding="utf-8"))["responses"]
    template = responses[TROUBLE_RESPONSE][0]["text"]
    return template.format(**response_variables(load_region(region or None)))


@functools.lru_cache(maxsize=None)
def _response_validator() -> Any:
    """The validator of action server responses, built once.

    Rasa calls `jsonschema.validate` for every response, which first checks
    the large events schema itself: under load that was a quarter of the Rasa
    server's CPU time (py-spy, `make bench --profile`).
    """
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


class FallbackRemoteAction(RemoteAction):
    """A custom action that answers `utter_having_trouble` when it cannot run."""

    def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
        from jsonschema import ValidationError, exceptions

        error = exceptions.best_match(_response_validator().iter_errors(result))
        if error is None:
            return True
        assert isinstance(error, ValidationError)
        error.message += (
            ". Failed to validate Action server response from API, make sure your response from the "
            "Action endpoint is valid."
        )
        raise error

    async def run(self, output_channel: Any, nlg: Any, tracker: Any, domain: Any) -> List[Event]:
        try:
            return await asyncio.wait_for(
                super().run(output_channel, nlg, tracker, domain), timeout=action_timeout()
            )
        except ActionExecutionRejection:
            raise  # the action declined on purpose: Rasa's policies take over
        except Exception as error:  # noqa: BLE001 - any failure gets the same reply
            reason = "timed out" if isinstance(error, asyncio.TimeoutError) else str(error) or type(error).__name__
            logger.error(
                "Custom action '%s' failed (%s); replying with %s.", self.name(), reason, TROUBLE_RESPONSE
            )
            draft = None
            if TROUBLE_RESPONSE in domain.responses:
                draft = await nlg.generate(TROUBLE_RESPONSE, tracker, output_channel.name())
            if not draft:
                draft = {"text": trouble_text()}
            draft["utter_action"] = TROUBLE_RESPONSE
            return [create_bot_utterance(draft)]


def install() -> None:
    """Make Rasa run custom actions as `FallbackRemoteAction` (idempotent)."""
    if rasa.core.actions.action.RemoteAction is not FallbackRemoteAction:
        rasa.core.actions.action.RemoteAction = FallbackRemoteAction
