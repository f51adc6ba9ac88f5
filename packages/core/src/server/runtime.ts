import type { Logger } from 'pino';
import type { Database } from '../db/database.js';
import type { CursorCodec } from '../pagination/cursor.js';
import type { AppDefinition } from './app.js';
import type { ConcurrencyLimiter } from './limiter.js';
import type { CallMetrics } from './metrics.js';

export interface RuntimeOptions {
  /** Register read-only tools only. */
  readOnly: boolean;
  /** Register only these tools (after --read-only). */
  tools: string[] | undefined;
  toolTimeoutMs: number;
  idempotencyWaitMs: number;
  /** Lease of a phased call; a crashed holder's call can be resumed after it lapses. */
  leaseMs: number;
  allowModelConfirmation: boolean;
  /** Let a token's `*` scope stand for every scope (off: it grants nothing). */
  allowWildcardScope: boolean;
  /** Principal of stdio calls and of HTTP calls when auth is off. */
  operator: string;
}

/** Everything long-lived a server factory closes over: built once per process, shared by all requests. */
export interface Runtime<Deps = unknown> {
  app: AppDefinition<Deps>;
  db: Database;
  /** Opens and migrates the database (once); every tool call awaits it first. */
  ready(): Promise<void>;
  deps: Deps;
  log: Logger;
  cursors: CursorCodec;
  metrics: CallMetrics;
  limiter: ConcurrencyLimiter;
  /**
   * Aborted when the process must stop its calls (the shutdown drain is nearly spent): every
   * call's signal follows it, so calls waiting for a connection or a lock end and are answered.
   */
  stopping: AbortController;
  options: RuntimeOptions;
}
