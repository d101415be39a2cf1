"""Retention: `python -m assistant.retention` purges old conversations from a real SQLite store."""
import asyncio
import os
import subprocess
import time

import yaml
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from servers import BIN, ROOT

DAY = 86400


def endpoints_with_sqlite(tmp_path):
    """The project's endpoints.yml, its SQLite file moved into tmp_path."""
    endpoints = yaml.safe_load((ROOT / "endpoints.yml").read_text())
    store = endpoints["tracker_store"]
    assert store["type"].endswith("SQLTrackerStore") and store["dialect"] == "sqlite", "endpoints.yml must default to SQLite"
    store["db"] = str(tmp_path / "conversations.db")
    path = tmp_path / "endpoints.yml"
    path.write_text(yaml.safe_dump(endpoints))
    return path, store["db"]


def session(start: float, text: str):
    return [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start + 1),
        ActionExecuted("action_listen", timestamp=start + 2),
        UserUttered(text, {"name": "greet", "confidence": 1.0}, timestamp=start + 3),
        ActionExecuted("utter_greet", timestamp=start + 4),
        BotUttered("Hi", timestamp=start + 5),
        ActionExecuted("action_listen", timestamp=start + 6),
    ]


def user_texts(tracker):
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def retention(*args, env=None):
    return subprocess.run(
        [str(BIN / "python"), "-m", "assistant.retention", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300, env=env,
    )


def test_purge_deletes_idle_conversations_and_old_sessions_only(tmp_path):
    endpoints, db = endpoints_with_sqlite(tmp_path)
    domain = Domain.from_path(ROOT / "domain.yml")
    store = SQLTrackerStore(domain, dialect="sqlite", db=db)
    now = time.time()
    conversations = {
        "idle-40-days": session(now - 40 * DAY, "old private xqzv"),
        "active-yesterday": session(now - DAY, "recent words"),
        "came-back": session(now - 40 * DAY, "first visit words") + session(now - DAY, "second visit words"),
        "idle-29-days": session(now - 29 * DAY, "within retention"),
    }
    for sender, events in conversations.items():
        asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    assert len(user_texts(asyncio.run(store.retrieve_full_tracker("came-back")))) == 2

    dry = retention("--endpoints", str(endpoints), "--days", "30", "--dry-run")
    assert dry.returncode == 0, dry.stderr[-2000:]
    assert "would delete 1 conversation(s)" in dry.stdout
    assert asyncio.run(store.retrieve("idle-40-days"))

    result = retention("--endpoints", str(endpoints), "--days", "30")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "deleted 1 conversation(s)" in result.stdout and "14 event(s)" in result.stdout, result.stdout
    assert "xqzv" not in result.stdout + result.stderr  # counts only, no message text

    assert asyncio.run(store.retrieve("idle-40-days")) is None
    assert set(asyncio.run(store.keys())) == {"active-yesterday", "came-back", "idle-29-days"}
    assert user_texts(asyncio.run(store.retrieve("active-yesterday"))) == ["recent words"]
    assert user_texts(asyncio.run(store.retrieve("idle-29-days"))) == ["within retention"]
    # the old session is gone; the current one, which Rasa loads, is intact
    assert user_texts(asyncio.run(store.retrieve_full_tracker("came-back"))) == ["second visit words"]
    assert user_texts(asyncio.run(store.retrieve("came-back"))) == ["second visit words"]


def test_retention_days_comes_from_the_environment_and_zero_keeps_everything(tmp_path):
    endpoints, db = endpoints_with_sqlite(tmp_path)
    store = SQLTrackerStore(Domain.from_path(ROOT / "domain.yml"), dialect="sqlite", db=db)
    asyncio.run(store.save(DialogueStateTracker.from_events("ten-days", session(time.time() - 10 * DAY, "x"))))
    keep = retention("--endpoints", str(endpoints), env={**os.environ, "RETENTION_DAYS": "0"})
    assert keep.returncode == 0 and "keeping every conversation" in keep.stdout
    assert asyncio.run(store.retrieve("ten-days"))

    purge = retention("--endpoints", str(endpoints), env={**os.environ, "RETENTION_DAYS": "7"})
    assert purge.returncode == 0 and "deleted 1 conversation(s)" in purge.stdout, purge.stdout + purge.stderr
    assert asyncio.run(store.retrieve("ten-days")) is None
