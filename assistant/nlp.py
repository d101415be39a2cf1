"""The spaCy pipeline shared by the safety net and knowledge-base retrieval.

No trained `en_core_web_*` pipeline can be downloaded here (and Rasa 3.6 needs
spaCy < 3.5), so we build a blank English pipeline with spaCy's rule-based
tokenizer and the lookup lemmatizer from `spacy-lookups-data`. Saved to disk
(`python -m assistant.nlp`), `SpacyNLP` can load it too: `make eval` with
--compare-tokenizers trains the NLU pipeline that way against config.yml's
WhitespaceTokenizer.
"""
import argparse
import functools
from pathlib import Path
from typing import List

import spacy
from spacy.language import Language

DEFAULT_PIPELINE_PATH = Path("models/spacy-en-lookup")


def build_pipeline() -> Language:
    """A blank English pipeline whose tokens carry lookup lemmas."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@functools.lru_cache(maxsize=1)
def shared_pipeline() -> Language:
    """One pipeline per process: building it loads the lookup tables."""
    return build_pipeline()


def lemmas(text: str) -> List[str]:
    """Lower-case lemmas of the word tokens of `text` (punctuation dropped)."""
    return [
        token.lemma_.lower()
        for token in shared_pipeline()(text)
        if not (token.is_punct or token.is_space)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", nargs="?", type=Path, default=DEFAULT_PIPELINE_PATH)
    args = parser.parse_args()
    build_pipeline().to_disk(args.path)
    print(f"spaCy pipeline (blank English + lookup lemmatizer) saved to {args.path}")


if __name__ == "__main__":
    main()
