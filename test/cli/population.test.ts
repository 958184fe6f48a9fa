/**
 * `softkey population export` through the real binary: JSON Lines that a real
 * RP verifies sign-ins against, the seed read like the passphrase and never
 * taken from argv, a progress bar on a terminal, nothing half-written.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { generateAuthenticationOptions, verifyAuthenticationResponse } from "@simplewebauthn/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Population } from "../../src/population/index.js";
import { assertBuilt, BIN, expectOneLineError, ROOT, runCli } from "./run.js";

const SEED = "cli population seed, long enough";
const env = { SOFTKEY_POPULATION_SEED: SEED };
let dir: string;

beforeAll(() => {
  assertBuilt();
  dir = mkdtempSync(path.join(tmpdir(), "softkey-population-cli-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const lines = (text: string) => text.trim().split("\n").map((line) => JSON.parse(line) as Record<string, unknown>);

describe("softkey population export", () => {
  it("writes one JSON line per user on stdout; a real RP verifies sign-ins against them", async () => {
    const result = await runCli(["population", "export", "--rp-id", "localhost", "--size", "1000", "--first", "990"], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe("");
    const records = lines(result.stdout);
    expect(records).toHaveLength(10);
    expect(records[0]).toMatchObject({ user: 990, userName: "user990", algorithm: -7, counter: 0, discoverable: true });
    expect(result.stdout).not.toContain(SEED);
    // Another process, same seed: it signs in as user 995, and the RP knows the user only from the export.
    const record = records[5]!;
    const population = new Population({ seed: SEED, size: 1000 });
    const options = await generateAuthenticationOptions({ rpID: "localhost" });
    const response = population.get(options, { origin: "http://localhost:8080", user: 995 });
    expect(response.id).toBe(record.credentialId);
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: options.challenge,
      expectedOrigin: "http://localhost:8080",
      expectedRPID: "localhost",
      credential: { id: record.credentialId as string, publicKey: Buffer.from(record.publicKey as string, "base64url"), counter: record.counter as number },
    });
    expect(verification.verified).toBe(true);
  });

  it("--out: the file appears whole, a JSON summary on stdout; --seed-file gives the same population", async () => {
    const out = path.join(dir, "users.jsonl");
    const fromEnv = await runCli(["population", "export", "--rp-id", "example.com", "--size", "2500", "--no-discoverable", "--out", out], { env });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    const summary = JSON.parse(fromEnv.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ exported: 2500, rpId: "example.com", first: 0, last: 2499, discoverable: false, out });
    const exported = readFileSync(out, "utf8");
    expect(lines(exported)).toHaveLength(2500);
    expect(existsSync(`${out}.partial`)).toBe(false);

    const seedFile = path.join(dir, "seed");
    writeFileSync(seedFile, `${SEED}\n`, { mode: 0o600 });
    const second = path.join(dir, "again.jsonl");
    const fromFile = await runCli(["population", "export", "--rp-id", "example.com", "--size", "2500", "--no-discoverable", "--out", second, "--seed-file", seedFile]);
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(readFileSync(second, "utf8")).toBe(exported);
    // The file wins over the environment, as documented (the program's own --seed-file must not take the flag away).
    const third = path.join(dir, "file-over-env.jsonl");
    const fileOverEnv = await runCli(["population", "export", "--rp-id", "example.com", "--size", "2500", "--no-discoverable", "--out", third, "--seed-file", seedFile], {
      env: { SOFTKEY_POPULATION_SEED: "another population's seed, not this one" },
    });
    expect(fileOverEnv.code, fileOverEnv.stderr).toBe(0);
    expect(readFileSync(third, "utf8")).toBe(exported);
  });

  it("never takes the seed from argv, and never repeats it", async () => {
    const secret = "a secret someone typed on the command line";
    const result = await runCli(["population", "export", "--rp-id", "localhost", "--size", "10", "--seed", secret], { env });
    expect(result.code).toBe(2);
    expectOneLineError(result, /--seed is deterministic mode for a store; a population.s seed is never a command-line argument: use --seed-file FILE/);
    expect(result.stderr + result.stdout).not.toContain(secret);
    const asValue = await runCli(["population", "export", "--rp-id", "localhost", "--size", "10", "--population-seed", secret], { env });
    expect(asValue.code).toBe(2);
    expect(asValue.stderr + asValue.stdout).not.toContain(secret);
  });

  it("no seed and no terminal: exit 10; a short seed: exit 3 without quoting it", async () => {
    const none = await runCli(["population", "export", "--rp-id", "localhost", "--size", "10"]);
    expect(none.code).toBe(10);
    expectOneLineError(none, /SOFTKEY_POPULATION_SEED/);
    const short = await runCli(["population", "export", "--rp-id", "localhost", "--size", "10"], { env: { SOFTKEY_POPULATION_SEED: "tiny-seed" } });
    expect(short.code).toBe(3);
    expectOneLineError(short, /at least 16 bytes/);
    expect(short.stderr).not.toContain("tiny-seed");
  });

  it("bad sizes, ranges, RP IDs and paths: one line and a documented code, no file", async () => {
    const cases: [string[], number, RegExp][] = [
      [["--size", "ten"], 2, /--size must be a whole number/],
      [["--size", "0"], 3, /size must be an integer from 1/],
      [["--size", "10", "--first", "10"], 3, /first must be a user from 0 to 9/],
      [["--size", "10", "--count", "11"], 3, /count must be from 1 to 10/],
      [["--size", "10", "--rp-id", "https://example.com/"], 3, /RP ID must be a bare lowercase domain/],
      [["--size", "10", "--out", path.join(dir, "missing", "x.jsonl")], 3, /cannot write/],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(["population", "export", "--rp-id", "localhost", ...args], { env });
      expect(result.code, `${args.join(" ")}: ${result.stderr}`).toBe(code);
      expectOneLineError(result, message);
    }
    expect(existsSync(path.join(dir, "missing"))).toBe(false);
  });

  it("a progress bar on a terminal (script gives the export a pseudo-terminal)", () => {
    const probe = spawnSync("script", ["--version"], { encoding: "utf8" });
    if (probe.error) throw new Error("`script` (util-linux) is needed to give the export a terminal");
    const out = path.join(dir, "tty.jsonl");
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} population export --rp-id localhost --size 5000 --out ${JSON.stringify(out)}`;
    const result = spawnSync("script", ["-qec", command, "/dev/null"], { cwd: ROOT, encoding: "utf8", env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000 });
    expect(result.status, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/exporting \|.*\| \d+% \| \d+\/5000 users/);
    expect(result.stdout).toContain("| 100% | 5000/5000 users");
    // On a terminal the summary is a sentence, not JSON.
    expect(result.stdout).toMatch(/exported 5000 users \(0 to 4999\) for localhost in .* to /);
    expect(lines(readFileSync(out, "utf8"))).toHaveLength(5000);
  });

  it("SIGTERM mid-export: exit 130, neither the file nor its .partial is left", async () => {
    const out = path.join(dir, "interrupted.jsonl");
    const child = spawn(process.execPath, [BIN, "population", "export", "--rp-id", "localhost", "--size", "10000000", "--out", out], {
      cwd: ROOT,
      detached: true,
      env: { PATH: process.env.PATH ?? "", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    const deadline = Date.now() + 20_000;
    while (!existsSync(`${out}.partial`) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    await new Promise((resolve) => setTimeout(resolve, 300));
    child.kill("SIGTERM");
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/^softkey: interrupted after \d+ of 10000000 users/);
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});
