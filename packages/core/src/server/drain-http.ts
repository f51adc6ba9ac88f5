import type { Logger } from 'pino';
import { ToolError } from '../errors.js';
import { sleep } from '../sleep.js';
import type { HttpHandle } from './run-http.js';
import type { Runtime } from './runtime.js';

export interface DrainOptions {
  http: HttpHandle;
  runtime: Runtime;
  /** The whole shutdown, from the signal to closed sockets, fits in this time. */
  drainMs: number;
  log: Logger;
  /** Closes the database (the pool); waited for only as long as the drain time allows. */
  closeDatabase(): Promise<void>;
}

const NOT_STARTED = 'The server is shutting down and did not start this call; nothing was changed.';
const RETRY_HINT =
  'Retry the same call, with the same idempotency_key if it takes one: another instance, or this one once restarted, answers it, and a call that completed is replayed, not repeated.';

/**
 * Shuts an HTTP server down within `drainMs` without dropping a reply: new requests get 503,
 * calls still waiting for a slot are answered `unavailable` at once, running calls may finish and
 * their replies are written; shortly before the deadline the calls still running are stopped
 * (they roll back and are answered `unavailable`), then the pool and the sockets are closed.
 */
export async function drainHttp(options: DrainOptions): Promise<void> {
  const { http, runtime, log } = options;
  const deadline = Date.now() + options.drainMs;
  // Time kept back at the end: to stop running calls and answer them, then to close.
  const stopReserveMs = Math.min(2_000, options.drainMs / 4);
  const closeReserveMs = Math.min(500, options.drainMs / 10);
  const until = (reserveMs: number) => Math.max(0, deadline - reserveMs - Date.now());
  // Every call is done (its work really ended) and every reply written.
  const settled = async (timeoutMs: number) =>
    (await Promise.all([http.drained(timeoutMs), runtime.limiter.idle(timeoutMs)])).every(Boolean);

  http.stopAccepting();
  runtime.limiter.close(new ToolError('unavailable', NOT_STARTED, { hint: RETRY_HINT }));
  if (!(await settled(until(stopReserveMs)))) {
    log.warn({ in_flight: runtime.limiter.active }, 'stopping the calls still running');
    runtime.stopping.abort(
      new ToolError('unavailable', 'The server is shutting down.', { hint: RETRY_HINT }),
    );
    if (!(await settled(until(closeReserveMs)))) {
      log.warn({ in_flight: runtime.limiter.active }, 'shutting down with calls still in flight');
    }
  }
  // A connection still checked out keeps pool.end() waiting; past the deadline, exiting the
  // process closes it, and PostgreSQL rolls back whatever it was doing.
  const failed = (what: string) => (error: unknown) => log.error({ err: error }, `${what} failed`);
  const closed = await Promise.race([
    options.closeDatabase().then(() => true, failed('closing the database')),
    sleep(until(closeReserveMs / 2)).then(() => false),
  ]);
  if (closed === false) log.warn('exiting with database connections still in use');
  await Promise.race([http.close().catch(failed('closing the HTTP server')), sleep(until(0))]);
}
