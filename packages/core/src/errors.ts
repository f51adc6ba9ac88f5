/** Stable error codes a model can branch on. */
export const ERROR_CODES = [
  'invalid_argument',
  'not_found',
  'conflict',
  'precondition_failed',
  'permission_denied',
  'confirmation_required',
  'idempotency_key_reused',
  'idempotency_in_progress',
  'rate_limited',
  'unavailable',
  'timeout',
  'internal',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

const RETRYABLE_BY_DEFAULT: ReadonlySet<ErrorCode> = new Set([
  'idempotency_in_progress',
  'rate_limited',
  'unavailable',
  'timeout',
]);

/** Codes whose outcome depends on the moment, so an idempotent replay must not freeze them. */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set([
  'idempotency_in_progress',
  'rate_limited',
  'unavailable',
  'timeout',
  'internal',
  'invalid_argument',
  'confirmation_required',
]);

export interface ToolErrorOptions {
  hint?: string;
  retryable?: boolean;
  details?: Record<string, unknown>;
  cause?: unknown;
  /** The outcome depends on the moment (a person's answer, a race), so a retry must run again, not replay it. */
  transient?: boolean;
}

/** The serialisable form of a ToolError, as it appears in `structuredContent.error`. */
export interface ToolErrorBody {
  code: ErrorCode;
  message: string;
  hint?: string;
  retryable: boolean;
  details?: Record<string, unknown>;
  correlation_id?: string;
}

/** A business failure the model can act on: a stable code, a message, and a hint for what to do next. */
export class ToolError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly retryable: boolean;
  readonly details: Record<string, unknown> | undefined;
  private readonly transient: boolean;

  constructor(code: ErrorCode, message: string, options: ToolErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ToolError';
    this.code = code;
    this.hint = options.hint;
    this.retryable = options.retryable ?? RETRYABLE_BY_DEFAULT.has(code);
    this.details = options.details;
    this.transient = options.transient ?? false;
  }

  /** Whether an idempotent replay may return this error as a stored outcome. */
  get deterministic(): boolean {
    return !this.transient && !TRANSIENT.has(this.code);
  }

  toBody(correlationId?: string): ToolErrorBody {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      retryable: this.retryable,
      ...(this.details === undefined ? {} : { details: this.details }),
      ...(correlationId === undefined ? {} : { correlation_id: correlationId }),
    };
  }
}

/** One line of text for the model: code, message and hint. */
export function describeError(body: ToolErrorBody): string {
  const parts = [`${body.code}: ${body.message}`];
  if (body.hint) parts.push(`Hint: ${body.hint}`);
  if (body.retryable) parts.push('This call can be retried.');
  if (body.correlation_id) parts.push(`Correlation id: ${body.correlation_id}.`);
  return parts.join(' ');
}
