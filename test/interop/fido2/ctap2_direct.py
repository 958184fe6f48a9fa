"""python-fido2's Ctap2 class straight on softkey: getInfo, makeCredential, getAssertion.

usage: ctap2_direct.py SPEC

Ctap2 is strict (non-canonical CBOR from the authenticator raises), and nothing here
can fall back to U2F, so a CTAP2 fault shows as exactly that.
"""
import os

from fido2.attestation import Attestation
from fido2.cose import CoseKey
from fido2.ctap2 import Ctap2
from fido2.utils import sha256

from softkey_device import RP, open_device, run, status_of


def main(args):
    ctap = Ctap2(open_device(args[0]))
    info = ctap.get_info()
    out = {
        "info": {
            "versions": info.versions,
            "extensions": info.extensions,
            "aaguid": info.aaguid,
            "options": info.options,
            "maxMsgSize": info.max_msg_size,
            "pinUvAuthProtocols": info.pin_uv_protocols,
            "maxCredentialCountInList": info.max_creds_in_list,
            "maxCredentialIdLength": info.max_cred_id_length,
            "transports": info.transports,
            "algorithms": [a["alg"] for a in info.algorithms or []],
            "minPinLength": info.min_pin_length,
            "firmwareVersion": info.firmware_version,
            "remainingDiscoverableCredentials": info.remaining_disc_creds,
        }
    }

    credentials = {}
    for alg in (-7, -8):
        cdh = sha256(os.urandom(32))
        user = {"id": b"user-%d" % -alg, "name": "bob"}
        att = ctap.make_credential(cdh, RP, user, [{"type": "public-key", "alg": alg}])
        Attestation.for_type(att.fmt)().verify(att.att_statement, att.auth_data, cdh)
        cred = att.auth_data.credential_data
        credentials[alg] = cred

        cdh = sha256(os.urandom(32))
        allow = [{"type": "public-key", "id": cred.credential_id}]
        assertion = ctap.get_assertion(RP["id"], cdh, allow)
        assertion.verify(cdh, cred.public_key)
        out[str(alg)] = {
            "fmt": att.fmt,
            "attestationVerified": True,
            "publicKeyAlg": cred.public_key[3],
            "coseType": type(CoseKey.parse(dict(cred.public_key))).__name__,
            "registrationFlags": {"up": att.auth_data.is_user_present(), "uv": att.auth_data.is_user_verified()},
            "assertionVerified": True,
            "counter": assertion.auth_data.counter,
            "credentialIdLength": len(cred.credential_id),
        }

    # Two discoverable credentials (UV from the built-in "fingerprint"): getAssertion then getNextAssertion.
    for name in ("carol", "dave"):
        ctap.make_credential(
            sha256(os.urandom(32)),
            {"id": "multi.example", "name": "Multi"},
            {"id": name.encode(), "name": name, "displayName": name.title()},
            [{"type": "public-key", "alg": -7}],
            options={"rk": True, "uv": True},
        )
    assertions = ctap.get_assertions("multi.example", sha256(b"x"), options={"uv": True})
    out["discoverable"] = {
        "count": len(assertions),
        "numberOfCredentials": assertions[0].number_of_credentials,
        "users": sorted(a.user["id"].decode() for a in assertions),
        "uv": [a.auth_data.is_user_verified() for a in assertions],
    }

    cred = credentials[-7]
    out["errors"] = {
        "unknownRp": status_of(ctap.get_assertion, "nobody.example", sha256(b"y"))[0],
        "excluded": status_of(
            ctap.make_credential,
            sha256(b"z"),
            RP,
            {"id": b"user-7", "name": "bob"},
            [{"type": "public-key", "alg": -7}],
            [{"type": "public-key", "id": cred.credential_id}],
        )[0],
        "unsupportedAlgorithm": status_of(
            ctap.make_credential, sha256(b"w"), RP, {"id": b"u", "name": "u"}, [{"type": "public-key", "alg": -257}]
        )[0],
        "upFalseMakeCredential": status_of(
            ctap.make_credential, sha256(b"v"), RP, {"id": b"u", "name": "u"}, [{"type": "public-key", "alg": -7}], options={"up": False}
        )[0],
    }
    silent = ctap.get_assertion(RP["id"], sha256(b"s"), [{"type": "public-key", "id": cred.credential_id}], options={"up": False})
    out["silentAssertion"] = {"up": silent.auth_data.is_user_present(), "verified": silent.verify(sha256(b"s"), cred.public_key) is None}
    return out


run(main)
