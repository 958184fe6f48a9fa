"""python-fido2's FPBioEnrollment (fido2.ctap2.bio) on a softkey-bio key, and what built-in UV then does.

usage: bio.py SPEC PHASE
  enroll        set the PIN, sensor info, enroll "thumb" (the server scripts the first samples), enroll and
                remove a second finger, then register with built-in UV (the server presents thumb)
  wrong-finger  the server presents a finger never enrolled: UV fails until it is blocked, the PIN unblocks it
  verify        the server presents thumb again: built-in UV verifies
"""
import os

from fido2.ctap import CtapError
from fido2.ctap2 import ClientPin, Ctap2, PinProtocolV2
from fido2.ctap2.bio import CaptureError, FPBioEnrollment
from fido2.utils import sha256

from softkey_device import open_device, run, status_of

PIN = "4826"
RP = {"id": "bio.example", "name": "Bio"}
USER = {"id": b"bio-user", "name": "bio", "displayName": "Bio User"}
UV_FLAG = 0x04


def enroll(bio):
    context = bio.enroll()
    statuses = []
    template_id = None
    while template_id is None:
        try:
            template_id = context.capture()
            statuses.append("FP_GOOD")
        except CaptureError as error:
            statuses.append(FPBioEnrollment.FEEDBACK(error.code).name)
    return template_id, statuses, context.remaining


def phase_enroll(ctap, client_pin):
    out = {"before": {k: ctap.info.options.get(k) for k in ("bioEnroll", "uv", "uvBioEnroll")}}
    client_pin.set_pin(PIN)
    token = client_pin.get_pin_token(PIN, ClientPin.PERMISSION.BIO_ENROLL)
    bio = FPBioEnrollment(ctap, client_pin.protocol, token)
    out["modality"] = bio.modality
    out["sensor"] = {str(k): v for k, v in bio.get_fingerprint_sensor_info().items()}
    out["emptyList"] = bio.enumerate_enrollments()
    thumb, out["samples"], out["remaining"] = enroll(bio)
    bio.set_name(thumb, "thumb")
    second, _, _ = enroll(bio)
    out["listed"] = sorted(name for name in bio.enumerate_enrollments().values())
    bio.remove_enrollment(second)
    out["afterRemove"] = {k.hex(): v for k, v in bio.enumerate_enrollments().items()}
    out["thumb"] = thumb.hex()
    out["removeAgain"] = status_of(bio.remove_enrollment, second)[0]
    out["withoutBe"] = status_of(
        FPBioEnrollment(ctap, client_pin.protocol, client_pin.get_pin_token(PIN, ClientPin.PERMISSION.GET_ASSERTION, RP["id"])).enumerate_enrollments
    )[0]
    info = ctap.get_info()
    out["after"] = {k: info.options.get(k) for k in ("bioEnroll", "uv", "uvBioEnroll")}
    out["uvModality"] = info.uv_modality
    # Built-in UV: the server presents thumb.
    att = ctap.make_credential(sha256(os.urandom(32)), RP, USER, [{"type": "public-key", "alg": -7}], options={"rk": True, "uv": True})
    out["registeredWithUv"] = bool(att.auth_data.flags & UV_FLAG)
    out["uvRetries"] = client_pin.get_uv_retries()
    return out


def phase_wrong_finger(ctap, client_pin):
    out = {"uvRetriesBefore": client_pin.get_uv_retries()}
    out["assertionWithUv"] = status_of(ctap.get_assertion, RP["id"], sha256(b"x"), options={"uv": True})[0]
    attempts = []
    for _ in range(9):
        attempts.append(status_of(client_pin.get_uv_token, ClientPin.PERMISSION.GET_ASSERTION, RP["id"])[0])
    out["uvTokenAttempts"] = attempts
    out["uvRetriesAfter"] = client_pin.get_uv_retries()
    # The PIN is the fallback, and a correct one restores the UV retries.
    token = client_pin.get_pin_token(PIN, ClientPin.PERMISSION.GET_ASSERTION, RP["id"])
    client_data_hash = sha256(b"pin fallback")
    assertion = ctap.get_assertion(
        RP["id"], client_data_hash, pin_uv_param=client_pin.protocol.authenticate(token, client_data_hash), pin_uv_protocol=client_pin.protocol.VERSION
    )
    out["pinFallbackUv"] = bool(assertion.auth_data.flags & UV_FLAG)
    out["uvRetriesAfterPin"] = client_pin.get_uv_retries()
    return out


def phase_verify(ctap, client_pin):
    assertion = ctap.get_assertion(RP["id"], sha256(b"thumb"), options={"uv": True})
    return {"uv": bool(assertion.auth_data.flags & UV_FLAG), "userId": assertion.user["id"].decode()}


def main(args):
    spec, phase = args
    ctap = Ctap2(open_device(spec))
    client_pin = ClientPin(ctap, PinProtocolV2())
    return {"enroll": phase_enroll, "wrong-finger": phase_wrong_finger, "verify": phase_verify}[phase](ctap, client_pin)


run(main)
