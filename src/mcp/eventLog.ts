/**
 * What an agent reads with the read_events tool: the events of the Softkey
 * and of the browsers attach_browser attached it to, each
 * numbered in order, kept in a bounded ring. An agent polls with the number
 * after the last event it saw, and may wait a while for the next one instead
 * of polling in a loop. Events carry no secret (see softkeyEvents.ts).
 */
import type { SoftkeyEvents } from "../softkeyEvents.js";

export interface LoggedEvent {
  /** 1, 2, 3, ...: pass the last one seen as `after` to read only newer events. */
  seq: number;
  /** ISO 8601 time the event was logged. */
  time: string;
  /** The event's name, e.g. ceremonySuccess. */
  type: string;
  /** Where it came from: "softkey" for the store's ceremonies, "browser:<endpoint>" for a browser's pages. */
  source: string;
  data: Record<string, unknown>;
}

export interface EventPage {
  events: LoggedEvent[];
  /** Pass as `after` next time. */
  last: number;
  /** Events that fell out of the ring before they were read (the reader was too slow). */
  dropped: number;
}

/** Something that emits named events, as Softkey and a Playwright attachment do. */
export interface EventSource<M extends object> {
  on<K extends keyof M>(name: K, listener: (event: M[K]) => void): unknown;
  off<K extends keyof M>(name: K, listener: (event: M[K]) => void): unknown;
}

export const SOFTKEY_EVENT_NAMES: readonly (keyof SoftkeyEvents)[] = ["ceremonyStart", "ceremonySuccess", "ceremonyFailure", "credentialDeleted"];

export class EventLog {
  private readonly ring: LoggedEvent[] = [];
  private seq = 0;
  private readonly waiters = new Set<() => void>();

  constructor(private readonly capacity = 1000) {}

  record(source: string, type: string, data: object): LoggedEvent {
    const event: LoggedEvent = { seq: ++this.seq, time: new Date().toISOString(), type, source, data: { ...data } };
    this.ring.push(event);
    if (this.ring.length > this.capacity) this.ring.shift();
    for (const wake of [...this.waiters]) wake();
    return event;
  }

  /** Log every event `names` of `emitter` under `source`; returns the function that stops it. */
  follow<M extends object>(source: string, emitter: EventSource<M>, names: readonly (keyof M)[]): () => void {
    const listeners = names.map((name) => {
      const listener = (event: M[typeof name]) => void this.record(source, String(name), event as object);
      emitter.on(name, listener);
      return () => emitter.off(name, listener);
    });
    return () => listeners.forEach((stop) => stop());
  }

  /** The last event number logged so far (0 before any). */
  get last(): number {
    return this.seq;
  }

  /**
   * Events numbered above `after`, at most `limit`, oldest first. With `waitMs` and nothing newer yet,
   * waits up to that long for one (or for `signal`).
   */
  async read(options: { after?: number; limit?: number; waitMs?: number; signal?: AbortSignal } = {}): Promise<EventPage> {
    const after = options.after ?? 0;
    if (this.seq <= after && (options.waitMs ?? 0) > 0) await this.next(options.waitMs!, options.signal);
    const oldest = this.ring[0]?.seq ?? this.seq + 1;
    const newer = this.ring.filter((event) => event.seq > after);
    const events = newer.slice(0, options.limit ?? 100);
    return { events, last: events.at(-1)?.seq ?? Math.min(after, this.seq), dropped: Math.max(0, oldest - after - 1) };
  }

  private next(waitMs: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = setTimeout(done, waitMs);
      this.waiters.add(done);
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
