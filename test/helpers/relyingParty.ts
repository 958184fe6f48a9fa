/** A relying party for tests: @simplewebauthn/server options and verification around a Softkey. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { Softkey, type InitOptions, type OpenOptions } from "../../src/softkey.js";
import { TEST_SCRYPT } from "./ctap.js";

export const ORIGIN = "https://login.example.com";
export const RP_ID = "example.com";
export const PASSPHRASE = "rp test";

/** A store in a temp dir that can be closed and opened again with other options (faults, seed). */
export class TestDevice {
  readonly dir = mkdtempSync(join(tmpdir(), "softkey-rp-"));
  readonly store = join(this.dir, "store");
  key!: Softkey;

  static async create(init: InitOptions = {}, open: Omit<OpenOptions, "passphrase"> = {}): Promise<TestDevice> {
    const device = new TestDevice();
    device.key = await Softkey.init(device.store, PASSPHRASE, { scrypt: TEST_SCRYPT, ...init }, open);
    return device;
  }

  async reopen(open: Omit<OpenOptions, "passphrase"> = {}): Promise<Softkey> {
    await this.key.close();
    this.key = await Softkey.open(this.store, { passphrase: PASSPHRASE, ...open });
    return this.key;
  }

  async dispose(): Promise<void> {
    await this.key.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RegisterOptions {
  userName?: string;
  alg?: number;
  residentKey?: "required" | "discouraged";
  userVerification?: "required" | "preferred" | "discouraged";
  attestationType?: "direct" | "none";
  requireUserVerification?: boolean;
}

/** Register through the key and verify as the RP would; `verification` rejects as the RP does. */
export async function register(key: Softkey, o: RegisterOptions = {}) {
  const alg = o.alg ?? -7;
  const options = await generateRegistrationOptions({
    rpName: "Example",
    rpID: RP_ID,
    userName: o.userName ?? "alice@example.com",
    attestationType: o.attestationType ?? "direct",
    supportedAlgorithmIDs: [alg],
    authenticatorSelection: { residentKey: o.residentKey ?? "discouraged", userVerification: o.userVerification ?? "preferred" },
  });
  const response = await key.create(options, { origin: ORIGIN });
  const verification = verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    requireUserVerification: o.requireUserVerification ?? false,
    supportedAlgorithmIDs: [alg],
  });
  return { response, verification: handled(verification) };
}

/** Register and insist that the RP accepts; returns what the RP keeps. */
export async function registered(key: Softkey, o: RegisterOptions = {}): Promise<WebAuthnCredential & { info: Awaited<ReturnType<typeof verifyRegistrationResponse>>["registrationInfo"] }> {
  const { verification } = await register(key, o);
  const result = await verification;
  if (!result.verified || !result.registrationInfo) throw new Error("registration was not verified");
  return { ...result.registrationInfo.credential, info: result.registrationInfo };
}

export interface SignInOptions {
  userVerification?: "required" | "preferred" | "discouraged";
  requireUserVerification?: boolean;
}

/** Sign in with `credential` and verify as the RP would. */
export async function signIn(key: Softkey, credential: WebAuthnCredential, o: SignInOptions = {}) {
  const options = await generateAuthenticationOptions({
    rpID: RP_ID,
    userVerification: o.userVerification ?? "preferred",
    allowCredentials: [{ id: credential.id }],
  });
  const response = await key.get(options, { origin: ORIGIN });
  const verification = verifyAuthenticationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: ORIGIN,
    expectedRPID: RP_ID,
    credential,
    requireUserVerification: o.requireUserVerification ?? false,
  });
  return { response, verification: handled(verification) };
}

/** The RP's verdict, awaited later by the test: marked handled so that a rejection is not reported before then. */
function handled<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}

export function counterOf(authenticatorData: string): number {
  return Buffer.from(authenticatorData, "base64url").readUInt32BE(33);
}
