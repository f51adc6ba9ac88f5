import { ToolError, type ToolErrorBody } from '../errors.js';

/** What an idempotent call settled on, as stored and as replayed to a retry. */
export type StoredOutcome =
  { kind: 'success'; data: unknown; text: string } | { kind: 'error'; error: ToolErrorBody };

/** A handler's successful result in stored form. */
export type SuccessOutcome = Extract<StoredOutcome, { kind: 'success' }>;

/**
 * The stored form of `error` when a replay may return it (a deterministic ToolError such as
 * not_found or conflict); undefined when the call must stay open so a retry runs again.
 */
export function storableError(error: unknown): Extract<StoredOutcome, { kind: 'error' }> | undefined {
  if (error instanceof ToolError && error.deterministic) return { kind: 'error', error: error.toBody() };
  return undefined;
}

/** The key was first used with other arguments. */
export function keyReusedError(tool: string): ToolError {
  return new ToolError(
    'idempotency_key_reused',
    `This idempotency_key was already used for a ${tool} call with different arguments.`,
    {
      hint:
        'Use a new idempotency_key for a different operation. To retry the original operation, ' +
        'send its exact original arguments with this key.',
      retryable: false,
      details: { tool },
    },
  );
}

/** Another call with the same key has not finished within the wait. */
export function inProgressError(tool: string, cause?: unknown): ToolError {
  return new ToolError(
    'idempotency_in_progress',
    `Another ${tool} call with this idempotency_key is still running.`,
    {
      hint:
        'Retry the same call with the same idempotency_key in a few seconds; once the first call ' +
        'finishes the retry returns its result.',
      retryable: true,
      details: { tool },
      ...(cause === undefined ? {} : { cause }),
    },
  );
}
