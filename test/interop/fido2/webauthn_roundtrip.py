"""Fido2Client + Fido2Server: register a credential on softkey, then sign in with it twice.

usage: webauthn_roundtrip.py SPEC [UV [RK]]
  UV: discouraged | preferred | required (default preferred)
  RK: rk (a discoverable credential, the default) | no-rk
A discoverable credential needs UV on a key that has it (CTAP 2.1 makeCredUvNotRqd covers
non-discoverable credentials only), so "discouraged" goes with "no-rk".

Checks that Fido2Client really spoke CTAP2 (it silently falls back to U2F when CTAP2
fails) and verifies the attestation statement independently of Fido2Server.
"""
from fido2.attestation import Attestation
from fido2.client import Fido2Client
from fido2.server import Fido2Server

from softkey_device import ORIGIN, RP, open_device, run, verify_origin, verify_rp_id


def main(args):
    spec = args[0]
    uv = args[1] if len(args) > 1 else "preferred"
    resident = (args[2] if len(args) > 2 else "rk") == "rk"
    device = open_device(spec)
    client = Fido2Client(device, ORIGIN, verify=verify_rp_id)
    if not hasattr(client, "ctap2"):
        raise RuntimeError("Fido2Client fell back to CTAP1/U2F: CTAP2 getInfo failed")
    server = Fido2Server(RP, attestation="direct", verify_origin=verify_origin)

    user = {"id": b"user-0001", "name": "alice", "displayName": "Alice"}
    options, state = server.register_begin(user, user_verification=uv, resident_key=resident)
    attestation = client.make_credential(options["publicKey"])
    auth_data = server.register_complete(state, attestation.client_data, attestation.attestation_object)
    credential = auth_data.credential_data
    obj = attestation.attestation_object
    Attestation.for_type(obj.fmt)().verify(obj.att_statement, obj.auth_data, attestation.client_data.hash)

    sign_ins = []
    for _ in range(2):
        request, state = server.authenticate_begin([credential], user_verification=uv)
        selection = client.get_assertion(request["publicKey"])
        response = selection.get_response(0)
        server.authenticate_complete(
            state,
            [credential],
            response.credential_id,
            response.client_data,
            response.authenticator_data,
            response.signature,
        )
        sign_ins.append(
            {
                "counter": response.authenticator_data.counter,
                "up": response.authenticator_data.is_user_present(),
                "uv": response.authenticator_data.is_user_verified(),
                "userHandle": response.user_handle,
                "credentialId": response.credential_id,
            }
        )

    discoverable = None
    if resident:
        # No allowCredentials: the authenticator finds the credential by RP ID.
        request, state = server.authenticate_begin(None, user_verification=uv)
        response = client.get_assertion(request["publicKey"]).get_response(0)
        server.authenticate_complete(
            state, [credential], response.credential_id, response.client_data, response.authenticator_data, response.signature
        )
        discoverable = {"credentialId": response.credential_id, "userHandle": response.user_handle}

    return {
        "versions": client.info.versions,
        "fmt": obj.fmt,
        "attestationVerified": True,
        "aaguid": credential.aaguid,
        "credentialId": credential.credential_id,
        "alg": credential.public_key[3],
        "registration": {
            "counter": auth_data.counter,
            "up": auth_data.is_user_present(),
            "uv": auth_data.is_user_verified(),
        },
        "signIns": sign_ins,
        "discoverable": discoverable,
    }


run(main)
