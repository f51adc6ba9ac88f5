import { z } from 'zod';

/** Longest key accepted; long enough for any UUID or ULID with a prefix, short enough for an index. */
export const IDEMPOTENCY_KEY_MAX = 255;
export const IDEMPOTENCY_KEY_MIN = 8;

// Visible ASCII only (0x21-0x7E). Spaces are left out on purpose: a key that is copied or
// retyped can lose a trailing space, and then a retry would silently become a new operation.
const VISIBLE_ASCII = /^[\x21-\x7e]+$/;

// Read by the model on every tool that changes state: what to do is said once, briefly; the
// length and character limits are in the schema itself.
const DESCRIPTION =
  'A fresh unique value (e.g. a UUID) per intended operation. If the call fails, times out or may ' +
  'not have run, retry with the SAME key and arguments: it runs at most once and returns the ' +
  'original result. Never reuse a key for other arguments.';

/** The zod schema of the required `idempotency_key` argument of every state-changing tool. */
export function idempotencyKey() {
  return z
    .string()
    .min(IDEMPOTENCY_KEY_MIN, { error: `idempotency_key must be at least ${IDEMPOTENCY_KEY_MIN} characters` })
    .max(IDEMPOTENCY_KEY_MAX, { error: `idempotency_key must be at most ${IDEMPOTENCY_KEY_MAX} characters` })
    .regex(VISIBLE_ASCII, { error: 'idempotency_key must be printable ASCII without spaces, e.g. a UUID' })
    .describe(DESCRIPTION);
}
