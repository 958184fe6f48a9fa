"""Run the tests against this checkout: the package from ../softkey_client, softkey from ../../bin."""

import os
import shlex
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
REPO = HERE.parents[2]
os.environ.setdefault("SOFTKEY_COMMAND", f"node {shlex.quote(str(REPO / 'bin' / 'softkey.js'))}")

pytest_plugins = ["softkey_client.pytest_plugin"]
