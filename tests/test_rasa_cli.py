"""Rasa's own checks on the project: data validation, conversation tests, held-out NLU."""
import json
import subprocess

from servers import BIN, MODEL, ROOT

# Held-out macro F1 must not fall below this (`make eval` measured 0.892).
MIN_MACRO_F1 = 0.85


def rasa(*args: str, tmp_path=None) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "rasa"), *args], cwd=ROOT, capture_output=True, text=True, timeout=900)


def test_rasa_data_validate_passes():
    result = rasa("data", "validate", "--data", "data", "--domain", "domain.yml", "--config", "config.yml")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_conversation_stories_have_no_prediction_errors(tmp_path):
    result = rasa(
        "test", "core", "--stories", "tests/test_stories.yml", "--model", str(MODEL),
        "--fail-on-prediction-errors", "--out", str(tmp_path),
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert (tmp_path / "failed_test_stories.yml").read_text().strip().endswith("# None of the test stories failed - all good!")


def test_heldout_nlu_macro_f1(tmp_path):
    result = rasa("test", "nlu", "--nlu", "tests/nlu", "--model", str(MODEL), "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((tmp_path / "intent_report.json").read_text())
    f1 = report["macro avg"]["f1-score"]
    print(f"held-out intent accuracy {report['accuracy']:.3f}, macro F1 {f1:.3f}")
    assert f1 >= MIN_MACRO_F1
