/**
 * The CLI's part of WebAuthn Level 3, with the built binary: `get --user`,
 * `--user-handle` and `--credential` choose which passkey answers (the most
 * recent without them), an unknown account is exit 7 and a malformed one
 * exit 3; `list` marks credentials a WebAuthn signal hid. Checked by
 * @simplewebauthn/server.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { Softkey } from "../../src/softkey.js";
import { assertBuilt, expectOneLineError, runCli } from "./run.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";
const PASSPHRASE = "account choice";
const env = { SOFTKEY_PASSPHRASE: PASSPHRASE };
let tmp: string;
let store: string;
const credentials: Record<string, WebAuthnCredential> = {};
const handles: Record<string, string> = {};

const run = (args: string[]) => runCli(["--store", store, ...args], { env });

async function file(name: string, value: unknown): Promise<string> {
  const target = path.join(tmp, name);
  await writeFile(target, JSON.stringify(value));
  return target;
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-cli-account-"));
  store = path.join(tmp, "store");
  expect((await run(["init", "--kdf-cost", "4"])).code).toBe(0);
  for (const userName of ["alice", "bob"]) {
    const options = await generateRegistrationOptions({ rpName: "Example", rpID: RP_ID, userName, authenticatorSelection: { residentKey: "required", userVerification: "preferred" } });
    const result = await run(["create", "--origin", ORIGIN, "--options", await file("reg.json", options)]);
    expect(result.code, result.stderr).toBe(0);
    const verification = await verifyRegistrationResponse({ response: JSON.parse(result.stdout), expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, requireUserVerification: false });
    credentials[userName] = verification.registrationInfo!.credential;
    handles[userName] = options.user.id;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
});
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function getAs(flags: string[]) {
  const options = await generateAuthenticationOptions({ rpID: RP_ID, userVerification: "preferred" });
  const result = await run(["get", "--origin", ORIGIN, "--options", await file("auth.json", options), ...flags]);
  if (result.code !== 0) return { result, user: undefined };
  const response = JSON.parse(result.stdout);
  const [user, credential] = Object.entries(credentials).find(([, c]) => c.id === response.id)!;
  const verification = await verifyAuthenticationResponse({ response, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID, credential, requireUserVerification: false });
  expect(verification.verified).toBe(true);
  credential.counter = verification.authenticationInfo.newCounter;
  expect(response.response.userHandle).toBe(handles[user]);
  return { result, user };
}

describe("softkey get: account choice", () => {
  it("the most recent passkey answers by default; --user, --user-handle and --credential choose", async () => {
    expect((await getAs([])).user).toBe("bob");
    expect((await getAs(["--user", "alice"])).user).toBe("alice");
    expect((await getAs(["--user-handle", handles.bob!])).user).toBe("bob");
    expect((await getAs(["--credential", credentials.alice!.id])).user).toBe("alice");
  });

  it("no matching passkey is exit 7 with one line naming the accounts; a malformed ID is exit 3", async () => {
    const { result } = await getAs(["--user", "mallory"]);
    expect(result.code).toBe(7);
    expectOneLineError(result, /NotAllowedError: account choice: none of the 2 credential\(s\) found matches userName "mallory": bob \[.+\], alice \[.+\]/);
    const malformed = (await getAs(["--credential", "not base64url!"])).result;
    expect(malformed.code).toBe(3);
  });
});

describe("softkey list: hidden credentials", () => {
  it("shows a HIDDEN column once a signal hid a credential, and hidden: true in --json", async () => {
    const before = await run(["list"]);
    expect(before.stdout).not.toMatch(/HIDDEN/);
    const key = await Softkey.open(store, { passphrase: PASSPHRASE });
    try {
      await key.signal("signalUnknownCredential", { rpId: RP_ID, credentialId: credentials.alice!.id }, { origin: ORIGIN });
    } finally {
      await key.close();
    }
    const table = await run(["list"]);
    expect(table.stdout).toMatch(/DISCOVERABLE\s+HIDDEN\s+COUNTER/);
    expect(table.stdout.split("\n").find((line) => line.includes(credentials.alice!.id))).toMatch(/\syes\s+yes\s/);
    const json = JSON.parse((await run(["list", "--json"])).stdout) as { credentials: { credentialId: string; hidden: boolean }[] };
    expect(Object.fromEntries(json.credentials.map((c) => [c.credentialId, c.hidden]))).toEqual({ [credentials.alice!.id]: true, [credentials.bob!.id]: false });
    // And the hidden passkey no longer answers.
    expect((await getAs(["--user", "alice"])).result.code).toBe(7);
  });
});
