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
}

export interface CtapTransport {
  /** Never rejects for a bad request: every fault is a status byte in the response. */
  transact(request: Uint8Array, context?: CtapRequestContext): Promise<Uint8Array>;
}
