/**
 * One WebDriver command at a time, the test's and softkey's alike, for a classic-only session.
 * WebKitWebDriver keeps one pending navigation wait per page: an Execute Script of softkey's
 * polling sent while the test's Navigate To (or Refresh) waits for the load made that wait never
 * return. selenium-webdriver sends every command through `driver.execute(command)`, so softkey
 * wraps that one method, queueing each command behind the one before, and puts it back on detach.
 * A driver without it is left as it is.
 */
interface Executing {
  execute?: (...args: unknown[]) => Promise<unknown>;
}

export class CommandGate {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly original: Executing["execute"];
  private readonly own = Symbol("softkey.gate");

  constructor(private readonly driver: object) {
    const target = driver as Executing;
    this.original = target.execute;
    const original = this.original;
    if (typeof original !== "function") return;
    const gated = (...args: unknown[]): Promise<unknown> => this.queue(() => original.apply(driver, args));
    Object.defineProperty(gated, this.own, { value: true });
    target.execute = gated;
  }

  /** Puts the driver's own `execute` back (unless someone wrapped it again since). */
  release(): void {
    const target = this.driver as Executing & Record<symbol, unknown>;
    if (typeof this.original === "function" && target.execute && (target.execute as unknown as Record<symbol, unknown>)[this.own]) target.execute = this.original;
  }

  private queue<T>(command: () => Promise<T>): Promise<T> {
    const result = this.tail.then(command, command);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
