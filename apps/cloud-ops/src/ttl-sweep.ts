import { randomUUID } from 'node:crypto';
import { argsDigest, recordAudit, ToolError, type Database, type Logger } from '@bounded/core';
import type { CloudOpsDeps } from './config.js';
import { applyPowerChange, planPowerChange } from './power-change.js';
import { claimExpired, markTtlHandled, type Environment } from './store/environments.js';

/** The principal the sweep acts as, in operations and in the audit log. */
export const SWEEP_PRINCIPAL = 'ttl-sweep';
const BATCH = 10;
// Longer than one environment's EC2 calls can take with retries; a crashed sweeper's claims lapse after it.
const CLAIM_MS = 5 * 60_000;

/** Starts the periodic TTL sweep; returns what stops it. Safe in every replica at once. */
export function startTtlSweep(context: { db: Database; deps: CloudOpsDeps; log: Logger }): () => void {
  const seconds = context.deps.config.CLOUD_OPS_TTL_SWEEP_SECONDS;
  if (seconds === 0) return () => {};
  const stop = new AbortController();
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    running ??= sweepExpired(context.db, context.deps, context.log, stop.signal)
      .catch((error: unknown) => context.log.error({ err: error }, 'ttl sweep failed'))
      .finally(() => {
        running = undefined;
      });
  }, seconds * 1000);
  timer.unref();
  return () => {
    clearInterval(timer);
    stop.abort();
  };
}

export interface SweepResult {
  environment: string;
  action: 'stop' | 'terminate';
  outcome: 'ok' | string;
  operationId: string | undefined;
}

/**
 * Stops or terminates (as the policy says) environments past their TTL. Each is claimed first
 * (FOR UPDATE SKIP LOCKED), so replicas sweeping at once split the work; every action is audited.
 */
export async function sweepExpired(
  db: Database,
  deps: CloudOpsDeps,
  log: Logger,
  signal: AbortSignal,
): Promise<SweepResult[]> {
  const results: SweepResult[] = [];
  for (const environment of await claimExpired(db, BATCH, CLAIM_MS)) {
    results.push(await expire(db, deps, log, environment, signal));
  }
  return results;
}

async function expire(
  db: Database,
  deps: CloudOpsDeps,
  log: Logger,
  environment: Environment,
  signal: AbortSignal,
): Promise<SweepResult> {
  const action = deps.policy.ttl_action;
  const started = performance.now();
  const audit = (outcome: 'ok' | ToolError['code'], requestId: string) =>
    recordAudit(db, {
      principal: SWEEP_PRINCIPAL,
      tool: `ttl_${action}`,
      idempotencyKey: `ttl:${environment.id}`,
      argsDigest: argsDigest({ environment_id: environment.id, action }),
      outcome,
      requestId,
      durationMs: performance.now() - started,
    });
  try {
    const plan = await planPowerChange(db, deps, environment.name, action, signal);
    const operation = await applyPowerChange(
      db,
      deps,
      plan,
      { principal: SWEEP_PRINCIPAL, triggeredBy: 'ttl_sweep' },
      signal,
    );
    await markTtlHandled(db, environment.id);
    await audit('ok', operation.id);
    log.info(
      { environment: environment.name, action, operation_id: operation.id },
      'environment past its TTL',
    );
    return { environment: environment.name, action, outcome: 'ok', operationId: operation.id };
  } catch (error) {
    const code = error instanceof ToolError ? error.code : 'internal';
    // A refusal (protected, not managed, gone) will not change by retrying; an outage will, so
    // its claim is left to lapse and a later sweep tries again.
    const final = error instanceof ToolError && !error.retryable;
    if (final) await markTtlHandled(db, environment.id);
    await audit(code, randomUUID());
    log.warn(
      { err: error, environment: environment.name, action, final },
      'ttl sweep could not act on an environment',
    );
    return { environment: environment.name, action, outcome: code, operationId: undefined };
  }
}
