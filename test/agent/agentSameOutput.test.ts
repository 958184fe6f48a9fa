/**
 * `softkey agent`: the same invocations, run with the real binary against the same store state,
 * without an agent and through one, print the same stdout and stderr and end with the same exit
 * code. Only what is random by design (new credential IDs and keys, signatures) is masked.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runCli, type RunResult } from "../cli/run.js";
import { AGENT_COMMANDS } from "../../src/cli/heldStore.js";

const ORIGIN = "https://login.example.com";
const tmp = mkdtempSync(join(tmpdir(), "softkey-agent-"));
const runtime = join(tmp, "run");
const store = join(tmp, "store");
const pristine = join(tmp, "pristine");
const env = { SOFTKEY_PASSPHRASE: "agent test", SOFTKEY_STORE: store, XDG_RUNTIME_DIR: runtime };

const creation = (user: string, exclude: string[] = []) =>
  JSON.stringify({
    challenge: "AAAAAAAAAAAAAAAAAAAAAA",
    rp: { id: "example.com", name: "Example" },
    user: { id: Buffer.from(user).toString("base64url"), name: user, displayName: user },
    pubKeyCredParams: [{ type: "public-key", alg: -7 }],
    excludeCredentials: exclude.map((id) => ({ type: "public-key", id })),
  });
const request = (id: string) =>
  JSON.stringify({ challenge: "BBBBBBBBBBBBBBBBBBBBBB", rpId: "example.com", userVerification: "discouraged", allowCredentials: [{ type: "public-key", id }] });

interface Case {
  args: string[];
  input?: string;
}

/** ~25 invocations, successes and failures, of every command the agent runs; `id` is alice's credential. */
function cases(id: string): Case[] {
  const get = { args: ["get", "--origin", ORIGIN], input: request(id) };
  return [
    { args: ["list"] },
    { args: ["list", "--json"] },
    { args: ["info", "--json"] },
    get,
    get, // the counter moves on
    { args: ["get", "--origin", "https://evil.test"], input: request(id) },
    { args: ["get", "--origin", ORIGIN], input: request("AAAAAAAAAAAAAAAAAAAAAA") },
    { args: ["get", "--origin", ORIGIN], input: "{ not json" },
    { args: ["get", "--origin", ORIGIN, "--options", "no-such-options.json"] },
    { args: ["create", "--origin", ORIGIN], input: creation("bob") },
    { args: ["create", "--origin", ORIGIN], input: creation("carol", [id]) },
    { args: ["list", "--json"] },
    { args: ["counter", "get", id] },
    { args: ["counter", "set", id, "41", "--json"] },
    get,
    { args: ["counter", "set", id, "many"] },
    { args: ["credential", "set-backup", id, "--eligible", "true", "--json"] },
    { args: ["credential", "set-backup", "!!", "--state", "true"] },
    { args: ["fault", "set", "isBadUP", "on"] },
    get, // UP cleared: the held store applies the fault as a fresh one would
    { args: ["fault", "set", "noSuchFault", "on"] },
    { args: ["fault", "set", "isBadUP", "maybe"] },
    { args: ["fault", "list", "--json"] },
    { args: ["fault", "set", "isBadUP", "off", "--json"] },
    { args: ["delete", "--", "AAAAAAAAAAAAAAAAAAAAAA"] },
    { args: ["delete", "--json", "--", id] },
    { args: ["list"] },
    { args: ["list", "--no-such-flag"] },
    { args: ["--version"] },
    { args: ["get", "--help"] },
  ];
}

/** Random by design: a new credential's ID and key, every signature, getInfo's encIdentifier (CTAP 2.2 §6.4: fresh each time). */
const RANDOM = new Set(["id", "rawId", "attestationObject", "publicKey", "signature", "encIdentifier"]);
/** When a credential was made: the clock's, not the key's. */
const TIME = /\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?Z/g;

/** A run's results with what is random by design masked; the IDs its `create`s made are masked wherever they show. */
function masked(results: RunResult[], all: Case[]): object[] {
  const made = results.flatMap((result, i) => (all[i]!.args[0] === "create" && result.code === 0 ? [(JSON.parse(result.stdout) as { id: string }).id] : []));
  return results.map((result, i) => {
    const args = all[i]!.args;
    let stdout = result.stdout;
    for (const id of made) stdout = stdout.replaceAll(id, "<new credential>");
    stdout = stdout.replace(TIME, "<time>");
    if (["create", "get", "info"].includes(args[0]!) && stdout.startsWith("{")) {
      const value: unknown = JSON.parse(stdout, (key, v: unknown) => (RANDOM.has(key) || (key === "authenticatorData" && args[0] === "create") ? "<random>" : v));
      stdout = JSON.stringify(value, null, 2);
    }
    return { args: args.join(" "), code: result.code, stdout, stderr: result.stderr };
  });
}

async function runAll(id: string): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const c of cases(id)) results.push(await runCli(c.args, { env, ...(c.input !== undefined ? { input: c.input } : {}) }));
  return results;
}

let id = "";

beforeAll(async () => {
  assertBuilt();
  mkdirSync(runtime, { mode: 0o700 });
  expect((await runCli(["init", "--kdf-cost", "10"], { env })).code).toBe(0);
  const created = await runCli(["create", "--origin", ORIGIN], { env, input: creation("alice") });
  expect(created.code, created.stderr).toBe(0);
  id = (JSON.parse(created.stdout) as { id: string }).id;
  cpSync(store, pristine, { recursive: true });
});

afterAll(async () => {
  await runCli(["agent", "stop"], { env });
  rmSync(tmp, { recursive: true, force: true });
});

describe("softkey through the agent", () => {
  it("prints the same stdout and stderr, with the same exit codes, as without it", async () => {
    const without = await runAll(id);
    rmSync(store, { recursive: true });
    cpSync(pristine, store, { recursive: true });

    const started = await runCli(["agent", "start", "--detach"], { env });
    expect(started.code, started.stderr).toBe(0);
    const { agent, pid } = JSON.parse(started.stdout) as { agent: string; pid: number };
    expect(agent.startsWith(`${runtime}/softkey/`)).toBe(true);
    // Proof that the commands below run in the agent: the store is held, so a command it does not run finds it in use.
    const other = await runCli(["ca", "show"], { env });
    expect(other.code, other.stderr).toBe(5);

    const through = await runAll(id);
    const status = await runCli(["agent", "status", "--json"], { env });
    expect(JSON.parse(status.stdout)).toMatchObject({ kind: "agent", pid, store, commands: AGENT_COMMANDS });

    const all = cases(id);
    expect(new Set(all.map((c) => c.args[0]))).toEqual(new Set([...AGENT_COMMANDS, "--version"]));
    expect(new Set(without.map((r) => r.code)).size).toBeGreaterThan(4); // successes and several kinds of failure
    expect(masked(through, all)).toEqual(masked(without, all));
    // The fault reached the held store: the assertion after `fault set isBadUP on` has UP (bit 0) clear.
    const flags = (result: RunResult) => Buffer.from((JSON.parse(result.stdout) as { response: { authenticatorData: string } }).response.authenticatorData, "base64url")[32]!;
    const faulted = all.findIndex((c) => c.args[0] === "fault" && c.args[3] === "on") + 1;
    expect(flags(through[faulted]!) & 1).toBe(0);
    expect(flags(through[3]!) & 1).toBe(1);

    const stopped = await runCli(["agent", "stop"], { env });
    expect(stopped.code, stopped.stderr).toBe(0);
    const again = await runCli(["agent", "stop"], { env });
    expect(again.code).toBe(13);
    expect(again.stderr).toBe(`softkey: no agent runs for the store ${store} (start one with softkey agent start)\n`);
    // Stopped, it closed the store: the normal way works again.
    expect((await runCli(["list", "--json"], { env })).code).toBe(0);
  }, 120_000);

  it("hands an invocation it cannot run the same way back, with the stdin it already read", async () => {
    expect((await runCli(["agent", "start", "--detach"], { env })).code).toBe(0);
    try {
      // The agent reads the options from stdin, then finds --presence deny is not its policy. Run the normal way,
      // the command reads the same options again (not an empty stdin: exit 3), and finds the store held (exit 5).
      const denied = await runCli(["get", "--origin", ORIGIN, "--presence", "deny"], { env, input: request(id) });
      expect(denied.code, denied.stderr).toBe(5);
      expect(denied.stderr).toBe(`softkey: store ${store} is in use by another process (a softkey agent or serve holds it: softkey agent status)\n`);
    } finally {
      expect((await runCli(["agent", "stop"], { env })).code).toBe(0);
    }
    // Without the agent, the same invocation is the refusal it asks for.
    const refused = await runCli(["get", "--origin", ORIGIN, "--presence", "deny"], { env, input: request(id) });
    expect(refused.code, refused.stderr).toBe(7);
  }, 60_000);
});
