"""Schema and coverage of the editable content files (content/)."""
import re
import shutil

import pytest
import yaml

from assistant.content import CONTENT_DIR, ContentError, load_yaml
from assistant.helplines import HELPLINES_FILE, load_region, load_regions, response_variables
from assistant.knowledge_base import KB_DIR, KnowledgeBase, domain_intents
from assistant.safety import PHRASES_FILE, SafetyRules
from servers import ROOT


@pytest.fixture(scope="module")
def kb():
    return KnowledgeBase.load()


def test_every_topic_intent_has_an_overview_and_more(kb):
    topics = set(load_yaml(KB_DIR / "topics.yml")["topics"])
    assert topics == {i for i in domain_intents() if i.startswith("ask_")}
    for topic in topics:
        assert len(kb.by_intent[topic]) >= 2, f"{topic} needs an overview and at least one detail"


def test_every_topic_has_a_rule_answering_it():
    rules = load_yaml(ROOT / "data" / "rules" / "faq.yml")["rules"]
    answered = {r["steps"][0]["intent"] for r in rules if r["steps"][-1].get("action") == "action_answer_question"}
    assert answered == set(load_yaml(KB_DIR / "topics.yml")["topics"])


def test_every_entry_is_sourced_and_sized(kb):
    for entry in kb.entries:
        assert entry.article_section.strip(), entry.id
        assert 2 <= len(re.findall(r"[.!?](?:\s|$)", entry.text + " ")) <= 5, entry.id


def test_no_orphans(kb):
    topics = set(kb.topic_titles)
    for entry in kb.entries:
        assert entry.intent in topics
        assert set(entry.related) <= topics and entry.intent not in entry.related, entry.id


def test_entities_of_entries_are_recognised_entity_values(kb):
    synonyms = {item["synonym"] for item in load_yaml(ROOT / "data/nlu/entities.yml")["nlu"] if "synonym" in item}
    named = {value for entry in kb.entries for value in entry.entities}
    assert named <= synonyms
    # every therapy, exercise, test and technique value we recognise has an entry about it
    assert synonyms <= named, f"entity values with no entry: {sorted(synonyms - named)}"


def test_the_untraceable_60_percent_figure_is_never_stated_as_fact(kb):
    for entry in kb.entries:
        if "60" in entry.text:
            assert re.search(r"(could not|couldn't|cannot|can't) (be )?trace", entry.text), entry.id


def test_no_entry_gives_doses_or_scores(kb):
    for entry in kb.entries:
        assert not re.search(r"\b\d+\s?(mg|milligram)", entry.text, re.I), entry.id
        assert not re.search(r"score of \d+ or (more|above)", entry.text, re.I), entry.id


def test_malformed_entry_stops_loading_naming_file_and_field(tmp_path):
    broken = tmp_path / "kb"
    shutil.copytree(KB_DIR, broken)
    path = broken / "exercise.yml"
    data = yaml.safe_load(path.read_text())
    del data["entries"][1]["source"]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ContentError) as error:
        KnowledgeBase.load(broken)
    assert "exercise.yml" in str(error.value) and "source" in str(error.value)


def test_unknown_related_topic_is_rejected(tmp_path):
    broken = tmp_path / "kb"
    shutil.copytree(KB_DIR, broken)
    path = broken / "mindfulness.yml"
    data = yaml.safe_load(path.read_text())
    data["entries"][0]["related"] = ["ask_astrology"]
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ContentError, match=r"mindfulness.yml: entries\[0\].*related"):
        KnowledgeBase.load(broken)


def test_broken_yaml_names_the_file(tmp_path):
    broken = tmp_path / "kb"
    shutil.copytree(KB_DIR, broken)
    (broken / "link.yml").write_text("entries: [unclosed")
    with pytest.raises(ContentError, match="link.yml: not valid YAML"):
        KnowledgeBase.load(broken)


def test_every_region_has_crisis_lines_abuse_lines_and_emergency_number():
    default, regions = load_regions()
    assert default == "international"
    for region in regions.values():
        variables = response_variables(region)
        assert region.crisis_lines and region.abuse_lines
        assert re.search(r"\d{3}", variables["emergency_number"]), region.key


def test_default_region_lists_the_checked_services():
    variables = response_variables(load_region("international"))
    for expected in ("988", "116 123", "findahelpline.com", "911", "999", "112"):
        assert expected in variables["crisis_lines"] + variables["emergency_number"], expected


def test_region_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("HELPLINE_REGION", "uk")
    assert load_region().emergency == "999"
    monkeypatch.setenv("HELPLINE_REGION", "atlantis")
    with pytest.raises(ContentError, match="unknown region 'atlantis'"):
        load_region()


def test_helplines_missing_field_is_named(tmp_path):
    data = yaml.safe_load(HELPLINES_FILE.read_text())
    del data["regions"]["us"]["emergency"]
    path = tmp_path / "helplines.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ContentError, match=r"regions.us.emergency: missing"):
        load_regions(path)


def test_safety_phrases_load_and_map_to_domain_intents():
    rules = SafetyRules.from_file()
    intents = domain_intents()
    names = {c.name for c in rules.categories.values()}
    assert names == {"suicide", "abuse", "medical_emergency", "urgent_care", "see_doctor", "medical_advice", "low_mood"}
    for category in rules.categories.values():
        assert category.intent in intents
    assert min(rules.categories.values(), key=lambda c: c.priority).name == "suicide"


def test_bad_safety_pattern_is_named(tmp_path):
    data = yaml.safe_load(PHRASES_FILE.read_text())
    data["categories"][0]["patterns"] = [[{"LEMMMA": "die"}]]
    path = tmp_path / "phrases.yml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(ContentError, match=r"categories\[0\].patterns\[0\]"):
        SafetyRules.from_file(path)


def test_content_dir_holds_only_documented_files():
    files = {p.relative_to(CONTENT_DIR).parts[0] for p in CONTENT_DIR.rglob("*.yml")}
    assert files == {"knowledge_base", "safety"}
