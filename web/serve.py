"""Serves the website with the chat widget (web/public) on its own port.

    python web/serve.py [--host 127.0.0.1] [--port 8080] [--rasa-url http://localhost:5005]

A few fixed files, nothing else: the page, its script, style and icon, the
rasa-webchat bundle from web/node_modules (installed by scripts/setup.sh;
no CDN, and without its Google Fonts import), and /config.js, which tells the widget where Rasa's socket.io
channel is. The page shows the crisis lines of the configured region
(content/safety/helplines.yml, HELPLINE_REGION), filled in here so the
numbers are written in one place only.

Every response carries a Content-Security-Policy that lets scripts come
from this server only: no inline script, no `javascript:` link and no
event-handler attribute can run, whatever text the widget is shown.
Rasa must allow this page's origin: `rasa run --cors http://localhost:8080`.
"""
import argparse
import html
import json
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Tuple
from urllib.parse import urlsplit

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent
sys.path.insert(0, str(ROOT))

from assistant.helplines import Region, load_region  # noqa: E402

PUBLIC = WEB / "public"
WEBCHAT_BUNDLE = WEB / "node_modules" / "rasa-webchat" / "lib" / "index.js"
FILES: Dict[str, Tuple[Path, str]] = {
    "/app.js": (PUBLIC / "app.js", "text/javascript; charset=utf-8"),
    "/style.css": (PUBLIC / "style.css", "text/css; charset=utf-8"),
    "/favicon.svg": (PUBLIC / "favicon.svg", "image/svg+xml"),
    "/vendor/rasa-webchat.js": (WEBCHAT_BUNDLE, "text/javascript; charset=utf-8"),
}
# rasa-webchat's CSS imports the Inter font from Google Fonts. Served as is,
# every visitor of a health site would call Google (the policy below blocks
# it anyway); the import is dropped and the widget uses the page's font.
THIRD_PARTY_IMPORTS = [b"@import url(https://fonts.googleapis.com/css?family=Inter:400,500,700&display=swap);"]


def read_file(path: Path) -> bytes:
    body = path.read_bytes()
    if path == WEBCHAT_BUNDLE:
        for line in THIRD_PARTY_IMPORTS:
            body = body.replace(line, b"")
    return body


def crisis_list(region: Region) -> str:
    """The region's crisis lines as escaped <li> items."""
    items = []
    for service in region.crisis_lines:
        line = f"<strong>{html.escape(service.name)}</strong>: {html.escape(service.contact)}"
        if service.url:
            href = service.url if "://" in service.url else f"https://{service.url}"
            line += f' (<a href="{html.escape(href)}" rel="noopener noreferrer">{html.escape(service.url)}</a>)'
        items.append(f"        <li>{line}</li>")
    return "\n".join(items)


def render_page(region: Region) -> bytes:
    page = (PUBLIC / "index.html").read_text()
    page = page.replace("{{emergency}}", html.escape(region.emergency))
    page = page.replace("{{crisis_lines}}", crisis_list(region))
    return page.encode()


def config_script(rasa_url: str) -> bytes:
    config = json.dumps({"socketUrl": rasa_url}).replace("<", "\\u003c")
    return f"window.FAQ_ASSISTANT = {config};\n".encode()


def content_security_policy(rasa_url: str) -> str:
    rasa = urlsplit(rasa_url)
    socket = f"{'wss' if rasa.scheme == 'https' else 'ws'}://{rasa.netloc}"
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",  # the widget injects its CSS in <style> tags
        "img-src 'self' data:",
        "font-src 'self' data:",
        f"connect-src 'self' {rasa.scheme}://{rasa.netloc} {socket}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ])


def make_handler(rasa_url: str, region: Region) -> type:
    page = render_page(region)
    config = config_script(rasa_url)
    policy = content_security_policy(rasa_url)

    class Handler(BaseHTTPRequestHandler):
        server_version = "faq-assistant-web"
        sys_version = ""

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            self.respond(include_body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self.respond(include_body=False)

        def respond(self, include_body: bool) -> None:
            path = urlsplit(self.path).path
            if path in ("/", "/index.html"):
                self.send(HTTPStatus.OK, "text/html; charset=utf-8", page, include_body)
            elif path == "/config.js":
                self.send(HTTPStatus.OK, "text/javascript; charset=utf-8", config, include_body)
            elif path == "/health":
                self.send(HTTPStatus.OK, "text/plain; charset=utf-8", b"ok\n", include_body)
            elif path in FILES and FILES[path][0].is_file():
                file, content_type = FILES[path]
                self.send(HTTPStatus.OK, content_type, read_file(file), include_body)
            elif path in FILES:
                message = f"{FILES[path][0].relative_to(ROOT)} is missing: run scripts/setup.sh (npm ci in web/)\n"
                self.send(HTTPStatus.SERVICE_UNAVAILABLE, "text/plain; charset=utf-8", message.encode(), include_body)
            else:
                self.send(HTTPStatus.NOT_FOUND, "text/plain; charset=utf-8", b"not found\n", include_body)

        def send(self, status: HTTPStatus, content_type: str, body: bytes, include_body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", policy)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if include_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quieter than the default
            if not str(args[1] if len(args) > 1 else "").startswith(("2", "3")):
                super().log_message(format, *args)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8080, help="port (default: 8080)")
    parser.add_argument("--rasa-url", default="http://localhost:5005",
                        help="the Rasa server as the browser reaches it (default: http://localhost:5005)")
    args = parser.parse_args()
    if not WEBCHAT_BUNDLE.is_file():
        print(f"warning: {WEBCHAT_BUNDLE.relative_to(ROOT)} is missing: run scripts/setup.sh", file=sys.stderr)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(args.rasa_url.rstrip("/"), load_region()))
    print(f"==> website with the chat widget: http://{'localhost' if args.host in ('127.0.0.1', '0.0.0.0') else args.host}:{args.port}"
          f" (widget talks to {args.rasa_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
