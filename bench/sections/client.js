// softkey's WebAuthn client in process (JSON options in, JSON response out): against raw signing, and the
// whole sign-in with @simplewebauthn/server verifying; then the same sign-in by python-fido2 over CTAPHID.
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { Softkey } from "../../dist/softkey.js";
import { inRounds, opsPerSecond, seconds } from "../harness.js";
import { startServe } from "./serveProcess.js";

const ORIGIN = "https://bench.example";
const RP_ID = "bench.example";

export async function clientSection(report) {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-client-"));
  const key = await Softkey.init(join(dir, "store"), "bench", { scrypt: { N: 1024, r: 8, p: 1 } }, { passphrase: "bench" });
  try {
    const { generateAuthenticationOptions, generateRegistrationOptions, verifyAuthenticationResponse, verifyRegistrationResponse } = await import("@simplewebauthn/server");
    const registrationOptions = await generateRegistrationOptions({ rpName: "Bench", rpID: RP_ID, userName: "bench", supportedAlgorithmIDs: [-7] });
    const registration = await verifyRegistrationResponse({
      response: await key.create(registrationOptions, { origin: ORIGIN }),
      expectedChallenge: registrationOptions.challenge,
      expectedOrigin: ORIGIN,
      expectedRPID: RP_ID,
      requireUserVerification: false,
    });
    const credential = { ...registration.registrationInfo.credential };
    const getOptions = { challenge: "AQEBAQEBAQEBAQEBAQEBAQ", rpId: RP_ID, allowCredentials: [{ type: "public-key", id: credential.id }], userVerification: "discouraged" };
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const data = Buffer.alloc(69, 7);
    const signIn = async () => {
      const options = await generateAuthenticationOptions({ rpID: RP_ID, allowCredentials: [{ id: credential.id }], userVerification: "discouraged" });
      const verification = await verifyAuthenticationResponse({
        response: await key.get(options, { origin: ORIGIN }),
        expectedChallenge: options.challenge,
        expectedOrigin: ORIGIN,
        expectedRPID: RP_ID,
        credential,
        requireUserVerification: false,
      });
      if (!verification.verified) throw new Error("sign-in did not verify");
      credential.counter = verification.authenticationInfo.newCounter;
    };
    const m = await inRounds(
      async () => ({
        get: await opsPerSecond(() => key.get(getOptions, { origin: ORIGIN })),
        sign: await opsPerSecond(() => sign("sha256", data, privateKey)),
        signIn: await opsPerSecond(signIn, undefined, 50),
      }),
      { ratio: ["get", "sign"] },
    );
    report.row("client get() in process, JSON in and out, userVerification discouraged", m.get, "ops/s", `load ${m.load}`);
    report.row("in-process sign-in round trip (client get() + @simplewebauthn/server verify)", m.signIn, "ops/s");
    report.goal("client get() (JSON in, JSON out, UV discouraged) / raw sign", m.ratio, 0.5, true, m.load);
    await pythonRoundTrips(report, dir, m.signIn);
  } finally {
    await key.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** python-fido2's whole sign-in loop (test/interop/fido2/bench_loop.py) against `softkey serve` over a unix socket. */
async function pythonRoundTrips(report, dir, inProcess) {
  const python = "/usr/bin/python3";
  const probe = spawnSync(python, ["-c", "import fido2"], { encoding: "utf8" });
  if (probe.error || probe.status !== 0) return report.skipped("python-fido2 sign-in round trip over the unix socket", "python3-fido2 missing (apt-get install -y python3-fido2)");
  const socket = join(dir, "key.sock");
  const served = await startServe(join(dir, "served"), ["--ctaphid", `unix:${socket}`]);
  try {
    const script = new URL("../../test/interop/fido2/bench_loop.py", import.meta.url).pathname;
    const loop = spawnSync(python, ["-B", script, `unix:${socket}`, String(seconds)], { encoding: "utf8" });
    if (loop.status !== 0) throw new Error(`bench_loop.py failed: ${loop.stderr}`);
    const viaPython = JSON.parse(loop.stdout).opsPerSecond;
    report.row("python-fido2 sign-in round trip over the unix socket (`softkey serve`)", viaPython, "ops/s", `against ${Math.round(inProcess)} in process: ${(viaPython / inProcess).toFixed(2)}`);
  } finally {
    await served.stop();
  }
}
