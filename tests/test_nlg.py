"""Crisis replies carry the configured numbers, filled in by the Rasa server's NLG."""
import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from assistant.helplines import load_region, response_variables
from assistant.nlg import HelplineNLG
from servers import ROOT

DOMAIN = Domain.load(str(ROOT / "domain.yml"))
SAFETY_RESPONSES = [
    "utter_crisis_support", "utter_not_safe", "utter_glad_safe", "utter_abuse_support", "utter_medical_emergency",
    "utter_urgent_care", "utter_low_mood_support", "utter_crisis_reminder", "utter_default",
]


async def render(name, region=None, crisis_active=False):
    nlg = HelplineNLG(EndpointConfig(type="assistant.nlg.HelplineNLG", region=region), DOMAIN)
    tracker = DialogueStateTracker.from_events("s", [], slots=DOMAIN.slots)
    tracker.slots["crisis_active"].value = crisis_active
    return (await nlg.generate(name, tracker, "rest"))["text"]


@pytest.mark.parametrize("name", SAFETY_RESPONSES)
@pytest.mark.parametrize("region", ["international", "us", "ca", "uk", "ie"])
async def test_every_safety_reply_is_fully_filled_in(name, region):
    text = await render(name, region)
    assert "{" not in text and "}" not in text, text


@pytest.mark.parametrize("region", ["international", "us", "ca", "uk", "ie"])
async def test_crisis_reply_carries_the_regions_crisis_lines_and_emergency_number(region):
    variables = response_variables(load_region(region))
    for name in ("utter_crisis_support", "utter_not_safe"):
        text = await render(name, region)
        assert variables["crisis_lines"] in text and variables["emergency_number"] in text


async def test_default_region_names_every_checked_service():
    text = await render("utter_crisis_support")
    for expected in ("988", "116 123", "findahelpline.com", "911", "999", "112"):
        assert expected in text


async def test_region_is_chosen_by_environment(monkeypatch):
    monkeypatch.setenv("HELPLINE_REGION", "uk")
    text = await render("utter_crisis_support")
    assert "116 123" in text and "999" in text and "988" not in text


async def test_greeting_after_a_crisis_stays_gentle_and_keeps_help_in_view():
    calm = await render("utter_greet", crisis_active=True)
    assert "988" in calm and "What would you like to know" not in calm
    assert "What would you like to know" in await render("utter_greet")


def test_no_response_hard_codes_a_number():
    for name, variations in DOMAIN.responses.items():
        for variation in variations:
            assert not any(n in variation.get("text", "") for n in ("988", "116 123", "911", "999", "112")), name
