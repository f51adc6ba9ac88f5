import { createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Queryable } from '../src/db/database.js';
import { migrate } from '../src/db/migrate.js';
import { ToolError } from '../src/errors.js';
import { loadCursorKey } from '../src/pagination/cursor-key.js';
import { createCursorCodec, MAX_CURSOR_CHARS, type CursorCodec } from '../src/pagination/cursor.js';
import { settingsMigration } from '../src/pagination/schema.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.js';

const HOUR_MS = 3_600_000;
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

function codecAt(clock: { ms: number }, key: Uint8Array = fixedKey, ttlSeconds?: number): CursorCodec {
  return createCursorCodec({ key, now: () => clock.ms, ...(ttlSeconds === undefined ? {} : { ttlSeconds }) });
}
const fixedKey = new Uint8Array(randomBytes(32));

/** Runs `fn` and returns the ToolError it throws; fails the test if it throws nothing or something else. */
function refusal(fn: () => unknown): ToolError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ToolError);
    return error as ToolError;
  }
  throw new Error('expected a ToolError, but the call succeeded');
}

function flipChar(text: string, index: number): string {
  const c = text[index];
  return text.slice(0, index) + (c === 'A' ? 'B' : 'A') + text.slice(index + 1);
}

describe('createCursorCodec', () => {
  const binding = { tool: 'list_payments', status: 'settled', customer: 'cus_42' };
  const position = { amount: 1999, id: 'pay_0193' };

  it('round-trips a position for the same query', () => {
    const codec = codecAt({ ms: T0 });
    const cursor = codec.encode(position, binding);
    expect(codec.decode(cursor, binding)).toEqual(position);
  });

  it('issues short, opaque, URL-safe cursors', () => {
    const cursor = codecAt({ ms: T0 }).encode(position, binding);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    // The position in base64 plus at most 120 characters of envelope (binding digest, expiry, tag).
    expect(cursor.length).toBeLessThanOrEqual(Math.ceil((JSON.stringify(position).length * 4) / 3) + 120);
    expect(cursor).not.toContain('settled'); // filters travel as a digest, not in clear
  });

  it('round-trips arbitrary JSON positions under arbitrary bindings', () => {
    const scalar = fc.oneof(fc.integer(), fc.string({ maxLength: 20 }), fc.boolean());
    const record = fc.dictionary(fc.stringMatching(/^[a-z_][a-z0-9_.]{0,11}$/), scalar, { maxKeys: 4 });
    fc.assert(
      fc.property(record, record, (p, b) => {
        const codec = codecAt({ ms: T0 });
        expect(codec.decode(codec.encode(p, b), b)).toEqual(p);
      }),
    );
  });

  it('refuses a payload altered under an intact signature as tampered', () => {
    const codec = codecAt({ ms: T0 });
    const [, signature] = codec.encode(position, binding).split('.');
    const forged = Buffer.from(
      JSON.stringify({ v: 1, p: { amount: 0, id: 'pay_0000' }, b: 'x', e: Math.floor(T0 / 1000) + 3600 }),
    ).toString('base64url');
    const error = refusal(() => codec.decode(`${forged}.${signature}`, binding));
    expect(error.code).toBe('invalid_argument');
    expect(error.details?.reason).toBe('tampered');
    expect(error.hint).toMatch(/not issued by this server or was altered/);
  });

  it('refuses a cursor whose payload has one character changed', () => {
    const codec = codecAt({ ms: T0 });
    const cursor = codec.encode(position, binding);
    const error = refusal(() => codec.decode(flipChar(cursor, 5), binding));
    expect(error.details?.reason).toBe('tampered');
  });

  it('refuses an altered signature', () => {
    const codec = codecAt({ ms: T0 });
    const cursor = codec.encode(position, binding);
    const dot = cursor.indexOf('.');
    const error = refusal(() => codec.decode(flipChar(cursor, dot + 10), binding));
    expect(error.details?.reason).toBe('tampered');
    expect(error.hint).toMatch(/not issued by this server or was altered/);
  });

  it('refuses a signature with spare bits changed, so no cursor has two spellings', () => {
    const codec = codecAt({ ms: T0 });
    const cursor = codec.encode(position, binding);
    // 43 base64url characters carry 258 bits for a 256-bit tag; the last character's low 2 bits are spare.
    const last = cursor.at(-1) as string;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const sibling = alphabet[alphabet.indexOf(last) ^ 1] as string;
    expect(Buffer.from(cursor.slice(cursor.indexOf('.') + 1, -1) + sibling, 'base64url')).toEqual(
      Buffer.from(cursor.slice(cursor.indexOf('.') + 1), 'base64url'),
    );
    const error = refusal(() => codec.decode(cursor.slice(0, -1) + sibling, binding));
    expect(error.details?.reason).toBe('malformed');
  });

  it('refuses a cursor signed with another key as tampered', () => {
    const clock = { ms: T0 };
    const cursor = codecAt(clock, new Uint8Array(randomBytes(32))).encode(position, binding);
    const error = refusal(() => codecAt(clock).decode(cursor, binding));
    expect(error.details?.reason).toBe('tampered');
  });

  it.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['three parts', 'a.b.c'],
    ['non-base64url characters', 'eyJ2IjoxfQ==.abc+/'],
    ['short signature', 'eyJ2IjoxfQ.AAAA'],
    ['over the size limit', `${'A'.repeat(MAX_CURSOR_CHARS)}.${'A'.repeat(43)}`],
  ])('refuses a malformed cursor (%s)', (_, cursor) => {
    const error = refusal(() => codecAt({ ms: T0 }).decode(cursor, binding));
    expect(error.code).toBe('invalid_argument');
    expect(error.details?.reason).toBe('malformed');
    expect(error.hint).toMatch(/not issued by this server or was altered/);
    expect(error.retryable).toBe(false);
  });

  it('refuses a correctly signed payload it cannot read as malformed', () => {
    const payload = Buffer.from(JSON.stringify({ v: 2, p: {}, b: 'x', e: 1 })).toString('base64url');
    const signature = createHmac('sha256', fixedKey).update(payload).digest('base64url');
    const error = refusal(() => codecAt({ ms: T0 }).decode(`${payload}.${signature}`, binding));
    expect(error.details?.reason).toBe('malformed');
  });

  it('accepts a cursor until its expiry and refuses it from then on', () => {
    const clock = { ms: T0 };
    const codec = codecAt(clock);
    const cursor = codec.encode(position, binding);
    clock.ms = T0 + HOUR_MS - 1000;
    expect(codec.decode(cursor, binding)).toEqual(position);
    clock.ms = T0 + HOUR_MS;
    const error = refusal(() => codec.decode(cursor, binding));
    expect(error.code).toBe('invalid_argument');
    expect(error.details?.reason).toBe('expired');
    expect(error.message).toMatch(/expired/);
    expect(error.hint).toMatch(/without cursor/);
  });

  it('honours a custom ttl', () => {
    const clock = { ms: T0 };
    const codec = codecAt(clock, fixedKey, 60);
    const cursor = codec.encode(position, binding);
    clock.ms = T0 + 61_000;
    expect(refusal(() => codec.decode(cursor, binding)).details?.reason).toBe('expired');
  });

  it('refuses a cursor from a query with other filters', () => {
    const codec = codecAt({ ms: T0 });
    const cursor = codec.encode(position, binding);
    const error = refusal(() => codec.decode(cursor, { ...binding, status: 'refunded' }));
    expect(error.code).toBe('invalid_argument');
    expect(error.details?.reason).toBe('foreign_query');
    expect(error.hint).toMatch(/same filters as the call that returned it, or drop the cursor to start over/);
  });

  it('refuses a cursor from another tool with the same filters', () => {
    const codec = codecAt({ ms: T0 });
    const cursor = codec.encode(position, { tool: 'a', q: 1 });
    expect(refusal(() => codec.decode(cursor, { tool: 'b', q: 1 })).details?.reason).toBe('foreign_query');
  });

  it('ignores key order in the binding, at every depth', () => {
    const codec = codecAt({ ms: T0 });
    const cursor = codec.encode(position, { a: 1, b: { x: [1, 2], y: 'z' } });
    expect(codec.decode(cursor, { b: { y: 'z', x: [1, 2] }, a: 1 })).toEqual(position);
  });

  it('still distinguishes array order in the binding', () => {
    const codec = codecAt({ ms: T0 });
    const cursor = codec.encode(position, { ids: [1, 2] });
    expect(refusal(() => codec.decode(cursor, { ids: [2, 1] })).details?.reason).toBe('foreign_query');
  });

  it('refuses keys shorter than 32 bytes and non-positive ttls', () => {
    expect(() => createCursorCodec({ key: new Uint8Array(16) })).toThrow(/at least 32 bytes/);
    expect(() => createCursorCodec({ key: fixedKey, ttlSeconds: 0 })).toThrow(/ttlSeconds/);
  });

  it('refuses to issue a cursor too long for the tool input schema', () => {
    const codec = codecAt({ ms: T0 });
    expect(() => codec.encode({ blob: 'x'.repeat(MAX_CURSOR_CHARS) }, binding)).toThrow(/characters/);
  });
});

// ---- cursor key ---------------------------------------------------------------------------------

describe('loadCursorKey', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
    await migrate(t.db, 'core', [settingsMigration]);
  });
  afterAll(async () => {
    await t.close();
  });
  beforeEach(async () => {
    await t.db.query('DELETE FROM bounded_settings');
  });

  it('generates a 32-byte key once and returns the same key on every later load', async () => {
    const first = await loadCursorKey(t.db);
    const second = await loadCursorKey(t.db);
    expect(first).toHaveLength(32);
    expect(Buffer.from(second).equals(Buffer.from(first))).toBe(true);
    const rows = await t.db.query('SELECT name FROM bounded_settings');
    expect(rows.rows).toEqual([{ name: 'cursor_key' }]);
  });

  it('gives 10 concurrent loads on an empty table the same key', async () => {
    const keys = await Promise.all(Array.from({ length: 10 }, () => loadCursorKey(t.db)));
    const distinct = new Set(keys.map((k) => Buffer.from(k).toString('hex')));
    expect(distinct.size).toBe(1);
    const stored = await t.db.query<{ value: string }>(
      "SELECT value FROM bounded_settings WHERE name = 'cursor_key'",
    );
    expect(Buffer.from(stored.rows[0]?.value ?? '', 'base64').toString('hex')).toBe([...distinct][0]);
  });

  it('lets one replica accept the cursors of another', async () => {
    const replicaA = createCursorCodec({ key: await loadCursorKey(t.db) });
    const replicaB = createCursorCodec({ key: await loadCursorKey(t.db) });
    const cursor = replicaA.encode({ id: 7 }, { q: 'x' });
    expect(replicaB.decode(cursor, { q: 'x' })).toEqual({ id: 7 });
  });

  it('prefers a configured key and does not touch the database', async () => {
    const untouchable: Queryable = {
      query: () => Promise.reject(new Error('the database must not be used when a key is configured')),
    };
    const raw = randomBytes(32);
    expect(Buffer.from(await loadCursorKey(untouchable, raw.toString('hex'))).equals(raw)).toBe(true);
    expect(Buffer.from(await loadCursorKey(untouchable, raw.toString('base64'))).equals(raw)).toBe(true);
    expect(Buffer.from(await loadCursorKey(untouchable, raw.toString('base64url'))).equals(raw)).toBe(true);
    expect(Buffer.from(await loadCursorKey(untouchable, ` ${raw.toString('hex')}\n`)).equals(raw)).toBe(true);
  });

  it('refuses a configured key shorter than 32 bytes, naming CURSOR_SECRET', async () => {
    await expect(loadCursorKey(t.db, randomBytes(31).toString('hex'))).rejects.toThrow(
      /CURSOR_SECRET.*31 bytes/,
    );
    await expect(loadCursorKey(t.db, randomBytes(16).toString('base64'))).rejects.toThrow(
      /CURSOR_SECRET.*16 bytes/,
    );
    await expect(loadCursorKey(t.db, 'not a key!')).rejects.toThrow(/CURSOR_SECRET/);
    await expect(loadCursorKey(t.db, '')).rejects.toThrow(/CURSOR_SECRET/);
    // A refused configuration must not quietly fall back to a generated key.
    expect((await t.db.query('SELECT 1 FROM bounded_settings')).rows).toHaveLength(0);
  });

  it('never puts the configured secret in its error', async () => {
    const secret = 'c2hvcnQtc2VjcmV0';
    const error = await loadCursorKey(t.db, secret).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/CURSOR_SECRET/);
    expect((error as Error).message).not.toContain(secret);
  });

  it('says which migration is missing when bounded_settings does not exist', async () => {
    // Dropped inside a transaction that is then rolled back, so later tests keep the table.
    const rollback = new Error('roll back');
    await expect(
      t.db.transaction(async (tx) => {
        await tx.query('DROP TABLE bounded_settings');
        await expect(loadCursorKey(tx)).rejects.toThrow(/settingsMigration/);
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    expect((await t.db.query('SELECT 1 FROM bounded_settings')).rows).toHaveLength(0);
  });

  it('refuses a damaged stored key instead of replacing it', async () => {
    await t.db.query("INSERT INTO bounded_settings (name, value) VALUES ('cursor_key', 'c2hvcnQ=')");
    await expect(loadCursorKey(t.db)).rejects.toThrow(/fewer than 32/);
    const stored = await t.db.query<{ value: string }>('SELECT value FROM bounded_settings');
    expect(stored.rows).toEqual([{ value: 'c2hvcnQ=' }]);
  });
});
