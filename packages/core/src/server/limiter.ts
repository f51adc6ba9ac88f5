import { ToolError } from '../errors.js';
import { IdleWaiters } from './idle-waiters.js';

/** Bounds how many tool calls run at once in this process; waiters give up after `waitMs`. */
export class ConcurrencyLimiter {
  private running = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly idlers = new IdleWaiters(() => this.running === 0);

  constructor(
    private readonly max: number,
    private readonly waitMs: number,
  ) {}

  /** Resolves with a release function once a slot is free; throws rate_limited after the wait. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.running >= this.max) await this.wait(signal);
    this.running += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running -= 1;
      this.waiters.shift()?.();
      this.idlers.check();
    };
  }

  /** Calls in flight right now. */
  get active(): number {
    return this.running;
  }

  /** Resolves when no call is in flight, or after `timeoutMs` (then with false). */
  idle(timeoutMs: number): Promise<boolean> {
    return this.idlers.wait(timeoutMs);
  }

  private wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const wake = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      const giveUp = (error: unknown) => {
        const index = this.waiters.indexOf(wake);
        if (index >= 0) this.waiters.splice(index, 1);
        signal.removeEventListener('abort', onAbort);
        reject(error);
      };
      const onAbort = () => giveUp(signal.reason);
      const timer = setTimeout(
        () =>
          giveUp(
            new ToolError('rate_limited', `The server is at its limit of ${this.max} concurrent calls.`, {
              hint: 'Wait a few seconds and retry the same call.',
            }),
          ),
        this.waitMs,
      );
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(wake);
    });
  }
}
