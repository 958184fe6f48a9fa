import { describe, expect, it } from "vitest";
import { fromBase64Url, isBase64Url, toBase64Url } from "../../src/bytes/base64url.js";

describe("base64url", () => {
  it("round-trips every length without padding", () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      const text = toBase64Url(bytes);
      expect(text).not.toMatch(/[=+/]/);
      expect(fromBase64Url(text)).toEqual(bytes);
    }
  });

  it("uses the URL-safe alphabet", () => {
    expect(toBase64Url(new Uint8Array([0xfb, 0xff, 0xbf]))).toBe("-_-_");
    expect(fromBase64Url("-_-_")).toEqual(new Uint8Array([0xfb, 0xff, 0xbf]));
  });

  it("encodes a subarray, not its whole buffer", () => {
    const whole = new Uint8Array([1, 2, 3, 4, 5]);
    expect(toBase64Url(whole.subarray(1, 3))).toBe(toBase64Url(new Uint8Array([2, 3])));
  });

  it("tolerates correct padding", () => {
    expect(fromBase64Url("AQ==")).toEqual(new Uint8Array([1]));
    expect(fromBase64Url("AQI=")).toEqual(new Uint8Array([1, 2]));
  });

  it.each([
    ["standard-alphabet +", "ab+c"],
    ["standard-alphabet /", "ab/c"],
    ["whitespace", "ab c"],
    ["impossible length", "abcde"],
    ["bad padding", "AQ="],
    ["too much padding", "A==="],
    ["padding inside", "AQ==AQ=="],
  ])("rejects %s", (_, text) => {
    expect(isBase64Url(text)).toBe(false);
    expect(() => fromBase64Url(text)).toThrow(TypeError);
  });
});
