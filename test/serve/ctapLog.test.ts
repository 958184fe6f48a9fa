import { describe, expect, it } from "vitest";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import type { CtapTransport } from "../../src/ctap/transport.js";
import { describeRequest, withCtapLog } from "../../src/serve/ctapLog.js";
import { concat } from "../helpers/ctap.js";

const request = (command: number, params?: Map<number, unknown>) =>
  params ? concat(Uint8Array.of(command), encodeCanonical(params)) : Uint8Array.of(command);

/** Answers with a fixed status byte, recording what reached it. */
function fixedStatus(status: number): CtapTransport & { seen: Uint8Array[] } {
  const seen: Uint8Array[] = [];
  return {
    seen,
    async transact(bytes) {
      seen.push(bytes);
      return Uint8Array.of(status, 0xa0);
    },
  };
}

describe("the CTAP log of softkey serve", () => {
  it("names the command, the RP ID or subcommand, and the status", async () => {
    const lines: string[] = [];
    const core = fixedStatus(0x00);
    const logged = withCtapLog(core, (line) => lines.push(line));
    const makeCredential = request(0x01, new Map<number, unknown>([[1, new Uint8Array(32)], [2, new Map([["id", "example.com"]])]]));
    expect(await logged.transact(makeCredential)).toEqual(Uint8Array.of(0x00, 0xa0));
    expect(core.seen[0]).toBe(makeCredential); // passed through untouched
    await logged.transact(request(0x02, new Map<number, unknown>([[1, "login.example"], [2, new Uint8Array(32)]])));
    await logged.transact(request(0x04));
    await withCtapLog(fixedStatus(0x31), (line) => lines.push(line)).transact(request(0x06, new Map<number, unknown>([[1, 2], [2, 0x09]])));
    await logged.transact(request(0x0a, new Map<number, unknown>([[1, 0x02]])));
    await logged.transact(request(0x0d, new Map<number, unknown>([[1, 0x03]])));
    await logged.transact(request(0x0c, new Map<number, unknown>([[1, 1024], [3, 0]])));
    await withCtapLog(fixedStatus(0x01), (line) => lines.push(line)).transact(request(0x55));
    expect(lines).toEqual([
      "ctap2 authenticatorMakeCredential example.com -> CTAP2_OK",
      "ctap2 authenticatorGetAssertion login.example -> CTAP2_OK",
      "ctap2 authenticatorGetInfo -> CTAP2_OK",
      "ctap2 authenticatorClientPIN getPinUvAuthTokenUsingPinWithPermissions -> CTAP2_ERR_PIN_INVALID",
      "ctap2 authenticatorCredentialManagement enumerateRPsBegin -> CTAP2_OK",
      "ctap2 authenticatorConfig setMinPINLength -> CTAP2_OK",
      "ctap2 authenticatorLargeBlobs get -> CTAP2_OK",
      "ctap2 command 0x55 -> CTAP1_ERR_INVALID_COMMAND",
    ]);
  });

  it("never logs PIN material, keys or user data", () => {
    const secret = Uint8Array.from("0123456789abcdef0123456789abcdef", (c) => c.charCodeAt(0));
    const setPin = request(0x06, new Map<number, unknown>([[1, 2], [2, 0x03], [4, secret], [5, secret]]));
    expect(describeRequest(setPin)).toBe("authenticatorClientPIN setPIN");
    const withUser = request(0x01, new Map<number, unknown>([[2, new Map([["id", "example.com"]])], [3, new Map<string, unknown>([["id", secret], ["name", "alice@example.com"]])]]));
    expect(describeRequest(withUser)).toBe("authenticatorMakeCredential example.com");
  });

  it("copes with whatever a client sends", () => {
    expect(describeRequest(new Uint8Array(0))).toBe("(empty request)");
    expect(describeRequest(Uint8Array.of(0x02, 0xff, 0x00))).toBe("authenticatorGetAssertion (invalid CBOR)");
    expect(describeRequest(request(0x02, new Map<number, unknown>([[1, 42]])))).toBe("authenticatorGetAssertion");
    expect(describeRequest(request(0x02, new Map<number, unknown>([[1, "evil\n.example\u001b[31m"]])))).toBe("authenticatorGetAssertion evil?.example?[31m");
    expect(describeRequest(request(0x02, new Map<number, unknown>([[1, "x".repeat(300)]])))).toBe(`authenticatorGetAssertion ${"x".repeat(77)}...`);
    expect(describeRequest(request(0x06, new Map<number, unknown>([[2, 0x42]])))).toBe("authenticatorClientPIN subCommand 0x42");
  });
});
