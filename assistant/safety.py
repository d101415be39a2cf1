"""The safety layer's detection: every risk signal in a message, in one place.

Two independent detectors decide whether a message is a safety event:
(a) the NLU intent classifier (safety intents trained in data/nlu/safety.yml),
(b) a rule-based net over spaCy tokens and lemmas (`SafetyRules`, phrases in
content/safety/phrases.yml). `SafetyNet`, a Rasa NLU component that runs after
the classifiers (config.yml), lets either one win: when one fires, the
message's intent becomes the safety intent, whatever the classifier's
confidence or any other intent in the message, and the decision (which rule,
which words) is attached to the parse data as `safety` for audit.
"""
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.language import Language
from spacy.matcher import Matcher, PhraseMatcher
from spacy.tokens import Doc

from assistant.content import CONTENT_DIR, ContentError, load_yaml, require, string_list
from assistant.nlp import shared_pipeline

PHRASES_FILE = CONTENT_DIR / "safety" / "phrases.yml"
FUZZY_MIN_LENGTH = 6
PATTERN_KEYS = {"LOWER", "LEMMA", "IN", "OP", "NOT_IN", "IS_PUNCT"}


@dataclass(frozen=True)
class Category:
    name: str
    intent: str
    priority: int


@dataclass(frozen=True)
class RuleMatch:
    """One rule that fired: which category, which rule, on which words."""

    category: str
    intent: str
    priority: int
    rule: str
    words: str


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions)."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


class SafetyRules:
    """The rule-based net: phrases and token patterns on lower-case and lemma forms."""

    def __init__(self, spec: Dict[str, Any], path: Path = PHRASES_FILE, nlp: Optional[Language] = None) -> None:
        self.nlp = nlp or shared_pipeline()
        self.fuzzy_words = self._fuzzy_words(spec, path)
        self.categories: Dict[str, Category] = {}
        self._by_lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self._by_lemma = PhraseMatcher(self.nlp.vocab, attr="LEMMA")
        self._patterns = Matcher(self.nlp.vocab)
        self._rule_text: Dict[str, str] = {}
        for index, raw in enumerate(require(path, spec, "categories", list)):
            self._add_category(path, raw, f"categories[{index}]")
        self._exceptions = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        exceptions = string_list(path, spec, "exceptions", "exceptions")
        self._exceptions.add("exception", [self.nlp.make_doc(text) for text in exceptions])

    @classmethod
    def from_file(cls, path: Path = PHRASES_FILE) -> "SafetyRules":
        return cls(load_yaml(path), path)

    @staticmethod
    def _fuzzy_words(spec: Dict[str, Any], path: Path) -> Dict[str, int]:
        fuzzy = spec.get("fuzzy_words") or {}
        if not isinstance(fuzzy, dict) or not all(
            isinstance(word, str) and isinstance(edits, int) and 0 < edits < 3 for word, edits in fuzzy.items()
        ):
            raise ContentError(path, "fuzzy_words", "map each word to 1 or 2 (the typing mistakes allowed)")
        return {word.lower(): edits for word, edits in fuzzy.items()}

    def _add_category(self, path: Path, raw: Any, where: str) -> None:
        name = require(path, raw, "name", str, where)
        priority = require(path, raw, "priority", int, where)
        category = Category(name, require(path, raw, "intent", str, where), priority)
        if name in self.categories:
            raise ContentError(path, f"{where}.name", f"category '{name}' is defined twice")
        self.categories[name] = category
        phrases = string_list(path, raw, "phrases", where)
        for phrase in phrases:
            key = f"{name}|phrase|{phrase}"
            self._rule_text[key] = f"phrase '{phrase}'"
            self._by_lower.add(key, [self.nlp.make_doc(phrase)])
            self._by_lemma.add(key, [self.nlp(phrase)])
        for number, pattern in enumerate(raw.get("patterns") or []):
            here = f"{where}.patterns[{number}]"
            if not (isinstance(pattern, list) and pattern and all(
                isinstance(token, dict) and token and set(token) <= PATTERN_KEYS for token in pattern
            )):
                raise ContentError(path, here, f"must be a list of token rules using {sorted(PATTERN_KEYS)}")
            key = f"{name}|pattern|{number}"
            self._rule_text[key] = f"pattern {pattern}"
            try:
                self._patterns.add(key, [pattern])
            except ValueError as error:
                raise ContentError(path, here, f"spaCy rejects it: {error}") from None
        if not phrases and not raw.get("patterns"):
            raise ContentError(path, where, "needs phrases or patterns")

    def _normalise(self, text: str) -> Doc:
        """Tokenise, read near-misspellings of fuzzy words as the word, lemmatise."""
        doc = self.nlp.make_doc(text)
        words = [self._correct(token.lower_) if token.is_alpha else token.text for token in doc]
        corrected = Doc(self.nlp.vocab, words=words, spaces=[bool(t.whitespace_) for t in doc])
        for _, component in self.nlp.pipeline:
            corrected = component(corrected)
        return corrected

    def _correct(self, word: str) -> str:
        if len(word) < FUZZY_MIN_LENGTH or word in self.fuzzy_words:
            return word
        distances = [
            (edit_distance(word, target), target)
            for target, edits in self.fuzzy_words.items()
            if abs(len(word) - len(target)) <= edits
        ]
        close = [(d, target) for d, target in distances if d <= self.fuzzy_words[target]]
        return min(close)[1] if close else word

    def matches(self, text: str) -> List[RuleMatch]:
        """Every rule that fires on `text`, most urgent category first."""
        doc = self._normalise(text)
        exceptions = [(start, end) for _, start, end in self._exceptions(doc)]
        found = {}
        for matcher in (self._by_lower, self._by_lemma, self._patterns):
            for match_id, start, end in matcher(doc):
                if any(s <= start and end <= e for s, e in exceptions):
                    continue
                key = self.nlp.vocab.strings[match_id]
                category = self.categories[key.split("|", 1)[0]]
                found.setdefault(
                    (key, start),
                    RuleMatch(category.name, category.intent, category.priority, self._rule_text[key], doc[start:end].text),
                )
        return sorted(found.values(), key=lambda m: (m.priority, m.rule))


def decide(
    rule_matches: Sequence[RuleMatch],
    ranking: Sequence[Dict[str, Any]],
    safety_intents: Dict[str, int],
    threshold: float,
) -> Optional[Dict[str, Any]]:
    """The safety decision for one message, or None when nothing fired.

    The classifier fires when a safety intent is its top intent (ignoring the
    fallback) or reaches `threshold` anywhere in its ranking. Of everything
    that fired, the most urgent intent (lowest priority number) wins.
    """
    ranked = [r for r in ranking if r.get("name") != "nlu_fallback"]
    classifier_hits = [
        r for position, r in enumerate(ranked)
        if r.get("name") in safety_intents and (position == 0 or r.get("confidence", 0.0) >= threshold)
    ]
    candidates: List[Tuple[int, str]] = [(m.priority, m.intent) for m in rule_matches]
    candidates += [(safety_intents[r["name"]], r["name"]) for r in classifier_hits]
    if not candidates:
        return None
    _, intent = min(candidates)
    return {
        "intent": intent,
        "detected_by": sorted({"rules"} if rule_matches else set()) + (["classifier"] if classifier_hits else []),
        "rules": [asdict(m) for m in rule_matches],
        "classifier": [{"intent": r["name"], "confidence": round(float(r["confidence"]), 4)} for r in classifier_hits],
    }


# --- the Rasa NLU component ---------------------------------------------
SAFETY_KEY = "safety"


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False)
class SafetyNet(GraphComponent):
    """Overrides the intent with a safety intent when either detector fires.

    Put it last among the intent classifiers (after FallbackClassifier), so a
    low-confidence crisis message is never turned into a fallback.
    """

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # content file with the net's phrases, relative to the project root
            "phrases_file": str(PHRASES_FILE),
            # a safety intent anywhere in the classifier's ranking at or above
            # this confidence fires the classifier detector
            "classifier_threshold": 0.5,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.rules = SafetyRules.from_file(Path(config["phrases_file"]))
        self.threshold = float(config["classifier_threshold"])
        self.safety_intents = {c.intent: c.priority for c in self.rules.categories.values()}

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SafetyNet":
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            decision = decide(
                self.rules.matches(text),
                message.get(INTENT_RANKING_KEY) or [],
                self.safety_intents,
                self.threshold,
            )
            if decision:
                message.set(
                    INTENT,
                    {INTENT_NAME_KEY: decision["intent"], PREDICTED_CONFIDENCE_KEY: 1.0},
                    add_to_output=True,
                )
                message.set(SAFETY_KEY, decision, add_to_output=True)
        return messages
