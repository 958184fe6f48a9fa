import { describe, expect, it } from "vitest";
import { parsePagePost } from "../../src/browser/wireRequest.js";

// What a page posts is untrusted: every channel (CDP binding, BiDi, classic bridge) reads it with this.
describe("parsePagePost", () => {
  it("reads a numbered call and leaves the request for the handler to check", () => {
    expect(parsePagePost(JSON.stringify({ call: 7, request: { kind: "get" } }))).toEqual({ call: 7, request: { kind: "get" } });
    expect(parsePagePost(JSON.stringify({ call: 0 }))).toEqual({ call: 0, request: undefined });
  });

  it("drops what cannot be answered: not JSON, not an object, no safe integer call number", () => {
    for (const post of ["{", "null", "42", '"call"', "[]", '{"call":"1"}', '{"call":1.5}', `{"call":${2 ** 53}}`, '{"request":{}}']) {
      expect(parsePagePost(post), post).toBeUndefined();
    }
  });
});
