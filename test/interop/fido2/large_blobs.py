"""python-fido2's LargeBlobs (and the largeBlobKey extension) on softkey: write, then read back.

usage: large_blobs.py SPEC PROTOCOL
"""
import os

from fido2.ctap2 import ClientPin, Ctap2, LargeBlobs, PinProtocolV1, PinProtocolV2
from fido2.ctap2.extensions import LargeBlobKeyExtension
from fido2.utils import sha256

from softkey_device import RP, open_device, run, status_of

PROTOCOLS = {"1": PinProtocolV1, "2": PinProtocolV2}
PIN = "2468"


def create(ctap, user_id):
    ext = LargeBlobKeyExtension(ctap)
    att = ctap.make_credential(
        sha256(os.urandom(8)),
        RP,
        {"id": user_id, "name": user_id.decode()},
        [{"type": "public-key", "alg": -7}],
        extensions={"largeBlobKey": ext.process_create_input({"largeBlobKey": True})},
        options={"rk": True, "uv": True},
    )
    return att.auth_data.credential_data.credential_id, att.large_blob_key


def main(args):
    spec, protocol = args[0], args[1]
    ctap = Ctap2(open_device(spec))
    out = {"maxSerializedLargeBlobArray": ctap.info.max_large_blob}
    first_id, first_key = create(ctap, b"blob-1")
    second_id, second_key = create(ctap, b"blob-2")
    out["largeBlobKeyLength"] = len(first_key)
    out["keysDiffer"] = first_key != second_key

    # The largeBlobKey comes back on getAssertion, unchanged.
    allow = [{"type": "public-key", "id": first_id}]
    assertion = ctap.get_assertion(RP["id"], sha256(b"k"), allow, {"largeBlobKey": True}, {"uv": True})
    out["assertionKeyMatches"] = assertion.large_blob_key == first_key

    out["initialArray"] = LargeBlobs(ctap).read_blob_array()

    # Writing without a pinUvAuthToken is refused on a key protected by UV.
    unauthenticated = LargeBlobs(ctap)
    out["writeWithoutToken"] = status_of(unauthenticated.put_blob, first_key, b"nope")[0]

    client_pin = ClientPin(ctap, PROTOCOLS[protocol]())
    client_pin.set_pin(PIN)
    token = client_pin.get_pin_token(PIN, ClientPin.PERMISSION.LARGE_BLOB_WRITE)
    blobs = LargeBlobs(ctap, client_pin.protocol, token)
    small = b"a small blob for the first credential"
    big = os.urandom(1500)  # random, so it does not compress
    blobs.put_blob(first_key, small)
    blobs.put_blob(second_key, big)
    out["arrayEntries"] = len(blobs.read_blob_array())
    out["readFirst"] = LargeBlobs(ctap).get_blob(first_key) == small
    out["readSecond"] = LargeBlobs(ctap).get_blob(second_key) == big
    blobs.put_blob(first_key, b"replaced")
    out["replaced"] = LargeBlobs(ctap).get_blob(first_key)
    blobs.delete_blob(second_key)
    out["afterDelete"] = LargeBlobs(ctap).get_blob(second_key)
    out["arrayEntriesAfterDelete"] = len(LargeBlobs(ctap).read_blob_array())

    # A token without the lbw permission cannot write.
    ga_token = client_pin.get_pin_token(PIN, ClientPin.PERMISSION.GET_ASSERTION, RP["id"])
    out["writeWithGaToken"] = status_of(LargeBlobs(ctap, client_pin.protocol, ga_token).put_blob, first_key, b"x")[0]
    # Too large for the authenticator: more than maxSerializedLargeBlobArray.
    out["tooLarge"] = status_of(blobs.write_blob_array, [os.urandom(ctap.info.max_large_blob)])[0]
    out["stillReadable"] = LargeBlobs(ctap).get_blob(first_key)
    return out


run(main)
