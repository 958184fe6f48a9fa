"""CTAP1/U2F through python-fido2's Ctap1 class (CTAPHID_MSG) against `softkey serve`.

usage: ctap1.py SPEC flow|deny|u2f-only

flow:     get_version, register, authenticate (signatures verified with python-fido2's own
          RegistrationData.verify and SignatureData.verify), check-only with own and foreign
          key handles, a CTAP2 credential used through U2F and a U2F credential through CTAP2
          getAssertion with rpId = the AppID.
deny:     --presence deny: register and authenticate answer 0x6985.
u2f-only: the u2f-only profile: CTAPHID INIT without CAPABILITY_CBOR, so Ctap2 refuses it
          and Fido2Client falls back to CTAP1.
"""
import os

from cryptography import x509
from cryptography.x509.oid import NameOID
from fido2.attestation import Attestation
from fido2.client import Fido2Client
from fido2.cose import ES256
from fido2.ctap1 import ApduError, Ctap1
from fido2.ctap2 import Ctap2
from fido2.hid import CAPABILITY
from fido2.utils import sha256

from fido2.server import Fido2Server

from softkey_device import ORIGIN, RP, open_device, run, status_of, verify_origin, verify_rp_id

APP_ID = "https://example.com/app-id.json"


def apdu_status(fn, *args, **kwargs):
    """Run one CTAP1 call; return ("OK", result) or ("0x6985", None)."""
    try:
        return "OK", fn(*args, **kwargs)
    except ApduError as error:
        return "0x%04X" % error.code, None


def capabilities(device):
    return {
        "cbor": bool(device.capabilities & CAPABILITY.CBOR),
        "nmsg": bool(device.capabilities & CAPABILITY.NMSG),
    }


def register_and_authenticate(ctap1, out):
    app_param = sha256(APP_ID.encode())
    client_param = sha256(os.urandom(32))
    reg = ctap1.register(client_param, app_param)
    reg.verify(app_param, client_param)  # raises if the attestation signature is wrong
    cert = x509.load_der_x509_certificate(bytes(reg.certificate))
    out["registration"] = {
        "verified": True,
        "publicKeyLength": len(reg.public_key),
        "keyHandleLength": len(reg.key_handle),
        "certificateCn": cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
    }
    # A signature over the wrong challenge must not verify.
    try:
        reg.verify(app_param, sha256(b"another challenge"))
        out["registration"]["wrongChallengeVerified"] = True
    except Exception:
        out["registration"]["wrongChallengeVerified"] = False

    out["signIns"] = []
    for _ in range(2):
        challenge = sha256(os.urandom(32))
        sig = ctap1.authenticate(challenge, app_param, reg.key_handle)
        sig.verify(app_param, challenge, reg.public_key)  # raises if wrong
        out["signIns"].append({"userPresence": sig.user_presence, "counter": sig.counter, "verified": True})

    out["checkOnly"] = {
        "own": apdu_status(ctap1.authenticate, client_param, app_param, reg.key_handle, check_only=True)[0],
        "foreign": apdu_status(ctap1.authenticate, client_param, app_param, os.urandom(32), check_only=True)[0],
        "otherApp": apdu_status(ctap1.authenticate, client_param, sha256(b"https://other.example"), reg.key_handle, check_only=True)[0],
    }
    out["otherAppSign"] = apdu_status(ctap1.authenticate, client_param, sha256(b"https://other.example"), reg.key_handle)[0]
    return reg, app_param


def flow(spec):
    device = open_device(spec)
    out = {"capabilities": capabilities(device)}
    ctap1 = Ctap1(device)
    out["version"] = ctap1.get_version()
    reg, app_param = register_and_authenticate(ctap1, out)

    # The U2F credential through CTAP2, with rpId = the AppID (what the WebAuthn appid extension does).
    ctap2 = Ctap2(device)
    out["ctap2Versions"] = ctap2.info.versions
    client_param = sha256(b"ctap2 client data")
    assertion = ctap2.get_assertion(APP_ID, client_param, [{"type": "public-key", "id": reg.key_handle}])
    assertion.verify(client_param, ES256.from_ctap1(reg.public_key))
    out["u2fViaCtap2"] = {
        "verified": True,
        "rpIdHashIsAppParam": assertion.auth_data.rp_id_hash == app_param,
        "counter": assertion.auth_data.counter,
        "credentialId": assertion.credential["id"] == reg.key_handle,
    }
    out["u2fViaCtap2OtherRp"] = status_of(ctap2.get_assertion, RP["id"], client_param, [{"type": "public-key", "id": reg.key_handle}])[0]

    # A CTAP2 ES256 credential through U2F: the application parameter is SHA-256(rpId).
    att = ctap2.make_credential(sha256(b"mc"), RP, {"id": b"u2f-user", "name": "u2f"}, [{"type": "public-key", "alg": -7}])
    cred = att.auth_data.credential_data
    public_key = b"\x04" + cred.public_key[-2] + cred.public_key[-3]
    rp_param = sha256(RP["id"].encode())
    challenge = sha256(b"u2f challenge")
    sig = ctap1.authenticate(challenge, rp_param, cred.credential_id)
    sig.verify(rp_param, challenge, public_key)
    out["ctap2ViaU2f"] = {"verified": True, "userPresence": sig.user_presence, "counter": sig.counter}
    return out


def deny(spec):
    device = open_device(spec)
    ctap1 = Ctap1(device)
    app_param = sha256(APP_ID.encode())
    return {
        "version": ctap1.get_version(),
        "register": apdu_status(ctap1.register, sha256(b"c"), app_param)[0],
    }


def u2f_only(spec):
    device = open_device(spec)
    out = {"capabilities": capabilities(device)}
    try:
        Ctap2(device)
        out["ctap2"] = "accepted"
    except ValueError as error:
        out["ctap2"] = "refused: %s" % error
    ctap1 = Ctap1(device)
    out["version"] = ctap1.get_version()
    register_and_authenticate(ctap1, out)

    # Fido2Client maps WebAuthn onto CTAP1 (CTAP 2.1 section 10): fido-u2f attestation, then sign-ins.
    client = Fido2Client(device, ORIGIN, verify=verify_rp_id)
    server = Fido2Server(RP, attestation="direct", verify_origin=verify_origin)
    user = {"id": b"user-u2f", "name": "u2f", "displayName": "U2F"}
    options, state = server.register_begin(user, user_verification="discouraged")
    attestation = client.make_credential(options["publicKey"])
    auth_data = server.register_complete(state, attestation.client_data, attestation.attestation_object)
    obj = attestation.attestation_object
    Attestation.for_type(obj.fmt)().verify(obj.att_statement, obj.auth_data, attestation.client_data.hash)
    counters = []
    for _ in range(2):
        request, state = server.authenticate_begin([auth_data.credential_data], user_verification="discouraged")
        response = client.get_assertion(request["publicKey"]).get_response(0)
        server.authenticate_complete(
            state, [auth_data.credential_data], response.credential_id, response.client_data, response.authenticator_data, response.signature
        )
        counters.append(response.authenticator_data.counter)
    out["fido2Client"] = {
        "usedCtap1": hasattr(client, "ctap1") and not hasattr(client, "ctap2"),
        "fmt": obj.fmt,
        "attestationVerified": True,
        "aaguidZero": auth_data.credential_data.aaguid == b"\0" * 16,
        "countersIncrease": counters[1] > counters[0],
    }
    return out


def main(args):
    spec, mode = args
    return {"flow": flow, "deny": deny, "u2f-only": u2f_only}[mode](spec)


run(main)
