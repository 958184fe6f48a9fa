"""python-fido2's CredentialManagement on softkey: metadata, enumeration, update_user_info, delete.

usage: cred_mgmt.py SPEC PROTOCOL
"""
import os

from fido2.ctap2 import ClientPin, Ctap2, CredentialManagement, PinProtocolV1, PinProtocolV2
from fido2.utils import sha256

from softkey_device import open_device, run, status_of

PROTOCOLS = {"1": PinProtocolV1, "2": PinProtocolV2}
PIN = "4321"
R = CredentialManagement.RESULT


def make(ctap, rp_id, user_id, name):
    att = ctap.make_credential(
        sha256(os.urandom(32)),
        {"id": rp_id, "name": rp_id.upper()},
        {"id": user_id, "name": name, "displayName": name.title()},
        [{"type": "public-key", "alg": -7}],
        options={"rk": True, "uv": True},
    )
    return att.auth_data.credential_data.credential_id


def main(args):
    spec, protocol = args[0], args[1]
    ctap = Ctap2(open_device(spec))
    ids = {
        "alice": make(ctap, "a.example", b"alice", "alice"),
        "bob": make(ctap, "a.example", b"bob", "bob"),
        "carol": make(ctap, "b.example", b"carol", "carol"),
    }
    # A non-discoverable credential is not managed.
    ctap.make_credential(sha256(b"nr"), {"id": "c.example", "name": "C"}, {"id": b"dan", "name": "dan"}, [{"type": "public-key", "alg": -7}])

    client_pin = ClientPin(ctap, PROTOCOLS[protocol]())
    client_pin.set_pin(PIN)
    out = {}
    # A token without the cm permission does not open credential management.
    ga_token = client_pin.get_pin_token(PIN, ClientPin.PERMISSION.GET_ASSERTION, "a.example")
    out["withoutCmPermission"] = status_of(CredentialManagement(ctap, client_pin.protocol, ga_token).get_metadata)[0]

    token = client_pin.get_pin_token(PIN, ClientPin.PERMISSION.CREDENTIAL_MGMT)
    credman = CredentialManagement(ctap, client_pin.protocol, token)
    metadata = credman.get_metadata()
    out["metadata"] = {
        "existing": metadata[R.EXISTING_CRED_COUNT],
        "remaining": metadata[R.MAX_REMAINING_COUNT],
    }
    rps = credman.enumerate_rps()
    out["rps"] = sorted(rp[R.RP]["id"] for rp in rps)
    out["rpIdHashesMatch"] = all(rp[R.RP_ID_HASH] == sha256(rp[R.RP]["id"].encode()) for rp in rps)
    out["totalRps"] = rps[0][R.TOTAL_RPS]

    creds = credman.enumerate_creds(sha256(b"a.example"))
    out["aCredentials"] = sorted(
        (
            {
                "user": c[R.USER]["id"].decode(),
                "name": c[R.USER].get("name"),
                "displayName": c[R.USER].get("displayName"),
                "idMatches": c[R.CREDENTIAL_ID]["id"] == ids[c[R.USER]["id"].decode()],
                "alg": c[R.PUBLIC_KEY][3],
                "credProtect": c.get(R.CRED_PROTECT),
            }
            for c in creds
        ),
        key=lambda c: c["user"],
    )
    out["aTotal"] = creds[0][R.TOTAL_CREDENTIALS]
    out["unknownRp"] = credman.enumerate_creds(sha256(b"nobody.example"))

    descriptor = {"type": "public-key", "id": ids["bob"]}
    credman.update_user_info(descriptor, {"id": b"bob", "name": "robert", "displayName": "Robert"})
    assertions = ctap.get_assertions("a.example", sha256(b"after update"), options={"uv": True})
    out["afterUpdate"] = sorted((a.user["id"].decode(), a.user.get("name"), a.user.get("displayName")) for a in assertions)
    # updateUserInformation may not change the user handle.
    out["updateOtherUserId"] = status_of(credman.update_user_info, descriptor, {"id": b"mallory", "name": "m"})[0]

    credman.delete_cred({"type": "public-key", "id": ids["alice"]})
    out["deleteAgain"] = status_of(credman.delete_cred, {"type": "public-key", "id": ids["alice"]})[0]
    assertions = ctap.get_assertions("a.example", sha256(b"after delete"), options={"uv": True})
    out["afterDelete"] = [a.user["id"].decode() for a in assertions]
    allow = [{"type": "public-key", "id": ids["alice"]}]
    out["deletedSignIn"] = status_of(ctap.get_assertion, "a.example", sha256(b"gone"), allow, options={"uv": True})[0]
    out["metadataAfter"] = credman.get_metadata()[R.EXISTING_CRED_COUNT]
    credman.delete_cred({"type": "public-key", "id": ids["carol"]})
    out["rpsAfter"] = sorted(rp[R.RP]["id"] for rp in credman.enumerate_rps())
    return out


run(main)
