import { ToolError } from '../errors.js';
import { IdleWaiters } from './idle-waiters.js';

/** Bounds how many tool calls run at once in this process; waiters give up after `waitMs`. */
export class ConcurrencyLimiter {
  private running = 0;
  // Each waiter is woken with a slot already counted as its own (see release).
  private readonly waiters: { wake: () => void; refuse: (error: ToolError) => void }[] = [];
  private closedWith: ToolError | undefined;
  private readonly idlers = new IdleWaiters(() => this.running === 0);

  constructor(
    private readonly max: number,
    private readonly waitMs: number,
  ) {}

  /**
   * Resolves with a release function once a slot is this caller's; throws rate_limited after the
   * wait, the signal's reason when it aborts, and close()'s error once the limiter is closed.
   */
  async acquire(signal: AbortSignal): Promise<() => void> {
    if (this.closedWith) throw this.closedWith;
    // First come, first served: a free slot goes to a newcomer only when nobody is queued for it.
    if (this.running < this.max && this.waiters.length === 0) this.running += 1;
    else await this.wait(signal);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiters.shift();
      // Handed straight to the next waiter: were it freed first, a newcomer arriving before the
      // waiter resumes could take it, and max + 1 calls would run.
      if (next) next.wake();
      else {
        this.running -= 1;
        this.idlers.check();
      }
    };
  }

  /** Calls holding a slot right now. */
  get active(): number {
    return this.running;
  }

  /** Resolves when no call holds a slot, or after `timeoutMs` (then with false). */
  idle(timeoutMs: number): Promise<boolean> {
    return this.idlers.wait(timeoutMs);
  }

  /** Refuses every queued and later acquire with `error` (shutting down); calls holding a slot keep it. */
  close(error: ToolError): void {
    this.closedWith ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.refuse(error);
  }

  private wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const settle = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const waiter = {
        wake: () => {
          settle();
          resolve();
        },
        refuse: (error: ToolError) => {
          settle();
          reject(error);
        },
      };
      const giveUp = (error: unknown) => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        settle();
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
      this.waiters.push(waiter);
    });
  }
}
