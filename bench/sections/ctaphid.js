// The CTAPHID host's cost: server CPU per getAssertion over a unix socket (`softkey serve`, a JS CTAPHID
// client in this process), against the core's CPU per getAssertion in process, in alternating rounds.
// Beside them, the floor of any CTAPHID host in Node: a bare Node process that reads the same reports
// from a unix socket and writes back as many bytes as softkey's answer, with no CTAP at all.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { connect } from "node:net";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetAssertionRequest } from "../../dist/ctap/messages/getAssertion.js";
import { CID_BROADCAST, CtaphidCommand, HID_REPORT_SIZE, encodeMessage, parsePacket } from "../../dist/ctaphid/packets.js";
import { MessageReassembly } from "../../dist/ctaphid/reassembly.js";
import { inRounds, opsAndCpu, processCpuMs, roundSeconds } from "../harness.js";
import { openDevice, registerOne, request } from "./core.js";
import { startServe } from "./serveProcess.js";

/** Just enough of a CTAPHID host's peer: one channel, one request at a time, keepalives skipped. */
export class Channel {
  constructor(socket) {
    this.socket = socket;
    this.cid = CID_BROADCAST;
    this.buffered = new Uint8Array(0);
    this.waiting = undefined;
    socket.setNoDelay(true);
    socket.on("data", (chunk) => this.onData(chunk));
  }

  static async open(path) {
    const socket = await new Promise((resolve, reject) => {
      const s = connect(path);
      s.once("connect", () => resolve(s));
      s.once("error", reject);
    });
    const channel = new Channel(socket);
    const answer = await channel.exchange(CtaphidCommand.CTAPHID_INIT, Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8));
    channel.cid = new DataView(answer.buffer, answer.byteOffset).getUint32(8);
    return channel;
  }

  exchange(cmd, payload) {
    return new Promise((resolve, reject) => {
      this.waiting = { cmd, resolve, reject, message: undefined };
      for (const report of encodeMessage(this.cid, cmd, payload)) this.socket.write(report);
    });
  }

  onData(chunk) {
    const data = new Uint8Array(this.buffered.length + chunk.length);
    data.set(this.buffered);
    data.set(chunk, this.buffered.length);
    let at = 0;
    for (; at + HID_REPORT_SIZE <= data.length; at += HID_REPORT_SIZE) this.onReport(data.subarray(at, at + HID_REPORT_SIZE));
    this.buffered = data.slice(at);
  }

  onReport(report) {
    const packet = parsePacket(report);
    const waiting = this.waiting;
    if (!packet || !waiting) return;
    if (packet.kind === "init") {
      if (packet.cmd === CtaphidCommand.CTAPHID_KEEPALIVE) return;
      waiting.message = new MessageReassembly(packet);
    } else waiting.message?.append(packet.seq, packet.data);
    if (waiting.message?.complete) {
      this.waiting = undefined;
      const { cmd, message } = waiting.message;
      if (cmd === waiting.cmd) waiting.resolve(message.slice());
      else waiting.reject(new Error(`CTAPHID answered 0x${cmd.toString(16)}`));
    }
  }

  close() {
    this.socket.destroy();
  }
}

// Reads requests of a fixed size and answers each with a fixed number of bytes, in one write as softkey's host does.
const BARE_SOCKET_SERVER = `
const { createServer } = require("node:net");
const [path, requestBytes, responseBytes] = process.argv.slice(1).map((a, i) => (i === 0 ? a : Number(a)));
const response = Buffer.alloc(responseBytes, 1);
createServer((socket) => {
  let pending = 0;
  socket.setNoDelay(true);
  socket.on("data", (chunk) => {
    pending += chunk.length;
    for (; pending >= requestBytes; pending -= requestBytes) socket.write(response);
  });
}).listen(path, () => process.stdout.write("listening\\n"));
`;

/** The bare socket server in its own process, and an exchange of `requestBytes` for `responseBytes` with it. */
async function bareSocketServer(path, requestBytes, responseBytes) {
  const child = spawn(process.execPath, ["-e", BARE_SOCKET_SERVER, path, String(requestBytes), String(responseBytes)], { stdio: ["ignore", "pipe", "inherit"] });
  await new Promise((resolve, reject) => {
    child.stdout.once("data", resolve);
    child.once("exit", (code) => reject(new Error(`the bare socket server exited (${code})`)));
  });
  const socket = await new Promise((resolve, reject) => {
    const s = connect(path);
    s.once("connect", () => resolve(s));
    s.once("error", reject);
  });
  socket.setNoDelay(true);
  let received = 0;
  let done;
  socket.on("data", (chunk) => {
    received += chunk.length;
    if (received >= responseBytes) {
      received -= responseBytes;
      done();
    }
  });
  return {
    // One write per 64-byte report, as the CTAPHID client above sends them.
    exchange: (reports) =>
      new Promise((resolve) => {
        done = resolve;
        for (const r of reports) socket.write(r);
      }),
    cpuMs: () => processCpuMs(child.pid),
    stop: () => {
      socket.destroy();
      child.kill();
    },
  };
}

export async function ctaphidSection(report) {
  const dir = mkdtempSync(join(tmpdir(), "softkey-bench-ctaphid-"));
  const local = await openDevice();
  const socket = join(dir, "key.sock");
  const served = await startServe(join(dir, "served"), ["--ctaphid", `unix:${socket}`]);
  let channel;
  let bare;
  try {
    channel = await Channel.open(socket);
    const cbor = (bytes) => channel.exchange(CtaphidCommand.CTAPHID_CBOR, bytes);
    const servedDevice = { transact: cbor };
    const assertionFor = async (device) => {
      const id = await registerOne(device);
      const bytes = request(0x02, GetAssertionRequest, { rpId: "bench.example", clientDataHash: new Uint8Array(createHash("sha256").update("x").digest()), allowList: [{ type: "public-key", id }] });
      const at = bytes.indexOf(0x58, 15) + 2;
      return async (i) => {
        bytes[at] = i & 0xff;
        const response = await device.transact(bytes);
        if (response[0] !== 0) throw new Error(`status 0x${response[0].toString(16)}`);
      };
    };
    const overSocket = await assertionFor(servedDevice);
    const inProcess = await assertionFor(local.device);
    // The bare server gets the reports of a real getAssertion request and answers with as many bytes as softkey does.
    const sample = request(0x02, GetAssertionRequest, { rpId: "bench.example", clientDataHash: new Uint8Array(32), allowList: [{ type: "public-key", id: await registerOne(local.device) }] });
    const requestReports = encodeMessage(1, CtaphidCommand.CTAPHID_CBOR, sample);
    const answerReports = encodeMessage(1, CtaphidCommand.CTAPHID_CBOR, await local.device.transact(sample));
    bare = await bareSocketServer(join(dir, "bare.sock"), requestReports.length * HID_REPORT_SIZE, answerReports.length * HID_REPORT_SIZE);
    const m = await inRounds(
      async () => {
        const before = served.cpuMs();
        const socketRun = await opsAndCpu(overSocket, roundSeconds, 50);
        const after = served.cpuMs();
        const serverCpuUsPerOp = before === undefined ? NaN : ((after - before) * 1000) / (socketRun.opsPerSecond * roundSeconds);
        const localRun = await opsAndCpu(inProcess, roundSeconds, 50);
        const bareBefore = bare.cpuMs();
        const bareRun = await opsAndCpu(() => bare.exchange(requestReports), roundSeconds, 50);
        const bareCpu = ((bare.cpuMs() - bareBefore) * 1000) / (bareRun.opsPerSecond * roundSeconds);
        return { serverCpu: serverCpuUsPerOp, localCpu: localRun.cpuUsPerOp, socketOps: socketRun.opsPerSecond, localOps: localRun.opsPerSecond, bareCpu, floor: (localRun.cpuUsPerOp + bareCpu) / localRun.cpuUsPerOp };
      },
      { ratio: ["serverCpu", "localCpu"] },
    );
    report.row("CTAPHID getAssertion over a unix socket (`softkey serve`), one client", m.socketOps, "ops/s", `server CPU ${Math.round(m.serverCpu)} µs per op; load ${m.load}`);
    report.row("CTAP getAssertion in process (baseline)", m.localOps, "ops/s", `${Math.round(m.localCpu)} µs CPU per op`);
    report.row(
      "bare unix-socket exchange of the same reports, a Node process with no CTAP (the floor of a CTAPHID host in Node)",
      m.bareCpu,
      "µs CPU",
      `per message; in-process CTAP + this: ${m.floor.toFixed(2)} x in-process (median)`,
    );
    report.goal("CTAPHID server CPU per op / in-process CTAP", m.ratio, 1.3, false, m.load);
  } finally {
    bare?.stop();
    channel?.close();
    await served.stop();
    await local.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
