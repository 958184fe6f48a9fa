"""The HTTP client: softkey's WebAuthn client (``softkey serve --http``) from Python.

Only the standard library: ``urllib.request`` and ``json``. Each method is one
request of the API described in ``docs/openapi.json`` of the softkey repository.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping, Optional, Union

Options = Union[Mapping[str, Any], str, bytes]


class SoftkeyError(Exception):
    """An error answer of the service: ``{"error": {"code", "message", "ctapStatus"?}}``.

    ``code`` is the DOMException name a browser would reject with (``NotAllowedError``,
    ``SecurityError``, ``InvalidStateError``, ...) or the service's own snake_case code
    (``unauthorized``, ``invalid_request``, ``not_found``, ...); ``status`` is the HTTP status.
    """

    def __init__(self, status: int, code: str, message: str, ctap_status: Optional[str] = None):
        super().__init__(f"{code}: {message}" + (f" ({ctap_status})" if ctap_status else ""))
        self.status = status
        self.code = code
        self.message = message
        self.ctap_status = ctap_status


class SoftkeyClient:
    """A virtual security key behind ``softkey serve --http``, as a test's browser.

    >>> key = SoftkeyClient("http://127.0.0.1:41235", token)
    >>> credential = key.register("https://app.example", registration_options)
    >>> assertion = key.authenticate("https://app.example", authentication_options)
    """

    def __init__(self, base_url: str, token: str, timeout: float = 30.0):
        self.base_url = base_url.rstrip("/")
        self._token = token
        self.timeout = timeout

    def __repr__(self) -> str:  # never the token
        return f"SoftkeyClient({self.base_url!r})"

    # -- the ceremonies ---------------------------------------------------------------

    def register(self, origin: str, options: Options, top_origin: Optional[str] = None) -> dict:
        """navigator.credentials.create() for a page at ``origin``: the RP's creation options
        (a dict, or the JSON text its server sent; ``{"publicKey": ...}`` too) in,
        RegistrationResponseJSON out, ready to post to the RP's verify endpoint."""
        return self._request("POST", "/v1/registrations", self._ceremony(origin, options, top_origin))

    def authenticate(self, origin: str, options: Options, top_origin: Optional[str] = None) -> dict:
        """navigator.credentials.get() for a page at ``origin``: the RP's request options in,
        AuthenticationResponseJSON out."""
        return self._request("POST", "/v1/assertions", self._ceremony(origin, options, top_origin))

    # The names navigator.credentials uses.
    create = register
    get = authenticate

    # -- the key ------------------------------------------------------------------------

    def credentials(self, rp_id: Optional[str] = None) -> list:
        """The credentials on the key (no secrets), optionally of one RP ID."""
        query = "" if rp_id is None else "?" + urllib.parse.urlencode({"rpId": rp_id})
        return self._request("GET", "/v1/credentials" + query)["credentials"]

    def delete_credential(self, credential_id: str) -> None:
        """Delete one credential; SoftkeyError with code ``not_found`` when there is none."""
        self._request("DELETE", "/v1/credentials/" + urllib.parse.quote(credential_id, safe=""))

    def info(self) -> dict:
        """The device and its decoded authenticatorGetInfo."""
        return self._request("GET", "/v1/info")

    def controls(self) -> dict:
        """The key's live controls: the simulated user (presence, uv, enrollSamples), the response
        faults of this session and those stored, the account the user picks, the capability overrides."""
        return self._request("GET", "/v1/controls")

    def set_controls(self, change: Optional[dict] = None, **members: Any) -> dict:
        """Change live controls from the next ceremony on, while the service runs, e.g.
        ``set_controls(presence="deny")`` or ``set_controls(account={"userName": "alice"})``. Members
        not given keep their value; one bad member (SoftkeyError 400 ``TypeError``) changes nothing.
        Returns the controls after the change."""
        return self._request("PUT", "/v1/controls", {**(change or {}), **members})

    def healthy(self) -> bool:
        """True when the service answers ``GET /healthz``."""
        try:
            return self._request("GET", "/healthz", authorized=False).get("ok") is True
        except (SoftkeyError, OSError):
            return False

    # -- plumbing -----------------------------------------------------------------------

    @staticmethod
    def _ceremony(origin: str, options: Options, top_origin: Optional[str]) -> dict:
        if isinstance(options, (str, bytes)):
            options = json.loads(options)
        body = {"origin": origin, "options": dict(options)}
        if top_origin is not None:
            body["topOrigin"] = top_origin
        return body

    def _request(self, method: str, path: str, body: Optional[dict] = None, authorized: bool = True) -> Any:
        headers = {"Accept": "application/json"}
        if authorized:
            headers["Authorization"] = f"Bearer {self._token}"
        data = None
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise _service_error(error) from None
        return json.loads(payload) if payload else None


def _service_error(error: urllib.error.HTTPError) -> SoftkeyError:
    try:
        detail = json.loads(error.read())["error"]
        return SoftkeyError(error.code, detail["code"], detail["message"], detail.get("ctapStatus"))
    except (ValueError, KeyError, TypeError):
        return SoftkeyError(error.code, "http_error", f"HTTP {error.code} {error.reason}")
