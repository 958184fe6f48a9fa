"""pytest fixtures: a virtual security key for every test.

``softkey`` gives each test a fresh key (its own store, no credentials yet)
behind ``softkey serve --http`` on a free port, and yields a SoftkeyClient::

    def test_sign_up(softkey, client):
        options = client.post("/webauthn/register/options").json()
        credential = softkey.register("http://localhost:8000", options)
        assert client.post("/webauthn/register/verify", json=credential).status_code == 200

``softkey_server`` is the SoftkeyServer behind it (its ``log``, ``url``). Set
``SOFTKEY_COMMAND`` to choose the softkey to run (default: ``softkey`` on PATH,
else ``node_modules/.bin/softkey``), and mark a test ``@pytest.mark.softkey_profile("platform-passkey")``
to emulate another device.
"""

from __future__ import annotations

import pytest

from .client import SoftkeyClient
from .server import SoftkeyServer


def pytest_configure(config):
    config.addinivalue_line("markers", "softkey_profile(name): the device profile the softkey fixture emulates")


@pytest.fixture
def softkey_server(request):
    marker = request.node.get_closest_marker("softkey_profile")
    with SoftkeyServer(profile=marker.args[0] if marker else None) as server:
        yield server


@pytest.fixture
def softkey(softkey_server) -> SoftkeyClient:
    return softkey_server.client
