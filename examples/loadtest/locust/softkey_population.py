"""A client for `softkey population serve --http`: a population's ceremonies as JSON
over HTTP, for load engines in Python (Locust). Run one service per generator machine,
every one with the same SOFTKEY_POPULATION_SEED: they share nothing else.

    population = SoftkeyPopulation.from_environment()
    assertion = population.sign_in(request_options, origin="https://example.com", user=42)

Settings from the environment: SOFTKEY_POPULATION_URL (default http://127.0.0.1:8765)
and the service's bearer token, SOFTKEY_TOKEN or the file named by SOFTKEY_TOKEN_FILE.
Standard library only, so it runs wherever Python does.
"""

import http.client
import json
import os
import threading
import urllib.parse


class SoftkeyError(Exception):
    """The service refused: `code` is its error code (NotAllowedError, invalid_request, ...)."""

    def __init__(self, status, code, message):
        super().__init__(f"softkey population service: {status} {code}: {message}")
        self.status = status
        self.code = code


class SoftkeyPopulation:
    def __init__(self, url, token, timeout=10.0):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"SOFTKEY_POPULATION_URL must be http://HOST:PORT, got {url!r}")
        self._host = parsed.hostname
        self._port = parsed.port or 80
        self._headers = {"authorization": f"Bearer {token}", "content-type": "application/json"}
        self._timeout = timeout
        # One keep-alive connection per thread (or greenlet, under gevent's monkey-patching).
        self._local = threading.local()

    @classmethod
    def from_environment(cls):
        url = os.environ.get("SOFTKEY_POPULATION_URL", "http://127.0.0.1:8765")
        token = os.environ.get("SOFTKEY_TOKEN")
        token_file = os.environ.get("SOFTKEY_TOKEN_FILE")
        if not token and token_file:
            with open(token_file, encoding="utf-8") as f:
                token = f.read().strip()
        if not token:
            raise RuntimeError("set SOFTKEY_TOKEN or SOFTKEY_TOKEN_FILE to the population service's token")
        return cls(url, token)

    def info(self):
        """The population's settings: size, algorithm, counter, ... (never its seed)."""
        return self._call("GET", "/v1/info")

    def user(self, user):
        """User `user`: {user, name, displayName, userHandle}."""
        return self._call("GET", f"/v1/users/{int(user)}")

    def register(self, options, origin, user, top_origin=None):
        """The RP's creation options in, a RegistrationResponseJSON out, as population user `user`."""
        body = {"user": user, "origin": origin, "options": options}
        if top_origin is not None:
            body["topOrigin"] = top_origin
        return self._call("POST", "/v1/registrations", body)

    def sign_in(self, options, origin, user=None, user_handle=None, top_origin=None):
        """The RP's request options in, an AuthenticationResponseJSON out. `user` is needed for a
        discoverable sign-in (empty allowCredentials); `user_handle` names the RP's user.id when the
        credential was registered under one other than the population's."""
        body = {"origin": origin, "options": options}
        if user is not None:
            body["user"] = user
        if user_handle is not None:
            body["userHandle"] = user_handle
        if top_origin is not None:
            body["topOrigin"] = top_origin
        return self._call("POST", "/v1/assertions", body)

    def _connection(self):
        connection = getattr(self._local, "connection", None)
        if connection is None:
            connection = http.client.HTTPConnection(self._host, self._port, timeout=self._timeout)
            self._local.connection = connection
        return connection

    def _call(self, method, path, body=None):
        payload = None if body is None else json.dumps(body).encode("utf-8")
        for attempt in (1, 2):
            connection = self._connection()
            try:
                connection.request(method, path, body=payload, headers=self._headers)
                response = connection.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, ConnectionError):
                # A keep-alive connection the service closed: one fresh try.
                connection.close()
                self._local.connection = None
                if attempt == 2:
                    raise
        result = json.loads(data) if data else None
        if response.status >= 400:
            error = (result or {}).get("error", {})
            raise SoftkeyError(response.status, error.get("code", "unknown"), error.get("message", ""))
        return result
