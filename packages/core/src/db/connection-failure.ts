import { ToolError } from '../errors.js';

// SQLSTATEs and socket codes meaning "the database cannot be reached right now": the server is
// shutting down or refusing connections, or the connection broke. A retry may well succeed.
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  '57P01', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '08000',
  '08001',
  '08003',
  '08006',
  '53300', // too_many_connections
]);

/** Whether `err` is a connection failure by its SQLSTATE or socket code. */
export function isConnectionFailure(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_CODES.has(code);
}

/** A lost or refused database connection, reported as a retryable `unavailable`. */
export class DatabaseUnavailableError extends ToolError {
  /**
   * The failure came before COMMIT was sent (set by the transaction runner, or at checkout), so
   * nothing can have been committed and the transaction may simply run again.
   */
  beforeCommit = false;
}

/**
 * The error a statement or checkout reports when its connection failed. The transaction may
 * have been cut during COMMIT, so the message does not promise a rollback: an idempotent retry
 * replays a call that did commit and runs one that did not.
 */
export function databaseUnavailable(cause: unknown): DatabaseUnavailableError {
  const sqlstate = (cause as { code?: unknown } | null)?.code;
  return new DatabaseUnavailableError(
    'unavailable',
    'The connection to the database failed during the call.',
    {
      hint: 'Retry in a few seconds with the same arguments and idempotency_key: a call that completed is replayed, not repeated.',
      ...(typeof sqlstate === 'string' ? { details: { sqlstate } } : {}),
      cause,
    },
  );
}
