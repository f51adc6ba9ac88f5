import { randomUUID } from 'node:crypto';
import {
  inputRequired,
  type CallToolResult,
  type InputRequiredResult,
  type InputResponses,
  type ServerContext,
} from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { recordAudit } from '../audit/record.js';
import type { Database } from '../db/database.js';
import { ToolError, type ToolErrorBody } from '../errors.js';
import { argsDigest } from '../idempotency/digest.js';
import type { StoredOutcome } from '../idempotency/outcome.js';
import { runOnce } from '../idempotency/run-once.js';
import { runPhased } from '../idempotency/run-phased.js';
import { sleep } from '../sleep.js';
import { DEFAULT_TEXT_BUDGET_CHARS, truncateText } from '../pagination/budget.js';
import { ConfirmationNeeded, confirmationSchema, makeConfirm } from './confirm.js';
import { auditRefusal } from './audit-refusal.js';
import type { Phase, Principal, ToolContext, ToolDefinition } from './define.js';
import { missingScopes } from './principal.js';
import { loneSurrogatePath } from './lone-surrogate.js';
import { errorResult, successResult } from './results.js';
import type { Runtime } from './runtime.js';
import type { PreparedSchemas } from './tool-schema.js';

export interface ToolCall {
  tool: ToolDefinition;
  schemas: PreparedSchemas;
  runtime: Runtime;
  args: unknown;
  sdk: ServerContext;
  principal: Principal;
  era: 'modern' | 'legacy';
  canElicit: boolean;
  /** A 2025-11-25 request on the stateless HTTP server (no session, so no way to ask). */
  statelessLegacy: boolean;
}

type Success = StoredOutcome & { kind: 'success' };

/** Runs one tool call through validation, limits, idempotency, audit and error mapping. */
export async function runTool(call: ToolCall): Promise<CallToolResult | InputRequiredResult> {
  const { tool, runtime } = call;
  const requestId = randomUUID();
  const started = performance.now();
  const log = runtime.log.child({
    request_id: requestId,
    tool: tool.name,
    principal: call.principal.id,
    era: call.era,
  });
  const timeoutMs = tool.timeoutMs ?? runtime.options.toolTimeoutMs;
  // Our own timer, not AbortSignal.timeout(): Node 20 can garbage-collect that signal inside
  // AbortSignal.any() before it fires, and the deadline silently disappears.
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new DOMException(`timed out after ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  );
  const signal = AbortSignal.any([call.sdk.mcpReq.signal, deadline.signal, runtime.stopping.signal]);
  let label = 'ok';
  try {
    const parsed = call.schemas.input.safeParse(call.args ?? {});
    if (!parsed.success) throw invalidArguments(parsed.error);
    const malformed = loneSurrogatePath(parsed.data);
    if (malformed) throw malformedText(malformed);
    const input = parsed.data as Record<string, unknown>;
    const missing = missingScopes(call.principal, tool.scopes);
    if (missing.length > 0) {
      if (tool.effects !== 'none') {
        await auditRefusal(runtime, {
          principal: call.principal.id,
          tool: tool.name,
          args: input,
          outcome: 'permission_denied',
          requestId,
        });
      }
      throw scopeRefusal(tool, missing);
    }
    const release = await runtime.limiter.acquire(signal);
    const work = runtime.ready().then(() => {
      log.debug({ args: summarize(input) }, 'tool call started');
      return execute(call, input, log, requestId, signal, started);
    });
    // The slot is held until the work really ends, not until the caller is answered: work given
    // up on as "outcome unknown" still runs and still holds its database connection.
    work.then(release, release);
    const { outcome, replayed } = await settleOrGiveUp(work, signal, tool, timeoutMs);
    if (outcome.kind === 'error') {
      label = outcome.error.code;
      return errorResult(outcome.error, tool.effects === 'none' ? undefined : replayed);
    }
    if (replayed) label = 'replayed';
    const data = tool.effects === 'none' ? outcome.data : { ...(outcome.data as object), replayed };
    // A safety net for the model's context: tools budget their own text, this catches any that do not.
    return successResult(
      truncateText(outcome.text, DEFAULT_TEXT_BUDGET_CHARS).text,
      data as Record<string, unknown>,
    );
  } catch (error) {
    if (error instanceof ConfirmationNeeded) {
      label = 'input_required';
      return inputRequired({
        inputRequests: {
          confirm: inputRequired.elicit({ message: error.message, requestedSchema: confirmationSchema }),
        },
      });
    }
    const body = toErrorBody(error, requestId, tool, log);
    label = body.code;
    return errorResult(body);
  } finally {
    clearTimeout(timer);
    const seconds = (performance.now() - started) / 1000;
    runtime.metrics.recordCall(tool.name, label, seconds);
    log.info({ outcome: label, duration_ms: Math.round(seconds * 1000) }, 'tool call finished');
  }
}

/**
 * What a transactional handler sees as `ctx.db`: a write through the pool would escape the call's
 * transaction (and its idempotency record) on PostgreSQL, and PGlite's one connection would wait
 * on the open transaction; either way the mistake is refused at once, with its fix.
 */
function outsideTransactionRefused(db: Database, tool: string): Database {
  const refuse = (): never => {
    throw new Error(
      `Tool ${tool} is transactional: use ctx.tx, not ctx.db, so its work commits with the call.`,
    );
  };
  return { kind: db.kind, query: refuse, transaction: refuse, ping: () => db.ping(), close: refuse };
}

async function execute(
  call: ToolCall,
  input: Record<string, unknown>,
  log: ToolContext['log'],
  requestId: string,
  signal: AbortSignal,
  started: number,
): Promise<{ outcome: StoredOutcome; replayed: boolean }> {
  const { tool, runtime } = call;
  const { db } = runtime;
  const context = (tx: ToolContext['tx'], phase: Phase | undefined): ToolContext => ({
    deps: runtime.deps,
    db: tool.effects === 'transactional' ? outsideTransactionRefused(db, tool.name) : db,
    tx,
    log,
    principal: call.principal,
    signal,
    era: call.era,
    requestId,
    cursors: runtime.cursors,
    progress: (progress, total, message) => sendProgress(call.sdk, progress, total, message),
    confirm: makeConfirm({
      canElicit: call.canElicit,
      responses: call.sdk.mcpReq.inputResponses as InputResponses | undefined,
      allowModelConfirmation: runtime.options.allowModelConfirmation,
      modelConfirmed: input.confirmed === true,
      statelessLegacy: call.statelessLegacy,
    }),
    phase,
  });
  const { idempotency_key: _key, confirmed: _confirmed, ...handlerInput } = input;
  const run = async (tx: ToolContext['tx'], phase?: Phase): Promise<Success> => {
    const result = await tool.handler(handlerInput, context(tx, phase));
    const checked = tool.output.safeParse(result.data);
    if (!checked.success) {
      throw new Error(
        `Tool ${tool.name} produced output that does not match its schema: ${checked.error.message}`,
      );
    }
    return { kind: 'success', data: checked.data, text: result.text };
  };

  if (tool.effects === 'none') return { outcome: await run(db), replayed: false };

  const key = input.idempotency_key;
  if (typeof key !== 'string')
    throw new Error(`State-changing tool ${tool.name} must declare idempotency_key`);
  const digest = argsDigest(input);
  const scope = { principal: call.principal.id, tool: tool.name, key, argsDigest: digest };
  const audit = (q: ToolContext['tx'], outcome: StoredOutcome, replayed: boolean) =>
    recordAudit(q, {
      principal: call.principal.id,
      tool: tool.name,
      idempotencyKey: key,
      argsDigest: digest,
      outcome: outcome.kind === 'success' ? 'ok' : outcome.error.code,
      replayed,
      requestId,
      durationMs: performance.now() - started,
    });
  try {
    if (tool.effects === 'transactional') {
      return await runOnce(db, scope, (tx) => run(tx), {
        waitMs: runtime.options.idempotencyWaitMs,
        signal,
        onSettled: audit,
      });
    }
    const result = await runPhased(db, scope, (phase) => run(db, phase), {
      leaseMs: runtime.options.leaseMs,
      waitMs: runtime.options.idempotencyWaitMs,
      signal,
    });
    // The outcome is stored and the effects happened: a failed audit write must not turn it into an error.
    await audit(db, result.outcome, result.replayed).catch((auditError: unknown) =>
      log.error({ err: auditError }, 'could not record the audit row of a phased call'),
    );
    return result;
  } catch (error) {
    if (!(error instanceof ConfirmationNeeded)) {
      // The call's own transaction rolled back (or a key conflict stopped it before it ran);
      // the attempt is still on record.
      const failed: StoredOutcome = { kind: 'error', error: toErrorBody(error, requestId, tool) };
      await audit(db, failed, false).catch((auditError: unknown) =>
        log.error({ err: auditError }, 'could not record the audit row of a failed call'),
      );
    }
    throw error;
  }
}

// How long a call that was told to stop may take to actually stop (roll back, or finish committing).
const STOP_GRACE_MS = 5_000;

/**
 * Waits for `work`; when the call is cancelled or times out, waits a bounded while longer for the
 * work to stop, so the answer reports what really happened: a COMMIT that won the race is a
 * success, a rollback is a timeout. Only work that will not stop gets an "outcome unknown" error.
 */
async function settleOrGiveUp<T>(
  work: Promise<T>,
  signal: AbortSignal,
  tool: ToolDefinition,
  timeoutMs: number,
): Promise<T> {
  const aborted = new Promise<'aborted'>((resolve) => {
    if (signal.aborted) resolve('aborted');
    else signal.addEventListener('abort', () => resolve('aborted'), { once: true });
  });
  const settled = work.then(
    () => 'settled' as const,
    () => 'settled' as const,
  );
  const stopped = async () => {
    try {
      return await work;
    } catch (error) {
      if (signal.aborted && abortedBy(error, signal)) throw stopError(signal, tool, timeoutMs, 'stopped');
      throw error;
    }
  };
  if ((await Promise.race([settled, aborted])) === 'settled') return stopped();
  const late = await Promise.race([settled, sleep(STOP_GRACE_MS).then(() => 'stuck' as const)]);
  if (late === 'settled') return stopped();
  throw stopError(signal, tool, timeoutMs, 'unknown');
}

/**
 * Whether the work failed because the call's signal fired: the signal's own reason, or an abort
 * error a library made of it (the AWS SDK throws an Error named AbortError whose cause is the reason).
 */
function abortedBy(error: unknown, signal: AbortSignal): boolean {
  if (error === signal.reason) return true;
  if (!(error instanceof Error)) return false;
  return error.name === 'AbortError' || error.name === 'TimeoutError' || error.cause === signal.reason;
}

function stopError(
  signal: AbortSignal,
  tool: ToolDefinition,
  timeoutMs: number,
  state: 'stopped' | 'unknown',
): ToolError {
  const timedOut = signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError';
  // The server's own stop (Runtime.stopping) aborts with a ToolError; a client's cancel does not.
  const shutDown = signal.reason instanceof ToolError;
  const what = timedOut
    ? `The call did not finish within ${timeoutMs} ms`
    : shutDown
      ? 'The server shut down before the call finished'
      : 'The call was cancelled before it finished';
  const effect =
    state === 'unknown'
      ? 'and it is not known whether its changes were applied'
      : tool.effects === 'transactional'
        ? 'and its changes were rolled back'
        : tool.effects === 'phased'
          ? 'and the steps it completed are recorded'
          : 'and it returned nothing';
  const retry =
    tool.effects === 'none'
      ? 'Retry the call, perhaps with a narrower request.'
      : 'Retry with the same idempotency_key: a call that did complete is replayed, a partial one resumes, nothing is done twice.';
  return new ToolError(timedOut ? 'timeout' : 'unavailable', `${what}, ${effect}.`, {
    hint: retry,
    retryable: true,
  });
}

function invalidArguments(error: z.ZodError): ToolError {
  const issues = error.issues.map((issue) => ({
    field: issue.path.length > 0 ? issue.path.join('.') : '(arguments)',
    problem: issue.message,
  }));
  const summary = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.problem}`)
    .join('; ');
  return new ToolError('invalid_argument', `Invalid arguments: ${summary}`, {
    hint: 'Fix the named fields and call again; nothing was changed.',
    details: { issues: issues.slice(0, 20) },
  });
}

// Over HTTP the SDK answers a missing scope with a 403 challenge before this runs; this is the
// answer where no challenge can be sent (an in-memory or stdio session).
function scopeRefusal(tool: ToolDefinition, missing: string[]): ToolError {
  return new ToolError(
    'permission_denied',
    `Calling ${tool.name} needs the scope(s) ${missing.join(', ')}.`,
    {
      hint: 'Ask the operator for a token carrying these scopes; nothing was changed.',
    },
  );
}

function malformedText(path: string[]): ToolError {
  const field = path.length > 0 ? path.join('.') : '(arguments)';
  return new ToolError(
    'invalid_argument',
    `Invalid arguments: ${field}: not well-formed Unicode (an unpaired surrogate).`,
    {
      hint: 'Send text as valid Unicode (decode bytes as UTF-8 first); nothing was changed.',
      details: { issues: [{ field, problem: 'not well-formed Unicode' }] },
    },
  );
}

/** Maps any thrown value to the error body the model sees; unexpected errors are logged with their stack. */
function toErrorBody(
  error: unknown,
  requestId: string,
  tool: ToolDefinition,
  log?: ToolContext['log'],
): ToolErrorBody {
  if (error instanceof ToolError) {
    // The database port reports a lost connection (or a conflict that outlasted its retries) as
    // `unavailable`; the model gets the error, the operator its cause.
    if (error.code === 'unavailable' && error.cause !== undefined) {
      log?.warn({ err: error.cause }, error.message);
      return error.toBody(requestId);
    }
    return error.toBody();
  }
  log?.error({ err: error }, 'unexpected error in tool call');
  const effect =
    tool.effects === 'phased'
      ? 'steps it completed before the error are recorded and a retry with the same idempotency_key resumes after them'
      : 'nothing was changed';
  return new ToolError('internal', `The server hit an unexpected error; ${effect}.`, {
    hint: 'Retry once (with the same idempotency_key, if the tool takes one); if it fails again, report the correlation id to the operator.',
    retryable: true,
  }).toBody(requestId);
}

async function sendProgress(
  sdk: ServerContext,
  progress: number,
  total?: number,
  message?: string,
): Promise<void> {
  const progressToken = sdk.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return;
  await sdk.mcpReq.notify({
    method: 'notifications/progress',
    params: {
      progressToken,
      progress,
      ...(total === undefined ? {} : { total }),
      ...(message ? { message } : {}),
    },
  });
}

// Argument values can be long or personal; logs get their shape, not their content.
function summarize(input: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(input).map(([k, v]) => [k, Array.isArray(v) ? `array(${v.length})` : typeof v]),
  );
}
