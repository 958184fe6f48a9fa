"""Drives `softkey serve` from python-fido2 (0.9.1, Debian's python3-fido2) over a socket.

`open_device("tcp:127.0.0.1:41234")`, `"unix:/tmp/key.sock"` or `"udp:127.0.0.1:41234"`
returns a `CtapHidDevice`: python-fido2's own CTAPHID stack, talking to softkey's
CTAPHID host through raw 64-byte reports instead of /dev/hidraw.

The scripts beside this module use only the standard library and fido2, and print one
JSON object on stdout (bytes as hex) for the vitest suite to assert on.
"""
import json
import socket
import sys
import traceback
from urllib.parse import urlparse

from fido2.ctap import CtapError
from fido2.hid import CtapHidDevice
from fido2.hid.base import CtapHidConnection, HidDescriptor

REPORT_SIZE = 64

# A non-https origin: python-fido2 0.9.1 only accepts one through the verify callables below.
ORIGIN = "http://localhost:8080"
RP_ID = "localhost"
RP = {"id": RP_ID, "name": "softkey interop"}


def verify_rp_id(rp_id, origin):
    """Fido2Client's check: the origin's host must be the RP ID (or below it)."""
    host = urlparse(origin).hostname or ""
    return host == rp_id or host.endswith("." + rp_id)


def verify_origin(origin):
    """Fido2Server's check: exactly our origin."""
    return origin == ORIGIN


class SocketCtapHidConnection(CtapHidConnection):
    """CTAPHID reports over a socket: back to back on a stream, one per datagram on UDP."""

    def __init__(self, spec, timeout=30.0):
        scheme, _, rest = spec.partition(":")
        if scheme == "unix":
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(rest)
            self.stream = True
        elif scheme in ("tcp", "udp"):
            host, _, port = rest.rpartition(":")
            host = host.strip("[]") or "127.0.0.1"
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            kind = socket.SOCK_STREAM if scheme == "tcp" else socket.SOCK_DGRAM
            self.sock = socket.socket(family, kind)
            self.sock.settimeout(timeout)
            self.sock.connect((host, int(port)))
            self.stream = scheme == "tcp"
            if scheme == "tcp":
                # Without this, Nagle and delayed ACKs cap a request/response loop at ~11/s.
                self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        else:
            raise ValueError("expected unix:PATH, tcp:HOST:PORT or udp:HOST:PORT, got %r" % spec)

    def read_packet(self):
        if not self.stream:
            return self.sock.recv(REPORT_SIZE)
        data = b""
        while len(data) < REPORT_SIZE:
            chunk = self.sock.recv(REPORT_SIZE - len(data))
            if not chunk:
                raise OSError("softkey closed the connection")
            data += chunk
        return data

    def write_packet(self, data):
        if len(data) != REPORT_SIZE:
            raise ValueError("a report is %d bytes, got %d" % (REPORT_SIZE, len(data)))
        if self.stream:
            self.sock.sendall(data)
        else:
            self.sock.send(data)

    def close(self):
        self.sock.close()


def open_device(spec):
    descriptor = HidDescriptor(spec, 0x1209, 0x0001, REPORT_SIZE, REPORT_SIZE)
    return CtapHidDevice(descriptor, SocketCtapHidConnection(spec))


def status_of(fn, *args, **kwargs):
    """Run one CTAP call; return ("OK", result) or (the CTAP error's name, None)."""
    try:
        return "OK", fn(*args, **kwargs)
    except CtapError as error:
        return error.code.name, None


def plain(value):
    """JSON-friendly: bytes as hex, enum keys by name, nested containers converted."""
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).hex()
    if isinstance(value, dict):
        return {str(getattr(k, "name", k)): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if hasattr(value, "value") and hasattr(value, "name"):  # enums
        return value.value
    return value


def run(main):
    """Print main()'s result as one JSON line; on failure, the traceback on stderr and exit 1."""
    try:
        result = main(sys.argv[1:])
    except Exception:
        traceback.print_exc()
        sys.exit(1)
    sys.stdout.write(json.dumps(plain(result)) + "\n")
