"""authenticatorReset through python-fido2 on a freshly started softkey (within 10 s of power-up).

usage: reset.py SPEC

Leaves a PIN, a discoverable credential and a large blob behind, resets, and checks that
all of it is gone while the device settings (AAGUID) remain.
"""
import os

from fido2.ctap import STATUS
from fido2.ctap2 import ClientPin, Ctap2, CredentialManagement
from fido2.utils import sha256

from softkey_device import RP, open_device, run, status_of


def main(args):
    ctap = Ctap2(open_device(args[0]))
    aaguid = ctap.info.aaguid
    att = ctap.make_credential(
        sha256(os.urandom(8)), RP, {"id": b"gone", "name": "gone"}, [{"type": "public-key", "alg": -7}], options={"rk": True, "uv": True}
    )
    cred_id = att.auth_data.credential_data.credential_id
    client_pin = ClientPin(ctap)
    client_pin.set_pin("1357")
    token = client_pin.get_pin_token("1357", ClientPin.PERMISSION.CREDENTIAL_MGMT)
    out = {"before": {
        "clientPin": ctap.get_info().options.get("clientPin"),
        "credentials": CredentialManagement(ctap, client_pin.protocol, token).get_metadata()[CredentialManagement.RESULT.EXISTING_CRED_COUNT],
    }}

    keepalives = []
    ctap.reset(on_keepalive=lambda status: keepalives.append(STATUS(status).name if status in (1, 2) else status))
    info = ctap.get_info()
    out["after"] = {
        "clientPin": info.options.get("clientPin"),
        "aaguidKept": info.aaguid == aaguid,
        "signIn": status_of(ctap.get_assertion, RP["id"], sha256(b"r"), [{"type": "public-key", "id": cred_id}])[0],
        "discoverable": status_of(ctap.get_assertion, RP["id"], sha256(b"d"), None, None, {"uv": True})[0],
        "pinRetries": client_pin.get_pin_retries()[0],
        "getPinToken": status_of(client_pin.get_pin_token, "1357", ClientPin.PERMISSION.GET_ASSERTION, RP["id"])[0],
    }
    out["keepalives"] = keepalives
    # A PIN can be set again after a reset.
    client_pin.set_pin("2468")
    out["pinSetAgain"] = ctap.get_info().options.get("clientPin")
    return out


run(main)
