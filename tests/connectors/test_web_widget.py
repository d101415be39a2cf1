"""The website's chat widget end to end, in Debian's Chromium (headless).

web/e2e/widget.mjs (playwright-core) opens the page served by web/serve.py,
opens the rasa-webchat widget, asks an article question, clicks a quick
reply, sends a message of HTML and script, and reports what it saw; this
test checks the report against the knowledge base. The screenshot is kept in
results/ (git-ignored). Nothing is downloaded: the browser is Debian's
(scripts/install_browser.sh), the widget comes from web/node_modules.
"""
import json
import subprocess
from urllib.parse import urlsplit

from actions.actions import KNOWLEDGE_BASE
from assistant.helplines import load_region
from servers import ROOT

SCREENSHOT = ROOT / "results" / "web-widget.png"
REPORT = ROOT / "results" / "web-widget.json"
QUESTION = "How are depression and neck pain related?"
HOSTILE = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'


def topics_of(text: str) -> set:
    return {entry.intent for entry in KNOWLEDGE_BASE.entries if entry.text in text}


def run_browser(channel_stack, capsys) -> dict:
    install = subprocess.run(["bash", str(ROOT / "scripts" / "install_browser.sh")],
                             capture_output=True, text=True, timeout=1800)
    assert install.returncode == 0, install.stdout + install.stderr
    assert (ROOT / "web" / "node_modules" / "playwright-core").is_dir(), "run scripts/setup.sh (npm ci in web/)"
    SCREENSHOT.parent.mkdir(exist_ok=True)
    SCREENSHOT.unlink(missing_ok=True)
    options = {"url": channel_stack.web_url, "question": QUESTION, "hostile": HOSTILE,
               "screenshot": str(SCREENSHOT), "timeoutMs": 240000}
    result = subprocess.run(["node", str(ROOT / "web" / "e2e" / "widget.mjs"), json.dumps(options)],
                            cwd=ROOT, capture_output=True, text=True, timeout=1500)
    REPORT.write_text(result.stdout)
    with capsys.disabled():
        print(f"\nweb widget screenshot: {SCREENSHOT}\nbrowser report: {REPORT}")
    assert result.returncode == 0 and result.stdout.strip(), result.stdout[-6000:] + result.stderr[-3000:]
    return json.loads(result.stdout)


def test_visitor_asks_a_question_clicks_a_quick_reply_and_nothing_injected_runs(channel_stack, capsys):
    report = run_browser(channel_stack, capsys)
    steps = {step["name"]: step for step in report["steps"]}

    # the page: title, intro, "not medical advice", the region's crisis numbers in view
    page = steps["page"]
    region = load_region()
    assert "Depression and neck pain" in page["title"] and page["h1"]
    assert "Not medical advice" in page["disclaimer"]
    assert region.emergency in page["crisis"] and page["crisisVisible"]
    assert all(line.name in page["crisis"] and line.contact in page["crisis"] for line in region.crisis_lines)

    # the widget greets, then answers the article question with its source
    assert "isn't medical advice" in " ".join(steps["greeting"]["responses"])
    answer = steps["answer"]
    assert topics_of(answer["answer"]) == {"ask_link"}, answer
    # its related topics are quick replies; clicking one asks about that topic
    titles = {title: topic for topic, title in KNOWLEDGE_BASE.topic_titles.items()}
    assert answer["buttons"] and set(answer["buttons"]) <= set(titles), answer["buttons"]
    button = steps["button"]
    assert topics_of(button["followUp"]) == {titles[button["clicked"]]}, button
    assert button["userMessages"][-1] == button["clicked"]  # the click shows as the visitor's message

    # HTML and script typed by the visitor are shown as text and run nothing
    hostile = steps["hostile message"]
    assert (hostile["shownAsText"], hostile["injectedElements"], hostile["xss"]) == (True, 0, None), hostile
    # and whatever reached the page, the Content-Security-Policy stops it,
    # while it never got in the widget's way
    assert steps["csp"]["xss"] is None and len(steps["csp"]["blocked"]) >= 2, steps["csp"]
    assert steps["csp"]["before"] == [], steps["csp"]
    assert not report["dialogs"]

    # everything was served locally (the Rasa server and our web server), no CDN
    hosts = {urlsplit(url).hostname for url in report["requests"] if urlsplit(url).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {"127.0.0.1"}, hosts
    assert SCREENSHOT.is_file() and SCREENSHOT.stat().st_size > 10_000
