/**
 * Lets callers wait, for a bounded time, until some outstanding work is done. The owner says how
 * to tell (`isIdle`) and calls `check()` whenever the work shrinks.
 */
export class IdleWaiters {
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly isIdle: () => boolean) {}

  /** Resolves true once idle, or false after `timeoutMs`. */
  wait(timeoutMs: number): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.waiting.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Wakes every waiter if the work is done now. */
  check(): void {
    if (this.isIdle()) for (const wake of this.waiting.splice(0)) wake();
  }
}
