/**
 * One WebDriver command at a time, the test's and softkey's alike, for a classic-only session, and
 * the shim injected as soon as a navigation command returns.
 *
 * WebKitWebDriver keeps one pending navigation wait per page: an Execute Script of softkey's
 * polling sent while the test's Navigate To (or Refresh) waited for the load made that wait never
 * return. selenium-webdriver sends every command through `driver.execute(command)`, so softkey
 * wraps that one method, queueing each command behind the one before, and puts it back on detach.
 * After a command that loads a document (Navigate To, Back, Forward, Refresh, a window switch) the
 * shim goes in before the test's next command runs, so the page has WebAuthn when the test
 * drives it. A driver without `execute` is left as it is (the polling injects, a little later).
 */
interface Executing {
  execute?: (...args: unknown[]) => Promise<unknown>;
}

/** selenium-webdriver's command names (lib/command.js) of the commands after which the current document is another. */
const NAVIGATIONS = new Set(["get", "goBack", "goForward", "refresh", "switchToWindow", "newWindow"]);

function commandName(command: unknown): string | undefined {
  const getName = (command as { getName?: unknown } | null)?.getName;
  return typeof getName === "function" ? String(getName.call(command)) : undefined;
}

export class CommandGate {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly original: Executing["execute"];
  private readonly own = Symbol("softkey.gate");
  /** While softkey injects after a navigation, inside that command's turn: its own commands go straight through. */
  private injecting = false;

  constructor(
    private readonly driver: object,
    navigated: () => Promise<unknown>,
  ) {
    const target = driver as Executing;
    this.original = target.execute;
    const original = this.original;
    if (typeof original !== "function") return;
    const gated = (...args: unknown[]): Promise<unknown> => {
      if (this.injecting) return original.apply(driver, args);
      return this.queue(async () => {
        const result = await original.apply(driver, args);
        if (NAVIGATIONS.has(commandName(args[0]) ?? "")) {
          this.injecting = true;
          await navigated()
            .catch(() => undefined) // not injectable now (a frame, a prompt): the polling tries again
            .finally(() => (this.injecting = false));
        }
        return result;
      });
    };
    Object.defineProperty(gated, this.own, { value: true });
    target.execute = gated;
  }

  /** Puts the driver's own `execute` back (unless someone wrapped it again since). */
  release(): void {
    const target = this.driver as Executing;
    if (typeof this.original === "function" && (target.execute as unknown as Record<symbol, unknown> | undefined)?.[this.own]) target.execute = this.original;
  }

  private queue<T>(command: () => Promise<T>): Promise<T> {
    const result = this.tail.then(command, command);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
