/**
 * The rule every browser adapter applies to what the browser says about a calling document
 * (src/browser/callerOrigin.ts), on its own: the facts are plain values here, as an adapter
 * would hand them over. frameOrigins.test.ts checks the same rule against Chrome in Chromium.
 */
import { describe, expect, it } from "vitest";
import { callerOrigins, type CallerFacts } from "../../src/browser/callerOrigin.js";

const RP = "https://rp.example";
const AD = "https://ad.example";

function facts(origin: string, ancestorOrigins: (string | undefined)[], policy?: boolean, activation?: boolean): CallerFacts {
  return { origin, ancestorOrigins, allowsFeature: async () => policy, hasTransientActivation: async () => activation };
}

const refusal = (promise: Promise<unknown>) => promise.then(() => "resolved", (error: Error) => `${error.name}: ${error.message}`);

describe("callerOrigins", () => {
  it("a top-level document runs as itself, unless its policy switches the feature off", async () => {
    expect(await callerOrigins(facts(RP, [], true), "get")).toEqual({ origin: RP });
    expect(await callerOrigins(facts(RP, [], undefined), "create")).toEqual({ origin: RP }); // the default 'self'
    expect(await refusal(callerOrigins(facts(RP, [], false), "get"))).toMatch(/^NotAllowedError: The 'publickey-credentials-get' feature is not enabled/);
  });

  it("a cross-origin frame needs the browser to say the feature is delegated; then crossOrigin with the top-level origin", async () => {
    expect(await refusal(callerOrigins(facts(AD, [RP], undefined), "get"))).toMatch(/^NotAllowedError: softkey cannot tell whether/);
    expect(await refusal(callerOrigins(facts(AD, [RP], false), "get"))).toMatch(/^NotAllowedError: The 'publickey-credentials-get' feature/);
    expect(await callerOrigins(facts(AD, [AD, RP], true), "get")).toEqual({ origin: AD, topOrigin: RP });
  });

  it("create() there also needs user activation, which an unknown answer does not give", async () => {
    for (const activation of [false, undefined]) {
      expect(await refusal(callerOrigins(facts(AD, [RP], true, activation), "create"))).toBe("NotAllowedError: A user activation is required to create a credential in a cross-origin iframe.");
    }
    expect(await callerOrigins(facts(AD, [RP], true, true), "create")).toEqual({ origin: AD, topOrigin: RP });
  });

  it("an opaque origin is refused, nested or top-level, whatever the policy", async () => {
    for (const ancestors of [[RP], []]) {
      expect(await refusal(callerOrigins(facts("null", ancestors, true, true), "get"))).toMatch(/^NotAllowedError: The current origin is an opaque origin/);
    }
    // "null" above "null" is still not same-origin: opaque origins equal nothing.
    expect(await refusal(callerOrigins(facts("null", ["null"], undefined), "get"))).toMatch(/^NotAllowedError/);
  });

  it("an ancestor the browser did not describe refuses, rather than counting as same-origin", async () => {
    expect(await refusal(callerOrigins(facts(RP, [undefined], true, true), "get"))).toMatch(/^NotAllowedError: softkey cannot tell the origin of every frame/);
  });

  it("a document same-origin with the top but not with a frame in between is cross-origin (sameOriginWithAncestors is false)", async () => {
    expect(await callerOrigins(facts(RP, [AD, RP], true), "get")).toEqual({ origin: RP, topOrigin: RP });
  });
});
