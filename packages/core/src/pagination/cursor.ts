import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import canonicalize from 'canonicalize';
import { ToolError } from '../errors.js';

/** Signs and checks opaque cursors; a cursor is bound to the query it came from and expires. */
export interface CursorCodec {
  /** Encodes a keyset position for the query described by `binding` (its filters, sort, tool). */
  encode(position: Record<string, unknown>, binding: unknown): string;
  /**
   * Returns the position, or throws ToolError('invalid_argument') when the cursor was tampered
   * with, has expired, or belongs to a different query.
   */
  decode(cursor: string, binding: unknown): Record<string, unknown>;
}

/** Why a cursor was refused; found in `details.reason` of the ToolError. */
export type CursorRejection = 'malformed' | 'tampered' | 'expired' | 'foreign_query';

export interface CursorCodecOptions {
  /** HMAC key, at least 32 bytes (see loadCursorKey). */
  key: Uint8Array;
  /** How long a cursor stays valid. Defaults to one hour. */
  ttlSeconds?: number;
  /** Clock in epoch milliseconds, like Date.now; injectable for tests. */
  now?: () => number;
}

/** Longest cursor a tool accepts (see pageInput); encode refuses to issue anything longer. */
export const MAX_CURSOR_CHARS = 2048;

export const DEFAULT_CURSOR_TTL_SECONDS = 3600;

const MIN_KEY_BYTES = 32;
const SIGNATURE_BYTES = 32;
const BINDING_DIGEST_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

const NOT_OURS_HINT =
  'This cursor was not issued by this server or was altered. Pass next_cursor back exactly as it was returned, or omit cursor to start from the first page.';

interface Payload {
  v: 1;
  p: Record<string, unknown>;
  b: string;
  e: number;
}

/** Creates the codec that signs cursors with `key` (HMAC-SHA256) and binds them to a query. */
export function createCursorCodec(options: CursorCodecOptions): CursorCodec {
  const key = Buffer.from(options.key);
  if (key.length < MIN_KEY_BYTES) {
    throw new RangeError(`cursor key must be at least ${MIN_KEY_BYTES} bytes, got ${key.length}`);
  }
  const ttlSeconds = options.ttlSeconds ?? DEFAULT_CURSOR_TTL_SECONDS;
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) {
    throw new RangeError(`cursor ttlSeconds must be a positive number, got ${ttlSeconds}`);
  }
  const now = options.now ?? Date.now;
  const sign = (payloadPart: string): Buffer => createHmac('sha256', key).update(payloadPart).digest();

  return {
    encode(position, binding) {
      const payload: Payload = {
        v: 1,
        p: position,
        b: bindingDigest(binding),
        e: Math.floor(now() / 1000) + Math.ceil(ttlSeconds),
      };
      const payloadPart = Buffer.from(JSON.stringify(payload)).toString('base64url');
      const cursor = `${payloadPart}.${sign(payloadPart).toString('base64url')}`;
      // A cursor the tool's own input schema would refuse is a bug in the caller's position.
      if (cursor.length > MAX_CURSOR_CHARS) {
        throw new RangeError(
          `cursor would be ${cursor.length} characters (max ${MAX_CURSOR_CHARS}); keep keyset positions to a few short sort values`,
        );
      }
      return cursor;
    },

    decode(cursor, binding) {
      const payload = verify(cursor, sign);
      if (payload.b !== bindingDigest(binding)) {
        throw new ToolError(
          'invalid_argument',
          'The cursor belongs to a different query: it was returned by a call with other filters or another sort.',
          {
            hint: 'Pass the same filters as the call that returned it, or drop the cursor to start over.',
            details: { reason: 'foreign_query' satisfies CursorRejection },
          },
        );
      }
      if (Math.floor(now() / 1000) >= payload.e) {
        const expiredAt = new Date(payload.e * 1000).toISOString();
        throw new ToolError('invalid_argument', `The cursor expired at ${expiredAt}.`, {
          hint: 'Cursors are short-lived. Repeat the call without cursor to start from the first page.',
          details: { reason: 'expired' satisfies CursorRejection, expired_at: expiredAt },
        });
      }
      return payload.p;
    },
  };
}

/** Checks shape and signature, returning the signed payload; binding and expiry are the caller's. */
function verify(cursor: string, sign: (payloadPart: string) => Buffer): Payload {
  const parts = typeof cursor === 'string' && cursor.length <= MAX_CURSOR_CHARS ? cursor.split('.') : [];
  const [payloadPart, signaturePart] = parts;
  if (
    parts.length !== 2 ||
    payloadPart === undefined ||
    signaturePart === undefined ||
    !BASE64URL.test(payloadPart) ||
    !BASE64URL.test(signaturePart)
  ) {
    throw malformed('it is not in the format this server issues');
  }
  const signature = Buffer.from(signaturePart, 'base64url');
  // Re-encoding rejects signatures with stray trailing bits, so each cursor has one spelling.
  if (signature.length !== SIGNATURE_BYTES || signature.toString('base64url') !== signaturePart) {
    throw malformed('its signature is not in the format this server issues');
  }
  if (!timingSafeEqual(signature, sign(payloadPart))) {
    throw new ToolError(
      'invalid_argument',
      'The cursor was refused: its signature does not match its contents.',
      {
        hint: NOT_OURS_HINT,
        details: { reason: 'tampered' satisfies CursorRejection },
      },
    );
  }
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
  } catch (error) {
    throw malformed('its contents are not readable', error);
  }
  if (!isPayload(decoded)) {
    throw malformed('its contents are not a version this server reads');
  }
  return decoded;
}

function isPayload(value: unknown): value is Payload {
  if (!isRecord(value)) return false;
  return value.v === 1 && isRecord(value.p) && typeof value.b === 'string' && Number.isInteger(value.e);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function malformed(why: string, cause?: unknown): ToolError {
  return new ToolError('invalid_argument', `The cursor was refused: ${why}.`, {
    hint: NOT_OURS_HINT,
    details: { reason: 'malformed' satisfies CursorRejection },
    cause,
  });
}

/** First 16 bytes of SHA-256 over the RFC 8785 form, so key order in the binding does not matter. */
function bindingDigest(binding: unknown): string {
  // canonicalize yields undefined for undefined; treat "no binding" like null.
  const canonical = canonicalize(binding) ?? 'null';
  return createHash('sha256')
    .update(canonical)
    .digest()
    .subarray(0, BINDING_DIGEST_BYTES)
    .toString('base64url');
}
