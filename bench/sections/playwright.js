// Sign-ins per second in a real Chromium page (playwright-core driving Debian's chromium): softkey through
// softkey/playwright against Chrome's own CDP virtual authenticator on the same page loop.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Softkey } from "../../dist/softkey.js";
import { loadAverage, median, opsPerSecond, ROUNDS, roundSeconds } from "../harness.js";
import { installEchoLoop } from "./pages/channelEcho.js";
import { installPageLoop } from "./pages/pageLoop.js";

/**
 * Sign-ins per second in a real Chromium page (playwright-core driving /usr/bin/chromium): the same
 * page loop of navigator.credentials.get() answered by softkey through softkey/playwright (a CDP
 * binding round trip per ceremony, the client and the CTAP core in this process), by the same with
 * `cdpChannel: false` (Playwright's exposeBinding, the path other engines and iframes take), and by
 * Chrome's own CDP virtual authenticator, in alternating rounds so that load on a shared machine
 * hits all alike. Also: bare echoes over a CDP binding and over exposeBinding (the floors under the
 * two channels) and softkey's client in process with the same options, which together account for
 * softkey's figures.
 */
export async function playwrightSection(report) {
  const executablePath = process.env.BENCH_CHROMIUM ?? "/usr/bin/chromium";
  const { existsSync } = await import("node:fs");
  if (!existsSync(executablePath)) {
    report.skipped("Chromium page: navigator.credentials.get through softkey/playwright", `${executablePath} missing (apt-get install -y chromium)`);
    return;
  }
  const { chromium } = await import("playwright-core");
  const { createServer } = await import("node:http");
  const { attach } = await import("../../dist/playwright/index.js");
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-pw-"));
  const server = createServer((_req, res) => res.writeHead(200, { "content-type": "text/html" }).end("<!doctype html><title>bench</title>"));
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://localhost:${server.address().port}/`;
  const context = await chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const softkey = await Softkey.init(join(dir, "store"), "bench", { scrypt: { N: 1024, r: 8, p: 1 } }, { passphrase: "bench" });
  let attachment;
  let bindingAttachment;
  try {
    // The page's half, identical in every mode (./pages/pageLoop.js): register once, then get() back to back.
    const setUp = async (page) => {
      await page.evaluate(installPageLoop);
      await page.evaluate(() => globalThis.benchPages.register());
    };
    const chromePage = await context.newPage();
    await chromePage.goto(url);
    const cdp = await context.newCDPSession(chromePage);
    await cdp.send("WebAuthn.enable");
    await cdp.send("WebAuthn.addVirtualAuthenticator", {
      options: { protocol: "ctap2", ctap2Version: "ctap2_1", transport: "usb", hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
    });
    await setUp(chromePage);
    const softkeyPage = await context.newPage();
    attachment = await attach(softkeyPage, { softkey });
    await softkeyPage.goto(url);
    await setUp(softkeyPage);
    const bindingPage = await context.newPage();
    bindingAttachment = await attach(bindingPage, { softkey, cdpChannel: false });
    await bindingPage.goto(url);
    await setUp(bindingPage);
    // The CDP channel's floor: Runtime.addBinding in, Runtime.evaluate back, nothing else.
    const cdpEchoPage = await context.newPage();
    const echoSession = await context.newCDPSession(cdpEchoPage);
    echoSession.on("Runtime.bindingCalled", ({ name, payload, executionContextId }) => {
      if (name !== "__benchCdpEcho") return;
      const { call, request } = JSON.parse(payload);
      const expression = `globalThis.__benchCdpEchoReply(${JSON.stringify(call)}, ${JSON.stringify({ ok: true, echo: request })})`;
      echoSession.send("Runtime.evaluate", { contextId: executionContextId, expression, silent: true }).catch(() => undefined);
    });
    await echoSession.send("Runtime.enable"); // as softkey's channel does (it maps contexts to frames)
    await echoSession.send("Runtime.addBinding", { name: "__benchCdpEcho" });
    await cdpEchoPage.goto(url);
    await cdpEchoPage.evaluate(installEchoLoop, { binding: "__benchCdpEcho", reply: "__benchCdpEchoReply" });
    const echoPage = await context.newPage();
    await echoPage.exposeBinding("__benchEcho", (_source, message) => ({ ok: true, echo: message }));
    await echoPage.goto(url);
    await echoPage.evaluate(() => {
      const w = globalThis;
      w.benchLoop = async ({ seconds }) => {
        const message = { op: "get", id: "x.1", origin: w.location.origin, options: { challenge: "A".repeat(43), allowCredentials: [{ type: "public-key", id: "B".repeat(86) }] } };
        let n = 0;
        const start = performance.now();
        while (performance.now() < start + seconds * 1000) {
          await w.__benchEcho(message);
          n++;
        }
        return (n / (performance.now() - start)) * 1000;
      };
    });
    const origin = new URL(url).origin;
    const registered = await softkey.create(
      { rp: { name: "Bench" }, user: { id: "AQID", name: "bench", displayName: "Bench" }, challenge: "A".repeat(43), pubKeyCredParams: [{ type: "public-key", alg: -7 }] },
      { origin },
    );
    const inProcess = (userVerification) =>
      opsPerSecond(() => softkey.get({ challenge: "A".repeat(43), allowCredentials: [{ type: "public-key", id: registered.id }], userVerification }, { origin }), roundSeconds);

    const rounds = ROUNDS;
    const results = {};
    const record = (name, value) => (results[name] ??= []).push(value);
    let nodeCpuMs = 0;
    let softkeyWallMs = 0;
    for (let r = 0; r < rounds; r++) {
      for (const userVerification of ["preferred", "discouraged"]) {
        const arg = { op: "get", seconds: roundSeconds, userVerification };
        const loop = (a) => globalThis.benchPages.loop(a);
        record(`chrome ${userVerification}`, await chromePage.evaluate(loop, arg));
        const cpu = process.cpuUsage();
        const wall = performance.now();
        record(`softkey ${userVerification}`, await softkeyPage.evaluate(loop, arg));
        const used = process.cpuUsage(cpu);
        nodeCpuMs += (used.user + used.system) / 1000;
        softkeyWallMs += performance.now() - wall;
        record(`binding ${userVerification}`, await bindingPage.evaluate(loop, arg));
        record(`in-process ${userVerification}`, await inProcess(userVerification));
      }
      record("echo", await echoPage.evaluate((a) => globalThis.benchLoop(a), { seconds: roundSeconds }));
      record("cdp echo", await cdpEchoPage.evaluate((a) => globalThis.benchEcho.loop(a), { seconds: roundSeconds }));
    }
    const m = Object.fromEntries(Object.entries(results).map(([name, values]) => [name, median(values)]));
    const load = loadAverage().split(" ")[0];
    for (const uv of ["preferred", "discouraged"]) {
      const what = uv === "preferred" ? "userVerification preferred (UV)" : "userVerification discouraged (presence only)";
      const how = uv === "preferred" ? "; softkey's client gets a pinUvAuthToken (ECDH + HKDF) for each get" : "";
      report.row(`Chromium page, get() through softkey/playwright, ${what}`, m[`softkey ${uv}`], "ops/s", `median of ${rounds} rounds; CDP channel${how}`);
      report.row(`Chromium page, get() through softkey/playwright with cdpChannel: false, ${what}`, m[`binding ${uv}`], "ops/s", "exposeBinding: the path of iframes, Firefox and WebKit");
      report.row(`Chromium page, get() through Chrome's CDP virtual authenticator, ${what} (baseline)`, m[`chrome ${uv}`], "ops/s");
      report.goal(`Chromium page get(), softkey/playwright / Chrome's virtual authenticator, UV ${uv}`, m[`softkey ${uv}`] / m[`chrome ${uv}`], 1, true, load);
      report.row(`  of which: softkey client get() in process, ${uv}`, m[`in-process ${uv}`], "ops/s", `${(1000 / m[`in-process ${uv}`]).toFixed(2)} ms per get`);
    }
    report.row("  of which: bare CDP binding round trip (Runtime.addBinding + Runtime.evaluate echo)", m["cdp echo"], "ops/s", `${(1000 / m["cdp echo"]).toFixed(2)} ms per call; Node busy ${Math.round((nodeCpuMs / softkeyWallMs) * 100)}% of one core during the softkey loops`);
    report.row("  bare Playwright exposeBinding round trip (echo), for cdpChannel: false", m.echo, "ops/s", `${(1000 / m.echo).toFixed(2)} ms per call`);
  } finally {
    await attachment?.detach();
    await bindingAttachment?.detach();
    await context.close();
    await softkey.close();
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

