import { ToolError } from '../errors.js';
import { DatabaseUnavailableError } from './connection-failure.js';
import { sleep } from '../sleep.js';

/** SQLSTATEs after which PostgreSQL expects the client to run the whole transaction again. */
const RETRYABLE_SQLSTATES: ReadonlySet<string> = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
]);

const DEFAULT_ATTEMPTS = 5;
const BASE_DELAY_MS = 10;
const MAX_DELAY_MS = 250;

export interface TxRetryOptions {
  /** Runs in all, the first included. Defaults to 5. */
  attempts?: number;
  /** Stops waiting between attempts; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * Whether the transaction may simply run again after `err`: a serialization failure, a deadlock,
 * or a connection lost before COMMIT was sent.
 */
export function isRetryableTxError(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return err.beforeCommit;
  return (
    typeof err === 'object' && err !== null && 'code' in err && RETRYABLE_SQLSTATES.has(String(err.code))
  );
}

/**
 * Runs `fn`, and runs it again after a serialization failure, a deadlock or a connection lost
 * before COMMIT, up to `attempts` times. When every attempt failed, rejects with a retryable
 * `unavailable` ToolError: the failure is transient, so an idempotent replay must not freeze it as
 * the call's outcome.
 */
export async function withTxRetry<T>(
  fn: (attempt: number) => Promise<T>,
  options: TxRetryOptions = {},
): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryableTxError(err)) throw err;
      if (attempt >= attempts) throw err instanceof ToolError ? err : exhausted(err, attempts);
      await sleep(backoffMs(attempt), options.signal);
    }
  }
}

// Exponential, with jitter over the upper half, so that transactions which collided once do not
// wake at the same moment and collide again.
function backoffMs(attempt: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** (attempt - 1));
  return ceiling / 2 + (Math.random() * ceiling) / 2;
}

function exhausted(err: unknown, attempts: number): ToolError {
  const sqlstate = String((err as { code: unknown }).code);
  const what = sqlstate === '40P01' ? 'deadlocked' : 'conflicted (serialization failure)';
  return new ToolError(
    'unavailable',
    `The database transaction ${what} with concurrent work on each of ${attempts} attempts.`,
    {
      hint: 'The conflict is transient: retry the call in a moment with the same arguments.',
      details: { sqlstate, attempts },
      cause: err,
    },
  );
}
