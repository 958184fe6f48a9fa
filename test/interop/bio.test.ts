/**
 * A fingerprint key (the softkey-bio profile) against real CTAP clients:
 * python-fido2's fido2.ctap2.bio (FPBioEnrollment) and libfido2's fido2-token
 * (-S -e, -L -e, -D -e, -I), each driving the real `softkey serve`. The finger
 * that touches is the server's --uv (finger:<name>, unknown, none); the
 * samples the sensor reports are its --enroll-samples. A restart of the server
 * is a power cycle over the same store.
 *
 * Presence rule as in python-fido2.test.ts: locally a missing peer skips,
 * loudly; with CI=true it fails.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { assertBuilt } from "../cli/run.js";
import { initStore, startServe, stopAllServes } from "../helpers/serveProcess.js";
import { detectPythonFido2, IN_CI, runPythonScript } from "./pythonFido2.js";
import { buildShim, detectLibfido2Tools, expectSuccess, INSTALL_HINT, runTool } from "./libfido2/tools.js";

const python = detectPythonFido2();
const tools = detectLibfido2Tools();
if (!python.available && !IN_CI) console.warn(`\n*** SKIPPED: python-fido2 bio tests: ${python.reason}; apt-get install -y python3-fido2 ***\n`);
if (!tools.available && !IN_CI) console.warn(`\n*** SKIPPED: libfido2 bio tests: ${tools.reason}; ${INSTALL_HINT} ***\n`);
const withPython = it.skipIf(!python.available && !IN_CI);
const withTools = it.skipIf(!tools.available && !IN_CI);

let tmp: string;
let shim: string | undefined;
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(path.join(tmpdir(), "softkey-bio-"));
  if (tools.available) shim = await buildShim(tmp);
});
afterEach(() => stopAllServes());
afterAll(() => rm(tmp, { recursive: true, force: true }));

async function bioStore(name: string): Promise<string> {
  const store = path.join(tmp, name);
  await initStore(store, ["--profile", "softkey-bio"]);
  return store;
}

describe("a fingerprint key through python-fido2's FPBioEnrollment", () => {
  withPython("enrolls through bad samples, lists, names, removes; UV fails to a lockout, the PIN unblocks it, the right finger verifies", async () => {
    if (!python.available) throw new Error(`python3-fido2 is required when CI=true: ${python.reason}`);
    const store = await bioStore("python");
    // --uv and --enroll-samples are global options, before the command: they ride in the environment here.
    let spec = await serveWith(store, { SOFTKEY_UV: "finger:thumb", SOFTKEY_ENROLL_SAMPLES: "fp-too-high,fp-too-fast" });
    const enrolled = await runPythonScript("bio.py", [spec, "enroll"]);
    expect(enrolled).toMatchObject({
      before: { bioEnroll: false, uv: false, uvBioEnroll: true },
      modality: 1,
      sensor: { "1": 1, "2": 1, "3": 5, "8": 15 },
      emptyList: {},
      samples: ["FP_TOO_HIGH", "FP_TOO_FAST", "FP_GOOD", "FP_GOOD", "FP_GOOD", "FP_GOOD", "FP_GOOD"],
      remaining: 0,
      listed: ["", "thumb"],
      removeAgain: "INVALID_OPTION",
      withoutBe: "PIN_AUTH_INVALID",
      after: { bioEnroll: true, uv: true, uvBioEnroll: true },
      uvModality: 2,
      registeredWithUv: true,
      uvRetries: [8, null],
    });
    expect(Object.values(enrolled.afterRemove as Record<string, string>)).toEqual(["thumb"]);
    await stopAllServes();

    spec = await serveWith(store, { SOFTKEY_UV: "unknown" });
    expect(await runPythonScript("bio.py", [spec, "wrong-finger"])).toEqual({
      uvRetriesBefore: [8, null],
      // A failed finger with a PIN set: the platform must use the PIN (PUAT_REQUIRED, python-fido2's PIN_REQUIRED).
      assertionWithUv: "PIN_REQUIRED",
      uvTokenAttempts: ["UV_INVALID", "UV_INVALID", "UV_INVALID", "UV_INVALID", "UV_INVALID", "UV_INVALID", "UV_BLOCKD", "UV_BLOCKD", "UV_BLOCKD"],
      uvRetriesAfter: [0, null],
      pinFallbackUv: true,
      uvRetriesAfterPin: [8, null],
    });
    await stopAllServes();

    spec = await serveWith(store, { SOFTKEY_UV: "finger:thumb" });
    expect(await runPythonScript("bio.py", [spec, "verify"])).toEqual({ uv: true, userId: "bio-user" });
  });
});

async function serveWith(store: string, env: Record<string, string>): Promise<string> {
  return (await startServe(store, ["--ctaphid", "tcp:127.0.0.1:0"], env)).listening[0]!;
}

describe("a fingerprint key through libfido2's fido2-token", () => {
  withTools("-I shows the sensor; -S -e enrolls through a bad sample; -L -e lists; -S -e -i -n names; -D -e -i removes", async () => {
    if (!tools.available || !shim) throw new Error(`libfido2's tools are required when CI=true: ${tools.reason}`);
    const store = await bioStore("libfido2");
    const socket = path.join(tmp, "bio.sock");
    const serve = await startServe(store, ["--ctaphid", `unix:${socket}`], { SOFTKEY_ENROLL_SAMPLES: "fp-too-low" });
    const device = `softkey:${socket}`;
    const run = async (argv: string[], prompts: [string, string][] = []) => expectSuccess(await runTool(shim!, [...argv, device], { cwd: tmp, prompts }), argv.join(" "));
    await run(["fido2-token", "-S"], [
      ["Enter new PIN for", "1234"],
      ["Enter the same PIN again", "1234"],
    ]);
    const pin: [string, string][] = [["Enter PIN for", "1234"]];

    const info = (await run(["fido2-token", "-I"])).stdout;
    expect(info).toMatch(/^version strings: FIDO_2_0, FIDO_2_1_PRE, FIDO_2_1, FIDO_2_2$/m);
    expect(info).toMatch(/\bnobioEnroll\b/);
    expect(info).toMatch(/^uv modality: 0x2 \(fingerprint check\)$/m);
    expect(info).toMatch(/^sensor type: 1 \(touch\)$/m);
    expect(info).toMatch(/^max samples: 5$/m);

    const enrolled = (await run(["fido2-token", "-S", "-e"], pin)).stdout;
    expect(enrolled).toContain("Sample too low.");
    expect(enrolled.match(/Sample ok\./g)).toHaveLength(5);

    const listed = (await run(["fido2-token", "-L", "-e"], pin)).stdout.trimEnd().split("\n");
    expect(listed).toHaveLength(1);
    const templateId = listed[0]!.split(" ")[1]!;
    await run(["fido2-token", "-S", "-e", "-i", templateId, "-n", "index"], pin);
    expect((await run(["fido2-token", "-L", "-e"], pin)).stdout).toBe(`00: ${templateId} index\n`);
    expect((await run(["fido2-token", "-I"])).stdout).toMatch(/\bbioEnroll\b/);

    await run(["fido2-token", "-D", "-e", "-i", templateId], pin);
    // None left: enumerateEnrollments answers CTAP2_ERR_INVALID_OPTION (section 6.7.5), which libfido2 reports as such.
    const empty = await runTool(shim, ["fido2-token", "-L", "-e", device], { cwd: tmp, prompts: pin });
    expect(empty.code).toBe(1);
    expect(empty.tty).toContain("FIDO_ERR_INVALID_OPTION");
    expect((await run(["fido2-token", "-I"])).stdout).toMatch(/\bnobioEnroll\b/);
    // libfido2 before 1.15 sends bio enrollment as the FIDO_2_1_PRE prototype command (0x40), which softkey-bio answers.
    const log = serve.stderr().split("\n").filter((line) => line.startsWith("ctap2 "));
    expect(log).toContain("ctap2 prototypeAuthenticatorBioEnrollment enrollBegin -> CTAP2_OK");
    expect(log).toContain("ctap2 prototypeAuthenticatorBioEnrollment removeEnrollment -> CTAP2_OK");
  });
});
