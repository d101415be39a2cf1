"""The curated knowledge base and all retrieval over it.

Entries live in `content/knowledge_base/*.yml` (schema: content/README.md).
They are loaded and validated once; a broken entry stops start-up with the
file and field named. Retrieval works on lookup lemmas so that "stretches",
"stretching" and "stretched" meet.
"""
import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from assistant.content import CONTENT_DIR, PROJECT_ROOT, ContentError, load_yaml, require, string_list
from assistant.nlp import shared_pipeline

KB_DIR = CONTENT_DIR / "knowledge_base"
TOPICS_FILE = "topics.yml"
ENTITIES_FILE = PROJECT_ROOT / "data" / "nlu" / "entities.yml"
DOMAIN_FILE = PROJECT_ROOT / "domain.yml"
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
SENTENCE_END = re.compile(r"[.!?](?:\s|$)")
MIN_SENTENCES, MAX_SENTENCES = 2, 5
# Below this `score` the KB search declines to answer. Tuned on the held-out
# split by `make eval` (scripts/tune_search_threshold.py prints the figures).
SEARCH_THRESHOLD = 0.5


@dataclass(frozen=True)
class Entry:
    """One answer snippet, in our own words, with where its facts come from."""

    id: str
    intent: str
    entities: Tuple[str, ...]
    questions: Tuple[str, ...]
    text: str
    article_section: str
    external_source: Optional[str]
    related: Tuple[str, ...]

    @property
    def source_note(self) -> str:
        """A short line naming the source, shown under the answer."""
        note = f"Source: article, {self.article_section}"
        return f"{note}; {self.external_source}" if self.external_source else note


def content_words(text: str) -> List[str]:
    """Lemmas of the words that carry meaning (no stop words, no punctuation)."""
    return [
        token.lemma_.lower()
        for token in shared_pipeline()(text.lower())
        if not (token.is_punct or token.is_space or token.is_stop) and len(token) > 1
    ]


class KnowledgeBase:
    """Entries grouped by topic intent, with lemma-based search."""

    def __init__(self, entries: Sequence[Entry], topic_titles: Dict[str, str]) -> None:
        self.entries = list(entries)
        self.topic_titles = dict(topic_titles)
        self.by_id = {entry.id: entry for entry in self.entries}
        self.by_intent: Dict[str, List[Entry]] = {}
        for entry in self.entries:
            self.by_intent.setdefault(entry.intent, []).append(entry)
        self._terms = {entry.id: self._entry_terms(entry) for entry in self.entries}
        self._question_terms = {e.id: set(content_words(" ".join(e.questions))) for e in self.entries}
        document_frequency = Counter(t for terms in self._terms.values() for t in set(terms))
        self._idf = {
            term: math.log(1 + len(self.entries) / count)
            for term, count in document_frequency.items()
        }
        self._unknown_idf = math.log(1 + len(self.entries))

    @staticmethod
    def _entry_terms(entry: Entry) -> Set[str]:
        words = " ".join(
            [*entry.questions, entry.text, *(e.replace("_", " ") for e in entry.entities)]
        )
        return set(content_words(words))

    # --- retrieval -------------------------------------------------------
    def overview(self, intent: str) -> Optional[Entry]:
        entries = self.by_intent.get(intent)
        return entries[0] if entries else None

    def answer(self, intent: str, entity_values: Iterable[str] = (), text: str = "") -> Optional[Entry]:
        """The best entry for a topic question.

        An entity ("yoga", "MRI") narrows to the entries about it, first
        within the topic, then anywhere; the message text breaks ties. With
        no entity the topic's overview answers.
        """
        values = set(entity_values)
        if values:
            for pool in (self.by_intent.get(intent, []), self.entries):
                about = [e for e in pool if values & set(e.entities)]
                if about:
                    return max(about, key=lambda e: (len(values & set(e.entities)), self.score(text, e)))
        return self.overview(intent)

    def next_entry(self, intent: str, shown_ids: Iterable[str]) -> Optional[Entry]:
        """The first entry of `intent` not shown yet, in file order."""
        shown = set(shown_ids)
        return next((e for e in self.by_intent.get(intent, []) if e.id not in shown), None)

    def score(self, text: str, entry: Entry) -> float:
        """Share of the query's information (idf-weighted) found in the entry, 0..1."""
        query = set(content_words(text))
        if not query:
            return 0.0
        weights = {term: self._idf.get(term, self._unknown_idf) for term in query}
        found = sum(w for term, w in weights.items() if term in self._terms[entry.id])
        return found / sum(weights.values())

    def search(self, text: str, limit: int = 3) -> List[Tuple[float, Entry]]:
        """Entries ranked by `score`, best first; ties go to the entry whose
        questions share more words with the text."""
        query = set(content_words(text))
        ranked = sorted(
            ((self.score(text, e), e) for e in self.entries),
            key=lambda pair: (-pair[0], -len(query & self._question_terms[pair[1].id])),
        )
        return ranked[:limit]

    # --- loading ---------------------------------------------------------
    @classmethod
    def load(
        cls,
        directory: Path = KB_DIR,
        known_intents: Optional[Set[str]] = None,
        known_entity_values: Optional[Set[str]] = None,
    ) -> "KnowledgeBase":
        """Read and validate every file; raise ContentError naming file and field."""
        known_intents = domain_intents() if known_intents is None else known_intents
        known_entity_values = entity_values() if known_entity_values is None else known_entity_values
        topics_path = directory / TOPICS_FILE
        topics = require(topics_path, load_yaml(topics_path), "topics", dict)
        titles = {}
        for intent, spec in topics.items():
            if intent not in known_intents:
                raise ContentError(topics_path, f"topics.{intent}", "is not an intent in domain.yml")
            titles[intent] = require(topics_path, spec, "title", str, f"topics.{intent}")
        entries: List[Entry] = []
        for path in sorted(directory.glob("*.yml")):
            if path.name != TOPICS_FILE:
                entries.extend(_read_entries(path, set(titles), known_entity_values))
        _check_whole(directory, entries, titles)
        return cls(entries, titles)


def _read_entries(path: Path, topics: Set[str], known_entity_values: Set[str]) -> List[Entry]:
    raw = require(path, load_yaml(path), "entries", list)
    entries = []
    for index, item in enumerate(raw):
        where = f"entries[{index}]"
        entry_id = require(path, item, "id", str, where)
        where = f"entries[{index}] ({entry_id})"
        if not ID_PATTERN.match(entry_id):
            raise ContentError(path, f"{where}.id", "use lower-case words joined by dashes")
        intent = require(path, item, "intent", str, where)
        if intent not in topics:
            raise ContentError(path, f"{where}.intent", f"'{intent}' is not a topic in {TOPICS_FILE}")
        text = " ".join(require(path, item, "text", str, where).split())
        sentences = len(SENTENCE_END.findall(text + " "))
        if not MIN_SENTENCES <= sentences <= MAX_SENTENCES:
            raise ContentError(path, f"{where}.text", f"has {sentences} sentences; write 2 to 5")
        source = require(path, item, "source", dict, where)
        article = require(path, source, "article", str, f"{where}.source")
        external = source.get("external")
        if external is not None and not (isinstance(external, str) and external.strip()):
            raise ContentError(path, f"{where}.source.external", "must be text when given")
        entities = string_list(path, item, "entities", where)
        unknown = set(entities) - known_entity_values
        if unknown:
            raise ContentError(path, f"{where}.entities", f"unknown values {sorted(unknown)}; see {ENTITIES_FILE.name}")
        related = string_list(path, item, "related", where)
        if set(related) - topics:
            raise ContentError(path, f"{where}.related", f"unknown topics {sorted(set(related) - topics)}")
        questions = require(path, item, "questions", list, where)
        if not all(isinstance(q, str) and q.strip() for q in questions):
            raise ContentError(path, f"{where}.questions", "must be a list of questions")
        entries.append(
            Entry(entry_id, intent, entities, tuple(questions), text, article, external, related)
        )
    return entries


def _check_whole(directory: Path, entries: List[Entry], titles: Dict[str, str]) -> None:
    seen: Set[str] = set()
    for entry in entries:
        if entry.id in seen:
            raise ContentError(directory, f"id {entry.id}", "is used by two entries")
        seen.add(entry.id)
    uncovered = set(titles) - {entry.intent for entry in entries}
    if uncovered:
        raise ContentError(directory / TOPICS_FILE, "topics", f"no entry answers {sorted(uncovered)}")


def domain_intents(path: Path = DOMAIN_FILE) -> Set[str]:
    """Intent names declared in the domain."""
    intents = require(path, load_yaml(path), "intents", list)
    return {next(iter(i)) if isinstance(i, dict) else i for i in intents}


def entity_values(path: Path = ENTITIES_FILE) -> Set[str]:
    """Canonical entity values: the `synonym:` names of data/nlu/entities.yml."""
    nlu = require(path, load_yaml(path), "nlu", list)
    return {item["synonym"] for item in nlu if isinstance(item, dict) and "synonym" in item}
