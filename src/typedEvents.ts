/**
 * A small typed event emitter with Playwright's `waitForEvent(name, predicate
 * | { predicate, timeout })`, so a caller can wait for "a passkey was
 * registered" instead of polling. The Softkey facade and a Playwright
 * attachment both are one. A listener that throws never breaks the code that
 * emitted the event.
 */
export interface WaitForEventOptions<E> {
  predicate?: (event: E) => boolean | Promise<boolean>;
  /** Milliseconds; 0 waits forever. Default 30000. */
  timeout?: number;
}

type Listener<E> = (event: E) => void;

export class TypedEvents<M extends object> {
  private readonly listeners = new Map<keyof M, Set<Listener<never>>>();

  on<K extends keyof M>(name: K, listener: Listener<M[K]>): this {
    let set = this.listeners.get(name);
    if (!set) this.listeners.set(name, (set = new Set()));
    set.add(listener as Listener<never>);
    return this;
  }

  off<K extends keyof M>(name: K, listener: Listener<M[K]>): this {
    this.listeners.get(name)?.delete(listener as Listener<never>);
    return this;
  }

  once<K extends keyof M>(name: K, listener: Listener<M[K]>): this {
    const wrapper: Listener<M[K]> = (event) => {
      this.off(name, wrapper);
      listener(event);
    };
    return this.on(name, wrapper);
  }

  listenerCount(name: keyof M): number {
    return this.listeners.get(name)?.size ?? 0;
  }

  /** Resolves with the next event of `name` that satisfies the predicate; rejects on timeout. */
  waitForEvent<K extends keyof M>(
    name: K,
    options: WaitForEventOptions<M[K]> | ((event: M[K]) => boolean | Promise<boolean>) = {},
  ): Promise<M[K]> {
    const { predicate, timeout = 30_000 } = typeof options === "function" ? { predicate: options } : options;
    return new Promise<M[K]>((resolve, reject) => {
      let done = false;
      const finish = (): void => {
        done = true;
        this.off(name, listener);
        if (timer) clearTimeout(timer);
      };
      const listener: Listener<M[K]> = (event) => {
        if (done) return;
        if (!predicate) {
          finish();
          resolve(event);
          return;
        }
        Promise.resolve()
          .then(() => predicate(event))
          .then(
            (matched) => {
              if (!matched || done) return;
              finish();
              resolve(event);
            },
            (error: unknown) => {
              if (done) return;
              finish();
              reject(error instanceof Error ? error : new Error(String(error)));
            },
          );
      };
      const timer =
        timeout > 0
          ? setTimeout(() => {
              finish();
              reject(new Error(`softkey: timed out after ${timeout} ms waiting for event "${String(name)}"`));
            }, timeout)
          : undefined;
      this.on(name, listener);
    });
  }

  /**
   * Calls the listeners in order. A listener that throws does not break the
   * ceremony that emitted the event: its error is rethrown on its own turn of
   * the event loop, where the test runner reports it as an uncaught error.
   */
  protected emit<K extends keyof M>(name: K, event: M[K]): void {
    for (const listener of [...(this.listeners.get(name) ?? [])]) {
      try {
        (listener as Listener<M[K]>)(event);
      } catch (error) {
        setImmediate(() => {
          throw error;
        });
      }
    }
  }
}
