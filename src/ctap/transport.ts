/**
 * The one door into the authenticator core: CTAP2 request bytes in
 * (command byte + CBOR parameters), response bytes out (status byte + CBOR),
 * exactly as over USB. Transports (CTAPHID) and clients (the WebAuthn client,
 * python-fido2 over a socket) all go through it.
 */

/** Keepalive statuses a transport relays while a request is pending (CTAPHID_KEEPALIVE). */
export type KeepaliveStatus = "processing" | "upneeded";

export interface CtapRequestContext {
  /** Aborted when the host cancels (CTAPHID_CANCEL); a pending presence wait then ends with CTAP2_ERR_KEEPALIVE_CANCEL. */
  signal?: AbortSignal;
  /** Called when the core starts waiting for the user, so the transport can send STATUS_UPNEEDED keepalives. */
  onKeepalive?: (status: KeepaliveStatus) => void;
  /** The transport the request came over ("usb", "nfc", ...), where the host knows it; for getInfo transportsForReset. */
  transport?: string;
}

export interface CtapTransport {
  /** Never rejects for a bad request: every fault is a status byte in the response. */
  transact(request: Uint8Array, context?: CtapRequestContext): Promise<Uint8Array>;
}

/**
 * A device as a client reaches it: the CTAP2 door (CTAPHID_CBOR) and, on a
 * key that also speaks CTAP1/U2F, the APDU door beside it (CTAPHID_MSG).
 * The core's Authenticator is one (its `ctap1`), and so is any CTAPHID
 * client that sends MSG as well as CBOR.
 */
export interface CtapDevice extends CtapTransport {
  /** Command APDUs in, response APDUs out (CTAP 2.2 section 11.2.9.1.1); absent on a CTAP2-only device. */
  readonly ctap1?: CtapTransport;
}
