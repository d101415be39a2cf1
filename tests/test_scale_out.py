"""Scale-out: two Rasa servers (each with its action server) share PostgreSQL and Redis (deploy/endpoints.yml).

scripts/services.sh installs and starts PostgreSQL and Redis on loopback;
scripts/load_test.py sends 50 conversations x 20 messages, alternating between
the two servers, and reads every tracker back.
"""
import asyncio
import json
import multiprocessing
import secrets
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import psycopg2
import pytest

from servers import BIN, ROOT, Stack

sys.path.insert(0, str(ROOT / "scripts"))
from load_test import message_text  # noqa: E402

SERVICES_DIR = ROOT / "var" / "test-services"  # postgres must be able to enter it: not under /tmp/pytest-*


def services(command: str) -> str:
    result = subprocess.run(
        [str(ROOT / "scripts" / "services.sh"), command, str(SERVICES_DIR)],
        cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def shared_services():
    output = services("start")
    env = dict(line.removeprefix("export ").split("=", 1) for line in output.splitlines() if line.startswith("export "))
    assert env["DB_HOST"] == env["REDIS_HOST"] == "127.0.0.1"
    yield env
    services("stop")
    subprocess.run(["rm", "-rf", str(SERVICES_DIR)], check=True)


@pytest.fixture(scope="module")
def two_servers(shared_services, tmp_path_factory):
    token = secrets.token_hex(16)
    stacks = [
        Stack(tmp_path_factory.mktemp(f"instance-{n}"), env=shared_services,
              endpoints_file=ROOT / "deploy" / "endpoints.yml",
              rasa_args=["--enable-api", "--auth-token", token])
        for n in (1, 2)
    ]
    try:
        with ThreadPoolExecutor(2) as pool:
            list(pool.map(Stack.start, stacks))
        yield stacks, token
    finally:
        for stack in stacks:
            stack.stop()


def _increment_under_lock(env, rounds):
    """In its own process: `rounds` times, read-sleep-write a Redis counter while holding the conversation's lock."""
    import redis

    from assistant.lock_store import RedisLockStore

    store = RedisLockStore(host=env["REDIS_HOST"], port=env["REDIS_PORT"], password=env["REDIS_PASSWORD"],
                           db=2, key_prefix="locktest")
    counter = redis.StrictRedis(host=env["REDIS_HOST"], port=int(env["REDIS_PORT"]), password=env["REDIS_PASSWORD"], db=2)

    async def run():
        for _ in range(rounds):
            async with store.lock("same-conversation"):
                value = int(counter.get("counter") or 0)
                await asyncio.sleep(0.002)  # a turn takes time: others must wait
                counter.set("counter", value + 1)

    asyncio.run(run())


def test_lock_store_serialises_one_conversation_across_processes(shared_services):
    import redis

    counter = redis.StrictRedis(host=shared_services["REDIS_HOST"], port=int(shared_services["REDIS_PORT"]),
                                password=shared_services["REDIS_PASSWORD"], db=2)
    counter.delete("counter")
    processes = [multiprocessing.get_context("spawn").Process(target=_increment_under_lock, args=(shared_services, 25))
                 for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=600)
        assert process.exitcode == 0
    assert int(counter.get("counter")) == 100  # no turn overlapped another, none was lost


def load_test(stacks, token, out, *args):
    result = subprocess.run(
        [str(BIN / "python"), str(ROOT / "scripts" / "load_test.py"), "--url", stacks[0].url, "--url", stacks[1].url,
         "--token", token, "--out", str(out), *args],
        cwd=ROOT, capture_output=True, text=True, timeout=1800,
    )
    summary = json.loads(out.read_text()) if out.exists() else None
    print(result.stdout[-4000:])
    return result, summary


def test_both_servers_use_postgres_and_redis(two_servers):
    stacks, _ = two_servers
    first = stacks[0].say("shared-1", "how can exercise help with neck pain and low mood?")
    more = stacks[1].say("shared-1", "tell me more")  # the other server knows the topic
    assert "Source: article" in str(first) and "Source: article" in str(more)
    assert [r.get("text") for r in more] != [r.get("text") for r in first]


def test_50_conversations_x_20_messages_alternating_servers_lose_nothing(two_servers, shared_services, tmp_path):
    stacks, token = two_servers
    result, summary = load_test(stacks, token, tmp_path / "load.json", "--conversations", "50", "--messages", "20")
    assert result.returncode == 0 and summary, result.stdout[-3000:] + result.stderr[-3000:]
    assert summary["sent"] == 1000
    assert summary["errors"] == 0 and summary["lost"] == 0 and summary["conversations_with_problems"] == 0, summary

    # the same, read from PostgreSQL directly
    connection = psycopg2.connect(
        host=shared_services["DB_HOST"], port=shared_services["DB_PORT"], dbname=shared_services["DB_NAME"],
        user=shared_services["DB_USER"], password=shared_services["DB_PASSWORD"],
    )
    with connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT sender_id, data FROM events WHERE type_name = 'user' AND sender_id LIKE %s ORDER BY id",
            (f"load-{summary['run_id']}-%",),
        )
        rows = cursor.fetchall()
    connection.close()
    by_sender = {}
    for sender, data in rows:
        by_sender.setdefault(sender, []).append(json.loads(data)["text"])
    assert len(by_sender) == 50
    for sender, texts in by_sender.items():
        number = int(sender.rsplit("-", 1)[1])
        assert texts == [f"{message_text(number, i)}" for i in range(20)], sender


def test_simultaneous_messages_of_one_conversation_on_both_servers_are_serialised(two_servers, tmp_path):
    """Both servers get a message of the same conversation at the same moment: the Redis lock makes them take turns."""
    stacks, token = two_servers
    result, summary = load_test(
        stacks, token, tmp_path / "pairs.json", "--conversations", "10", "--messages", "2", "--pairs", "4"
    )
    assert result.returncode == 0 and summary, result.stdout[-3000:] + result.stderr[-3000:]
    assert summary["sent"] == 100 and summary["errors"] == 0 and summary["lost"] == 0
    assert summary["conversations_with_problems"] == 0, summary
