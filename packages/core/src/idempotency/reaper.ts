import type { Logger } from 'pino';
import type { Database } from '../db/database.js';

/** Keys are promised to be kept at least this long (DESIGN section 4); retention never goes lower. */
export const MIN_RETENTION_HOURS = 24;

/** Rows deleted per statement, so one reap never holds locks on a huge set at once. */
const BATCH = 5_000;

export interface ReapOptions {
  /** Hours a finished key (or an abandoned claim, counted from its lease expiry) is kept. Default and minimum 24. */
  retentionHours?: number;
}

/** Deletes keys past retention: finished ones and abandoned claims; returns how many rows went. */
export async function reapIdempotencyKeys(db: Database, options: ReapOptions = {}): Promise<number> {
  const hours = retentionHours(options);
  let total = 0;
  for (;;) {
    // coalesce(...) is when a row stopped mattering, and is exactly what the reaper index holds.
    const { rowCount } = await db.query(
      `delete from bounded_idempotency
        where (principal, tool, key) in (
          select principal, tool, key from bounded_idempotency
           where coalesce(completed_at, lease_expires_at) < now() - $1 * interval '1 hour'
           limit $2)`,
      [hours, BATCH],
    );
    total += rowCount;
    if (rowCount < BATCH) return total;
  }
}

export interface IdempotencyReaperOptions extends ReapOptions {
  intervalMs: number;
  log: Pick<Logger, 'info' | 'error'>;
}

/** Reaps now and then every `intervalMs` in the background; returns a function that stops it. */
export function startIdempotencyReaper(db: Database, options: IdempotencyReaperOptions): () => void {
  // Fail at start-up on a bad setting rather than once per tick in the log.
  retentionHours(options);
  if (!(options.intervalMs > 0) || !Number.isFinite(options.intervalMs)) {
    throw new RangeError(`intervalMs must be a positive number of milliseconds, got ${options.intervalMs}`);
  }
  let running = false;
  const tick = async () => {
    // A slow reap is not stacked under the next tick.
    if (running) return;
    running = true;
    try {
      const deleted = await reapIdempotencyKeys(db, options);
      if (deleted > 0) options.log.info({ deleted }, 'idempotency keys reaped');
    } catch (error) {
      // A missed reap only delays cleanup; the next tick tries again.
      options.log.error({ err: error }, 'idempotency key reaping failed; retrying at the next interval');
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), options.intervalMs);
  // Cleanup must never be the reason a process stays alive.
  timer.unref();
  return () => clearInterval(timer);
}

function retentionHours(options: ReapOptions): number {
  const hours = options.retentionHours ?? MIN_RETENTION_HOURS;
  if (!Number.isFinite(hours) || hours < MIN_RETENTION_HOURS) {
    throw new RangeError(
      `retentionHours must be at least ${MIN_RETENTION_HOURS} (idempotency keys are kept at least a day), got ${hours}`,
    );
  }
  return hours;
}
