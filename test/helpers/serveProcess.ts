/**
 * The real `softkey serve` (the built binary, `node bin/softkey.js`) as a child
 * process, and a CTAPHID client over its TCP or unix socket.
 */
import { connect, type Socket } from "node:net";
import { CtaphidTestClient } from "../ctaphid/helpers.js";
import { ReportSplitter } from "../../src/serve/reportStream.js";
import { initServeStore, RunningServes, spawnServe, type ServeChild } from "./serveChild.js";

export const PASSPHRASE = "interop passphrase";

/** `softkey init --kdf-cost 10` in `store`; throws with the CLI's stderr if it fails. */
export async function initStore(store: string, extra: string[] = []): Promise<void> {
  await initServeStore(store, PASSPHRASE, extra);
}

export type ServeProcess = ServeChild;

const running = new RunningServes<ServeProcess>();

/**
 * Start `softkey --store STORE serve ARGS` and wait for its JSON line. Rejects
 * with the exit code and stderr when it ends before listening.
 */
export async function startServe(store: string, args: string[] = ["--ctaphid", "tcp:127.0.0.1:0"], env: Record<string, string> = {}): Promise<ServeProcess> {
  return running.add(await spawnServe(store, args, { SOFTKEY_PASSPHRASE: PASSPHRASE, ...env }));
}

/** Kill whatever a failed test left running (afterEach/afterAll). */
export async function stopAllServes(): Promise<void> {
  await running.stopAll();
}

/** The TCP port in a `tcp:HOST:PORT` address. */
export function portOf(address: string): number {
  const match = /^tcp:.*:(\d+)$/.exec(address);
  if (!match) throw new Error(`not a tcp address: ${address}`);
  return Number(match[1]);
}

export interface SocketClient {
  client: CtaphidTestClient;
  socket: Socket;
  close(): void;
}

/**
 * A CTAPHID client over `tcp:HOST:PORT` or `unix:PATH`. With `split`, every
 * report is written in two pieces with a pause between, so the server sees reports cut mid-way.
 */
export async function connectCtaphid(address: string, options: { split?: boolean } = {}): Promise<SocketClient> {
  const socket = address.startsWith("unix:") ? connect(address.slice(5)) : connect(portOf(address), address.slice(4, address.lastIndexOf(":")));
  await new Promise<void>((resolve, reject) => socket.once("connect", resolve).once("error", reject));
  if (!address.startsWith("unix:")) socket.setNoDelay(true);
  let queue = Promise.resolve();
  const client = new CtaphidTestClient((report) => {
    if (!options.split) {
      socket.write(report);
      return;
    }
    queue = queue.then(async () => {
      socket.write(report.subarray(0, 21));
      await new Promise((resolve) => setTimeout(resolve, 1));
      socket.write(report.subarray(21));
    });
  });
  const splitter = new ReportSplitter();
  socket.on("data", (chunk: Buffer) => splitter.push(chunk).forEach((report) => client.onReport(report)));
  socket.on("error", () => {});
  return { client, socket, close: () => socket.destroy() };
}
