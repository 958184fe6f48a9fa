/**
 * What a started host hands back. It lives apart from ctaphidServer.ts, the
 * entry point that picks a listener, so the listeners can name it without
 * importing the module that imports them.
 */
export interface CtaphidServer {
  /** Where it listens, in spec form with the actual port: `tcp:127.0.0.1:41234`, `unix:/tmp/key.sock`, `uhid`. */
  readonly address: string;
  /** The actual port for tcp and udp. */
  readonly port?: number;
  close(): Promise<void>;
}
