/**
 * The one clock the CTAPHID device uses (transaction timeout, keepalive
 * interval, lock expiry). Injected so tests drive time by hand.
 */
export type TimerHandle = unknown;

export interface Scheduler {
  setTimeout(callback: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** Real timers; unref'd so a quiet device never keeps the process alive on its own. */
export const realScheduler: Scheduler = {
  setTimeout(callback, ms) {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};
