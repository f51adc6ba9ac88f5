import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.js';

const MIN_KEY_BYTES = 32;
const GENERATED_KEY_BYTES = 32;
const SETTING_NAME = 'cursor_key';
const HEX = /^(?:[0-9a-fA-F]{2})+$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Returns the cursor signing key: `configured` (CURSOR_SECRET, hex or base64, at least 32 bytes)
 * when given, otherwise a random key generated once and kept in `bounded_settings`, so every
 * replica on the same database signs and accepts the same cursors.
 * Call it with the database, not inside a transaction: it relies on seeing other replicas' commits.
 */
export async function loadCursorKey(db: Queryable, configured?: string): Promise<Uint8Array> {
  if (configured !== undefined) return parseConfiguredKey(configured);
  return getOrCreateStoredKey(db);
}

/** Decodes a configured CURSOR_SECRET (hex or base64, at least 32 bytes); throws a message naming it. */
export function parseConfiguredKey(configured: string): Uint8Array {
  const text = configured.trim();
  if (text === '') {
    throw new Error(
      'CURSOR_SECRET is set but empty. Set it to a key (`openssl rand -base64 32`) or unset it to use a key kept in the database.',
    );
  }
  // Hex first: a hex string is also valid base64, and operators who write hex mean hex.
  const bytes = HEX.test(text)
    ? Buffer.from(text, 'hex')
    : BASE64.test(text)
      ? Buffer.from(text, 'base64') // Node's base64 decoder also reads the URL-safe alphabet.
      : undefined;
  if (bytes === undefined) {
    throw new Error(
      'CURSOR_SECRET is not hex or base64. Generate a key with `openssl rand -base64 32`, or unset CURSOR_SECRET to use a key kept in the database.',
    );
  }
  if (bytes.length < MIN_KEY_BYTES) {
    throw new Error(
      `CURSOR_SECRET decodes to ${bytes.length} bytes; it must be at least ${MIN_KEY_BYTES} bytes (64 hex or 44 base64 characters). Generate one with \`openssl rand -base64 32\`.`,
    );
  }
  return new Uint8Array(bytes);
}

async function getOrCreateStoredKey(db: Queryable): Promise<Uint8Array> {
  const existing = await readStoredKey(db);
  if (existing !== undefined) return existing;

  // Replicas starting together race here: exactly one insert wins and everyone reads the winner.
  const candidate = randomBytes(GENERATED_KEY_BYTES).toString('base64');
  const inserted = await db.query<{ value: string }>(
    'INSERT INTO bounded_settings (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING value',
    [SETTING_NAME, candidate],
  );
  const mine = inserted.rows[0];
  if (mine !== undefined) return decodeStoredKey(mine.value);

  const winner = await readStoredKey(db);
  if (winner === undefined) {
    throw new Error(`bounded_settings has no '${SETTING_NAME}' row right after an insert conflicted on it`);
  }
  return winner;
}

async function readStoredKey(db: Queryable): Promise<Uint8Array | undefined> {
  let result;
  try {
    result = await db.query<{ value: string }>('SELECT value FROM bounded_settings WHERE name = $1', [
      SETTING_NAME,
    ]);
  } catch (error) {
    if (isUndefinedTable(error)) {
      throw new Error(
        'table bounded_settings does not exist: run settingsMigration before loading the cursor key',
        {
          cause: error,
        },
      );
    }
    throw error;
  }
  const row = result.rows[0];
  return row === undefined ? undefined : decodeStoredKey(row.value);
}

function decodeStoredKey(value: string): Uint8Array {
  const bytes = Buffer.from(value, 'base64');
  // Regenerating would silently invalidate every cursor in flight, so a damaged key stops here.
  if (bytes.length < MIN_KEY_BYTES) {
    throw new Error(
      `bounded_settings.${SETTING_NAME} holds ${bytes.length} bytes, fewer than ${MIN_KEY_BYTES}; delete the row to generate a new key`,
    );
  }
  return new Uint8Array(bytes);
}

function isUndefinedTable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '42P01';
}
