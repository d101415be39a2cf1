"""Starting the real Rasa and action servers for end-to-end tests."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any, Dict, List, Optional

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
MODEL = ROOT / "models" / "faq-assistant.tar.gz"
START_TIMEOUT = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: Any = None, headers: Optional[Dict[str, str]] = None, timeout: float = 60):
    """(status, parsed JSON or text) of one request; never raises on 4xx/5xx."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


def write_credentials(path: Path, env: Dict[str, str]) -> None:
    """credentials.yml plus the channels `env` switches on, written by
    channels/credentials.py as scripts/run.sh writes it."""
    result = subprocess.run(
        [str(BIN / "python"), "-m", "channels.credentials", str(path)],
        cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"channels.credentials failed: {result.stderr}")


class Process:
    """A server process whose output goes to a log file under the test's tmp dir."""

    def __init__(self, name: str, args: List[str], log_dir: Path, env: Optional[Dict[str, str]] = None) -> None:
        self.name, self.args, self.log_path = name, args, log_dir / f"{name}.log"
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
        self.popen: Optional[subprocess.Popen] = None

    def start(self) -> "Process":
        self.log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.args, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        return self

    def wait_until(self, url: str, timeout: float = START_TIMEOUT) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.popen.returncode}; log:\n{self.tail()}")
            try:
                with urllib.request.urlopen(url, timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, socket.timeout):
                time.sleep(0.5)
        raise TimeoutError(f"{self.name} not ready at {url} after {timeout}s; log:\n{self.tail()}")

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        if self.popen:
            self.log.close()


class Stack:
    """An action server and a Rasa server wired together, on free ports."""

    def __init__(self, work_dir: Path, env: Optional[Dict[str, str]] = None,
                 credentials: Optional[str] = None, endpoints_extra: str = "", rasa_args: Optional[List[str]] = None,
                 endpoints_file: Optional[Path] = None) -> None:
        """`endpoints_extra` is appended to the generated endpoints.yml (e.g. a
        tracker store); `endpoints_file` replaces it (e.g. deploy/endpoints.yml),
        with ACTION_ENDPOINT_URL set to this stack's action server."""
        work_dir.mkdir(parents=True, exist_ok=True)
        self.work_dir = work_dir
        self.rasa_port, self.actions_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.rasa_port}"
        actions_url = f"http://127.0.0.1:{self.actions_port}/webhook"
        env = {**(env or {}), "ACTION_ENDPOINT_URL": actions_url}
        endpoints = endpoints_file or work_dir / "endpoints.yml"
        if not endpoints_file:
            endpoints.write_text(
                f'action_endpoint:\n  url: "{actions_url}"\n'
                f"nlg:\n  type: assistant.nlg.HelplineNLG\n{endpoints_extra}"
            )
        credentials_path = work_dir / "credentials.yml"
        if credentials is not None:
            credentials_path.write_text(credentials)
        else:
            write_credentials(credentials_path, {**os.environ, **env})
        self.actions = Process(
            "actions", [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.actions_port)],
            work_dir, env,
        )
        self.rasa = Process(
            "rasa",
            [str(BIN / "rasa"), "run", "--model", str(MODEL), "--endpoints", str(endpoints),
             "--credentials", str(credentials_path), "--port", str(self.rasa_port), *(rasa_args or [])],
            work_dir, env,
        )

    def start(self) -> "Stack":
        self.actions.start()
        self.rasa.start()
        self.actions.wait_until(f"http://127.0.0.1:{self.actions_port}/health")
        self.rasa.wait_until(f"{self.url}/webhooks/rest/")
        return self

    def stop(self) -> None:
        self.rasa.stop()
        self.actions.stop()

    def restart_rasa(self) -> None:
        """Stop the Rasa server and start it again on the same port."""
        self.rasa.stop()
        self.rasa.start()
        self.rasa.wait_until(f"{self.url}/webhooks/rest/")

    def start_actions(self) -> None:
        """Start the action server again after `stack.actions.stop()`."""
        self.actions.start()
        self.actions.wait_until(f"http://127.0.0.1:{self.actions_port}/health")

    def say(self, sender: str, text: str) -> List[Dict[str, Any]]:
        """Post one message to the REST channel; the bot's replies."""
        status, replies = http("POST", f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": text})
        assert status == 200, (status, replies)
        return replies


def reply_text(replies: List[Dict[str, Any]]) -> str:
    return "\n".join(r.get("text", "") for r in replies)
