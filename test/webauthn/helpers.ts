/**
 * Shared set-up for the end-to-end tests: a real Softkey (store, core) in a
 * temporary directory, a WebAuthnClient in front of it with the options a
 * test needs, and a transport wrapper that records what the client sent and
 * can rewrite getInfo (to play an authenticator that offers less).
 */
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
import { expect } from "vitest";
import { decodeCbor, encodeCanonical, type CborMap } from "../../src/ctap/cbor.js";
import type { CtapRequestContext, CtapTransport } from "../../src/ctap/transport.js";
import { Softkey, type InitOptions, type OpenOptions } from "../../src/softkey.js";
import { WebAuthnClient, WebAuthnError, type WebAuthnClientOptions } from "../../src/client/index.js";
import type { AuthenticationResponseJSON, RegistrationResponseJSON } from "../../src/client/index.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";

export const origin = "https://login.example.com";
export const rpID = "example.com";

export interface TestSoftkey {
  key: Softkey;
  close(): Promise<void>;
}

export async function openSoftkey(open: Omit<OpenOptions, "passphrase"> = {}, init: Omit<InitOptions, "scrypt"> = {}): Promise<TestSoftkey> {
  const dir = mkdtempSync(join(tmpdir(), "softkey-e2e-"));
  const key = await Softkey.init(join(dir, "store"), "e2e", { scrypt: TEST_SCRYPT, ...init }, open);
  return {
    key,
    async close() {
      await key.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Records each request (command byte and CBOR parameters) and can edit getInfo's answer. */
export class RecordingTransport implements CtapTransport {
  readonly requests: { command: number; params: CborMap | undefined }[] = [];

  constructor(
    private readonly inner: CtapTransport,
    private readonly editInfo?: (info: Map<number, unknown>) => void,
  ) {}

  async transact(request: Uint8Array, context?: CtapRequestContext): Promise<Uint8Array> {
    const command = request[0]!;
    this.requests.push({ command, params: request.length > 1 ? (decodeCbor(request.subarray(1)) as CborMap) : undefined });
    const response = await this.inner.transact(request, context);
    if (command !== 0x04 || !this.editInfo || response[0] !== 0) return response;
    const info = decodeCbor(response.subarray(1)) as Map<number, unknown>;
    this.editInfo(info);
    return Uint8Array.from([0, ...encodeCanonical(info)]);
  }

  /** ClientPIN subCommands sent, in order. */
  clientPinSubCommands(): number[] {
    return this.requests.filter((r) => r.command === 0x06).map((r) => r.params!.get(2) as number);
  }

  paramsOf(command: number): CborMap[] {
    return this.requests.filter((r) => r.command === command).map((r) => r.params ?? new Map());
  }

  clear(): void {
    this.requests.length = 0;
  }
}

export function clientFor(transport: CtapTransport, options: WebAuthnClientOptions = {}): WebAuthnClient {
  return new WebAuthnClient(transport, options);
}

export async function rejection(promise: Promise<unknown>): Promise<WebAuthnError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WebAuthnError);
  return error as WebAuthnError;
}

type RegistrationOverrides = Omit<Partial<Parameters<typeof generateRegistrationOptions>[0]>, "extensions">;

export async function registrationOptions(overrides: RegistrationOverrides = {}) {
  // A fresh authenticatorSelection each time: generateRegistrationOptions mutates its default object.
  return generateRegistrationOptions({
    rpName: "Example",
    rpID,
    userName: "alice",
    authenticatorSelection: { residentKey: "discouraged", userVerification: "preferred" },
    ...overrides,
  });
}

export interface Registered {
  response: RegistrationResponseJSON;
  credential: WebAuthnCredential;
  userVerified: boolean;
}

/** create() with extensions, verified by @simplewebauthn/server. */
export async function register(
  client: WebAuthnClient,
  overrides: RegistrationOverrides & { extensions?: Record<string, unknown> } = {},
  requireUserVerification = false,
): Promise<Registered> {
  const { extensions, ...rest } = overrides;
  const options = await registrationOptions(rest);
  const response = await client.create({ ...options, extensions: { ...options.extensions, ...extensions } }, { origin });
  const verification = await verifyRegistrationResponse({
    response,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    requireUserVerification,
  });
  expect(verification.verified).toBe(true);
  const info = verification.registrationInfo!;
  return { response, credential: info.credential, userVerified: info.userVerified };
}

/** get() verified by @simplewebauthn/server against `credentials` (the one answering is looked up by ID). */
export async function authenticate(
  client: WebAuthnClient,
  credentials: Registered[],
  request: {
    allow?: Registered[];
    userVerification?: "required" | "preferred" | "discouraged";
    extensions?: Record<string, unknown>;
  } = {},
  requireUserVerification = false,
): Promise<{ assertion: AuthenticationResponseJSON; userVerified: boolean }> {
  const options = await generateAuthenticationOptions({
    rpID,
    userVerification: request.userVerification ?? "preferred",
    allowCredentials: (request.allow ?? []).map((r) => ({ id: r.credential.id })),
  });
  const assertion = await client.get({ ...options, ...(request.extensions ? { extensions: request.extensions } : {}) }, { origin });
  const registered = credentials.find((r) => r.credential.id === assertion.id);
  expect(registered, "the assertion names a registered credential").toBeDefined();
  const verification = await verifyAuthenticationResponse({
    response: assertion,
    expectedChallenge: options.challenge,
    expectedOrigin: origin,
    expectedRPID: rpID,
    credential: registered!.credential,
    requireUserVerification,
  });
  expect(verification.verified).toBe(true);
  registered!.credential.counter = verification.authenticationInfo.newCounter;
  return { assertion, userVerified: verification.authenticationInfo.userVerified };
}
