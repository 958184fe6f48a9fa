"""Starting ``softkey serve --http`` for a test run: a fresh store in a temporary
directory, a random token, a free port, and a client for it."""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import List, Optional, Sequence

from .client import SoftkeyClient

COMMAND_ENV = "SOFTKEY_COMMAND"


def softkey_command(start: Optional[Path] = None) -> List[str]:
    """How to run softkey: ``$SOFTKEY_COMMAND`` (split like a shell would, e.g.
    ``node /src/softkey/bin/softkey.js``), else ``softkey`` on PATH, else
    ``node_modules/.bin/softkey`` in the current directory or one above it."""
    configured = os.environ.get(COMMAND_ENV)
    if configured:
        return shlex.split(configured)
    on_path = shutil.which("softkey")
    if on_path:
        return [on_path]
    here = (start or Path.cwd()).resolve()
    for directory in (here, *here.parents):
        candidate = directory / "node_modules" / ".bin" / "softkey"
        if candidate.exists():
            return [str(candidate)]
    raise RuntimeError(
        f"cannot find softkey: install it in the project (npm install --save-dev ...), put it on PATH, or set {COMMAND_ENV}"
    )


class SoftkeyServer:
    """``softkey serve --http 127.0.0.1:0`` over a throw-away store; ``client`` talks to it.

    Use as a context manager, or call ``start()`` and ``stop()``. ``profile`` is a built-in
    profile name or a profile file (``softkey profile list``); ``extra_args`` go to ``serve``.
    """

    def __init__(self, command: Optional[Sequence[str]] = None, profile: Optional[str] = None,
                 extra_args: Sequence[str] = (), startup_timeout: float = 30.0):
        self.command = list(command) if command else softkey_command()
        self.profile = profile
        self.extra_args = list(extra_args)
        self.startup_timeout = startup_timeout
        self.client: Optional[SoftkeyClient] = None
        self.url: Optional[str] = None
        self._dir: Optional[tempfile.TemporaryDirectory] = None
        self._process: Optional[subprocess.Popen] = None

    def __enter__(self) -> "SoftkeyServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def log(self) -> str:
        """What the service logged on stderr so far (one line per request)."""
        if not self._dir:
            return ""
        path = Path(self._dir.name) / "softkey.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def start(self) -> SoftkeyClient:
        self._dir = tempfile.TemporaryDirectory(prefix="softkey-pytest-")
        work = Path(self._dir.name)
        token = secrets.token_urlsafe(32)
        env = {
            **os.environ,
            "SOFTKEY_STORE": str(work / "keystore"),
            "SOFTKEY_PASSPHRASE": secrets.token_urlsafe(16),
            "SOFTKEY_TOKEN": token,
        }
        init = [*self.command, "init", "--kdf-cost", "10"] + (["--profile", self.profile] if self.profile else [])
        done = subprocess.run(init, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=self.startup_timeout)
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"softkey init failed (exit {done.returncode}): {done.stderr.strip()}")
        log = open(work / "softkey.log", "wb")
        try:
            self._process = subprocess.Popen(
                [*self.command, "serve", "--http", "127.0.0.1:0", *self.extra_args],
                env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=log,
            )
        finally:
            log.close()
        line = self._first_line()
        try:
            listening = json.loads(line)["listening"]
            address = next(a for a in listening if a.startswith("http:"))[len("http:"):]
        except (ValueError, KeyError, StopIteration):
            self.stop()
            raise RuntimeError(f"softkey serve did not start: {line!r}; log: {self.log.strip()}") from None
        self.url = f"http://{address}"
        self.client = SoftkeyClient(self.url, token)
        return self.client

    def _first_line(self) -> str:
        """The JSON line softkey prints once it listens (read in a thread, so a hung start times out)."""
        result: List[str] = []
        reader = threading.Thread(target=lambda: result.append(self._process.stdout.readline().decode()), daemon=True)
        reader.start()
        reader.join(self.startup_timeout)
        if not result or not result[0]:
            code = self._process.poll()
            self.stop()
            raise RuntimeError(f"softkey serve did not start (exit {code}): {self.log.strip()}")
        return result[0]

    def stop(self) -> None:
        """SIGTERM: softkey closes the store cleanly and exits 0; the store is then removed."""
        process, self._process = self._process, None
        if process is not None:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            if process.stdout:
                process.stdout.close()
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None
