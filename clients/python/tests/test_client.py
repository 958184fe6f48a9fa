"""The client and its fixture against a real ``softkey serve --http``, with
python-fido2's Fido2Server as the relying party that verifies every answer."""

import json
import os
import urllib.request

import pytest

from softkey_client import SoftkeyClient, SoftkeyError, SoftkeyServer

fido2_server = pytest.importorskip("fido2.server", reason="python3-fido2 (Debian) is the relying party of these tests")
from fido2.client import ClientData  # noqa: E402
from fido2.ctap2 import AttestationObject, AuthenticatorData  # noqa: E402
from fido2.utils import websafe_decode, websafe_encode  # noqa: E402
from fido2.webauthn import PublicKeyCredentialRpEntity  # noqa: E402

ORIGIN = "https://app.example.com"
RP_ID = "example.com"


def as_json(value):
    """python-fido2 0.9.1's options hold bytes; an RP's server sends them as base64url JSON."""
    if isinstance(value, bytes):
        return websafe_encode(value)
    if isinstance(value, dict):
        return {k: as_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [as_json(v) for v in value]
    if hasattr(value, "value") and not isinstance(value, (str, int)):  # enums
        return value.value
    return value


class RelyingParty:
    def __init__(self):
        self.server = fido2_server.Fido2Server(PublicKeyCredentialRpEntity(RP_ID, "Example"), verify_origin=lambda origin: origin == ORIGIN)
        self.credentials = []

    def registration_options(self, name, exclude=True, **kwargs):
        """exclude: list the credentials registered so far in excludeCredentials (one key per account)."""
        user = {"id": name.encode(), "name": name, "displayName": name}
        options, self.state = self.server.register_begin(user, self.credentials if exclude else [], **kwargs)
        return json.dumps(as_json(dict(options)))  # the JSON text an RP's endpoint answers with

    def finish_registration(self, response):
        auth_data = self.server.register_complete(
            self.state,
            ClientData(websafe_decode(response["response"]["clientDataJSON"])),
            AttestationObject(websafe_decode(response["response"]["attestationObject"])),
        )
        self.credentials.append(auth_data.credential_data)
        return auth_data

    def authentication_options(self, **kwargs):
        options, self.state = self.server.authenticate_begin(self.credentials, **kwargs)
        return as_json(dict(options))

    def finish_authentication(self, response):
        self.server.authenticate_complete(
            self.state,
            self.credentials,
            websafe_decode(response["rawId"]),
            ClientData(websafe_decode(response["response"]["clientDataJSON"])),
            AuthenticatorData(websafe_decode(response["response"]["authenticatorData"])),
            websafe_decode(response["response"]["signature"]),
        )
        return AuthenticatorData(websafe_decode(response["response"]["authenticatorData"]))


def test_register_and_sign_in_in_three_lines(softkey):
    rp = RelyingParty()
    rp.finish_registration(softkey.register(ORIGIN, rp.registration_options("alice")))
    auth_data = rp.finish_authentication(softkey.authenticate(ORIGIN, rp.authentication_options()))
    assert auth_data.is_user_present()
    assert auth_data.counter > 0


def test_each_test_gets_a_fresh_key(softkey):
    assert softkey.credentials() == []


def test_lists_and_deletes_credentials(softkey):
    rp = RelyingParty()
    for name in ("alice", "bob"):
        rp.finish_registration(softkey.register(ORIGIN, rp.registration_options(name, exclude=False)))
    listed = softkey.credentials(rp_id=RP_ID)
    # Server-side credentials keep no user name (CTAP stores user details for discoverable ones only), only the handle.
    assert sorted(websafe_decode(c["userHandle"]) for c in listed) == [b"alice", b"bob"]
    assert softkey.credentials(rp_id="other.example") == []
    softkey.delete_credential(listed[0]["credentialId"])
    assert len(softkey.credentials()) == 1
    with pytest.raises(SoftkeyError) as missing:
        softkey.delete_credential(listed[0]["credentialId"])
    assert (missing.value.status, missing.value.code) == (404, "not_found")


def test_errors_carry_the_browsers_exception_name(softkey):
    rp = RelyingParty()
    with pytest.raises(SoftkeyError) as wrong_origin:
        softkey.register("https://evil.example", rp.registration_options("eve"))
    assert (wrong_origin.value.status, wrong_origin.value.code) == (403, "SecurityError")
    with pytest.raises(SoftkeyError) as nothing:
        softkey.authenticate(ORIGIN, {"challenge": "AAAAAAAAAAAAAAAAAAAAAA", "rpId": RP_ID})
    assert nothing.value.status == 422
    assert nothing.value.code == "NotAllowedError"
    assert nothing.value.ctap_status == "CTAP2_ERR_NO_CREDENTIALS"


def test_excluded_credential_is_invalid_state(softkey):
    rp = RelyingParty()
    rp.finish_registration(softkey.register(ORIGIN, rp.registration_options("alice")))
    with pytest.raises(SoftkeyError) as again:
        softkey.register(ORIGIN, rp.registration_options("alice"))  # excludeCredentials lists the first
    assert (again.value.status, again.value.code) == (409, "InvalidStateError")


def test_live_controls_change_the_next_ceremony(softkey):
    rp = RelyingParty()
    for name in ("alice", "bob"):
        rp.finish_registration(softkey.register(ORIGIN, rp.registration_options(name, exclude=False, resident_key=True)))
    assert softkey.controls()["presence"] == "auto"

    assert softkey.set_controls(presence="deny")["presence"] == "deny"
    with pytest.raises(SoftkeyError) as refused:
        softkey.authenticate(ORIGIN, rp.authentication_options())
    assert (refused.value.status, refused.value.code) == (422, "NotAllowedError")

    # The account the user picks among the discoverable credentials of a usernameless sign-in.
    softkey.set_controls({"presence": "auto", "account": {"userName": "alice"}})
    options = rp.authentication_options()
    del options["publicKey"]["allowCredentials"]  # usernameless: the key offers every discoverable credential
    answer = softkey.authenticate(ORIGIN, options)
    assert websafe_decode(answer["response"]["userHandle"]) == b"alice"
    rp.finish_authentication(answer)

    # A stored fault acts at once: python-fido2 refuses the signature.
    assert softkey.set_controls(storedFaults={"isBogusSignature": True})["faults"]["isBogusSignature"] is True
    with pytest.raises(Exception):
        rp.finish_authentication(softkey.authenticate(ORIGIN, rp.authentication_options()))

    # One bad member refuses the whole change.
    with pytest.raises(SoftkeyError) as bad:
        softkey.set_controls(storedFaults={"isBogusSignature": False}, faults={"isGood": True})
    assert (bad.value.status, bad.value.code) == (400, "TypeError")
    assert softkey.controls()["storedFaults"]["isBogusSignature"] is True


def test_a_wrong_token_is_refused(softkey_server):
    stranger = SoftkeyClient(softkey_server.url, "not-the-token-at-all")
    assert stranger.healthy()
    with pytest.raises(SoftkeyError) as refused:
        stranger.info()
    assert (refused.value.status, refused.value.code) == (401, "unauthorized")
    assert "not-the-token" not in repr(stranger)


@pytest.mark.softkey_profile("platform-passkey")
def test_marker_chooses_the_emulated_device(softkey):
    assert softkey.info()["profile"] == "platform-passkey"
    rp = RelyingParty()
    response = softkey.register(ORIGIN, rp.registration_options("alice", user_verification="required"))
    assert response["authenticatorAttachment"] == "platform"
    rp.finish_registration(response)


def test_server_stops_cleanly_and_removes_its_store():
    with SoftkeyServer() as server:
        store = os.path.join(server._dir.name, "keystore")
        assert os.path.isdir(store)
        assert server.client.healthy()
        process = server._process
    assert process.returncode == 0  # SIGTERM: a clean stop
    assert not os.path.exists(store)
    with pytest.raises(OSError):
        urllib.request.urlopen(server.url + "/healthz", timeout=2)
