"""scripts/run.sh: Rasa's HTTP API is off unless RASA_API_TOKEN is set; CORS allows only SITE_ORIGIN (REST and socket.io)."""
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from servers import ROOT, Process, free_port

OTHER_SITE = "https://chat.example.org"
EVIL = "https://evil.example.com"


def request(method, url, headers=None, data=None):
    """(status, headers, body) of one request; never raises on 4xx/5xx."""
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


class RunScript:
    """scripts/run.sh on free ports, with its own endpoints file (no shared database)."""

    def __init__(self, work_dir, env):
        work_dir.mkdir(parents=True, exist_ok=True)
        self.port, actions_port, web_port = free_port(), free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # run.sh's default SITE_ORIGIN: the website it serves with the chat widget
        self.default_site = f"http://localhost:{web_port}"
        endpoints = work_dir / "endpoints.yml"
        endpoints.write_text(
            f'action_endpoint:\n  url: "http://127.0.0.1:{actions_port}/webhook"\n'
            "nlg:\n  type: assistant.nlg.HelplineNLG\n"
        )
        self.process = Process("run", [str(ROOT / "scripts" / "run.sh")], work_dir, {
            "RASA_PORT": str(self.port), "ACTIONS_PORT": str(actions_port), "WEB_PORT": str(web_port),
            "RASA_ENDPOINTS": str(endpoints),
            "RASA_API_TOKEN": "", "SITE_ORIGIN": "", **env,
        })

    def start(self):
        self.process.start()
        self.process.wait_until(f"{self.url}/webhooks/rest/")
        return self


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    """run.sh as shipped (no token, default origin: the site it serves) and with a token and another site."""
    plain = RunScript(tmp_path_factory.mktemp("run-plain"), {})
    secured = RunScript(tmp_path_factory.mktemp("run-token"), {"RASA_API_TOKEN": "s3cret-token", "SITE_ORIGIN": OTHER_SITE})
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(RunScript.start, [plain, secured]))
        yield plain, secured
    finally:
        for server in (plain, secured):
            server.process.stop()


def test_without_a_token_the_http_api_is_off(servers):
    plain, _ = servers
    for path in ("/status", "/conversations/someone/tracker", "/model/parse"):
        method = "POST" if path == "/model/parse" else "GET"
        status, _, _ = request(method, plain.url + path, {"Content-Type": "application/json"}, b'{"text": "hi"}' if method == "POST" else None)
        assert status == 404, path
    # the chat channel itself works
    status, _, body = request("POST", plain.url + "/webhooks/rest/webhook", {"Content-Type": "application/json"},
                              b'{"sender": "api-off", "message": "hello"}')
    assert status == 200 and b"depression and neck pain" in body


def test_with_a_token_the_http_api_needs_it(servers):
    _, secured = servers
    assert request("GET", secured.url + "/status")[0] == 401
    assert request("GET", secured.url + "/status?token=wrong")[0] == 401
    assert request("GET", secured.url + "/conversations/x/tracker")[0] == 401
    status, _, body = request("GET", secured.url + "/status?token=s3cret-token")
    assert status == 200 and b"model_file" in body


def cors_origin(server, origin, path="/webhooks/rest/webhook"):
    """Access-Control-Allow-Origin of a browser's preflight from `origin`."""
    status, headers, _ = request("OPTIONS", server.url + path, {
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
    })
    assert status < 500
    return headers.get("Access-Control-Allow-Origin")


def socketio_handshake(server, origin):
    status, headers, _ = request("GET", server.url + "/socket.io/?EIO=4&transport=polling", {"Origin": origin})
    return status, headers.get("Access-Control-Allow-Origin")


def test_cors_allows_only_the_default_site_origin(servers):
    plain, _ = servers
    site = plain.default_site
    assert cors_origin(plain, site) == site
    assert cors_origin(plain, EVIL) is None
    assert cors_origin(plain, OTHER_SITE) is None
    status, headers, _ = request("POST", plain.url + "/webhooks/rest/webhook",
                                 {"Content-Type": "application/json", "Origin": EVIL}, b'{"sender": "c", "message": "hi"}')
    assert headers.get("Access-Control-Allow-Origin") is None
    assert socketio_handshake(plain, site) == (200, site)
    assert socketio_handshake(plain, EVIL)[0] == 400


def test_cors_follows_site_origin(servers):
    _, secured = servers
    site = secured.default_site
    assert cors_origin(secured, OTHER_SITE) == OTHER_SITE
    assert cors_origin(secured, site) is None
    assert socketio_handshake(secured, OTHER_SITE) == (200, OTHER_SITE)
    assert socketio_handshake(secured, site)[0] == 400
    assert socketio_handshake(secured, EVIL)[0] == 400
    # clients that are not browsers (no Origin header) still connect
    status, _, _ = request("GET", secured.url + "/socket.io/?EIO=4&transport=polling")
    assert status == 200
