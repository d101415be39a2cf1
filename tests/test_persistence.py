"""Conversations persist in the default SQLite tracker store: a restarted server carries on."""
import json
import sqlite3

import pytest
import yaml

from actions.actions import KNOWLEDGE_BASE
from servers import ROOT, Stack, reply_text


def entry_ids(replies):
    text = reply_text(replies)
    return {entry.id for entry in KNOWLEDGE_BASE.entries if entry.text in text}


def sqlite_tracker_store(db_path) -> str:
    """endpoints.yml's tracker store, its database file moved to `db_path`."""
    store = yaml.safe_load((ROOT / "endpoints.yml").read_text())["tracker_store"]
    assert store["type"].endswith("SQLTrackerStore") and store["dialect"] == "sqlite", "endpoints.yml must default to SQLite"
    assert store["db"].startswith("var/"), "the database file must live in the git-ignored var/"
    return yaml.safe_dump({"tracker_store": {**store, "db": str(db_path)}})


@pytest.fixture(scope="module")
def sqlite_stack(tmp_path_factory):
    work = tmp_path_factory.mktemp("persistence")
    running = Stack(work, endpoints_extra=sqlite_tracker_store(work / "conversations.db")).start()
    running.db = work / "conversations.db"
    yield running
    running.stop()


def stored_user_texts(db, sender):
    with sqlite3.connect(db) as connection:
        rows = connection.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id", (sender,)
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def test_restart_keeps_the_conversation(sqlite_stack):
    stack = sqlite_stack
    first = stack.say("persist-1", "how can exercise help with neck pain and low mood?")
    first_ids = entry_ids(first)
    assert first_ids, reply_text(first)
    assert stored_user_texts(stack.db, "persist-1") == ["how can exercise help with neck pain and low mood?"]

    stack.restart_rasa()

    # "tell me more" only works if the server remembers the topic and what it showed
    more = stack.say("persist-1", "tell me more")
    more_ids = entry_ids(more)
    assert more_ids and not more_ids & first_ids, reply_text(more)
    assert {KNOWLEDGE_BASE.by_id[i].intent for i in first_ids | more_ids} == {"ask_exercise"}
    assert stored_user_texts(stack.db, "persist-1") == [
        "how can exercise help with neck pain and low mood?", "tell me more",
    ]


def test_default_store_puts_sqlite_in_write_ahead_log_mode(sqlite_stack):
    sqlite_stack.say("wal-1", "hello")  # the server has written to the database
    with sqlite3.connect(sqlite_stack.db) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
