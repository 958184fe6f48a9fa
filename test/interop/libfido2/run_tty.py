"""Runs one command with a pseudo-terminal as its controlling terminal, and answers its prompts.

libfido2's tools (and `softkey --presence prompt`) read PINs and answers from /dev/tty with
echo off and the pending input flushed, so answers cannot be piped in ahead of time: each is
typed only once its prompt has appeared, as a person would.

usage: run_tty.py SPEC_JSON
  SPEC_JSON: {"argv": [...], "env": {...}, "prompts": [[REGEX, ANSWER], ...], "timeout": SECONDS}

Standard input and standard error of the command are the terminal; standard output is a pipe of
its own, so the tool's output is not mixed with its prompts. Prints one JSON object:
  {"code": EXIT_CODE or null, "signal": N or null, "stdout": "...", "tty": "...",
   "answered": [REGEX, ...], "timedOut": bool}
"""
import fcntl
import json
import os
import re
import select
import signal
import subprocess
import sys
import termios
import time


def main():
    spec = json.loads(sys.argv[1])
    prompts = [(re.compile(pattern), answer) for pattern, answer in spec.get("prompts", [])]
    deadline = time.monotonic() + float(spec.get("timeout", 60))
    master, slave = os.openpty()
    env = dict(spec.get("env", {}))
    child = subprocess.Popen(
        spec["argv"],
        stdin=slave,
        stdout=subprocess.PIPE,
        stderr=slave,
        env=env,
        start_new_session=True,
        # The terminal becomes the child's controlling terminal, so /dev/tty opens it.
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(slave)
    tty = b""
    out = b""
    seen_up_to = 0
    answered = []
    timed_out = False
    streams = {master: "tty", child.stdout.fileno(): "out"}
    while streams:
        if time.monotonic() > deadline:
            timed_out = True
            os.killpg(child.pid, signal.SIGKILL)
            break
        ready, _, _ = select.select(list(streams), [], [], 0.1)
        for fd in ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO on the terminal once the child has gone
                chunk = b""
            if not chunk:
                del streams[fd]
                continue
            if streams[fd] == "out":
                out += chunk
                continue
            tty += chunk
            text = tty[seen_up_to:].decode("utf-8", "replace")
            if prompts:
                pattern, answer = prompts[0]
                match = pattern.search(text)
                if match:
                    # Let the reader turn echo off and flush before the answer arrives.
                    time.sleep(0.05)
                    os.write(master, answer.encode("utf-8") + b"\n")
                    answered.append(pattern.pattern)
                    prompts.pop(0)
                    seen_up_to += len(text[: match.end()].encode("utf-8"))
        if child.poll() is not None and master not in streams and child.stdout.fileno() not in streams:
            break
        if child.poll() is not None and not ready:
            # Drain what is left, then stop.
            time.sleep(0.05)
            if not select.select(list(streams), [], [], 0)[0]:
                break
    code = child.wait()
    os.close(master)
    json.dump(
        {
            "code": code if code >= 0 else None,
            "signal": -code if code < 0 else None,
            "stdout": out.decode("utf-8", "replace"),
            "tty": tty.decode("utf-8", "replace").replace("\r\n", "\n"),
            "answered": answered,
            "timedOut": timed_out,
        },
        sys.stdout,
    )
    sys.stdout.write("\n")


main()
