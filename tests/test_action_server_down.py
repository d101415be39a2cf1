"""When the action server fails, people get a clear "having trouble" reply with crisis lines, and the conversation goes on once it is back."""
import asyncio
import socket

import pytest
import rasa.core.actions.action
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from assistant.action_fallback import FallbackRemoteAction
from assistant.helplines import load_region, response_variables
from assistant.nlg import HelplineNLG
from servers import ROOT, Stack, free_port, reply_text

DOMAIN = Domain.from_path(ROOT / "domain.yml")
HELP = response_variables(load_region())


def having_trouble(text: str) -> bool:
    return "having trouble" in text and HELP["main_crisis_line"] in text and HELP["emergency_number"] in text


def test_domain_has_the_having_trouble_response_with_crisis_info():
    template = DOMAIN.responses["utter_having_trouble"][0]["text"]
    assert "{main_crisis_line}" in template and "{emergency_number}" in template


def run_action(endpoint_url: str):
    nlg = HelplineNLG(None, DOMAIN)  # as the Rasa server does: installs the fallback
    action = rasa.core.actions.action.action_for_name_or_text(
        "action_answer_question", DOMAIN, EndpointConfig(endpoint_url)
    )
    assert isinstance(action, FallbackRemoteAction)
    tracker = DialogueStateTracker("unit", DOMAIN.slots)
    return asyncio.run(action.run(CollectingOutputChannel(), nlg, tracker, DOMAIN))


def test_unreachable_action_server_gives_the_domain_response_filled_in():
    events = run_action(f"http://127.0.0.1:{free_port()}/webhook")  # nothing listens there
    assert len(events) == 1 and isinstance(events[0], BotUttered)
    expected = DOMAIN.responses["utter_having_trouble"][0]["text"].format(**HELP)
    assert events[0].text == expected
    assert events[0].metadata.get("utter_action") == "utter_having_trouble"


def test_hanging_action_server_times_out_into_the_same_reply(monkeypatch):
    monkeypatch.setenv("ACTION_TIMEOUT_SECONDS", "2")
    with socket.socket() as silent:  # accepts connections, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        events = run_action(f"http://127.0.0.1:{silent.getsockname()[1]}/webhook")
    assert having_trouble(events[0].text)


@pytest.fixture(scope="module")
def own_stack(tmp_path_factory):
    """A stack of its own: this test stops its action server."""
    running = Stack(tmp_path_factory.mktemp("actions-down")).start()
    yield running
    running.stop()


def test_action_server_stopped_mid_conversation_then_back(own_stack):
    stack = own_stack
    first = reply_text(stack.say("outage", "can neck pain cause depression?"))
    assert "Source: article" in first and not having_trouble(first)

    stack.actions.stop()
    during = stack.say("outage", "how can exercise help with neck pain and low mood?")
    assert having_trouble(reply_text(during)), during
    # replies that need no action server still work meanwhile
    assert "depression and neck pain" in reply_text(stack.say("outage", "hello"))
    assert stack.rasa.popen.poll() is None

    stack.start_actions()
    after = reply_text(stack.say("outage", "how can exercise help with neck pain and low mood?"))
    assert "Source: article" in after and not having_trouble(after)
    more = reply_text(stack.say("outage", "tell me more"))
    assert "Source: article" in more and not having_trouble(more)


def test_action_responses_are_still_validated():
    action = FallbackRemoteAction("action_answer_question", None)
    assert action._validate_action_result({"events": [{"event": "slot", "name": "last_topic", "value": "x"}], "responses": []})
    with pytest.raises(Exception, match="Failed to validate Action server response"):
        action._validate_action_result({"events": [{"event": "no_such_event"}], "responses": "not a list"})
