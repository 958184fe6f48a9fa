/**
 * Reassembles one CTAPHID message from its initialization packet and the
 * continuation packets that follow it, checking the sequence numbers.
 * Used by the device for requests and by clients (and tests) for responses.
 */
import { CONT_DATA_SIZE, INIT_DATA_SIZE, MAX_MESSAGE_SIZE, type InitPacket } from "./packets.js";

export type ReassemblyProgress = "more" | "complete" | "invalid-seq";

export class MessageReassembly {
  readonly cid: number;
  readonly cmd: number;
  private readonly payload: Uint8Array;
  private received: number;
  private nextSeq = 0;

  /** `init.bcnt` must be at most MAX_MESSAGE_SIZE (the device answers ERR_INVALID_LEN before getting here). */
  constructor(init: InitPacket) {
    if (init.bcnt > MAX_MESSAGE_SIZE) throw new RangeError(`bcnt ${init.bcnt} exceeds ${MAX_MESSAGE_SIZE}`);
    this.cid = init.cid;
    this.cmd = init.cmd;
    this.payload = new Uint8Array(init.bcnt);
    this.received = Math.min(init.bcnt, INIT_DATA_SIZE);
    this.payload.set(init.data.subarray(0, this.received));
  }

  get complete(): boolean {
    return this.received === this.payload.length;
  }

  /** Adds a continuation packet's data; a wrong sequence number ends the message. */
  append(seq: number, data: Uint8Array): ReassemblyProgress {
    if (this.complete || seq !== this.nextSeq) return "invalid-seq";
    this.nextSeq++;
    const take = Math.min(this.payload.length - this.received, CONT_DATA_SIZE);
    this.payload.set(data.subarray(0, take), this.received);
    this.received += take;
    return this.complete ? "complete" : "more";
  }

  /** The reassembled payload; meaningful once `complete`. */
  get message(): Uint8Array {
    return this.payload;
  }
}
