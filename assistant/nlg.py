"""Response generation that fills crisis numbers into domain responses.

Configured in endpoints.yml (`nlg: type: assistant.nlg.HelplineNLG`). It runs
inside the Rasa server, so crisis replies keep their numbers even when the
action server is down. Loading it also installs the action-server fallback
(assistant/action_fallback.py): a failed custom action answers
`utter_having_trouble` instead of nothing.
"""
from typing import Any, Dict, List, Optional, Text

from rasa.core.nlg.response import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from assistant import action_fallback
from assistant.helplines import load_region, response_variables


class HelplineNLG(TemplatedNaturalLanguageGenerator):
    """Domain responses, with `{crisis_lines}` & co. taken from helplines.yml."""

    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None) -> None:
        super().__init__((domain or Domain.empty()).responses)
        region = (endpoint_config.kwargs.get("region") if endpoint_config else None) or None
        self.helpline_variables = response_variables(load_region(region))
        action_fallback.install()

    async def generate(
        self, utter_action: Text, tracker: DialogueStateTracker, output_channel: Text, **kwargs: Any
    ) -> Optional[Dict[Text, Any]]:
        return await super().generate(
            utter_action, tracker, output_channel, **{**self.helpline_variables, **kwargs}
        )
