"""Latency and throughput of the assistant against the stock `rasa init` bot (`make bench`).

    .venv/bin/python scripts/bench.py [--levels 1,10,20,50] [--messages 10] [--profile]

Starts, on free loopback ports,
- our assistant as deployed by default: action server + Rasa server with the
  SQLite tracker store (endpoints.yml) and our channels (credentials.yml);
- the stock bot: `rasa init --no-prompt` in a temporary directory, which
  trains its model (a few minutes, once: reused from that directory later;
  --fresh-stock retrains).

At each concurrency level C, C conversations run at once, each sending
--messages messages one after the other over REST; both bots get the same
messages. Two modes: "back-to-back" sends the next message as soon as the
reply arrives (the servers saturate: latency is then queueing, C divided by
throughput), "paced" waits a think time before each message (0.5-1.5x
--think-ms, default 3 s: a person reading and typing). Reports p50/p95/p99 latency, throughput, errors (non-200, empty
replies, exceptions) and the peak RSS of each server process; writes
results/bench.json and results/bench_latency.png. With --profile it samples
our Rasa server with py-spy during the 20-conversation level and writes
results/profile_rasa.txt (where the time goes) and a speedscope file.

Targets (from the issue): at 20 conversations our p50 within 1.2x of the stock
bot's and our p95 under 250 ms, with 0 errors. Sends requests to loopback only,
bounded by --messages and --deadline.
"""
import argparse
import asyncio
import collections
import json
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import aiohttp
import psutil
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from servers import BIN, Process, Stack, free_port  # noqa: E402

RESULTS = ROOT / "results"
STOCK_DIR = Path(tempfile.gettempdir()) / "faq-bench" / "stock-bot-rasa-3.6.21"
MESSAGES = [
    "hello",
    "can neck pain cause depression?",
    "what are the symptoms?",
    "tell me more",
    "does exercise help with neck pain and low mood?",
    "are you a bot?",
    "how is it diagnosed?",
    "thanks",
    "would a massage help my neck",
    "goodbye",
]
TARGET_P50_RATIO, TARGET_P95_MS, TARGET_LEVEL = 1.2, 250.0, 20
MODE_TITLES = {
    "back-to-back": "back-to-back: next message as soon as the reply arrives",
    "paced": "paced: people read and type (think time 0.5-1.5x --think-ms)",
}


# --- servers -----------------------------------------------------------------

def ensure_stock_bot(fresh: bool) -> Path:
    """The stock bot's project directory with a trained model."""
    models = sorted((STOCK_DIR / "models").glob("*.tar.gz")) if STOCK_DIR.exists() else []
    if models and not fresh:
        print(f"==> stock bot: reusing {models[-1]}")
        return models[-1]
    if STOCK_DIR.exists():
        subprocess.run(["rm", "-rf", str(STOCK_DIR)], check=True)
    STOCK_DIR.mkdir(parents=True)
    print(f"==> stock bot: rasa init --no-prompt --init-dir {STOCK_DIR} (trains its model, a few minutes)")
    started = time.monotonic()
    subprocess.run([str(BIN / "rasa"), "init", "--no-prompt", "--init-dir", str(STOCK_DIR)],
                   cwd=STOCK_DIR.parent, check=True, stdout=subprocess.DEVNULL, timeout=3600)
    print(f"    trained in {time.monotonic() - started:.0f} s")
    return sorted((STOCK_DIR / "models").glob("*.tar.gz"))[-1]


class StockBot:
    def __init__(self, model: Path, log_dir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.rasa = Process("stock-rasa", [
            str(BIN / "rasa"), "run", "--model", str(model), "--port", str(self.port),
            "--credentials", str(STOCK_DIR / "credentials.yml"), "--endpoints", str(STOCK_DIR / "endpoints.yml"),
        ], log_dir)

    def start(self) -> "StockBot":
        self.rasa.start()
        self.rasa.wait_until(f"{self.url}/webhooks/rest/")
        return self

    def stop(self) -> None:
        self.rasa.stop()


def our_stack(work: Path) -> Stack:
    """Our assistant with endpoints.yml's tracker store, its SQLite file in `work`."""
    store = yaml.safe_load((ROOT / "endpoints.yml").read_text())["tracker_store"]
    if store.get("dialect") == "sqlite":
        store = {**store, "db": str(work / "conversations.db")}
    return Stack(work, endpoints_extra=yaml.safe_dump({"tracker_store": store}))


class PeakRss:
    """Samples the resident memory of processes (with their children) in a thread."""

    def __init__(self, pids: Dict[str, int], interval: float = 0.2) -> None:
        self.pids, self.interval = pids, interval
        self.peak = {name: 0 for name in pids}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _rss(self, pid: int) -> int:
        try:
            process = psutil.Process(pid)
            return sum(p.memory_info().rss for p in [process, *process.children(recursive=True)])
        except psutil.Error:
            return 0

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, pid in self.pids.items():
                self.peak[name] = max(self.peak[name], self._rss(pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakRss":
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stop.set()
        self._thread.join()


# --- load --------------------------------------------------------------------

async def run_level(url: str, conversations: int, messages: int, tag: str, deadline: float,
                    think_ms: float = 0) -> Dict[str, Any]:
    """C conversations at once; with `think_ms`, each waits 0.5-1.5x that before each message."""
    latencies: List[float] = []
    errors: List[str] = []
    rng = random.Random(f"{tag}-{conversations}")

    async def conversation(session: aiohttp.ClientSession, number: int) -> None:
        sender = f"bench-{tag}-{conversations}-{number}"
        for i in range(messages):
            if think_ms:
                await asyncio.sleep(think_ms / 1000 * rng.uniform(0.5, 1.5))
            text = MESSAGES[(number + i) % len(MESSAGES)]
            started = time.perf_counter()
            try:
                async with session.post(f"{url}/webhooks/rest/webhook", json={"sender": sender, "message": text}) as r:
                    body = await r.json(content_type=None)
                    latencies.append(time.perf_counter() - started)
                    if r.status != 200 or not body:
                        errors.append(f"HTTP {r.status}, {len(body or [])} replies")
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
                errors.append(type(error).__name__)

    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(limit=0)) as session:
        started = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(*(conversation(session, n) for n in range(conversations))), timeout=deadline
        )
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q / 100 * len(ordered)))] * 1000, 1) if ordered else float("nan")

    return {
        "conversations": conversations,
        "requests": conversations * messages,
        "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
        "mean_ms": round(statistics.mean(ordered) * 1000, 1) if ordered else float("nan"),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        "errors": len(errors) + (conversations * messages - len(latencies) - len(errors)),
        "error_samples": errors[:5],
    }


# --- profile -------------------------------------------------------------------

# Parts of handling a message, found by a marker in the sampled stacks.
PROFILE_PARTS = {
    "NLU + dialogue policies (Rasa's graph)": "rasa/engine/runner/dask.py",
    "  of which TensorFlow": "tensorflow/",
    "  of which DIETClassifier": "diet_classifier",
    "  of which TEDPolicy": "ted_policy",
    "  of which spaCy": "spacy/",
    "  of which SafetyNet": "assistant/safety.py",
    "tracker store (SQLite)": "tracker_store.py",
    "validating action server responses (jsonschema)": "jsonschema/",
    "calling the action server (HTTP, JSON)": "actions/action.py",
    "lock store": "lock_store.py",
    "NLG": "nlg/",
}


def summarise_profile(raw: Path, out: Path, top: int = 25) -> str:
    """Where the time goes, and self and inclusive time per function, from py-spy's collapsed stacks."""
    inclusive: Dict[str, int] = collections.Counter()
    own: Dict[str, int] = collections.Counter()
    parts: Dict[str, int] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack:
            continue
        samples = int(count)
        total += samples
        for part, marker in PROFILE_PARTS.items():
            if marker in stack:
                parts[part] += samples
        frames = [re.sub(r":\d+\)$", ")", frame) for frame in stack.split(";")]
        for frame in set(frames):
            inclusive[frame] += samples
        own[frames[-1]] += samples
    lines = [f"py-spy samples of the Rasa server: {total} (idle frames excluded)", "", "% of samples  part"]
    lines += [f"{100 * parts[part] / total:12.1f}  {part}" for part in PROFILE_PARTS] if total else []
    lines += ["", "inclusive %  function"]
    lines += [f"{100 * n / total:10.1f}  {name}" for name, n in inclusive.most_common(top)] if total else []
    lines += ["", "self %      function"]
    lines += [f"{100 * n / total:10.1f}  {name}" for name, n in own.most_common(top)] if total else []
    text = "\n".join(lines) + "\n"
    out.write_text(text)
    return text


def start_profiler(pid: int, seconds: int) -> Optional[subprocess.Popen]:
    py_spy = BIN / "py-spy"
    if not py_spy.exists():
        print("    (py-spy not installed: no profile)")
        return None
    return subprocess.Popen(
        [str(py_spy), "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "200",
         "--format", "raw", "--output", str(RESULTS / "profile_rasa.raw"), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


# --- report --------------------------------------------------------------------

def table(results: Dict[str, Dict[str, List[Dict[str, Any]]]], rss: Dict[str, Dict[str, int]]) -> str:
    header = (f"{'mode':<14}{'bot':<7}{'conv':>5}{'reqs':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
              f"{'req/s':>8}{'errors':>8}")
    lines = [header, "-" * len(header)]
    for mode, bots in results.items():
        for bot, rows in bots.items():
            for row in rows:
                lines.append(
                    f"{mode:<14}{bot:<7}{row['conversations']:>5}{row['requests']:>6}{row['p50_ms']:>9}"
                    f"{row['p95_ms']:>9}{row['p99_ms']:>9}{row['throughput_rps']:>8}{row['errors']:>8}"
                )
    lines.append("")
    for bot, peaks in rss.items():
        lines.append(f"peak RSS {bot}: " + ", ".join(f"{name} {mb / 2**20:.0f} MiB" for name, mb in peaks.items()))
    return "\n".join(lines)


def plot(results: Dict[str, Dict[str, List[Dict[str, Any]]]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(results), figsize=(6.5 * len(results), 4.8), squeeze=False)
    styles = {"p50_ms": "-", "p95_ms": "--", "p99_ms": ":"}
    colours = {"ours": "tab:blue", "stock": "tab:orange"}
    for ax, (mode, bots) in zip(axes[0], results.items()):
        for bot, rows in bots.items():
            levels = [r["conversations"] for r in rows]
            for key, style in styles.items():
                ax.plot(levels, [r[key] for r in rows], style, marker="o", color=colours.get(bot),
                        label=f"{bot} {key[:3]}")
        ax.axhline(TARGET_P95_MS, color="grey", linewidth=0.8)
        ax.text(1, TARGET_P95_MS * 1.05, "250 ms (p95 target at 20)", color="grey", fontsize=8)
        ax.set_xscale("log")
        ax.set_xticks([r["conversations"] for r in next(iter(bots.values()))])
        ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
        ax.set_yscale("log")
        ax.set_xlabel("concurrent conversations")
        ax.set_ylabel("latency per message (ms)")
        ax.set_title(MODE_TITLES.get(mode, mode), fontsize=10)
        ax.legend(fontsize=8, ncol=2)
        ax.grid(True, which="both", alpha=0.3)
    fig.suptitle("REST latency: our assistant vs the stock rasa init bot (2 cores)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


def verdict(results: Dict[str, List[Dict[str, Any]]]) -> Dict[str, Any]:
    ours = next((r for r in results["ours"] if r["conversations"] == TARGET_LEVEL), None)
    if ours is None:
        return {"level": TARGET_LEVEL, "measured": False}
    stock = next((r for r in results.get("stock", []) if r["conversations"] == TARGET_LEVEL), None)
    ratio = round(ours["p50_ms"] / stock["p50_ms"], 2) if stock else None
    return {
        "level": TARGET_LEVEL,
        "p50_ratio_vs_stock": ratio,
        "p50_ratio_ok": ratio is not None and ratio <= TARGET_P50_RATIO,
        "p95_ms": ours["p95_ms"],
        "p95_ok": ours["p95_ms"] < TARGET_P95_MS,
        "errors_ok": all(r["errors"] == 0 for rows in results.values() for r in rows),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--levels", default="1,10,20,50")
    parser.add_argument("--messages", type=int, default=10, help="messages per conversation at each level")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--deadline", type=float, default=900, help="seconds for one level at most")
    parser.add_argument("--skip-stock", action="store_true")
    parser.add_argument("--fresh-stock", action="store_true", help="train the stock bot again")
    parser.add_argument("--profile", action="store_true", help="py-spy our Rasa server at 20 conversations")
    parser.add_argument("--think-ms", type=float, default=3000,
                        help="mean pause before each message in the paced mode (0: back-to-back only)")
    args = parser.parse_args()
    modes = {"back-to-back": 0.0, **({"paced": args.think_ms} if args.think_ms else {})}
    levels = [int(n) for n in args.levels.split(",")]
    RESULTS.mkdir(exist_ok=True)

    stock_model = None if args.skip_stock else ensure_stock_bot(args.fresh_stock)
    work = Path(tempfile.mkdtemp(prefix="faq-bench-"))
    bots: Dict[str, Any] = {"ours": our_stack(work / "ours")}
    if stock_model:
        bots["stock"] = StockBot(stock_model, work)
    results: Dict[str, Dict[str, List[Dict[str, Any]]]] = {mode: {name: [] for name in bots} for mode in modes}
    rss: Dict[str, Dict[str, int]] = {}
    profile_text = None
    try:
        print("==> starting the servers")
        for bot in bots.values():
            bot.start()
        pids = {"ours": {"rasa server": bots["ours"].rasa.popen.pid, "action server": bots["ours"].actions.popen.pid}}
        if "stock" in bots:
            pids["stock"] = {"rasa server": bots["stock"].rasa.popen.pid}
        for name, bot in bots.items():
            asyncio.run(run_level(bot.url, 1, args.warmup, f"warmup-{name}", args.deadline))
        with PeakRss({f"{b}/{p}": pid for b, ps in pids.items() for p, pid in ps.items()}) as memory:
            for (mode, think_ms), level in ((m, level) for m in modes.items() for level in levels):
                for name, bot in bots.items():
                    row = asyncio.run(run_level(bot.url, level, args.messages, f"{mode}-{name}", args.deadline, think_ms))
                    results[mode][name].append(row)
                    print(f"    {mode:<13} {name:<6} {level:>3} conversations: p50 {row['p50_ms']} ms, p95 {row['p95_ms']} ms, "
                          f"{row['throughput_rps']} req/s, {row['errors']} errors", flush=True)
        if args.profile:
            # an extra, unmeasured back-to-back run: the sampler costs CPU itself
            print(f"==> profiling our Rasa server with py-spy at {TARGET_LEVEL} conversations (not measured)")
            profiler = start_profiler(bots["ours"].rasa.popen.pid, 600)
            asyncio.run(run_level(bots["ours"].url, TARGET_LEVEL, args.messages, "profile", args.deadline))
            if profiler:
                profiler.send_signal(signal.SIGINT)  # py-spy writes its output on Ctrl-C
                _, err = profiler.communicate(timeout=120)
                if profiler.returncode:
                    print(f"    py-spy: {err.decode(errors='replace')[-500:]}")
        for key, peak in memory.peak.items():
            bot, process = key.split("/")
            rss.setdefault(bot, {})[process] = peak
    finally:
        for bot in bots.values():
            bot.stop()

    raw = RESULTS / "profile_rasa.raw"
    if args.profile and raw.exists() and raw.stat().st_size:
        profile_text = summarise_profile(raw, RESULTS / "profile_rasa.txt")

    report = table(results, rss)
    print("\n" + report)
    summary = {mode: verdict(bots) for mode, bots in results.items()}
    for mode, target in summary.items():
        if not target.get("measured", True):
            continue
        print(f"\n{mode}, at {TARGET_LEVEL} conversations: p50 {target['p50_ratio_vs_stock']}x the stock bot's "
              f"(target <= {TARGET_P50_RATIO}x: {'met' if target['p50_ratio_ok'] else 'NOT met'}), "
              f"p95 {target['p95_ms']} ms (target < {TARGET_P95_MS:g} ms: {'met' if target['p95_ok'] else 'NOT met'}), "
              f"errors: {'none' if target['errors_ok'] else 'SOME'}")
    (RESULTS / "bench.json").write_text(json.dumps({
        "levels": levels, "messages_per_conversation": args.messages, "messages": MESSAGES,
        "modes": {mode: {"think_ms_mean": think} for mode, think in modes.items()},
        "machine": {"cpus": os.cpu_count(), "memory_gib": round(psutil.virtual_memory().total / 2**30, 1)},
        "tracker_store": "SQLite (endpoints.yml)", "results": results,
        "peak_rss_mib": {b: {p: round(v / 2**20) for p, v in ps.items()} for b, ps in rss.items()},
        "targets": summary,
    }, indent=2) + "\n")
    plot(results, RESULTS / "bench_latency.png")
    print(f"\nwrote {RESULTS / 'bench.json'} and {RESULTS / 'bench_latency.png'}"
          + (f" and {RESULTS / 'profile_rasa.txt'}" if profile_text else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
