/**
 * `softkey mcp` driven by the official MCP SDK's own client over stdio, as an
 * agent host would start it: the built binary, a real store, and every
 * ceremony checked by @simplewebauthn/server as the relying party.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type WebAuthnCredential,
} from "@simplewebauthn/server";
import { assertBuilt, BIN, ROOT, runCli } from "../cli/run.js";

const ORIGIN = "https://example.com";
const RP_ID = "example.com";

interface ToolAnswer {
  isError: boolean;
  text: string;
  value: Record<string, unknown>;
}

/** An MCP client connected to `softkey ...args mcp ...`. */
async function connect(args: string[], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, ...args], cwd: ROOT, env, stderr: "pipe" });
  let stderr = "";
  transport.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: "softkey-test", version: "1.0.0" });
  await client.connect(transport);
  const call = async (name: string, args: Record<string, unknown> = {}): Promise<ToolAnswer> => {
    const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; content: { type: string; text: string }[]; structuredContent?: Record<string, unknown> };
    const text = result.content.map((c) => c.text).join("\n");
    return { isError: result.isError === true, text, value: result.structuredContent ?? {} };
  };
  const ok = async (name: string, args: Record<string, unknown> = {}) => {
    const answer = await call(name, args);
    expect(answer.isError, `${name}: ${answer.text}\nstderr: ${stderr}`).toBe(false);
    return answer.value;
  };
  return { client, transport, call, ok, stderr: () => stderr };
}

async function register(
  ok: (name: string, args: Record<string, unknown>) => Promise<Record<string, unknown>>,
  userName: string,
  residentKey: "required" | "discouraged" = "required",
) {
  const options = await generateRegistrationOptions({
    rpName: "Example",
    rpID: RP_ID,
    userName,
    attestationType: "direct",
    authenticatorSelection: { residentKey, userVerification: "preferred" },
  });
  const response = await ok("webauthn_create", { origin: ORIGIN, options });
  const verification = await verifyRegistrationResponse({ response: response as never, expectedChallenge: options.challenge, expectedOrigin: ORIGIN, expectedRPID: RP_ID });
  expect(verification.verified).toBe(true);
  const { credential } = verification.registrationInfo!;
  return { id: credential.id, publicKey: credential.publicKey, counter: credential.counter } satisfies WebAuthnCredential;
}

beforeAll(() => assertBuilt());

describe("softkey mcp --ephemeral, through the SDK's client", () => {
  let session: Awaited<ReturnType<typeof connect>>;
  const credentials: Record<string, WebAuthnCredential> = {};

  /** Sign in with an empty allowCredentials (any passkey of the RP) and verify with the credential that answered. */
  async function signIn(extra: { userVerification?: "required" | "preferred" | "discouraged"; allow?: string } = {}) {
    const options = await generateAuthenticationOptions({
      rpID: RP_ID,
      userVerification: extra.userVerification ?? "preferred",
      ...(extra.allow ? { allowCredentials: [{ id: credentials[extra.allow]!.id }] } : {}),
    });
    const answer = await session.call("webauthn_get", { origin: ORIGIN, options });
    if (answer.isError) return { answer, verification: undefined, who: undefined };
    const who = Object.keys(credentials).find((name) => credentials[name]!.id === answer.value.id)!;
    expect(who, `an assertion by a registered credential: ${answer.text}`).toBeDefined();
    const verification = await verifyAuthenticationResponse({
      response: answer.value as never,
      expectedChallenge: options.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      credential: credentials[who]!,
      requireUserVerification: false,
    }).catch((error: Error) => ({ verified: false, error }));
    if ("authenticationInfo" in verification && verification.verified) credentials[who]!.counter = verification.authenticationInfo.newCounter;
    return { answer, verification, who };
  }

  beforeAll(async () => {
    session = await connect(["mcp", "--ephemeral"]);
  });

  afterAll(async () => {
    await session?.client.close();
  });

  it("offers its tools, each with a description and an input schema", async () => {
    const { tools } = await session.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toEqual([
      "list_credentials",
      "select_credential",
      "webauthn_create",
      "webauthn_get",
      "set_user",
      "set_faults",
      "read_events",
      "device_info",
      "delete_credential",
      "attach_browser",
      "detach_browser",
    ]);
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(40);
      expect(tool.inputSchema.type).toBe("object");
    }
    expect(tools.find((t) => t.name === "webauthn_create")!.inputSchema.required).toEqual(["origin", "options"]);
    expect(session.client.getServerVersion()).toMatchObject({ name: "softkey" });
  });

  it("registers passkeys that the relying party verifies, and lists them", async () => {
    credentials.alice = await register(session.ok, "alice");
    credentials.bob = await register(session.ok, "bob");
    const listed = (await session.ok("list_credentials", { rpId: RP_ID })).credentials as { credentialId: string; userName: string; chosen: boolean }[];
    expect(listed.map((c) => c.userName).sort()).toEqual(["alice", "bob"]);
    expect(listed.every((c) => !c.chosen)).toBe(true);
    expect((await session.ok("list_credentials", { rpId: "other.example" })).credentials).toEqual([]);
  });

  it("signs in with the passkey the agent chose, and the RP verifies it", async () => {
    for (const who of ["bob", "alice", "bob"]) {
      const chosen = await session.ok("select_credential", { credentialId: credentials[who]!.id });
      expect(chosen).toMatchObject({ rpId: RP_ID, credentialId: credentials[who]!.id, userName: who });
      const { verification, who: signer } = await signIn();
      expect(signer).toBe(who);
      expect(verification!.verified).toBe(true);
    }
    const listed = (await session.ok("list_credentials")).credentials as { userName: string; chosen: boolean }[];
    expect(listed.filter((c) => c.chosen).map((c) => c.userName)).toEqual(["bob"]);
    // Clearing the choice: the chooser's first again, whichever that is, and no choice left.
    expect(await session.ok("select_credential", { rpId: RP_ID })).toMatchObject({ cleared: true, credentialId: null });
    expect((await session.ok("device_info")).chosen).toEqual({});
  });

  it("refuses to choose what is not there, naming it", async () => {
    const unknown = await session.call("select_credential", { credentialId: "AAAA" });
    expect(unknown.isError).toBe(true);
    expect(unknown.text).toMatch(/no credential AAAA in the store/);
    const wrongRp = await session.call("select_credential", { credentialId: credentials.alice!.id, rpId: "other.example" });
    expect(wrongRp.text).toMatch(/belongs to example\.com, not other\.example/);
    const nothing = await session.call("select_credential", {});
    expect(nothing.isError).toBe(true);
  });

  it("set_user: a user who refuses, and built-in UV that is absent or fails, as the RP sees them", async () => {
    // Passkeys made with UV preferred carry credProtect userVerificationRequired (as Chrome asks): without UV only a
    // server-side credential signs in.
    credentials.dave = await register(session.ok, "dave", "discouraged");
    expect(await session.ok("set_user", { presence: "deny" })).toEqual({ presence: "deny", uv: "on" });
    const denied = await signIn();
    expect(denied.answer.isError).toBe(true);
    expect(denied.answer.text).toMatch(/^NotAllowedError: /);

    expect(await session.ok("set_user", { presence: "auto", uv: "off" })).toEqual({ presence: "auto", uv: "off" });
    const unverified = await signIn({ userVerification: "discouraged", allow: "dave" });
    expect(unverified.verification!.verified).toBe(true);
    expect((unverified.verification as { authenticationInfo: { userVerified: boolean } }).authenticationInfo.userVerified).toBe(false);
    // UV required, no built-in UV and no PIN: the browser cannot verify the user.
    expect((await signIn({ userVerification: "required" })).answer.text).toMatch(/^NotAllowedError: .*no PIN set and no built-in UV/);

    await session.ok("set_user", { uv: "fail" });
    expect((await signIn({ userVerification: "required" })).answer.isError).toBe(true);

    expect(await session.ok("set_user", { uv: "on" })).toEqual({ presence: "auto", uv: "on" });
    const verified = await signIn({ userVerification: "required" });
    expect((verified.verification as { authenticationInfo: { userVerified: boolean } }).authenticationInfo.userVerified).toBe(true);

    const prompt = await session.call("set_user", { presence: "prompt" });
    expect(prompt.isError).toBe(true); // nobody can answer a prompt: stdin is the protocol
  });

  it("set_faults: a bogus signature fails the RP's check until it is switched off", async () => {
    expect(await session.ok("set_faults", { isBogusSignature: true })).toEqual({ on: ["isBogusSignature"] });
    const broken = await signIn();
    expect(broken.answer.isError).toBe(false);
    expect(broken.verification!.verified).toBe(false);
    expect((await session.ok("device_info")).faultsOn).toEqual(["isBogusSignature"]);

    expect(await session.ok("set_faults", { isBogusSignature: false })).toEqual({ on: [] });
    expect((await signIn()).verification!.verified).toBe(true);
    expect((await session.call("set_faults", {})).isError).toBe(true);
  });

  it("read_events: ceremonies in order with their outcome, and a wait that ends when one happens", async () => {
    const all = await session.ok("read_events", { limit: 1000 });
    const events = all.events as { seq: number; type: string; data: Record<string, unknown> }[];
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => i + 1));
    expect(events.filter((e) => e.type === "ceremonySuccess" && e.data.ceremony === "create")).toHaveLength(3);
    const failure = events.find((e) => e.type === "ceremonyFailure")!;
    expect(failure.data).toMatchObject({ ceremony: "get", rpId: RP_ID, origin: ORIGIN, errorName: "NotAllowedError" });
    expect(JSON.stringify(events)).not.toMatch(/challenge/);

    const last = all.last as number;
    expect(await session.ok("read_events", { after: last })).toMatchObject({ events: [], last });
    const waiting = session.ok("read_events", { after: last, waitMs: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await signIn();
    const woke = await waiting;
    expect((woke.events as { type: string; seq: number }[])[0]).toMatchObject({ type: "ceremonyStart", seq: last + 1 });
  });

  it("deletes a passkey; the RP's next sign-in with it fails", async () => {
    expect(await session.ok("delete_credential", { credentialId: credentials.bob!.id })).toMatchObject({ deleted: credentials.bob!.id, rpId: RP_ID });
    const again = await session.call("delete_credential", { credentialId: credentials.bob!.id });
    expect(again.text).toMatch(/no credential .* in the store/);
    const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credentials.bob!.id }] });
    expect((await session.call("webauthn_get", { origin: ORIGIN, options })).text).toMatch(/^NotAllowedError: /);
    const events = (await session.ok("read_events", { limit: 1000 })).events as { type: string; data: Record<string, unknown> }[];
    expect(events.some((e) => e.type === "credentialDeleted" && e.data.credentialId === credentials.bob!.id)).toBe(true);
  });

  it("answers bad calls with an error result, not a crash", async () => {
    const missing = await session.call("webauthn_create", { origin: ORIGIN });
    expect(missing.isError).toBe(true);
    const badOrigin = await session.call("webauthn_create", { origin: "https://evil.example", options: await generateRegistrationOptions({ rpName: "x", rpID: RP_ID, userName: "eve" }) });
    expect(badOrigin.text).toMatch(/^SecurityError: /);
    expect(badOrigin.value).toMatchObject({ error: { name: "SecurityError" } });
    // Still serving after all that.
    expect((await session.ok("device_info")).profile).toBe("softkey-roaming");
  });

  it("removes the throw-away store when the client disconnects", async () => {
    const store = (await session.ok("device_info")).store as string;
    expect(existsSync(store)).toBe(true);
    const exited = new Promise<void>((resolve) => session.transport.onclose = resolve);
    await session.client.close();
    await exited;
    for (let i = 0; i < 50 && existsSync(store); i++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(existsSync(store)).toBe(false);
    expect(session.stderr()).toBe("");
  });
});

describe("softkey mcp on a store", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(tmpdir(), "softkey-mcp-"));
  });
  afterAll(async () => {
    await rm(tmp, { recursive: true, force: true });
  });

  it("keeps what it registers in the store, where the CLI finds it", async () => {
    const store = path.join(tmp, "keystore");
    const env = { SOFTKEY_PASSPHRASE: "mcp test" };
    expect((await runCli(["--store", store, "init", "--kdf-cost", "10"], { env })).code).toBe(0);
    const mcp = await connect(["--store", store, "mcp"], env);
    const credential = await register(mcp.ok, "carol");
    await mcp.client.close();
    // The server closes the store when the client goes; wait for its lock to be released.
    const listed = await runCli(["--store", store, "--wait", "10", "list", "--json"], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).credentials.map((c: { credentialId: string }) => c.credentialId)).toEqual([credential.id]);
  });

  it("refuses --presence prompt (stdin is the protocol) and --profile without --ephemeral", async () => {
    const prompt = await runCli(["mcp", "--ephemeral", "--presence", "prompt"]);
    expect(prompt.code).toBe(2);
    expect(prompt.stderr).toMatch(/--presence prompt cannot ask anyone there/);
    const profile = await runCli(["--store", path.join(tmp, "keystore"), "mcp", "--profile", "u2f-only"]);
    expect(profile.code).toBe(2);
  });
});
