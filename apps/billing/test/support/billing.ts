import { randomUUID } from 'node:crypto';
import {
  loadMigrations,
  ToolError,
  type Database,
  type Queryable,
  type ToolDefinition,
  type ToolErrorBody,
} from '@bounded/core';
import {
  connectClient,
  createTestDatabase,
  createTestRuntime,
  type TestDatabase,
} from '@bounded/core/testing';
import type { z } from 'zod';
import { BillingConfig, type BillingDeps } from '../../src/config.js';
import { billingApp } from '../../src/server.js';
import { sqlErrorOf } from '../../src/store/constraint-errors.js';

export const MIGRATIONS = new URL('../../migrations/', import.meta.url);

/** A migrated billing database with a settable clock and the app's runtime (for cursors and the protocol). */
export async function setupBilling(
  env: Record<string, string> = {},
  start = new Date('2026-03-10T09:00:00Z'),
) {
  const testDb: TestDatabase = await createTestDatabase();
  const clock = { now: start };
  const deps: BillingDeps = { config: BillingConfig.parse(env), now: () => clock.now };
  const runtime = createTestRuntime({
    app: billingApp,
    db: testDb.db,
    deps,
    migrations: await loadMigrations(MIGRATIONS),
  });
  await runtime.ready();
  return {
    db: runtime.db,
    runtime,
    deps,
    clock,
    /** Moves the clock forward by whole days. */
    advance(days: number) {
      clock.now = new Date(clock.now.getTime() + days * 86_400_000);
    },
    close: () => testDb.close(),
  };
}

export type Billing = Awaited<ReturnType<typeof setupBilling>>;

/**
 * `b` with a database whose transactions count the deadlocks they run into: the database port
 * retries a deadlocked transaction, so the call itself succeeds and would hide it. Calls through
 * the returned billing run on that database, wrapper included.
 */
export async function countingDeadlocks(b: Billing): Promise<{ billing: Billing; deadlocks: () => number }> {
  let deadlocks = 0;
  const db: Database = {
    kind: b.db.kind,
    query: (sql, params) => b.db.query(sql, params),
    ping: () => b.db.ping(),
    close: () => b.db.close(),
    transaction: (fn, options) =>
      b.db.transaction(async (tx) => {
        try {
          return await fn(tx);
        } catch (error) {
          if (sqlErrorOf(error).code === '40P01') deadlocks += 1;
          throw error;
        }
      }, options),
  };
  const runtime = createTestRuntime({ app: billingApp, db, deps: b.deps });
  await runtime.ready();
  return { billing: { ...b, db: runtime.db, runtime }, deadlocks: () => deadlocks };
}

export interface CallOptions {
  principal?: string;
  /** Answers the person's confirmation (throw to decline); every question asked is recorded. Default: accept. */
  confirm?: (message: string) => void | Promise<void>;
  confirmations?: string[];
}

// Every scope billing defines, named one by one: a token's '*' grants nothing while
// AUTH_ALLOW_WILDCARD_SCOPE is off, as it is in tests.
const BILLING_SCOPES = ['billing:read', 'billing:write', 'billing:refund', 'billing:credit'];

/**
 * Calls a tool through the core wrapper with a real MCP client (2025-11-25 session, so the server
 * can ask for confirmation): validation, scopes, idempotency (a fresh key when the test gives
 * none), audit and result checks all run. A business failure is thrown as the ToolError the
 * result carries; `data` is the structured result without `replayed`.
 */
export async function call<I extends z.ZodObject, O extends z.ZodObject>(
  b: Billing,
  tool: ToolDefinition<I, O, BillingDeps>,
  args: Record<string, unknown>,
  options: CallOptions = {},
): Promise<{ data: z.output<O>; text: string }> {
  const needsKey = tool.effects !== 'none' && !('idempotency_key' in args);
  const principal = options.principal ?? 'operator-1';
  const client = await connectClient(b.runtime, {
    era: 'legacy-session',
    authInfo: { token: 'test', clientId: principal, scopes: BILLING_SCOPES, extra: { sub: principal } },
    onElicit: async (message) => {
      options.confirmations?.push(message);
      try {
        await options.confirm?.(message);
      } catch {
        return { action: 'decline' };
      }
      return { action: 'accept', content: { confirm: true } };
    },
  });
  try {
    const result = await client.callTool(
      tool.name,
      needsKey ? { ...args, idempotency_key: `test-${randomUUID()}` } : args,
    );
    const structured = result.structuredContent ?? {};
    if (result.isError) {
      const { code, message, hint, retryable, details } = structured.error as ToolErrorBody;
      throw new ToolError(code, message, {
        retryable,
        ...(hint === undefined ? {} : { hint }),
        ...(details === undefined ? {} : { details }),
      });
    }
    const { replayed: _replayed, ...data } = structured;
    return { data: data as z.output<O>, text: result.content[0]?.text ?? '' };
  } finally {
    await client.close();
  }
}

/** The ToolError a call fails with (fails the test when it succeeds). */
export async function callError(
  b: Billing,
  tool: ToolDefinition<z.ZodObject, z.ZodObject, BillingDeps>,
  args: Record<string, unknown>,
  options: CallOptions = {},
): Promise<ToolError> {
  try {
    await call(b, tool, args, options);
  } catch (error) {
    if (error instanceof ToolError) return error;
    throw error;
  }
  throw new Error(`${tool.name} succeeded but was expected to fail`);
}

/** Row counts of every billing table, to prove a failed call wrote nothing. */
export async function rowCounts(q: Queryable): Promise<Record<string, number>> {
  const tables = [
    'customers',
    'accounts',
    'journal_transactions',
    'journal_entries',
    'plans',
    'subscriptions',
    'invoices',
    'invoice_lines',
    'payments',
    'refunds',
    'credit_lots',
    'credit_applications',
    'refund_daily_totals',
  ];
  const counts: Record<string, number> = {};
  for (const t of tables) {
    const { rows } = await q.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${t}`);
    counts[t] = Number(rows[0]!.n);
  }
  return counts;
}
