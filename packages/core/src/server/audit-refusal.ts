import { recordAudit } from '../audit/record.js';
import type { ErrorCode } from '../errors.js';
import { argsDigest } from '../idempotency/digest.js';
import type { Runtime } from './runtime.js';

/**
 * Records a state-changing call that was refused before it ran (a missing scope), so the audit
 * shows every attempt, not only the ones that got as far as the handler. A failed write is
 * logged, never turned into the caller's error: the refusal stands either way.
 */
export async function auditRefusal(
  runtime: Pick<Runtime, 'db' | 'ready' | 'log'>,
  refusal: { principal: string; tool: string; args: unknown; outcome: ErrorCode; requestId: string },
): Promise<void> {
  const args =
    refusal.args !== null && typeof refusal.args === 'object' && !Array.isArray(refusal.args)
      ? (refusal.args as Record<string, unknown>)
      : {};
  const key = args['idempotency_key'];
  try {
    await runtime.ready();
    await recordAudit(runtime.db, {
      principal: refusal.principal,
      tool: refusal.tool,
      idempotencyKey: typeof key === 'string' ? key : undefined,
      argsDigest: argsDigest(args),
      outcome: refusal.outcome,
      requestId: refusal.requestId,
    });
  } catch (error) {
    runtime.log.error({ err: error, tool: refusal.tool }, 'could not record the audit row of a refused call');
  }
}
