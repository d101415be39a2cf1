"""One real assistant with every channel switched on, shared by the channel tests.

The Rasa server and action server run as `make run` runs them, with the
credentials file written by channels/credentials.py from credentials.yml and
the Slack and Telegram variables set here; the website is served by
web/serve.py and allowed by `--cors`. Only the vendors' APIs are stand-ins
(vendor_api.py), reached through SLACK_API_URL and TELEGRAM_API_URL.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest

from channel_settings import SLACK_SIGNING_SECRET, SLACK_TOKEN, TELEGRAM_SECRET, TELEGRAM_TOKEN
from servers import BIN, ROOT, Process, Stack, free_port
from vendor_api import VendorAPI


@dataclass
class ChannelStack:
    stack: Stack
    vendor: VendorAPI
    web_url: str
    env: Dict[str, str]


@pytest.fixture(scope="session")
def vendor_api():
    api = VendorAPI().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def channel_stack(tmp_path_factory, vendor_api):
    work_dir: Path = tmp_path_factory.mktemp("channels")
    web_port = free_port()
    web_url = f"http://127.0.0.1:{web_port}"
    env = {
        "SLACK_BOT_TOKEN": SLACK_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": vendor_api.slack_url,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": vendor_api.telegram_url,
    }
    stack = Stack(work_dir, env=env, rasa_args=["--cors", web_url])
    web = Process(
        "web", [str(BIN / "python"), str(ROOT / "web" / "serve.py"), "--port", str(web_port), "--rasa-url", stack.url],
        work_dir,
    )
    try:
        stack.start()
        web.start().wait_until(f"{web_url}/health")
        yield ChannelStack(stack, vendor_api, web_url, env)
    finally:
        web.stop()
        stack.stop()
