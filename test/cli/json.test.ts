/**
 * --json everywhere: every command that prints takes it, docs/cli-json.md has
 * a section for each, and what each prints has only the top-level members the
 * document shows (run on a real store with the built binary).
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Command } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateAuthenticationOptions, generateRegistrationOptions } from "@simplewebauthn/server";
import { buildProgram } from "../../src/cli/main.js";
import { processIo } from "../../src/cli/io.js";
import { StdinClaim } from "../../src/cli/secrets.js";
import { assertBuilt, ROOT, runCli } from "./run.js";

/** Commands that print nothing of their own to parse: mcp speaks MCP on stdout. */
const NOT_JSON = new Set(["mcp"]);

function leaves(command: Command, prefix: string[] = []): string[] {
  return command.commands.flatMap((sub) => {
    if (sub.name() === "help") return [];
    const name = [...prefix, sub.name()];
    return sub.commands.length > 0 ? leaves(sub, name) : [name.join(" ")];
  });
}

const io = processIo();
const program = buildProgram({ io, stdin: new StdinClaim(io), integrityFailures: [], exitCode: 0 });
const commands = leaves(program);
const DOC = readFileSync(path.join(ROOT, "docs", "cli-json.md"), "utf8");
const documented = new Map(
  [...DOC.matchAll(/^### softkey ([a-z -]+)\n[\s\S]*?```json\n([\s\S]*?)```/gm)].map((m) => [m[1]!.trim(), JSON.parse(m[2]!) as unknown]),
);

function keysOf(value: unknown): string[] {
  const sample = Array.isArray(value) ? value[0] : value;
  return typeof sample === "object" && sample !== null ? Object.keys(sample).sort() : [];
}

describe("--json", () => {
  it("is an option of every command that prints", () => {
    expect(commands.length).toBeGreaterThan(20);
    const missing = commands.filter((name) => {
      if (NOT_JSON.has(name)) return false;
      let command: Command = program;
      for (const part of name.split(" ")) command = command.commands.find((c) => c.name() === part)!;
      return !command.options.some((o) => o.long === "--json");
    });
    expect(missing).toEqual([]);
  });

  it("is documented for every command in docs/cli-json.md, with valid JSON examples", () => {
    expect([...documented.keys()].sort()).toEqual(commands.filter((c) => !NOT_JSON.has(c)).sort());
  });

  describe("prints what the document shows", () => {
    let tmp: string;
    let store: string;
    const env = { SOFTKEY_PASSPHRASE: "json", SOFTKEY_BUNDLE_PASSPHRASE: "bundle" };
    const outputs = new Map<string, unknown>();

    async function json(name: string, args: string[], extra: { input?: string; env?: Record<string, string> } = {}): Promise<unknown> {
      // --json before a "--" (which puts a credential ID that may start with "-" out of option parsing).
      const end = args.includes("--") ? args.indexOf("--") : args.length;
      const result = await runCli(["--store", store, ...args.slice(0, end), "--json", ...args.slice(end)], { input: extra.input, env: { ...env, ...extra.env } });
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
      const value = JSON.parse(result.stdout) as unknown;
      outputs.set(name, value);
      return value;
    }

    beforeAll(async () => {
      assertBuilt();
      tmp = await mkdtemp(path.join(tmpdir(), "softkey-json-"));
      store = path.join(tmp, "keystore");
      await json("init", ["init", "--kdf-cost", "10"]);
      const reg = await generateRegistrationOptions({ rpName: "Example", rpID: "example.com", userName: "alice", attestationType: "direct", authenticatorSelection: { residentKey: "required" } });
      const created = (await json("create", ["create", "--origin", "https://example.com"], { input: JSON.stringify(reg) })) as { id: string };
      const regFile = path.join(tmp, "reg.json");
      await writeFile(regFile, JSON.stringify(created));
      const auth = await generateAuthenticationOptions({ rpID: "example.com" });
      const asserted = await json("get", ["get", "--origin", "https://example.com"], { input: JSON.stringify(auth) });
      const authFile = path.join(tmp, "auth.json");
      await writeFile(authFile, JSON.stringify(asserted));
      await json("list", ["list"]);
      await json("info", ["info"]);
      await json("decode", ["decode", authFile, "--registration", regFile]);
      await json("counter get", ["counter", "get", "--", created.id]);
      await json("counter set", ["counter", "set", "--", created.id, "5"]);
      await json("credential set-backup", ["credential", "set-backup", "--eligible", "true", "--", created.id]);
      await json("fault list", ["fault", "list"]);
      await json("fault set", ["fault", "set", "isBadUP", "off"]);
      await json("ca init", ["ca", "init"]);
      await json("ca show", ["ca", "show"]);
      await json("ca export", ["ca", "export", "--out", path.join(tmp, "trust")]);
      await json("profile list", ["profile", "list"]);
      await json("profile show", ["profile", "show", "platform-passkey"]);
      await json("pin set", ["pin", "set"], { env: { SOFTKEY_NEW_PIN: "1234" } });
      await json("pin change", ["pin", "change"], { env: { SOFTKEY_PIN: "1234", SOFTKEY_NEW_PIN: "98765" } });
      await json("pin status", ["pin", "status"]);
      await json("fill", ["fill", "--credentials", "20", "--rps", "2"]);
      await json("export", ["export", "--format", "softkey", "--kdf-cost", "10", "--out", path.join(tmp, "bundle.json")]);
      await json("delete", ["delete", "--", created.id]);
      await json("import", ["import", "--format", "softkey", path.join(tmp, "bundle.json"), "--replace"]);
      await json("demo", ["demo"]);
      await json("agent start", ["agent", "start", "--detach"]);
      await json("agent status", ["agent", "status"]);
      await json("agent stop", ["agent", "stop"]);
      await json("population export", ["population", "export", "--rp-id", "example.com", "--size", "50", "--out", path.join(tmp, "users.jsonl")], {
        env: { SOFTKEY_POPULATION_SEED: "json-test-population-seed" },
      });
    }, 120_000);

    afterAll(async () => {
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it("every command run has only documented top-level members, and most of them", () => {
      expect(outputs.size).toBeGreaterThan(20);
      for (const [name, value] of outputs) {
        const doc = documented.get(name);
        expect(doc, `docs/cli-json.md has no section for ${name}`).toBeDefined();
        const actual = keysOf(value);
        const shown = keysOf(doc);
        expect(actual.filter((k) => !shown.includes(k)), `${name}: members not in docs/cli-json.md`).toEqual([]);
        expect(actual.filter((k) => shown.includes(k)).length, `${name}: ${actual} vs ${shown}`).toBeGreaterThanOrEqual(Math.ceil(shown.length / 2));
      }
    });
  });
});
