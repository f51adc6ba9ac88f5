import type { Queryable } from '../db/database.js';
import type { ErrorCode } from '../errors.js';

/** One state-changing tool call, as kept in `bounded_audit`. */
export interface AuditEntry {
  /** Who called: the JWT subject over HTTP, the operator over stdio. */
  principal: string;
  tool: string;
  idempotencyKey?: string | undefined;
  /** Digest of the canonical arguments; the arguments themselves are never stored. */
  argsDigest: string;
  /** 'ok', or the ToolError code the call ended with. */
  outcome: 'ok' | ErrorCode;
  /** True when the result was an idempotent replay and nothing ran again. */
  replayed?: boolean | undefined;
  requestId: string;
  durationMs?: number | undefined;
}

/** Appends one audit row; pass the call's transaction so the record commits or rolls back with the change. */
export async function recordAudit(q: Queryable, entry: AuditEntry): Promise<void> {
  await q.query(
    `INSERT INTO bounded_audit (principal, tool, idempotency_key, args_digest, outcome, replayed, request_id, duration_ms)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.principal,
      entry.tool,
      entry.idempotencyKey ?? null,
      entry.argsDigest,
      entry.outcome,
      entry.replayed ?? false,
      entry.requestId,
      // The column is an integer and timers give fractions.
      entry.durationMs === undefined ? null : Math.max(0, Math.round(entry.durationMs)),
    ],
  );
}
