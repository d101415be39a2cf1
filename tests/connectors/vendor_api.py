"""A stand-in for the vendors' APIs, the only thing these tests replace.

One local HTTP server answers the calls that the assistant makes to Slack's
Web API (`<url>/slack/api/chat.postMessage`, ...) and Telegram's Bot API
(`<url>/telegram/bot<token>/sendMessage`, ...) the way the vendors do, and
records each call. The Rasa server is pointed at it with SLACK_API_URL and
TELEGRAM_API_URL; everything else runs for real.
"""
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from typing import Any, Callable, Dict, List
from urllib.parse import parse_qs

WAIT_TIMEOUT = 240  # seconds: a reply on a loaded 2-core machine can be slow


@dataclass
class Call:
    vendor: str  # "slack" or "telegram"
    method: str  # e.g. "chat.postMessage", "sendMessage"
    body: Dict[str, Any]
    headers: Dict[str, str]
    token: str = ""  # Telegram: the bot token in the URL
    at: float = field(default_factory=time.monotonic)


class VendorAPI:
    def __init__(self) -> None:
        self.calls: List[Call] = []
        self._changed = threading.Condition()
        self._message_ids = count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.slack_url = f"{self.url}/slack/api/"
        self.telegram_url = f"{self.url}/telegram"

    def start(self) -> "VendorAPI":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def matching(self, predicate: Callable[[Call], bool]) -> List[Call]:
        with self._changed:
            return [call for call in self.calls if predicate(call)]

    def wait_for(self, predicate: Callable[[Call], bool], count_: int = 1, timeout: float = WAIT_TIMEOUT) -> List[Call]:
        """The calls matching `predicate`, once there are at least `count_` of them."""
        with self._changed:
            if not self._changed.wait_for(lambda: len([c for c in self.calls if predicate(c)]) >= count_, timeout):
                raise AssertionError(
                    f"no {count_} matching call(s) to the vendor API after {timeout}s; calls: "
                    + json.dumps([(c.vendor, c.method, c.body) for c in self.calls], default=str)[-3000:]
                )
            return [call for call in self.calls if predicate(call)]

    def _record(self, call: Call) -> None:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()

    def _answer(self, call: Call) -> Any:
        if call.vendor == "slack":
            if call.method == "chat.postMessage":
                return {"ok": True, "channel": call.body.get("channel"), "ts": f"{time.time():.6f}",
                        "message": {"type": "message", "text": call.body.get("text", ""), "bot_id": "B0FAKEBOT"}}
            return {"ok": True}
        if call.method == "sendMessage":
            return {"ok": True, "result": {
                "message_id": next(self._message_ids), "date": int(time.time()),
                "chat": {"id": int(call.body["chat_id"]), "type": "private"},
                "from": {"id": 1, "is_bot": True, "first_name": "FAQ assistant", "username": "faq_test_bot"},
                "text": call.body.get("text", ""),
            }}
        if call.method in ("answerCallbackQuery", "setWebhook", "deleteWebhook"):
            return {"ok": True, "result": True}
        if call.method == "getMe":
            return {"ok": True, "result": {"id": 1, "is_bot": True, "first_name": "FAQ assistant", "username": "faq_test_bot"}}
        return None

    def _handler(self) -> type:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                content_type = self.headers.get("Content-Type", "")
                if content_type.startswith("application/json"):
                    body = json.loads(raw or b"{}")
                else:  # form-encoded, as aiogram and some slack_sdk calls send
                    body = {key: values[-1] for key, values in parse_qs(raw.decode()).items()}
                parts = self.path.strip("/").split("/")
                if parts[0] == "slack" and len(parts) == 3:
                    call = Call("slack", parts[2], body, dict(self.headers))
                elif parts[0] == "telegram" and len(parts) == 3 and parts[1].startswith("bot"):
                    call = Call("telegram", parts[2], body, dict(self.headers), token=parts[1][3:])
                else:
                    call = Call("unknown", self.path, body, dict(self.headers))
                api._record(call)
                answer = api._answer(call)
                status = 200 if answer is not None else 404
                payload = json.dumps(answer or {"ok": False, "error_code": 404, "description": "Not Found"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *_: Any) -> None:
                pass

        return Handler
