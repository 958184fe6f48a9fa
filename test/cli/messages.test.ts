/**
 * Messages that point the right way: IDs echoed as given, an over-size
 * --options file refused before it is read, a closed store that says so, and
 * attach() naming what is missing.
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { attach } from "../../src/playwright/index.js";
import { Softkey } from "../../src/softkey.js";
import { browserTitle, launchChromium, skipWithoutBrowser } from "../browser/chromium.js";
import { TEST_SCRYPT } from "../helpers/ctap.js";
import { assertBuilt, expectOneLineError, ROOT, runCli, type RunOptions } from "./run.js";

let tmp: string;
let store: string;

function softkey(args: string[], options: RunOptions = {}) {
  return runCli(["--store", store, ...args], { ...options, env: { SOFTKEY_PASSPHRASE: "messages", ...options.env } });
}

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-messages-"));
  store = path.join(tmp, "keystore");
  expect((await softkey(["init", "--kdf-cost", "10"])).code).toBe(0);
});

afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("credential IDs are echoed as given", () => {
  it.each([
    [["delete", "nosuch"]],
    [["counter", "get", "nosuch"]],
    [["counter", "set", "nosuch", "3"]],
    [["credential", "set-backup", "nosuch", "--state", "false"]],
  ])("%j", async (args) => {
    const result = await softkey(args);
    expect(result.code).toBe(3);
    expectOneLineError(result, /no credential nosuch in the store$/);
  });
});

describe("an ID that starts with a dash (base64url has \"-\": one in 64 IDs)", () => {
  const dashed = "-Xy7fQ2mPpLk9sTzA1bCdE";
  it("is taken after --, and echoed as given", async () => {
    const result = await softkey(["delete", "--", dashed]);
    expect(result.code).toBe(3);
    expectOneLineError(result, new RegExp(`no credential ${dashed} in the store$`));
  });

  it("before --, is an unknown option whose message says to use --", async () => {
    const result = await softkey(["delete", dashed]);
    expect(result.code).toBe(2);
    expectOneLineError(result, new RegExp(`unknown option '${dashed}'; an ID that starts with "-" goes after --, e.g. softkey delete -- ${dashed}$`));
  });
});

describe("--options FILE is limited to 1 MiB", () => {
  it("refuses a 300 MB file from its size, before reading it: the process never holds it", async () => {
    const big = path.join(tmp, "big.json");
    expect(spawnSync("truncate", ["-s", "300M", big]).status).toBe(0); // sparse: costs no disk
    const result = await softkey(["get", "--origin", "https://example.com", "--options", big]);
    expect(result.code).toBe(3);
    expectOneLineError(result, /options file .*big\.json is larger than 1048576 bytes/);
    // The same command in a process that reports its peak memory: reading the file first took 650 MB.
    const script = `const { main } = await import(${JSON.stringify(pathToFileURL(path.join(ROOT, "dist", "bundle", "softkey.js")).href)});
      const code = await main(["node", "softkey", "--store", ${JSON.stringify(store)}, "get", "--origin", "https://example.com", "--options", ${JSON.stringify(big)}]);
      process.stdout.write(JSON.stringify({ code, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));`;
    const probe = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8", env: { PATH: process.env.PATH, SOFTKEY_PASSPHRASE: "messages" } });
    const { code, maxRssMiB } = JSON.parse(probe.stdout) as { code: number; maxRssMiB: number };
    expect(code).toBe(3);
    expect(maxRssMiB).toBeLessThan(200);
  });

  it("stops reading a file without a size past the limit (/dev/zero would never end)", async () => {
    const result = await softkey(["create", "--origin", "https://example.com", "--options", "/dev/zero"], { timeoutMs: 20_000 });
    expect(result.code).toBe(3);
    expectOneLineError(result, /options file \/dev\/zero is larger than 1048576 bytes/);
  });

  it("says what is wrong with a directory or a missing file", async () => {
    expectOneLineError(await softkey(["get", "--origin", "https://example.com", "--options", tmp]), /cannot read options file .*: is a directory/);
    expectOneLineError(await softkey(["get", "--origin", "https://example.com", "--options", path.join(tmp, "none.json")]), /no such file/);
    expectOneLineError(await runCli(["decode", "/dev/zero"]), /\/dev\/zero is larger than 1048576 bytes/);
  });
});

describe("the library", () => {
  it("a ceremony on a closed store says the store is closed", async () => {
    const key = await Softkey.init(path.join(tmp, "closed"), "closed", { scrypt: TEST_SCRYPT });
    await key.close();
    const options = { challenge: "AAAAAAAAAAAAAAAAAAAAAA", rpId: "example.com" };
    await expect(key.get(options, { origin: "https://example.com" })).rejects.toThrow(/the store .*closed is closed/);
    await expect(key.create({ ...options, rp: { id: "example.com", name: "x" }, user: { id: "AAAA", name: "a", displayName: "a" }, pubKeyCredParams: [{ type: "public-key", alg: -7 }] } as never, { origin: "https://example.com" })).rejects.toThrow(
      /is closed/,
    );
    await expect(key.listCredentials()).rejects.toThrow(/is closed/);
  });

  it("setUser refuses built-in UV on a device without it, and setFaults reports what is on", async () => {
    const key = await Softkey.init(path.join(tmp, "u2f"), "u2f", { scrypt: TEST_SCRYPT, profile: "u2f-only" });
    try {
      expect(key.user).toEqual({ presence: "auto", uv: "off" });
      expect(() => key.setUser({ uv: "on" })).toThrow(/profile u2f-only has no built-in user verification/);
      expect(key.setUser({ presence: "deny" })).toEqual({ presence: "deny", uv: "off" });
      expect(key.setFaults({ isBadUP: true }).isBadUP).toBe(true);
      expect(key.setFaults({ isBadUP: false }).isBadUP).toBe(false);
    } finally {
      await key.close();
    }
  });

  it.skipIf(skipWithoutBrowser)(browserTitle("attach() says what is missing"), async () => {
    const browser = await launchChromium();
    try {
      await expect(attach(browser.context, {} as never)).rejects.toThrow(/options\.softkey is missing \(const softkey = await Softkey\.open/);
      await expect(attach(browser.context, undefined as never)).rejects.toThrow(/the options are missing/);
      await expect(attach(browser.context, { softkey: {} } as never)).rejects.toThrow(/options\.softkey is not a Softkey/);
      await expect(attach({} as never, {} as never)).rejects.toThrow(/the first argument is not a BrowserContext or Page/);
      await expect(attach(browser.context, {} as never)).rejects.toBeInstanceOf(TypeError);
    } finally {
      await browser.close();
    }
  });
});
