"""`make eval`: held-out NLU evaluation, threshold tuning, tokenizer comparison.

- Runs `rasa test nlu` on the held-out split (tests/nlu/, never trained on) and
  keeps Rasa's reports and confusion-matrix PNG in results/nlu/.
- Tunes the thresholds on the same split: the FallbackClassifier threshold
  (below it, NLU is "unsure") and the knowledge-base search threshold (below
  it, the search declines to answer), printing a table for each.
- With --compare-tokenizers, trains NLU-only models with WhitespaceTokenizer
  (our config.yml) and with spaCy (SpacyNLP loading the blank English pipeline
  with lookup lemmas that `python -m assistant.nlp` builds, SpacyTokenizer,
  lemmas feeding the featurizers), and scores both on the split.
"""
import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RASA = str(ROOT / ".venv" / "bin" / "rasa")
MODEL = ROOT / "models" / "faq-assistant.tar.gz"
HELDOUT = ROOT / "tests" / "nlu"
RESULTS = ROOT / "results"


def rasa_test_nlu(model: Path, out: Path) -> Dict[str, float]:
    """Run `rasa test nlu` on the held-out split; accuracy and macro F1."""
    subprocess.run(
        [RASA, "test", "nlu", "--nlu", str(HELDOUT), "--model", str(model), "--out", str(out)],
        cwd=ROOT, check=True, stdout=subprocess.DEVNULL,
    )
    report = json.loads((out / "intent_report.json").read_text())
    return {"accuracy": report["accuracy"], "macro_f1": report["macro avg"]["f1-score"]}


def heldout_examples() -> List[Tuple[str, str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(HELDOUT))
    return [(m.get("text"), m.get("intent")) for m in data.intent_examples]


async def parse_all(model: Path, examples: List[Tuple[str, str]]) -> List[dict]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(text) for text, _ in examples]


def tune_fallback(examples, parses) -> None:
    """How often NLU answers, and answers wrongly, at each threshold."""
    print("\nFallbackClassifier threshold (held-out split):")
    print(f"{'threshold':>9} {'answered':>9} {'right when answered':>20} {'confident & wrong':>18}")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        answered = right = 0
        for (_, gold), parse in zip(examples, parses):
            ranking = [r for r in parse.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
            top = ranking[0] if ranking else {"name": None, "confidence": 0.0}
            if top["confidence"] >= threshold:
                answered += 1
                right += top["name"] == gold
        print(f"{threshold:>9.1f} {answered / len(examples):>9.1%} {right / max(answered, 1):>20.1%} {(answered - right) / len(examples):>18.1%}")


def tune_search(examples) -> None:
    """Precision of the KB search on topic questions, and its refusals on out-of-scope ones."""
    from assistant.knowledge_base import KnowledgeBase

    kb = KnowledgeBase.load()
    scored = []
    for text, gold in examples:
        if gold in kb.topic_titles or gold == "out_of_scope":
            score, entry = kb.search(text, limit=1)[0]
            scored.append((gold, score, entry.intent))
    topical = [s for s in scored if s[0] != "out_of_scope"]
    unrelated = [s for s in scored if s[0] == "out_of_scope"]
    print("\nKnowledge-base search threshold (held-out topic questions vs out-of-scope):")
    print(f"{'threshold':>9} {'topic answered':>15} {'right when answered':>20} {'out-of-scope answered':>22}")
    for threshold in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
        answered = [s for s in topical if s[1] >= threshold]
        right = sum(gold == intent for gold, _, intent in answered)
        wrongly = sum(s[1] >= threshold for s in unrelated)
        print(f"{threshold:>9.1f} {len(answered) / len(topical):>15.1%} {right / max(len(answered), 1):>20.1%} {wrongly / max(len(unrelated), 1):>22.1%}")


def spacy_config(out: Path) -> Path:
    """config.yml with spaCy's tokenizer and lemmas instead of whitespace."""
    from assistant.nlp import DEFAULT_PIPELINE_PATH, build_pipeline

    if not (ROOT / DEFAULT_PIPELINE_PATH / "config.cfg").exists():
        build_pipeline().to_disk(ROOT / DEFAULT_PIPELINE_PATH)
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    pipeline = [c for c in config["pipeline"] if c["name"] != "WhitespaceTokenizer"]
    config["pipeline"] = [{"name": "SpacyNLP", "model": str(DEFAULT_PIPELINE_PATH)}, {"name": "SpacyTokenizer"}] + pipeline
    out.write_text(yaml.safe_dump(config, sort_keys=False))
    return out


def compare_tokenizers() -> None:
    print("\nTokenizer comparison (NLU-only models, held-out split):")
    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        configs = {"WhitespaceTokenizer (config.yml)": ROOT / "config.yml",
                   "SpacyTokenizer + lemmas": spacy_config(Path(tmp) / "config_spacy.yml")}
        for label, config in configs.items():
            name = label.split()[0].lower()
            start = time.monotonic()
            subprocess.run([RASA, "train", "nlu", "--config", str(config), "--nlu", "data/nlu",
                            "--out", tmp, "--fixed-model-name", name], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
            rows[label] = {**rasa_test_nlu(Path(tmp) / f"{name}.tar.gz", RESULTS / f"nlu-{name}"),
                           "train_seconds": round(time.monotonic() - start)}
    for label, row in rows.items():
        print(f"  {label:<28} accuracy {row['accuracy']:.3f}  macro F1 {row['macro_f1']:.3f}  (train {row['train_seconds']} s)")
    (RESULTS / "tokenizer_comparison.json").write_text(json.dumps(rows, indent=2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--compare-tokenizers", action="store_true", help="also train and score both tokenizers (slow)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    scores = rasa_test_nlu(MODEL, RESULTS / "nlu")
    print(f"Held-out intent accuracy {scores['accuracy']:.3f}, macro F1 {scores['macro_f1']:.3f}"
          f" (reports and intent_confusion_matrix.png in {RESULTS / 'nlu'})")
    examples = heldout_examples()
    tune_fallback(examples, asyncio.run(parse_all(MODEL, examples)))
    tune_search(examples)
    if args.compare_tokenizers:
        compare_tokenizers()


if __name__ == "__main__":
    main()
