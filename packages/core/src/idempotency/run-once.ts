import type { Database, Queryable } from '../db/database.js';
import {
  inProgressError,
  keyReusedError,
  storableError,
  type StoredOutcome,
  type SuccessOutcome,
} from './outcome.js';

/** Identifies one intended operation: keys are scoped per principal and tool. */
export interface IdempotencyScope {
  principal: string;
  tool: string;
  key: string;
  /** argsDigest() of the call's arguments; a different digest under the same key is a reused key. */
  argsDigest: string;
}

/** What an idempotent call returns: the outcome, and whether it was replayed from an earlier call. */
export interface IdempotentResult {
  outcome: StoredOutcome;
  replayed: boolean;
}

export interface RunOnceOptions {
  /** How long a duplicate waits for a concurrent call with the same key before idempotency_in_progress. */
  waitMs: number;
  signal?: AbortSignal;
  /** Runs in the same transaction just before commit, for first runs and replays alike (the audit row). */
  onSettled?: (tx: Queryable, outcome: StoredOutcome, replayed: boolean) => Promise<void>;
}

const LOCK_NOT_AVAILABLE = '55P03';
const SAVEPOINT = 'bounded_idempotency_run';
/** A row can vanish between our insert and select only if the reaper hit it; a few tries are plenty. */
const MAX_CLAIM_ATTEMPTS = 3;

interface ExistingRow {
  args_digest: string;
  status: 'running' | 'done';
  outcome: StoredOutcome | null;
}

type Claim = { kind: 'claimed' } | { kind: 'replay'; outcome: StoredOutcome };

/**
 * Runs a local-effects handler at most once per (principal, tool, key): the claim, the handler's
 * writes, the stored outcome and `onSettled` commit in one transaction. `run` and `onSettled` may
 * be invoked again when the transaction is retried, so only their database writes are exactly-once.
 */
export async function runOnce(
  db: Database,
  scope: IdempotencyScope,
  run: (tx: Queryable) => Promise<SuccessOutcome>,
  options: RunOnceOptions,
): Promise<IdempotentResult> {
  // Everything below lives inside the transaction function on purpose: the port re-runs it from
  // the start after a serialization failure or deadlock, and by then the claim and the handler's
  // writes have rolled back, so a fresh claim and a fresh run are exactly right.
  return db.transaction(
    async (tx) => {
      const claim = await claimKey(tx, scope, options.waitMs);
      if (claim.kind === 'replay') {
        await options.onSettled?.(tx, claim.outcome, true);
        return { outcome: claim.outcome, replayed: true };
      }

      const outcome = await runInSavepoint(tx, run);
      const stored = await tx.query<{ outcome: StoredOutcome }>(
        `update bounded_idempotency
            set status = 'done', outcome = $4::jsonb, completed_at = now()
          where principal = $1 and tool = $2 and key = $3
          returning outcome`,
        [scope.principal, scope.tool, scope.key, JSON.stringify(outcome)],
      );
      // Hand back what a replay will see (the JSON round trip), so first run and replays agree.
      const settled = stored.rows[0]!.outcome;
      await options.onSettled?.(tx, settled, false);
      return { outcome: settled, replayed: false };
    },
    options.signal === undefined ? {} : { signal: options.signal },
  );
}

/** Runs the handler; a deterministic ToolError becomes a stored outcome with its writes undone. */
async function runInSavepoint(
  tx: Queryable,
  run: (tx: Queryable) => Promise<SuccessOutcome>,
): Promise<StoredOutcome> {
  await tx.query(`savepoint ${SAVEPOINT}`);
  try {
    const result = await run(tx);
    return { kind: 'success', data: result.data, text: result.text };
  } catch (error) {
    const stored = storableError(error);
    // Not storable: rethrow unchanged, the whole transaction rolls back and the key stays free.
    if (stored === undefined) throw error;
    // The handler may have written before failing, or left the transaction aborted by a failed
    // statement it turned into a business error; both must vanish, only the claim survives.
    await tx.query(`rollback to savepoint ${SAVEPOINT}`);
    return stored;
  }
}

/** Claims the key, or finds the committed outcome of an earlier call with it. */
async function claimKey(tx: Queryable, scope: IdempotencyScope, waitMs: number): Promise<Claim> {
  for (let attempt = 1; ; attempt += 1) {
    if (await insertClaim(tx, scope, waitMs)) return { kind: 'claimed' };

    const { rows } = await tx.query<ExistingRow>(
      `select args_digest, status, outcome from bounded_idempotency
        where principal = $1 and tool = $2 and key = $3`,
      [scope.principal, scope.tool, scope.key],
    );
    const row = rows[0];
    if (row === undefined) {
      if (attempt < MAX_CLAIM_ATTEMPTS) continue;
      throw inProgressError(scope.tool);
    }
    if (row.args_digest !== scope.argsDigest) throw keyReusedError(scope.tool);
    // 'running' here means a phased call holds the key (the tool changed its effects kind).
    if (row.status !== 'done' || row.outcome === null) throw inProgressError(scope.tool);
    return { kind: 'replay', outcome: row.outcome };
  }
}

/**
 * Inserts the claim row. A concurrent duplicate's uncommitted row makes this wait for that
 * transaction; lock_timeout bounds the wait. The timeout is restored right after, so it never
 * limits the handler's own lock waits (which must not be reported as a busy key).
 */
async function insertClaim(tx: Queryable, scope: IdempotencyScope, waitMs: number): Promise<boolean> {
  // lock_timeout = 0 means "wait forever", so the shortest real bound is 1 ms.
  const timeout = `${Math.max(1, Math.ceil(waitMs))}ms`;
  // The OFFSET 0 subquery is evaluated before the outer select list, so `previous` is the value
  // from before set_config: one round trip instead of two.
  const { rows } = await tx.query<{ previous: string }>(
    `select p.previous, set_config('lock_timeout', $1, true)
       from (select current_setting('lock_timeout') as previous offset 0) p`,
    [timeout],
  );
  let inserted: number;
  try {
    const result = await tx.query(
      `insert into bounded_idempotency (principal, tool, key, args_digest, status)
       values ($1, $2, $3, $4, 'running')
       on conflict (principal, tool, key) do nothing`,
      [scope.principal, scope.tool, scope.key, scope.argsDigest],
    );
    inserted = result.rowCount;
  } catch (error) {
    if (sqlState(error) === LOCK_NOT_AVAILABLE) throw inProgressError(scope.tool, error);
    throw error;
  }
  await tx.query(`select set_config('lock_timeout', $1, true)`, [rows[0]!.previous]);
  return inserted === 1;
}

/** The SQLSTATE of a driver error, looking through wrappers that keep the original as `cause`. */
function sqlState(error: unknown): string | undefined {
  for (let current = error, depth = 0; current instanceof Object && depth < 5; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
