/**
 * A tiny CTAPHID client over a tcp or unix socket, as python-fido2 or libfido2
 * would talk to `softkey serve`: raw 64-byte reports back to back, one channel,
 * CTAPHID_CBOR requests. Fails fast when the server goes away (a crash test
 * kills it mid-request).
 */
import { connect, type Socket } from "node:net";
import { encodeCanonical } from "../../src/ctap/cbor.js";
import type { CtapDevice } from "../../src/ctap/transport.js";
import { CID_BROADCAST, CtaphidCommand, HID_REPORT_SIZE, encodeMessage, parsePacket } from "../../src/ctaphid/packets.js";
import { MessageReassembly } from "../../src/ctaphid/reassembly.js";
import { parseResponse } from "./ctap.js";

export class ServerGoneError extends Error {
  override name = "ServerGoneError";
}

interface Message {
  cid: number;
  cmd: number;
  payload: Uint8Array;
}

export class CtaphidSocketClient {
  private pending = new Uint8Array(0);
  private current: MessageReassembly | undefined;
  private readonly messages: Message[] = [];
  private wake: (() => void) | undefined;
  private gone: Error | undefined;
  private cid = CID_BROADCAST;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay?.(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    const end = (error?: Error) => {
      this.gone ??= new ServerGoneError(error ? `connection failed: ${error.message}` : "the server closed the connection");
      this.wake?.();
    };
    socket.on("error", end);
    socket.on("close", () => end());
  }

  /** Connects to `tcp:HOST:PORT` or `unix:PATH` and allocates a channel. */
  static async connect(address: string): Promise<CtaphidSocketClient> {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const s = address.startsWith("unix:")
        ? connect(address.slice(5))
        : connect(Number(address.slice(address.lastIndexOf(":") + 1)), address.slice(4, address.lastIndexOf(":")));
      s.once("connect", () => resolve(s));
      s.once("error", reject);
    });
    const client = new CtaphidSocketClient(socket);
    const nonce = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    const answer = await client.exchange(CID_BROADCAST, CtaphidCommand.CTAPHID_INIT, nonce);
    client.cid = new DataView(answer.buffer, answer.byteOffset).getUint32(8);
    return client;
  }

  /** One CTAP2 command over CTAPHID_CBOR; the answer's status and decoded body (checked canonical). */
  async call(command: number, params?: Map<number, unknown>): Promise<{ status: number; body?: Map<number, unknown> }> {
    const body = params ? encodeCanonical(params) : new Uint8Array(0);
    const request = new Uint8Array(1 + body.length);
    request[0] = command;
    request.set(body, 1);
    return parseResponse(await this.exchange(this.cid, CtaphidCommand.CTAPHID_CBOR, request));
  }

  /**
   * The device as softkey's WebAuthn client reaches a key: CTAP2 requests over CTAPHID_CBOR, and
   * command APDUs over CTAPHID_MSG as its CTAP1 door. A CTAPHID error (a U2F-only device has no
   * CBOR) rejects, as a transport that fails.
   */
  device(): CtapDevice {
    return {
      transact: (request) => this.exchange(this.cid, CtaphidCommand.CTAPHID_CBOR, request),
      ctap1: { transact: (apdu) => this.exchange(this.cid, CtaphidCommand.CTAPHID_MSG, apdu) },
    };
  }

  close(): void {
    this.socket.destroy();
  }

  private async exchange(cid: number, cmd: number, payload: Uint8Array, timeoutMs = 10_000): Promise<Uint8Array> {
    if (this.gone) throw this.gone;
    for (const report of encodeMessage(cid, cmd, payload)) this.socket.write(report);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = this.messages.length - 1; i >= 0; i--) if (this.messages[i]!.cmd === CtaphidCommand.CTAPHID_KEEPALIVE) this.messages.splice(i, 1);
      const index = this.messages.findIndex((m) => m.cid === cid);
      if (index >= 0) {
        const message = this.messages.splice(index, 1)[0]!;
        if (message.cmd === CtaphidCommand.CTAPHID_ERROR) throw new Error(`CTAPHID_ERROR 0x${message.payload[0]!.toString(16)}`);
        if (message.cmd !== cmd) throw new Error(`answered 0x${message.cmd.toString(16)} to 0x${cmd.toString(16)}`);
        return message.payload;
      }
      if (this.gone) throw this.gone;
      if (Date.now() > deadline) throw new Error("no answer from the device");
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  private onData(chunk: Buffer): void {
    const data = new Uint8Array(this.pending.length + chunk.length);
    data.set(this.pending);
    data.set(chunk, this.pending.length);
    let at = 0;
    for (; at + HID_REPORT_SIZE <= data.length; at += HID_REPORT_SIZE) this.onReport(data.slice(at, at + HID_REPORT_SIZE));
    this.pending = data.slice(at);
    this.wake?.();
  }

  private onReport(report: Uint8Array): void {
    const packet = parsePacket(report);
    if (!packet) return;
    if (packet.kind === "init") this.current = new MessageReassembly(packet);
    else if (this.current?.cid === packet.cid && this.current.append(packet.seq, packet.data) === "invalid-seq") {
      this.gone = new Error("the device sent continuation packets out of sequence");
      this.current = undefined;
      return;
    }
    if (this.current?.complete) {
      this.messages.push({ cid: this.current.cid, cmd: this.current.cmd, payload: this.current.message.slice() });
      this.current = undefined;
    }
  }
}
