"""The fidelity rules of issue 10 through python-fido2's raw Ctap2, ClientPin, Config and Ctap1.

usage: fidelity.py SPEC SCENARIO [ARGS...]

Scenarios (each prints one JSON object):
  register                 a discoverable credential (built-in UV) and a non-discoverable one
  deny CRED_HEX COUNT      COUNT rounds of the four ways a platform asks a refusing user
  timeout                  a user who never answers: status, seconds taken, keepalive statuses
  excluded CRED_HEX        makeCredential with that credential in excludeList
  wrong-finger             --uv fail: uvRetries through mc, ga and UV tokens down to 0, then the PIN
  always-uv                alwaysUv on a key with no form of UV; U2F under it
  always-uv-builtin        alwaysUv on a key with built-in UV and a PIN
  step7                    makeCredential rk without UV, without and with a PIN
  permissions              token permissions, getPinToken parameters, one token per protocol
  empty-allow-list         getAssertion with allowList []
  canonical                requests in non-canonical CBOR, sent as raw CTAPHID_CBOR messages
"""
import os
import struct
import time

from fido2 import cbor
from fido2.ctap import CtapError
from fido2.ctap1 import ApduError, Ctap1
from fido2.ctap2 import ClientPin, Config, Ctap2, PinProtocolV1, PinProtocolV2
from fido2.hid import CTAPHID
from fido2.utils import sha256

from softkey_device import RP, open_device, run, status_of

PIN = "1234"
GA = ClientPin.PERMISSION.GET_ASSERTION
MC = ClientPin.PERMISSION.MAKE_CREDENTIAL
ACFG = ClientPin.PERMISSION.AUTHENTICATOR_CFG
BE = ClientPin.PERMISSION.BIO_ENROLL
ES256 = [{"type": "public-key", "alg": -7}]
UP, UV = 0x01, 0x04


def cdh():
    return sha256(os.urandom(32))


def flags(auth_data):
    return auth_data.flags & (UP | UV)


def uv_retries(ctap):
    return ClientPin(ctap).get_uv_retries()[0]


def register(ctap, args):
    rk = ctap.make_credential(cdh(), RP, {"id": b"alice", "name": "alice"}, ES256, options={"rk": True, "uv": True})
    plain = ctap.make_credential(cdh(), RP, {"id": b"bob", "name": "bob"}, ES256)
    return {
        "discoverable": rk.auth_data.credential_data.credential_id,
        "nonDiscoverable": plain.auth_data.credential_data.credential_id,
    }


def deny(ctap, args):
    credential = bytes.fromhex(args[0])
    allow = [{"type": "public-key", "id": credential}]
    statuses = {}

    def count(name, fn, *a, **kw):
        status = status_of(fn, *a, **kw)[0]
        statuses.setdefault(name, {}).setdefault(status, 0)
        statuses[name][status] += 1

    client_pin = ClientPin(ctap, PinProtocolV2())
    for _ in range(int(args[1])):
        # The ways a platform asks a key with built-in UV: the uv option, a UV token, plain presence, a registration.
        count("getAssertion uv", ctap.get_assertion, RP["id"], cdh(), options={"uv": True})
        count("uv token", client_pin.get_uv_token, GA, RP["id"])
        count("getAssertion up", ctap.get_assertion, RP["id"], cdh(), allow)
        count("makeCredential", ctap.make_credential, cdh(), RP, {"id": b"carol", "name": "c"}, ES256, options={"rk": True, "uv": True})
    return {"statuses": statuses, "uvRetries": uv_retries(ctap)}


def timeout(ctap, args):
    keepalives = []
    started = time.monotonic()
    status = status_of(ctap.get_assertion, RP["id"], cdh(), options={"uv": True}, on_keepalive=keepalives.append)[0]
    return {"status": status, "seconds": time.monotonic() - started, "keepalives": sorted(set(int(k) for k in keepalives)), "uvRetries": uv_retries(ctap)}


def excluded(ctap, args):
    exclude = [{"type": "public-key", "id": bytes.fromhex(args[0])}]
    return {"status": status_of(ctap.make_credential, cdh(), RP, {"id": b"dave", "name": "d"}, ES256, exclude_list=exclude)[0]}


def wrong_finger(ctap, args):
    client_pin = ClientPin(ctap, PinProtocolV2())
    client_pin.set_pin(PIN)
    steps = []

    def step(name, fn, *a, **kw):
        steps.append([name, status_of(fn, *a, **kw)[0], uv_retries(ctap)])

    step("getAssertion uv", ctap.get_assertion, RP["id"], cdh(), options={"uv": True})
    step("makeCredential uv", ctap.make_credential, cdh(), RP, {"id": b"x", "name": "x"}, ES256, options={"uv": True})
    for _ in range(6):
        step("uv token", client_pin.get_uv_token, GA, RP["id"])
    step("getAssertion uv", ctap.get_assertion, RP["id"], cdh(), options={"uv": True})
    step("pin token", client_pin.get_pin_token, PIN, GA, RP["id"])
    return {"steps": steps}


def always_uv(ctap, args):
    credential = ctap.make_credential(cdh(), RP, {"id": b"erin", "name": "erin"}, ES256).auth_data.credential_data
    allow = [{"type": "public-key", "id": credential.credential_id}]
    # No PIN and no built-in UV: authenticatorConfig needs no token (CTAP 2.2 section 6.11 step 3).
    Config(ctap).toggle_always_uv()
    out = {"alwaysUv": ctap.get_info().options.get("alwaysUv")}
    out["makeCredential"] = status_of(ctap.make_credential, cdh(), RP, {"id": b"f", "name": "f"}, ES256)[0]
    out["getAssertion"] = status_of(ctap.get_assertion, RP["id"], cdh(), allow)[0]
    probe_cdh = cdh()
    status, probe = status_of(ctap.get_assertion, RP["id"], probe_cdh, allow, options={"up": False})
    if probe:
        probe.verify(probe_cdh, credential.public_key)
    out["silentProbe"] = {"status": status, "flags": flags(probe.auth_data) if probe else None}
    ctap1 = Ctap1(ctap.device)
    try:
        ctap1.register(cdh(), sha256(b"https://u2f.example"))
        out["u2fRegister"] = "0x9000"
    except ApduError as error:
        out["u2fRegister"] = "0x%04X" % error.code
    out["versions"] = ctap.get_info().versions
    return out


def always_uv_builtin(ctap, args):
    credential = ctap.make_credential(cdh(), RP, {"id": b"gina", "name": "g"}, ES256).auth_data.credential_data
    allow = [{"type": "public-key", "id": credential.credential_id}]
    protocol = PinProtocolV2()
    client_pin = ClientPin(ctap, protocol)
    client_pin.set_pin(PIN)
    uv_acfg = status_of(client_pin.get_uv_token, ACFG)[0]
    token = client_pin.get_pin_token(PIN, ACFG)
    Config(ctap, protocol, token).toggle_always_uv()
    challenge = cdh()
    assertion = ctap.get_assertion(RP["id"], challenge, allow)
    assertion.verify(challenge, credential.public_key)
    made = ctap.make_credential(cdh(), RP, {"id": b"hank", "name": "h"}, ES256)
    return {
        "uvTokenWithAcfg": uv_acfg,
        "assertionFlags": flags(assertion.auth_data),
        "registrationFlags": flags(made.auth_data),
        "silentProbe": status_of(ctap.get_assertion, RP["id"], cdh(), allow, options={"up": False})[0],
    }


def step7(ctap, args):
    out = {"withoutPin": status_of(ctap.make_credential, cdh(), RP, {"id": b"i", "name": "i"}, ES256, options={"rk": True})[0]}
    ClientPin(ctap).set_pin(PIN)
    out["withPin"] = status_of(ctap.make_credential, cdh(), RP, {"id": b"i", "name": "i"}, ES256, options={"rk": True})[0]
    return out


def permissions(ctap, args):
    v1, v2 = PinProtocolV1(), PinProtocolV2()
    out = {
        "uvTokenAcfg": status_of(ClientPin(ctap, v2).get_uv_token, ACFG)[0],
        "uvTokenBe": status_of(ClientPin(ctap, v2).get_uv_token, BE)[0],
    }
    ClientPin(ctap, v2).set_pin(PIN)
    credential = ctap.make_credential(cdh(), RP, {"id": b"j", "name": "j"}, ES256).auth_data.credential_data
    allow = [{"type": "public-key", "id": credential.credential_id}]

    def assert_with(protocol, token, sent_as=None):
        challenge = cdh()
        return status_of(
            ctap.get_assertion, RP["id"], challenge, allow, pin_uv_param=protocol.authenticate(token, challenge), pin_uv_protocol=(sent_as or protocol).VERSION
        )[0]

    # Undefined permission bits are ignored, not refused.
    token = ClientPin(ctap, v2).get_pin_token(PIN, GA | 0x80, RP["id"])
    out["undefinedBits"] = assert_with(v2, token)
    # The legacy getPinToken takes neither permissions nor an rpId (CTAP 2.2 section 6.5.5.7.1 steps 3-4).
    client_pin = ClientPin(ctap, v2)
    key_agreement, shared_secret = client_pin._get_shared_secret()
    pin_hash_enc = v2.encrypt(shared_secret, sha256(PIN.encode())[:16])
    out["getPinTokenWithPermissions"] = status_of(
        ctap.client_pin, 2, ClientPin.CMD.GET_TOKEN_USING_PIN_LEGACY, key_agreement=key_agreement, pin_hash_enc=pin_hash_enc, permissions=GA
    )[0]
    out["getPinTokenWithRpId"] = status_of(
        ctap.client_pin, 2, ClientPin.CMD.GET_TOKEN_USING_PIN_LEGACY, key_agreement=key_agreement, pin_hash_enc=pin_hash_enc, permissions_rpid=RP["id"]
    )[0]
    # One token per protocol: a protocol-one token does not authenticate under protocol two, nor the reverse.
    token = ClientPin(ctap, v1).get_pin_token(PIN, GA, RP["id"])
    out["v1TokenAsV2"] = assert_with(v2, token)
    out["v1TokenAsV1"] = assert_with(v1, token)
    token = ClientPin(ctap, v2).get_pin_token(PIN, GA, RP["id"])
    out["v2TokenAsV1"] = assert_with(v1, token, sent_as=v1)
    out["v2TokenAsV2"] = assert_with(v2, token)
    return out


def empty_allow_list(ctap, args):
    made = ctap.make_credential(cdh(), RP, {"id": b"kim", "name": "kim"}, ES256, options={"rk": True, "uv": True})
    assertion = ctap.get_assertion(RP["id"], cdh(), [])
    return {"found": assertion.credential["id"] == made.auth_data.credential_data.credential_id, "userId": assertion.user["id"]}


def raw_status(device, command, body):
    return device.call(CTAPHID.CBOR, struct.pack(">B", command) + body)[0]


def canonical(ctap, args):
    device = ctap.device
    params = {1: RP["id"], 2: cdh()}
    good = cbor.encode(params)
    # The same map with its keys reversed: well-formed, not canonical.
    reversed_keys = b"\xa2" + cbor.encode(2) + cbor.encode(params[2]) + cbor.encode(1) + cbor.encode(params[1])
    # clientDataHash's length 32 in two bytes (59 0020) instead of one (58 20).
    at = good.index(b"\x58\x20")
    long_length = good[:at] + b"\x59\x00\x20" + good[at + 2 :]
    return {
        "canonical": raw_status(device, 0x02, good),
        "keysOutOfOrder": raw_status(device, 0x02, reversed_keys),
        "longFormLength": raw_status(device, 0x02, long_length),
    }


SCENARIOS = {
    "register": register,
    "deny": deny,
    "timeout": timeout,
    "excluded": excluded,
    "wrong-finger": wrong_finger,
    "always-uv": always_uv,
    "always-uv-builtin": always_uv_builtin,
    "step7": step7,
    "permissions": permissions,
    "empty-allow-list": empty_allow_list,
    "canonical": canonical,
}


def main(args):
    return SCENARIOS[args[1]](Ctap2(open_device(args[0])), args[2:])


run(main)
