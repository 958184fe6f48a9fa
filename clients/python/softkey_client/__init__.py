"""softkey from Python: a client for ``softkey serve --http`` and pytest fixtures.

Standard library only. See README.md beside this package.
"""

from .client import SoftkeyClient, SoftkeyError
from .server import SoftkeyServer, softkey_command

__all__ = ["SoftkeyClient", "SoftkeyError", "SoftkeyServer", "softkey_command"]
__version__ = "0.1.0"
