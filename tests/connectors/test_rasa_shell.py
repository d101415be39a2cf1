"""`make shell` end to end, under a pseudo-terminal as a person uses it.

pexpect runs `make -o model shell` (the model the other tests use: `-o model`
keeps make from retraining inside a test), waits for the prompt, asks an
article question, reads the answer off the screen, leaves the topic menu
that follows for free text, types /stop and expects the shell (and its action
server) to end cleanly. `make shell` uses the fixed ports of `make run`
(5005 and 5055), so they must be free.
"""
import os
import re
import socket

import pexpect

from actions.actions import KNOWLEDGE_BASE
from servers import ROOT

QUESTION = "How are depression and neck pain related?"
START_TIMEOUT = 600  # loading the model on a busy 2-core machine
REPLY_TIMEOUT = 300
ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07|\x1b[()][A-Z0-9]|\x1b[=>]")
UP, ENTER = "\x1b[A", "\r"


def normalized(text: str) -> str:
    """Screen output without escape codes and line breaks, whitespace squeezed."""
    return re.sub(r"\s+", " ", ANSI.sub("", text).replace("\r", " "))


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_make_shell_answers_an_article_question_and_exits_cleanly():
    busy = [port for port in (5005, 5055) if not port_free(port)]
    assert not busy, f"`make shell` needs ports {busy} (stop `make run` or another shell first)"
    child = pexpect.spawn(
        "make", ["--no-print-directory", "-o", "model", "shell"], cwd=str(ROOT),
        env={**os.environ, "TERM": "xterm"}, encoding="utf-8", codec_errors="replace",
        dimensions=(50, 1000), timeout=REPLY_TIMEOUT,
    )
    transcript = []
    try:
        child.expect("Bot loaded", timeout=START_TIMEOUT)
        child.expect("Your input ->")
        child.sendline(QUESTION)
        # the answer comes with related topics, shown as a menu that ends in
        # "Type out your own message..."
        child.expect("Type out your own message")
        transcript.append(child.before + child.after)
        screen = normalized(transcript[-1])
        # the menu's question line is cut at the terminal's width: match the start
        answered = {entry.intent for entry in KNOWLEDGE_BASE.entries if normalized(entry.text)[:160] in screen}
        assert answered == {"ask_link"}, screen[-3000:]
        assert "Source: article" in screen

        child.send(UP)  # the menu wraps around: up from the first item is the last, free text
        child.send(ENTER)
        child.expect("Your input ->")
        child.sendline("/stop")
        child.expect(pexpect.EOF)
        child.close()
        assert child.exitstatus == 0, normalized(child.before or "")[-3000:]
    finally:
        if child.isalive():
            child.terminate(force=True)
    # the action server started by scripts/shell.sh stopped with the shell
    assert port_free(5055) and port_free(5005)
