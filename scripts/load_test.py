"""Load test for several Rasa servers sharing conversations (deploy/endpoints.yml).

    python scripts/load_test.py --url http://127.0.0.1:5005 --url http://127.0.0.1:5006 \
        --token "$RASA_API_TOKEN" [--conversations 50] [--messages 20] [--pairs 0] [--out FILE]

All conversations run at once. Each sends its messages one after the other
over REST, alternating between the servers (message i of conversation c goes
to server (c + i) mod n), so consecutive messages of a conversation are
handled by different processes and the conversations interleave.
With `--pairs P`, each conversation then sends P pairs of messages at the same
moment to two different servers, so both servers want the same conversation
at once (the lock store must serialise them).

Afterwards it reads every conversation's tracker back through Rasa's HTTP API
(needs --enable-api and the token) and checks that it holds all the user
messages, the sequential ones in the order sent, each answered before the
next. Errors are non-200 answers, empty or "having trouble" replies and
exceptions. Prints a JSON summary (also written to --out); exits 1 unless
there are 0 errors and 0 lost messages. Sends to the given URLs only (use
loopback) and stops after --deadline seconds at most.
"""
import argparse
import asyncio
import json
import statistics
import sys
import time
import uuid
from typing import Any, Dict, List

import aiohttp

QUESTIONS = [
    "can neck pain cause depression?",
    "what are the symptoms when both happen together",
    "tell me more",
    "how is depression diagnosed",
    "does cbt help",
    "would a massage help my neck",
    "hello",
    "how can exercise help with neck pain and low mood?",
    "tell me more",
    "any tips on breathing exercises to relax",
    "thanks",
    "is acupuncture any good for neck pain",
]


def message_text(conversation: int, index: int) -> str:
    """Unique per message, so the tracker shows what arrived and in which order."""
    return f"{QUESTIONS[(conversation + index) % len(QUESTIONS)]} [c{conversation:02d} m{index:02d}]"


class Run:
    def __init__(self, urls: List[str], timeout: float) -> None:
        self.urls = urls
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.latencies: List[float] = []
        self.errors: List[str] = []
        self.sent = 0

    async def send(self, session: aiohttp.ClientSession, url: str, sender: str, text: str) -> None:
        self.sent += 1
        started = time.perf_counter()
        try:
            async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
                body = await r.text()
                self.latencies.append(time.perf_counter() - started)
                if r.status != 200:
                    self.errors.append(f"{sender}: HTTP {r.status}")
                    return
                replies = json.loads(body)
                texts = " ".join(reply.get("text") or "" for reply in replies)
                if not replies:
                    self.errors.append(f"{sender}: no reply")
                elif "having trouble" in texts:
                    self.errors.append(f"{sender}: 'having trouble' reply")
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            self.errors.append(f"{sender}: {type(error).__name__} {error}")


async def conversation(run: Run, session: aiohttp.ClientSession, sender: str, number: int,
                       messages: int, pairs: int) -> Dict[str, Any]:
    sequential = [message_text(number, i) for i in range(messages)]
    for i, text in enumerate(sequential):
        await run.send(session, run.urls[(number + i) % len(run.urls)], sender, text)
    paired = []
    for p in range(pairs):
        a, b = f"{message_text(number, messages + 2 * p)}", f"{message_text(number, messages + 2 * p + 1)}"
        paired += [a, b]
        await asyncio.gather(
            run.send(session, run.urls[0], sender, a),
            run.send(session, run.urls[1 % len(run.urls)], sender, b),
        )
    return {"sender": sender, "sequential": sequential, "paired": paired, "reader": run.urls[number % len(run.urls)]}


async def read_tracker(session: aiohttp.ClientSession, url: str, sender: str, token: str) -> List[Dict[str, Any]]:
    params = {"include_events": "ALL", "token": token}
    async with session.get(f"{url}/conversations/{sender}/tracker", params=params) as r:
        if r.status != 200:
            raise RuntimeError(f"reading {sender} from {url}: HTTP {r.status} {await r.text()}")
        return (await r.json())["events"]


def check(expected: Dict[str, Any], events: List[Dict[str, Any]]) -> List[str]:
    """Problems of one conversation's tracker, [] when all is well."""
    problems = []
    users = [(i, e["text"]) for i, e in enumerate(events) if e["event"] == "user"]
    texts = [text for _, text in users]
    wanted = expected["sequential"] + expected["paired"]
    lost = [t for t in wanted if t not in texts]
    if lost:
        problems.append(f"lost {len(lost)}: {lost[:3]}")
    if len(texts) != len(set(texts)) or len(texts) != len(wanted):
        problems.append(f"{len(texts)} user messages stored for {len(wanted)} sent")
    sequential = [t for t in texts if t in expected["sequential"]]
    if sequential != expected["sequential"]:
        problems.append("sequential messages out of order")
    if texts[len(expected["sequential"]):] and sorted(texts[len(expected["sequential"]):]) != sorted(expected["paired"]):
        problems.append("paired messages mixed into the sequential ones")
    # every message answered before the next one was handled
    bounds = [i for i, _ in users] + [len(events)]
    for (start, text), end in zip(users, bounds[1:]):
        if not any(e["event"] == "bot" for e in events[start:end]):
            problems.append(f"no answer stored between '{text}' and the next message")
    return problems


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))] if ordered else 0.0


async def main_async(args: argparse.Namespace) -> Dict[str, Any]:
    run = Run(args.url, args.timeout)
    run_id = uuid.uuid4().hex[:8]
    started = time.perf_counter()
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(timeout=run.timeout, connector=connector) as session:
        expected = await asyncio.wait_for(
            asyncio.gather(*(
                conversation(run, session, f"load-{run_id}-{c:02d}", c, args.messages, args.pairs)
                for c in range(args.conversations)
            )),
            timeout=args.deadline,
        )
        elapsed = time.perf_counter() - started
        problems: Dict[str, List[str]] = {}
        lost = 0
        for item in expected:
            events = await read_tracker(session, item["reader"], item["sender"], args.token)
            found = check(item, events)
            if found:
                problems[item["sender"]] = found
            texts = {e["text"] for e in events if e["event"] == "user"}
            lost += sum(1 for t in item["sequential"] + item["paired"] if t not in texts)
    return {
        "run_id": run_id,
        "senders": f"load-{run_id}-00 .. load-{run_id}-{args.conversations - 1:02d}",
        "servers": len(args.url),
        "conversations": args.conversations,
        "messages_per_conversation": args.messages,
        "concurrent_pairs_per_conversation": args.pairs,
        "sent": run.sent,
        "errors": len(run.errors),
        "error_samples": run.errors[:10],
        "lost": lost,
        "conversations_with_problems": len(problems),
        "problem_samples": dict(list(problems.items())[:5]),
        "seconds": round(elapsed, 1),
        "throughput_msgs_per_s": round(run.sent / elapsed, 1) if elapsed else 0,
        "latency_ms": {
            "p50": round(percentile(run.latencies, 50) * 1000, 1),
            "p95": round(percentile(run.latencies, 95) * 1000, 1),
            "p99": round(percentile(run.latencies, 99) * 1000, 1),
            "mean": round(statistics.mean(run.latencies) * 1000, 1) if run.latencies else 0,
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", action="append", required=True, help="a Rasa server; give two or more")
    parser.add_argument("--token", required=True, help="the servers' --auth-token, to read trackers back")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--pairs", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=120, help="seconds for one request")
    parser.add_argument("--deadline", type=float, default=1500, help="seconds for the whole run")
    parser.add_argument("--out", help="write the JSON summary here too")
    args = parser.parse_args()
    summary = asyncio.run(main_async(args))
    text = json.dumps(summary, indent=2)
    print(text)
    if args.out:
        with open(args.out, "w") as out:
            out.write(text + "\n")
    ok = summary["errors"] == 0 and summary["lost"] == 0 and summary["conversations_with_problems"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
