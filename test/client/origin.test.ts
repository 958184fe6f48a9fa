import { describe, expect, it } from "vitest";
import { WebAuthnError } from "../../src/client/errors.js";
import {
  assertRpIdAllowed,
  isPotentiallyTrustworthyHost,
  parseCallerOrigin,
  resolveRpId,
  type OriginPolicy,
} from "../../src/client/origin.js";

function errorOf(fn: () => unknown): WebAuthnError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(WebAuthnError);
    return error as WebAuthnError;
  }
  throw new Error("expected an error");
}

const ipPolicy: OriginPolicy = { allowIpAddressOrigins: true };

describe("parseCallerOrigin", () => {
  it.each([
    ["https://example.com", "https://example.com", "example.com"],
    ["https://EXAMPLE.com:443", "https://example.com", "example.com"],
    ["https://login.example.com:8443", "https://login.example.com:8443", "login.example.com"],
    ["https://example.com/", "https://example.com", "example.com"],
    ["http://localhost:3000", "http://localhost:3000", "localhost"],
    ["http://app.localhost", "http://app.localhost", "app.localhost"],
    ["https://bücher.example", "https://xn--bcher-kva.example", "xn--bcher-kva.example"],
  ])("accepts %s", (input, origin, host) => {
    expect(parseCallerOrigin(input)).toMatchObject({ origin, host, isIpAddress: false });
  });

  it.each([
    ["http://example.com", "SecurityError"],
    ["http://localhost.example.com", "SecurityError"],
    ["ftp://example.com", "SecurityError"],
    ["data:text/html,hi", "NotAllowedError"],
    ["not a url", "TypeError"],
    ["", "TypeError"],
    ["https://user:pass@example.com", "TypeError"],
    ["https://example.com/login", "TypeError"],
    ["https://example.com?x=1", "TypeError"],
    ["https://example.com#frag", "TypeError"],
  ])("rejects %s with %s", (input, name) => {
    expect(errorOf(() => parseCallerOrigin(input)).name).toBe(name);
  });

  it("refuses IP-address origins by default, as browsers do", () => {
    for (const input of ["http://127.0.0.1:8080", "http://[::1]", "https://192.0.2.1"]) {
      const error = errorOf(() => parseCallerOrigin(input));
      expect(error.name).toBe("SecurityError");
      expect(error.message).toMatch(/IP-address/);
    }
  });

  it("accepts secure IP-address origins when allowed", () => {
    expect(parseCallerOrigin("http://127.0.0.1:8080", ipPolicy)).toMatchObject({ host: "127.0.0.1", isIpAddress: true });
    expect(parseCallerOrigin("http://[::1]:8080", ipPolicy)).toMatchObject({ host: "[::1]", isIpAddress: true });
    expect(parseCallerOrigin("https://192.0.2.1", ipPolicy).host).toBe("192.0.2.1");
    // Not a secure context even when IPs are allowed.
    expect(errorOf(() => parseCallerOrigin("http://192.0.2.1", ipPolicy)).name).toBe("SecurityError");
  });

  it("knows which http hosts are potentially trustworthy", () => {
    expect(isPotentiallyTrustworthyHost("localhost")).toBe(true);
    expect(isPotentiallyTrustworthyHost("a.b.localhost")).toBe(true);
    expect(isPotentiallyTrustworthyHost("127.1.2.3")).toBe(true);
    expect(isPotentiallyTrustworthyHost("[::1]")).toBe(true);
    expect(isPotentiallyTrustworthyHost("localhostx")).toBe(false);
    expect(isPotentiallyTrustworthyHost("10.0.0.1")).toBe(false);
    expect(isPotentiallyTrustworthyHost("example.com")).toBe(false);
  });
});

describe("RP ID rules", () => {
  const good: [string, string][] = [
    ["https://example.com", "example.com"],
    ["https://login.example.com", "example.com"],
    ["https://a.b.login.example.com", "login.example.com"],
    ["https://www.example.co.uk", "example.co.uk"],
    ["https://alice.github.io", "alice.github.io"],
    ["http://localhost:3000", "localhost"],
    ["http://app.localhost", "app.localhost"],
    ["https://foo.internal", "foo.internal"],
    // Equality always holds, even for a host that is itself a public suffix (HTML spec, Chrome).
    ["https://github.io", "github.io"],
  ];
  it.each(good)("%s may claim %s", (origin, rpId) => {
    expect(() => assertRpIdAllowed(rpId, parseCallerOrigin(origin))).not.toThrow();
  });

  const bad: [string, string, RegExp][] = [
    ["https://examp1e.com", "example.com", /parent domain/],
    ["https://example.com.evil.test", "example.com", /parent domain/],
    ["https://notexample.com", "example.com", /parent domain/],
    ["https://example.com", "login.example.com", /parent domain/],
    ["https://example.com", "other.com", /parent domain/],
    ["https://example.com", "com", /public suffix/],
    ["https://www.example.co.uk", "co.uk", /public suffix/],
    ["https://www.example.co.uk", "uk", /public suffix/],
    ["https://alice.github.io", "github.io", /public suffix/],
    ["https://x.appspot.com", "appspot.com", /public suffix/],
    ["http://app.localhost", "localhost", /public suffix/],
    ["https://example.com", "", /empty/],
    ["https://example.com", "Example.com", /did you mean "example.com"/],
    ["https://example.com", "example.com:443", /did you mean "example.com"/],
    ["https://example.com", "https://example.com", /bare lowercase domain/],
    ["https://xn--bcher-kva.example", "bücher.example", /did you mean "xn--bcher-kva.example"/],
  ];
  it.each(bad)("%s may not claim %s", (origin, rpId, message) => {
    const error = errorOf(() => assertRpIdAllowed(rpId, parseCallerOrigin(origin)));
    expect(error.name).toBe("SecurityError");
    expect(error.message).toMatch(message);
  });

  it("an IP-address origin can claim only its own address", () => {
    const v4 = parseCallerOrigin("http://127.0.0.1:8080", ipPolicy);
    expect(() => assertRpIdAllowed("127.0.0.1", v4)).not.toThrow();
    expect(errorOf(() => assertRpIdAllowed("127.0.0.2", v4)).name).toBe("SecurityError");
    expect(errorOf(() => assertRpIdAllowed("localhost", v4)).name).toBe("SecurityError");
    const v6 = parseCallerOrigin("http://[::1]:8080", ipPolicy);
    expect(() => assertRpIdAllowed("[::1]", v6)).not.toThrow();
    expect(errorOf(() => assertRpIdAllowed("::1", v6)).name).toBe("SecurityError");
    // A domain origin cannot claim an IP either.
    expect(errorOf(() => assertRpIdAllowed("127.0.0.1", parseCallerOrigin("http://localhost"))).name).toBe("SecurityError");
  });

  it("defaults the RP ID to the origin's host", () => {
    expect(resolveRpId(undefined, parseCallerOrigin("https://login.example.com:8443"))).toBe("login.example.com");
    expect(resolveRpId("example.com", parseCallerOrigin("https://login.example.com"))).toBe("example.com");
  });
});
