import { randomUUID } from 'node:crypto';
import type { Database } from '../db/database.js';
import type { Phase } from '../server/define.js';
import { clientToken } from './digest.js';
import {
  inProgressError,
  keyReusedError,
  storableError,
  type StoredOutcome,
  type SuccessOutcome,
} from './outcome.js';
import type { IdempotencyScope, IdempotentResult } from './run-once.js';
import { sleep } from '../sleep.js';

export interface RunPhasedOptions {
  /** How long a claim stays ours without renewal; a crashed holder frees the key after this. */
  leaseMs: number;
  /** How long a duplicate waits for a live holder to finish before idempotency_in_progress. */
  waitMs: number;
  signal?: AbortSignal;
}

/** How one recorded step sits in `phases`; the wrapper keeps an `undefined` result distinguishable. */
interface RecordedStep {
  value?: unknown;
  recorded_at: string;
}

type Phases = Record<string, RecordedStep>;

type ClaimAttempt =
  | { kind: 'owned'; phases: Phases }
  | { kind: 'replay'; outcome: StoredOutcome }
  | { kind: 'busy'; leaseLeftMs: number }
  | { kind: 'vanished' };

const FIRST_POLL_MS = 25;
const MAX_POLL_MS = 500;

/**
 * Runs an external-effects handler at most once per (principal, tool, key) across crashes: the
 * key is held by a renewable lease instead of a transaction, and each `phase.step` is a recovery
 * point a retry resumes after.
 */
export async function runPhased(
  db: Database,
  scope: IdempotencyScope,
  run: (phase: Phase) => Promise<SuccessOutcome>,
  options: RunPhasedOptions,
): Promise<IdempotentResult> {
  if (!(options.leaseMs > 0) || !Number.isFinite(options.leaseMs)) {
    throw new RangeError(`leaseMs must be a positive number of milliseconds, got ${options.leaseMs}`);
  }
  const lease = new Lease(db, scope, randomUUID(), options.leaseMs);
  const claim = await claimLease(lease, options);
  if (claim.kind === 'replay') return { outcome: claim.outcome, replayed: true };

  lease.startRenewing();
  let outcome: StoredOutcome;
  try {
    const result = await run(createPhase(lease, claim.phases, options.signal));
    outcome = { kind: 'success', data: result.data, text: result.text };
  } catch (error) {
    const stored = storableError(error);
    // Renewal stops before anything else touches the row, so it cannot re-extend a released lease.
    await lease.stopRenewing();
    if (stored === undefined) {
      await lease.release();
      throw error;
    }
    outcome = stored;
  }
  await lease.stopRenewing();
  try {
    return { outcome: await lease.settle(outcome), replayed: false };
  } catch (error) {
    await lease.release();
    throw error;
  }
}

/** Claims the key, takes over an abandoned claim, replays a finished one, or waits for a live one. */
async function claimLease(
  lease: Lease,
  options: RunPhasedOptions,
): Promise<Extract<ClaimAttempt, { kind: 'owned' | 'replay' }>> {
  const deadline = Date.now() + Math.max(0, options.waitMs);
  let pollMs = FIRST_POLL_MS;
  for (;;) {
    options.signal?.throwIfAborted();
    const attempt = await lease.tryClaim(options.signal);
    if (attempt.kind === 'owned' || attempt.kind === 'replay') return attempt;
    if (attempt.kind === 'vanished') continue;

    const remaining = deadline - Date.now();
    if (remaining <= 0) throw inProgressError(lease.scope.tool);
    // Wake up no later than the holder's lease runs out: a crashed holder is taken over then.
    await sleep(Math.max(1, Math.min(pollMs, remaining, attempt.leaseLeftMs + 1)), options.signal);
    pollMs = Math.min(pollMs * 2, MAX_POLL_MS);
  }
}

/** The handler's view: recorded steps come back without running; new ones are recorded as they finish. */
function createPhase(lease: Lease, recorded: Phases, signal: AbortSignal | undefined): Phase {
  // A Map, so any step name is just a name (an object would treat '__proto__' specially).
  const steps = new Map(Object.entries(recorded));
  return {
    clientToken: clientToken(lease.scope.principal, lease.scope.tool, lease.scope.key),
    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const done = steps.get(name);
      if (done !== undefined) return done.value as T;
      // Never start a new external effect for a call that was cancelled or lost its claim.
      signal?.throwIfAborted();
      lease.assertHeld();
      const value = await fn();
      const step = await lease.record(name, value);
      steps.set(name, step);
      return step.value as T;
    },
  };
}

/** Our claim on one key: taking it, renewing it, recording steps under it, settling and releasing it. */
class Lease {
  private lost = false;
  private renewalError: unknown;
  private timer: ReturnType<typeof setInterval> | undefined;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly db: Database,
    readonly scope: IdempotencyScope,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  private get key(): [string, string, string] {
    return [this.scope.principal, this.scope.tool, this.scope.key];
  }

  /** One short transaction: insert a fresh claim, or inspect the existing row and act on it. */
  tryClaim(signal: AbortSignal | undefined): Promise<ClaimAttempt> {
    const { scope, owner, leaseMs } = this;
    return this.db.transaction(
      async (tx) => {
        const inserted = await tx.query(
          `insert into bounded_idempotency
                  (principal, tool, key, args_digest, status, lease_owner, lease_expires_at)
           values ($1, $2, $3, $4, 'running', $5, now() + $6 * interval '1 millisecond')
           on conflict (principal, tool, key) do nothing`,
          [...this.key, scope.argsDigest, owner, leaseMs],
        );
        if (inserted.rowCount === 1) return { kind: 'owned', phases: {} };

        const { rows } = await tx.query<{
          args_digest: string;
          status: 'running' | 'done';
          outcome: StoredOutcome | null;
          lease_owner: string | null;
          lease_left_ms: number | null;
        }>(
          `select args_digest, status, outcome, lease_owner,
                  (extract(epoch from (lease_expires_at - now())) * 1000)::float8 as lease_left_ms
             from bounded_idempotency
            where principal = $1 and tool = $2 and key = $3`,
          this.key,
        );
        const row = rows[0];
        if (row === undefined) return { kind: 'vanished' };
        if (row.args_digest !== scope.argsDigest) throw keyReusedError(scope.tool);
        if (row.status === 'done' && row.outcome !== null) return { kind: 'replay', outcome: row.outcome };
        // Without a lease this row is a transactional claim still in flight elsewhere.
        if (row.lease_left_ms === null) return { kind: 'busy', leaseLeftMs: MAX_POLL_MS };
        if (row.lease_left_ms > 0) return { kind: 'busy', leaseLeftMs: row.lease_left_ms };

        // The holder stopped renewing (crashed, or released after a failure): take over, but only
        // if nobody else did since we looked.
        const taken = await tx.query<{ phases: Phases }>(
          `update bounded_idempotency
              set lease_owner = $4, lease_expires_at = now() + $6 * interval '1 millisecond'
            where principal = $1 and tool = $2 and key = $3 and status = 'running'
              and lease_owner is not distinct from $5 and lease_expires_at <= now()
            returning phases`,
          [...this.key, owner, row.lease_owner, leaseMs],
        );
        const took = taken.rows[0];
        return took === undefined ? { kind: 'busy', leaseLeftMs: 0 } : { kind: 'owned', phases: took.phases };
      },
      signal === undefined ? {} : { signal },
    );
  }

  /** Throws when a renewal found the claim taken over; the new holder finishes the call. */
  assertHeld(): void {
    if (this.lost) throw inProgressError(this.scope.tool, this.renewalError);
  }

  /** Records a finished step and renews the lease, in one statement that also proves we still hold it. */
  async record(name: string, value: unknown): Promise<RecordedStep> {
    const { rows } = await this.db.query<{ step: RecordedStep }>(
      `update bounded_idempotency
          set phases = phases || jsonb_build_object($5::text, $6::jsonb || jsonb_build_object('recorded_at', now())),
              lease_expires_at = now() + $7 * interval '1 millisecond'
        where principal = $1 and tool = $2 and key = $3 and status = 'running' and lease_owner = $4
        returning phases -> $5::text as step`,
      [...this.key, this.owner, name, JSON.stringify({ value }), this.leaseMs],
    );
    const step = rows[0]?.step;
    if (step === undefined) {
      this.lost = true;
      throw inProgressError(this.scope.tool, this.renewalError);
    }
    return step;
  }

  /** Stores the final outcome and frees the lease; returns the outcome as replays will see it. */
  async settle(outcome: StoredOutcome): Promise<StoredOutcome> {
    const { rows } = await this.db.query<{ outcome: StoredOutcome }>(
      `update bounded_idempotency
          set status = 'done', outcome = $5::jsonb, completed_at = now(),
              lease_owner = null, lease_expires_at = null
        where principal = $1 and tool = $2 and key = $3 and status = 'running' and lease_owner = $4
        returning outcome`,
      [...this.key, this.owner, JSON.stringify(outcome)],
    );
    const settled = rows[0]?.outcome;
    if (settled === undefined) {
      this.lost = true;
      throw inProgressError(this.scope.tool, this.renewalError);
    }
    return settled;
  }

  /**
   * Ends our lease now so a retry resumes at once instead of waiting for expiry; recorded phases
   * stay. Its own failure is deliberately not reported: the caller is already failing with the
   * error that matters, and an unreleased lease runs out after leaseMs with the same effect.
   */
  async release(): Promise<void> {
    await this.db
      .query(
        `update bounded_idempotency set lease_expires_at = now()
          where principal = $1 and tool = $2 and key = $3 and status = 'running' and lease_owner = $4`,
        [...this.key, this.owner],
      )
      .then(
        () => undefined,
        () => undefined,
      );
  }

  /** Keeps the lease alive while the handler runs; a remote call can take far longer than leaseMs. */
  startRenewing(): void {
    this.timer = setInterval(
      () => {
        this.renewing ??= this.renew().finally(() => {
          this.renewing = undefined;
        });
      },
      Math.max(1, Math.floor(this.leaseMs / 3)),
    );
    // A lease timer alone must not keep a process alive that is otherwise shutting down.
    this.timer.unref();
  }

  /** Stops renewal and waits for a renewal in flight, so nothing touches the row after we return. */
  async stopRenewing(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.renewing;
  }

  private async renew(): Promise<void> {
    try {
      const result = await this.db.query(
        `update bounded_idempotency set lease_expires_at = now() + $5 * interval '1 millisecond'
          where principal = $1 and tool = $2 and key = $3 and status = 'running' and lease_owner = $4`,
        [...this.key, this.owner, this.leaseMs],
      );
      if (result.rowCount === 0 && this.timer !== undefined) this.lost = true;
    } catch (error) {
      // A failed renewal is retried by the next tick. If the lease is lost meanwhile, the next
      // step or the final update notices (they check ownership) and reports this as the cause.
      this.renewalError = error;
    }
  }
}
