"""web/serve.py: the page with the region's crisis numbers, the widget's
config, and nothing but its fixed files, each with a strict policy."""
import json
import urllib.error
import urllib.request

import pytest

from assistant.helplines import load_region
from servers import BIN, ROOT, Process, free_port

RASA_URL = "http://localhost:5005"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    port = free_port()
    server = Process("web", [str(BIN / "python"), str(ROOT / "web" / "serve.py"), "--port", str(port),
                             "--rasa-url", RASA_URL], tmp_path_factory.mktemp("web"))
    server.start().wait_until(f"http://127.0.0.1:{port}/health", timeout=120)
    yield f"http://127.0.0.1:{port}"
    server.stop()


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_page_shows_the_regions_crisis_lines_and_loads_only_local_scripts(site):
    status, headers, body = get(site + "/")
    page = body.decode()
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    region = load_region()
    for line in region.crisis_lines:
        assert line.name.replace("&", "&amp;") in page and line.contact in page
    assert region.emergency in page and "Not medical advice" in page
    assert "{{" not in page
    assert '<script src="/vendor/rasa-webchat.js"></script>' in page and "cdn" not in page.lower()


def test_every_response_carries_the_policy(site):
    for path in ("/", "/app.js", "/config.js", "/style.css", "/vendor/rasa-webchat.js", "/nope"):
        _, headers, _ = get(site + path)
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "default-src 'none'" in policy
        assert f"connect-src 'self' {RASA_URL} ws://localhost:5005" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_widget_config_points_at_the_rasa_server(site):
    status, _, body = get(site + "/config.js")
    assert status == 200
    assert json.loads(body.decode().split("=", 1)[1].strip().rstrip(";")) == {"socketUrl": RASA_URL}


def test_widget_bundle_is_served_locally_without_third_party_imports(site):
    status, _, body = get(site + "/vendor/rasa-webchat.js")
    assert status == 200 and b"WebChat" in body and len(body) > 100_000
    assert b"fonts.googleapis.com" not in body


@pytest.mark.parametrize("path", ["/serve.py", "/package.json", "/public/index.html", "/../credentials.yml",
                                  "/node_modules/rasa-webchat/package.json", "/e2e/widget.mjs"])
def test_nothing_else_is_served(site, path):
    status, _, _ = get(site + path)
    assert status == 404
