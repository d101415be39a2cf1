"""Writes the credentials file Rasa runs with: credentials.yml plus the
channels that environment variables switch on.

    python -m channels.credentials OUT [--base credentials.yml]

credentials.yml holds the channels that need no secrets (REST and the
website widget's socket.io). Slack and Telegram are added only when their
variables are set (see channels/slack.py and channels/telegram.py); their
secrets are written as `${VAR}` references that Rasa expands when it reads
the file, so no secret is ever written to disk. With none of them set, the
output is credentials.yml unchanged in meaning: the default run is offline.

scripts/run.sh and the test servers (tests/servers.py) both run Rasa with
the file written here. Exit status 2 means a channel is half-configured.
"""
import argparse
import os
import sys
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import yaml

from channels import ChannelConfigError

ROOT = Path(__file__).resolve().parent.parent
BASE = ROOT / "credentials.yml"
HEADER = (
    "# Written by channels/credentials.py from {base} and the environment:\n"
    "# do not edit; edit credentials.yml or set the variables in the Channels section of README.md.\n"
)


def env_channels(env: Mapping[str, str]) -> Dict[str, Dict[str, Any]]:
    """Credentials entries, keyed by class path, of the channels `env` switches on."""
    from channels import slack, telegram  # imports Rasa: only when needed

    entries = {}
    for module, input_channel in ((slack, slack.SlackInput), (telegram, telegram.TelegramInput)):
        credentials = module.credentials_from_env(env)
        if credentials is not None:
            entries[f"{module.__name__}.{input_channel.__name__}"] = credentials
    return entries


def effective_credentials(env: Mapping[str, str], base: Path = BASE) -> Dict[str, Any]:
    """The base file's channels plus the env-enabled ones."""
    credentials = yaml.safe_load(base.read_text()) or {}
    credentials.update(env_channels(env))
    return credentials


def write(out: Path, env: Mapping[str, str], base: Path = BASE) -> Dict[str, Any]:
    credentials = effective_credentials(env, base)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(HEADER.format(base=base.name) + yaml.safe_dump(credentials, sort_keys=False))
    return credentials


def describe(credentials: Dict[str, Any]) -> List[str]:
    """Channel names and their webhook paths, for the start-up message."""
    lines = []
    for key in credentials:
        name = key.split(".")[-1].replace("Input", "").lower()
        lines.append(f"{name} (/webhooks/{name}/webhook)" if name != "socketio" else "socketio (/socket.io)")
    return lines


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m channels.credentials", description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path, help="the file to write")
    parser.add_argument("--base", type=Path, default=BASE, help="the channels without secrets (default: credentials.yml)")
    args = parser.parse_args(argv)
    try:
        credentials = write(args.out, os.environ, args.base)
    except ChannelConfigError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"==> channels: {', '.join(describe(credentials))}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
