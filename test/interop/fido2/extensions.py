"""python-fido2's CTAP2 extension classes on softkey.

usage: extensions.py SPEC hmac-secret | cred-protect | cred-blob
"""
import os

from fido2.client import Fido2Client
from fido2.ctap2 import Ctap2, PinProtocolV1, PinProtocolV2
from fido2.ctap2.extensions import CredBlobExtension, CredProtectExtension, HmacSecretExtension
from fido2.server import Fido2Server
from fido2.utils import sha256

from softkey_device import ORIGIN, RP, open_device, run, status_of, verify_origin, verify_rp_id

ES256 = [{"type": "public-key", "alg": -7}]


def hmac_secret(spec):
    device = open_device(spec)
    client = Fido2Client(device, ORIGIN, verify=verify_rp_id)
    if not hasattr(client, "ctap2"):
        raise RuntimeError("Fido2Client fell back to CTAP1/U2F: CTAP2 getInfo failed")
    server = Fido2Server(RP, verify_origin=verify_origin)
    user = {"id": b"hmac-user", "name": "hmac"}
    options, state = server.register_begin(user, user_verification="discouraged")
    options = dict(options["publicKey"])
    options["extensions"] = {"hmacCreateSecret": True}
    created = client.make_credential(options)
    credential = server.register_complete(state, created.client_data, created.attestation_object).credential_data
    out = {"created": created.extension_results}

    salt1, salt2 = os.urandom(32), os.urandom(32)

    def through_client(uv, salts):
        request, state = server.authenticate_begin([credential], user_verification=uv)
        request = dict(request["publicKey"])
        request["extensions"] = {"hmacGetSecret": salts}
        response = client.get_assertion(request).get_response(0)
        server.authenticate_complete(
            state, [credential], response.credential_id, response.client_data, response.authenticator_data, response.signature
        )
        return response.extension_results["hmacGetSecret"], response.authenticator_data.is_user_verified()

    first, uv_first = through_client("required", {"salt1": salt1})
    again, _ = through_client("required", {"salt1": salt1})
    both, _ = through_client("required", {"salt1": salt1, "salt2": salt2})
    other, _ = through_client("required", {"salt1": salt2})
    without_uv, uv_without = through_client("discouraged", {"salt1": salt1})
    out["client"] = {
        "uvFlags": [uv_first, uv_without],
        "outputLength": len(first["output1"]),
        "sameSaltSameOutput": first["output1"] == again["output1"],
        "twoSalts": both["output1"] == first["output1"] and both.get("output2") == other["output1"],
        "otherSaltOtherOutput": other["output1"] != first["output1"],
        "withoutUvDiffers": without_uv["output1"] != first["output1"],
    }

    # The same through Ctap2 with each PIN/UV auth protocol: the secret does not depend on the protocol.
    ctap = client.ctap2
    allow = [{"type": "public-key", "id": credential.credential_id}]
    outputs = {}
    for name, protocol in (("1", PinProtocolV1()), ("2", PinProtocolV2())):
        for uv in (True, False):
            ext = HmacSecretExtension(ctap, protocol)
            inputs = ext.process_get_input({"hmacGetSecret": {"salt1": salt1}})
            assertion = ctap.get_assertion(RP["id"], sha256(os.urandom(8)), allow, {"hmac-secret": inputs}, {"uv": uv})
            outputs[(name, uv)] = ext.process_get_output(assertion.auth_data)["hmacGetSecret"]["output1"]
    out["ctap2"] = {
        "protocolsAgreeWithUv": outputs[("1", True)] == outputs[("2", True)] == first["output1"],
        "protocolsAgreeWithoutUv": outputs[("1", False)] == outputs[("2", False)] == without_uv["output1"],
    }
    # A salt that is not 32 or 64 bytes once decrypted: the authenticator must refuse it.
    ext = HmacSecretExtension(ctap, PinProtocolV2())
    inputs = ext.process_get_input({"hmacGetSecret": {"salt1": salt1}})
    protocol = ext.pin_protocol
    short_enc = protocol.encrypt(ext.shared_secret, os.urandom(16))
    inputs = {1: inputs[1], 2: short_enc, 3: protocol.authenticate(ext.shared_secret, short_enc), 4: 2}
    out["shortSalt"] = status_of(ctap.get_assertion, RP["id"], sha256(b"s"), allow, {"hmac-secret": inputs})[0]
    return out


def cred_protect(spec):
    ctap = Ctap2(open_device(spec))
    out = {}
    creds = {}
    for level in (1, 2, 3):
        ext = CredProtectExtension(ctap)
        policy = list(CredProtectExtension.POLICY)[level - 1]
        value = ext.process_create_input({"credentialProtectionPolicy": policy})
        att = ctap.make_credential(
            sha256(os.urandom(8)),
            RP,
            {"id": b"level-%d" % level, "name": "level %d" % level},
            ES256,
            extensions={"credProtect": value},
            options={"rk": True, "uv": True},
        )
        creds[level] = att.auth_data.credential_data.credential_id
        out["level%d" % level] = {"requested": value, "authData": att.auth_data.extensions.get("credProtect")}

    def users(options, allow=None):
        status, result = status_of(ctap.get_assertions, RP["id"], sha256(os.urandom(8)), allow, None, options)
        return status if status != "OK" else sorted(a.user["id"].decode() for a in result)

    def allowed(level, options):
        allow = [{"type": "public-key", "id": creds[level]}]
        return status_of(ctap.get_assertion, RP["id"], sha256(os.urandom(8)), allow, None, options)[0]

    out["discoverableWithUv"] = users({"uv": True})
    out["discoverableWithoutUv"] = users(None)
    out["allowListWithoutUv"] = {str(level): allowed(level, None) for level in (1, 2, 3)}
    out["allowListWithUv"] = {str(level): allowed(level, {"uv": True}) for level in (1, 2, 3)}
    out["invalidLevel"] = status_of(
        ctap.make_credential, sha256(b"x"), RP, {"id": b"bad", "name": "bad"}, ES256, None, {"credProtect": 4}, {"rk": True, "uv": True}
    )[0]
    return out


def cred_blob(spec):
    ctap = Ctap2(open_device(spec))
    info = ctap.get_info()
    out = {"maxCredBlobLength": info.max_cred_blob_length}
    blob = b"softkey cred blob \x00\xff"
    ext = CredBlobExtension(ctap)
    att = ctap.make_credential(
        sha256(os.urandom(8)),
        RP,
        {"id": b"blob-user", "name": "blob"},
        ES256,
        extensions={"credBlob": ext.process_create_input({"credBlob": blob})},
        options={"rk": True, "uv": True},
    )
    out["stored"] = att.auth_data.extensions.get("credBlob")
    cred_id = att.auth_data.credential_data.credential_id

    too_long = ctap.make_credential(
        sha256(os.urandom(8)),
        RP,
        {"id": b"long-blob", "name": "long"},
        ES256,
        extensions={"credBlob": os.urandom(info.max_cred_blob_length + 1)},
        options={"rk": True, "uv": True},
    )
    out["tooLongStored"] = too_long.auth_data.extensions.get("credBlob")

    allow = [{"type": "public-key", "id": cred_id}]
    get_input = CredBlobExtension(ctap).process_get_input({"getCredBlob": True})
    assertion = ctap.get_assertion(RP["id"], sha256(b"g"), allow, {"credBlob": get_input}, {"uv": True})
    out["read"] = assertion.auth_data.extensions.get("credBlob")
    out["readMatches"] = out["read"] == blob
    assertion = ctap.get_assertion(RP["id"], sha256(b"h"), allow, None, {"uv": True})
    out["notAsked"] = assertion.auth_data.extensions
    allow = [{"type": "public-key", "id": too_long.auth_data.credential_data.credential_id}]
    assertion = ctap.get_assertion(RP["id"], sha256(b"i"), allow, {"credBlob": True}, {"uv": True})
    out["tooLongRead"] = assertion.auth_data.extensions.get("credBlob")
    return out


def main(args):
    spec, which = args[0], args[1]
    scenarios = {"hmac-secret": hmac_secret, "cred-protect": cred_protect, "cred-blob": cred_blob}
    return scenarios[which](spec)


run(main)
