/**
 * Where the HTTP service listens: `--http [HOST:]PORT`, e.g. `127.0.0.1:0`,
 * `8080`, `[::1]:8080`. The host defaults to 127.0.0.1; anything that is not a
 * loopback address must be named, and softkey warns about it. The address is
 * reported as `http:HOST:PORT`, beside the CTAPHID hosts' `tcp:HOST:PORT`.
 */
import { isIPv6 } from "node:net";

export interface HttpAddress {
  host: string;
  port: number;
}

export const DEFAULT_HTTP_HOST = "127.0.0.1";

/** Parses `[HOST:]PORT`; throws an Error with a one-line message the CLI can print as is. */
export function parseHttpAddress(text: string): HttpAddress {
  const bad = (why: string) => new Error(`invalid HTTP address "${text}": ${why}`);
  // `http:127.0.0.1:0`, as the JSON line prints it, is accepted too.
  const rest = text.startsWith("http:") && !text.startsWith("http://") ? text.slice(5) : text;
  if (rest.includes("/")) throw bad("expected [HOST:]PORT, e.g. 127.0.0.1:0 (no scheme, no path)");
  let host = DEFAULT_HTTP_HOST;
  let portText = rest;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(rest);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
  } else if (rest.includes(":")) {
    const last = rest.lastIndexOf(":");
    host = rest.slice(0, last);
    portText = rest.slice(last + 1);
    if (host === "" || host.includes(":")) throw bad("write an IPv6 host in brackets, e.g. [::1]:PORT");
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw bad("port must be 0..65535");
  return { host, port: Number(portText) };
}

/** `http:127.0.0.1:41234`, IPv6 hosts in brackets. */
export function formatHttpAddress(address: HttpAddress): string {
  return `http:${isIPv6(address.host) ? `[${address.host}]` : address.host}:${address.port}`;
}

