"""The ways into the assistant, one module each.

`rest.py` and `socketio.py` (the website widget's) are Rasa's channels with
every message checked first (`validation.py`); `slack.py` and `telegram.py`
are Rasa's connectors with the changes this project needs, switched on by
environment variables; `credentials.py` writes the credentials file Rasa runs
with (credentials.yml plus the channels the environment switches on).
the Channels section of README.md tells how to set each one up.
"""
import logging
from typing import Any, Awaitable, Callable, Mapping, Sequence

logger = logging.getLogger(__name__)


class ChannelConfigError(ValueError):
    """A channel's environment variables are set only in part, or wrongly."""


def switched_on(env: Mapping[str, str], channel: str, variables: Sequence[str]) -> bool:
    """True when all of a channel's variables are set, False when none is.

    Setting only some of them is a mistake that would otherwise go unnoticed
    (the channel silently off), so it raises ChannelConfigError.
    """
    present = [name for name in variables if env.get(name, "").strip()]
    if present and len(present) < len(variables):
        missing = [name for name in variables if name not in present]
        raise ChannelConfigError(
            f"{channel}: {', '.join(present)} is set but {', '.join(missing)} is not; "
            f"set all of {', '.join(variables)} to switch {channel} on, or none to leave it off"
        )
    return bool(present)


def flag(env: Mapping[str, str], name: str) -> bool:
    """A yes/no environment variable (1/true/yes or 0/false/no, empty = no)."""
    value = env.get(name, "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ChannelConfigError(f"{name} must be true or false, not {value!r}")


def answering_failures(on_new_message: Callable[[Any], Awaitable[Any]]) -> Callable[[Any], Awaitable[None]]:
    """`on_new_message` that, when handling fails, still answers the person:
    the "having trouble" reply with crisis lines (as channels/rest.py does)."""

    async def handle(message: Any) -> None:
        try:
            await on_new_message(message)
        except Exception:  # noqa: BLE001 - the person must get an answer
            logger.exception("Handling a message failed; replying that the assistant has trouble.")
            from assistant.action_fallback import trouble_text

            try:
                await message.output_channel.send_text_message(message.sender_id, trouble_text())
            except Exception:  # noqa: BLE001
                logger.exception("Could not send the 'having trouble' reply either.")

    return handle
