"""Full python-fido2 sign-in round trips per second against softkey: Fido2Server.authenticate_begin,
Fido2Client.get_assertion (CTAPHID over the socket), Fido2Server.authenticate_complete.

usage: bench_loop.py SPEC SECONDS
prints {"ops": N, "seconds": S, "opsPerSecond": R}
"""
import time

from fido2.client import Fido2Client
from fido2.server import Fido2Server

from softkey_device import ORIGIN, RP, open_device, run, verify_origin, verify_rp_id


def main(args):
    spec, seconds = args[0], float(args[1])
    client = Fido2Client(open_device(spec), ORIGIN, verify=verify_rp_id)
    if not hasattr(client, "ctap2"):
        raise RuntimeError("Fido2Client fell back to CTAP1/U2F: CTAP2 getInfo failed")
    server = Fido2Server(RP, verify_origin=verify_origin)
    options, state = server.register_begin({"id": b"bench", "name": "bench"}, user_verification="discouraged")
    made = client.make_credential(options["publicKey"])
    credentials = [server.register_complete(state, made.client_data, made.attestation_object).credential_data]

    def sign_in():
        request, state = server.authenticate_begin(credentials, user_verification="discouraged")
        response = client.get_assertion(request["publicKey"]).get_response(0)
        server.authenticate_complete(
            state, credentials, response.credential_id, response.client_data, response.authenticator_data, response.signature
        )

    for _ in range(20):  # warm-up
        sign_in()
    ops = 0
    start = time.perf_counter()
    end = start + seconds
    while time.perf_counter() < end:
        sign_in()
        ops += 1
    elapsed = time.perf_counter() - start
    return {"ops": ops, "seconds": elapsed, "opsPerSecond": ops / elapsed}


run(main)
