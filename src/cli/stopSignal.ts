/**
 * Waiting for SIGINT or SIGTERM, for commands that run until stopped
 * (`softkey serve`). The handlers go in from the start, so a signal that
 * arrives while the store opens still ends the run cleanly.
 */
const STOP_SIGNALS = ["SIGINT", "SIGTERM"] as const;
export type StopSignal = (typeof STOP_SIGNALS)[number];

export interface StopSignalWait {
  received: Promise<StopSignal>;
  /** Whether a stop signal has arrived. */
  readonly fired: boolean;
  /** Removes the handlers: a second Ctrl-C after this gets Node's default (the process ends at once). */
  dispose(): void;
}

export function stopSignal(): StopSignalWait {
  const handlers = new Map<StopSignal, () => void>();
  let fired = false;
  const dispose = () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    handlers.clear();
  };
  const received = new Promise<StopSignal>((resolve) => {
    for (const signal of STOP_SIGNALS) {
      const handler = () => {
        // The first signal starts a clean shutdown; a second one while it runs ends the process the default way.
        fired = true;
        dispose();
        resolve(signal);
      };
      handlers.set(signal, handler);
      process.on(signal, handler);
    }
  });
  return {
    received,
    dispose,
    get fired() {
      return fired;
    },
  };
}
