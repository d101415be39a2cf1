"""The credentials file Rasa runs with: Slack and Telegram only when their
variables are set, secrets never written, and every channel buildable offline."""
import subprocess

import yaml

from channel_settings import SLACK_SIGNING_SECRET, SLACK_TOKEN, TELEGRAM_SECRET, TELEGRAM_TOKEN
from servers import BIN, ROOT
from vendor_api import VendorAPI



def generate(tmp_path, **variables):
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **variables}
    out = tmp_path / "credentials.yml"
    result = subprocess.run([str(BIN / "python"), "-m", "channels.credentials", str(out)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    return result, (yaml.safe_load(out.read_text()) if out.exists() else None), (out.read_text() if out.exists() else "")


def all_variables(api_base: str = "") -> dict:
    variables = {
        "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN, "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
    }
    if api_base:
        variables.update(SLACK_API_URL=f"{api_base}/slack/api/", TELEGRAM_API_URL=f"{api_base}/telegram")
    return variables


def test_default_run_has_only_the_channels_of_credentials_yml(tmp_path):
    result, credentials, _ = generate(tmp_path)
    assert result.returncode == 0, result.stderr
    assert credentials == yaml.safe_load((ROOT / "credentials.yml").read_text())
    assert not any("slack" in key or "telegram" in key for key in credentials)


def test_slack_and_telegram_are_switched_on_by_their_variables_without_writing_secrets(tmp_path):
    result, credentials, text = generate(tmp_path, **all_variables(), SLACK_CHANNEL="C0BOTS0001")
    assert result.returncode == 0, result.stderr
    assert credentials["channels.slack.SlackInput"] == {
        "slack_token": "${SLACK_BOT_TOKEN}", "slack_signing_secret": "${SLACK_SIGNING_SECRET}",
        "use_threads": False, "slack_channel": "C0BOTS0001",
    }
    assert credentials["channels.telegram.TelegramInput"] == {
        "access_token": "${TELEGRAM_BOT_TOKEN}", "secret_token": "${TELEGRAM_SECRET_TOKEN}",
    }
    for secret in all_variables().values():
        assert secret not in text
    assert "slack (/webhooks/slack/webhook)" in result.stderr and "telegram (/webhooks/telegram/webhook)" in result.stderr


def test_a_half_configured_channel_stops_with_what_is_missing(tmp_path):
    result, _, _ = generate(tmp_path, SLACK_BOT_TOKEN=SLACK_TOKEN)
    assert result.returncode == 2 and "SLACK_SIGNING_SECRET" in result.stderr
    result, _, _ = generate(tmp_path, TELEGRAM_SECRET_TOKEN=TELEGRAM_SECRET)
    assert result.returncode == 2 and "TELEGRAM_BOT_TOKEN" in result.stderr
    # Telegram accepts only A-Z, a-z, 0-9, _ and - in the secret
    result, _, _ = generate(tmp_path, TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, TELEGRAM_SECRET_TOKEN="not a valid secret!")
    assert result.returncode == 2 and "TELEGRAM_SECRET_TOKEN" in result.stderr
    result, _, _ = generate(tmp_path, SLACK_BOT_TOKEN=SLACK_TOKEN, SLACK_SIGNING_SECRET=SLACK_SIGNING_SECRET,
                            SLACK_USE_THREADS="maybe")
    assert result.returncode == 2 and "SLACK_USE_THREADS" in result.stderr


def test_rasa_builds_every_channel_of_the_file_without_calling_a_vendor(tmp_path, monkeypatch):
    # What `rasa run --credentials` does at start-up: read the file (expanding
    # the ${VAR}s) and build each channel's webhook. Rasa's own Telegram
    # connector calls setWebhook here; ours calls nothing.
    from rasa.core.run import create_http_input_channels

    api = VendorAPI().start()
    try:
        variables = all_variables(api.url)
        result, _, _ = generate(tmp_path, **variables)
        assert result.returncode == 0, result.stderr
        for name, value in variables.items():
            monkeypatch.setenv(name, value)
        channels = create_http_input_channels(None, str(tmp_path / "credentials.yml"))

        async def on_new_message(message):
            pass

        blueprints = {channel.name(): channel.blueprint(on_new_message) for channel in channels}
        assert set(blueprints) == {"rest", "socketio", "slack", "telegram"}
        assert api.calls == []
    finally:
        api.stop()
