"""python-fido2's ClientPin on softkey, PIN/UV auth protocol one or two.

usage:
  client_pin.py SPEC flow PROTOCOL
      set, change and use a PIN; the token opens makeCredential/getAssertion; retries
      go down on a wrong PIN and back to 8 on a right one.
  client_pin.py SPEC attempts PROTOCOL WRONG_COUNT [--set PIN] [--then PIN]
      WRONG_COUNT wrong PINs in a row, each with its status and the retries left after it;
      --set sets the PIN first, --then tries a PIN afterwards (the right one, to see it refused).
"""
import os

from fido2.ctap2 import ClientPin, Ctap2, PinProtocolV1, PinProtocolV2
from fido2.utils import sha256

from softkey_device import RP, open_device, run, status_of

PROTOCOLS = {"1": PinProtocolV1, "2": PinProtocolV2}
GA = ClientPin.PERMISSION.GET_ASSERTION
MC = ClientPin.PERMISSION.MAKE_CREDENTIAL


def retries(client_pin):
    return client_pin.get_pin_retries()[0]


def flow(ctap, client_pin):
    protocol = client_pin.protocol
    out = {"protocol": protocol.VERSION, "clientPinBefore": ctap.get_info().options.get("clientPin")}
    client_pin.set_pin("1234")
    out["clientPinAfter"] = ctap.get_info().options.get("clientPin")
    out["retriesAfterSet"], out["powerCycleState"] = client_pin.get_pin_retries()
    out["setAgain"] = status_of(client_pin.set_pin, "4321")[0]

    token = client_pin.get_pin_token("1234", MC | GA, RP["id"])
    out["tokenLength"] = len(token)
    cdh = sha256(os.urandom(32))
    att = ctap.make_credential(
        cdh,
        RP,
        {"id": b"pin-user", "name": "pin"},
        [{"type": "public-key", "alg": -7}],
        options={"rk": True},
        pin_uv_param=protocol.authenticate(token, cdh),
        pin_uv_protocol=protocol.VERSION,
    )
    cred = att.auth_data.credential_data
    out["makeCredentialUv"] = att.auth_data.is_user_verified()
    # CTAP 2.1: a ceremony clears the token's permissions (all but lbw), so it opens exactly one.
    cdh = sha256(os.urandom(32))
    out["tokenReused"] = status_of(
        ctap.get_assertion, RP["id"], cdh, pin_uv_param=protocol.authenticate(token, cdh), pin_uv_protocol=protocol.VERSION
    )[0]
    token = client_pin.get_pin_token("1234", GA, RP["id"])
    cdh = sha256(os.urandom(32))
    assertion = ctap.get_assertion(RP["id"], cdh, pin_uv_param=protocol.authenticate(token, cdh), pin_uv_protocol=protocol.VERSION)
    assertion.verify(cdh, cred.public_key)
    out["getAssertionUv"] = assertion.auth_data.is_user_verified()
    # The token is bound to the RP ID it was asked for.
    token = client_pin.get_pin_token("1234", GA, RP["id"])
    cdh = sha256(os.urandom(32))
    out["otherRp"] = status_of(
        ctap.get_assertion, "other.example", cdh, pin_uv_param=protocol.authenticate(token, cdh), pin_uv_protocol=protocol.VERSION
    )[0]
    # A wrong pinUvAuthParam.
    out["badPinUvAuthParam"] = status_of(
        ctap.get_assertion, RP["id"], cdh, pin_uv_param=protocol.authenticate(token, b"not the hash"), pin_uv_protocol=protocol.VERSION
    )[0]

    # getPinToken (0x05), the CTAP 2.0 way, without permissions.
    legacy = ClientPin(ctap, protocol)
    legacy._supports_permissions = False
    legacy_token = legacy.get_pin_token("1234")
    cdh = sha256(os.urandom(32))
    legacy_assertion = ctap.get_assertion(
        RP["id"], cdh, pin_uv_param=protocol.authenticate(legacy_token, cdh), pin_uv_protocol=protocol.VERSION
    )
    out["legacyTokenUv"] = legacy_assertion.auth_data.is_user_verified()

    # Wrong PIN twice: retries go down; the right PIN brings them back.
    out["wrong"] = []
    for _ in range(2):
        out["wrong"].append({"status": status_of(client_pin.get_pin_token, "0000", GA, RP["id"])[0], "retries": retries(client_pin)})
    client_pin.get_pin_token("1234", GA, RP["id"])
    out["retriesAfterRightPin"] = retries(client_pin)

    client_pin.change_pin("1234", "56789")
    out["oldPinAfterChange"] = status_of(client_pin.get_pin_token, "1234", GA, RP["id"])[0]
    out["retriesAfterOldPin"] = retries(client_pin)
    out["newPinAfterChange"] = status_of(client_pin.get_pin_token, "56789", GA, RP["id"])[0]
    out["retriesAfterNewPin"] = retries(client_pin)
    # changePIN invalidates tokens issued before it.
    token = client_pin.get_pin_token("56789", GA, RP["id"])
    client_pin.change_pin("56789", "24680")
    cdh = sha256(os.urandom(32))
    out["tokenAfterChange"] = status_of(
        ctap.get_assertion, RP["id"], cdh, pin_uv_param=protocol.authenticate(token, cdh), pin_uv_protocol=protocol.VERSION
    )[0]
    out["changeWithWrongPin"] = status_of(client_pin.change_pin, "1111", "22222")[0]
    out["retriesAfterBadChange"] = retries(client_pin)
    out["finalPin"] = status_of(client_pin.get_pin_token, "24680", GA, RP["id"])[0]
    return out


def attempts(ctap, client_pin, args):
    wrong = int(args[0])
    options = dict(zip(args[1::2], args[2::2]))
    out = {"protocol": client_pin.protocol.VERSION}
    if "--set" in options:
        client_pin.set_pin(options["--set"])
    out["retriesBefore"] = retries(client_pin)
    out["attempts"] = []
    for _ in range(wrong):
        status = status_of(client_pin.get_pin_token, "9999", GA, RP["id"])[0]
        out["attempts"].append({"status": status, "retries": retries(client_pin)})
    if "--then" in options:
        out["then"] = status_of(client_pin.get_pin_token, options["--then"], GA, RP["id"])[0]
        out["retriesAfter"] = retries(client_pin)
    return out


def main(args):
    spec, scenario, protocol = args[0], args[1], args[2]
    ctap = Ctap2(open_device(spec))
    client_pin = ClientPin(ctap, PROTOCOLS[protocol]())
    if scenario == "flow":
        return flow(ctap, client_pin)
    if scenario == "attempts":
        return attempts(ctap, client_pin, args[3:])
    raise ValueError("unknown scenario %r" % scenario)


run(main)
