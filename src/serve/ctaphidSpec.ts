/**
 * Where a CTAPHID server listens, written as `unix:PATH`, `tcp:[HOST:]PORT`,
 * `udp:[HOST:]PORT` or `uhid`. The host defaults to 127.0.0.1: the key is
 * reachable from elsewhere only when the user names another address.
 */
import { isIPv6 } from "node:net";

export type CtaphidSpec =
  | { transport: "unix"; path: string }
  | { transport: "tcp"; host: string; port: number }
  | { transport: "udp"; host: string; port: number }
  | { transport: "uhid" };

export const DEFAULT_HOST = "127.0.0.1";

const USAGE = "expected unix:PATH, tcp:[HOST:]PORT, udp:[HOST:]PORT or uhid";

/** Parses a spec; throws an Error with a one-line message the CLI can print as is. */
export function parseCtaphidSpec(spec: string): CtaphidSpec {
  if (spec === "uhid") return { transport: "uhid" };
  const colon = spec.indexOf(":");
  const scheme = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? "" : spec.slice(colon + 1);
  if (scheme === "unix") {
    if (rest === "") throw new Error(`invalid CTAPHID address "${spec}": unix: needs a socket path`);
    return { transport: "unix", path: rest };
  }
  if (scheme === "tcp") return { transport: "tcp", ...parseHostPort(rest, spec) };
  if (scheme === "udp") return { transport: "udp", ...parseHostPort(rest, spec) };
  throw new Error(`invalid CTAPHID address "${spec}": ${USAGE}`);
}

function parseHostPort(text: string, spec: string): { host: string; port: number } {
  let host = DEFAULT_HOST;
  let portText = text;
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2]!;
  } else if (text.includes(":")) {
    const last = text.lastIndexOf(":");
    host = text.slice(0, last);
    portText = text.slice(last + 1);
    if (host === "" || host.includes(":")) {
      throw new Error(`invalid CTAPHID address "${spec}": write an IPv6 host in brackets, e.g. tcp:[::1]:PORT`);
    }
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) {
    throw new Error(`invalid CTAPHID address "${spec}": port must be 0..65535`);
  }
  return { host, port: Number(portText) };
}

/** The spec form of an address, IPv6 hosts in brackets. */
export function formatCtaphidSpec(spec: CtaphidSpec): string {
  switch (spec.transport) {
    case "unix":
      return `unix:${spec.path}`;
    case "uhid":
      return "uhid";
    default:
      return `${spec.transport}:${isIPv6(spec.host) ? `[${spec.host}]` : spec.host}:${spec.port}`;
  }
}

/** Whether a host name or address only reaches this machine. */
export function isLoopbackHost(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
