import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../src/db/database.js';
import { ToolError } from '../src/errors.js';
import { createCursorCodec } from '../src/pagination/cursor.js';
import {
  keysetAfter,
  orderBy,
  takePage,
  type KeysetPosition,
  type SortColumn,
} from '../src/pagination/keyset.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/test-database.js';

describe('orderBy', () => {
  it('renders each column with its direction, in order', () => {
    expect(
      orderBy([
        { column: 'amount', direction: 'desc' },
        { column: 'p.id', direction: 'asc' },
      ]),
    ).toBe('ORDER BY amount DESC, p.id ASC');
  });

  it.each(['Amount', 'id; DROP TABLE x', '1col', 'a-b', '"id"', ''])(
    'refuses %j as a column name',
    (column) => {
      expect(() => orderBy([{ column, direction: 'asc' }])).toThrow(/identifier/);
    },
  );

  it('refuses an empty sort, a duplicate column and an unknown direction', () => {
    expect(() => orderBy([])).toThrow(/at least one/);
    expect(() =>
      orderBy([
        { column: 'id', direction: 'asc' },
        { column: 'id', direction: 'desc' },
      ]),
    ).toThrow(/twice/);
    expect(() => orderBy([{ column: 'id', direction: 'up' as 'asc' }])).toThrow(/direction/);
  });
});

describe('keysetAfter', () => {
  const mixed: SortColumn[] = [
    { column: 'amount', direction: 'desc' },
    { column: 'id', direction: 'asc' },
  ];

  it('is TRUE with no parameters on the first page', () => {
    expect(keysetAfter(mixed, undefined, 3)).toEqual({ sql: 'TRUE', params: [] });
  });

  it('uses a row comparison when every column goes the same way', () => {
    const asc: SortColumn[] = [
      { column: 'at', direction: 'asc' },
      { column: 'id', direction: 'asc' },
    ];
    expect(keysetAfter(asc, { at: '2026-01-01', id: 4 }, 1)).toEqual({
      sql: '((at, id) > ($1, $2))',
      params: ['2026-01-01', 4],
    });
    expect(keysetAfter([{ column: 'id', direction: 'desc' }], { id: 4 }, 2)).toEqual({
      sql: '(id < $2)',
      params: [4],
    });
  });

  it('expands mixed directions into OR branches, numbering parameters from firstParam', () => {
    expect(keysetAfter(mixed, { amount: 500, id: 9 }, 3)).toEqual({
      sql: '(amount <= $3 AND ((amount < $3) OR (amount = $3 AND id > $4)))',
      params: [500, 9],
    });
  });

  it('refuses a position that lacks a sort column as a ToolError the model can act on', () => {
    let caught: unknown;
    try {
      keysetAfter(mixed, { amount: 5 }, 1);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ToolError);
    expect((caught as ToolError).code).toBe('invalid_argument');
    expect((caught as ToolError).hint).toMatch(/without cursor/);
  });

  it('refuses a null position value, which would silently lose rows', () => {
    expect(() => keysetAfter(mixed, { amount: null, id: 1 }, 1)).toThrow(/NOT NULL/);
  });

  it('refuses a parameter number below 1', () => {
    expect(() => keysetAfter(mixed, { amount: 1, id: 1 }, 0)).toThrow(/firstParam/);
  });
});

describe('takePage', () => {
  const positionOf = (n: number) => ({ id: n });

  it('returns the first `limit` rows and the position of the last one when there are more', () => {
    expect(takePage([1, 2, 3, 4], 3, positionOf)).toEqual({ items: [1, 2, 3], nextPosition: { id: 3 } });
  });

  it('has no next position on the last page', () => {
    expect(takePage([1, 2, 3], 3, positionOf)).toEqual({ items: [1, 2, 3], nextPosition: undefined });
    expect(takePage([], 3, positionOf)).toEqual({ items: [], nextPosition: undefined });
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => takePage([1], 0, positionOf)).toThrow(/limit/);
    expect(() => takePage([1], 1.5, positionOf)).toThrow(/limit/);
  });
});

// ---- against a real database --------------------------------------------------------------------

interface Row {
  id: number;
  amount: number;
  grp: string;
  at: Date;
}

const codec = createCursorCodec({ key: new Uint8Array(randomBytes(32)) });

/**
 * Pages through `table` the way a tool does: limit + 1 rows, takePage, and the position carried
 * through a real cursor (so it survives JSON, as it must in production). Returns ids in page order.
 */
async function pageThrough(
  db: Queryable,
  table: string,
  columns: readonly SortColumn[],
  pageSize: number,
  filter: { minAmount: number },
): Promise<{ ids: number[]; pages: number }> {
  const binding = { table, columns, filter };
  const positionOf = (row: Row): KeysetPosition => {
    const position: KeysetPosition = {};
    for (const { column } of columns) {
      const value = row[column as keyof Row];
      position[column] = value instanceof Date ? value.toISOString() : value;
    }
    return position;
  };
  const ids: number[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const position = cursor === undefined ? undefined : codec.decode(cursor, binding);
    const after = keysetAfter(columns, position, 2);
    const { rows } = await db.query<Row>(
      `SELECT id, amount, grp, at FROM ${table} WHERE amount >= $1 AND ${after.sql} ${orderBy(columns)} LIMIT ${pageSize + 1}`,
      [filter.minAmount, ...after.params],
    );
    const page = takePage(rows, pageSize, positionOf);
    expect(page.items.length).toBeLessThanOrEqual(pageSize);
    ids.push(...page.items.map((r) => r.id));
    pages += 1;
    cursor = page.nextPosition === undefined ? undefined : codec.encode(page.nextPosition, binding);
    if (pages > 10_000) throw new Error('pagination does not terminate');
  } while (cursor !== undefined);
  return { ids, pages };
}

describe('keyset pagination on PostgreSQL', () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(async () => {
    await t.close();
  });

  it('visits 250 rows with ties exactly once, in (amount desc, id asc) order, 7 at a time', async () => {
    await t.db.query(
      'CREATE TABLE payments (id integer PRIMARY KEY, amount integer NOT NULL, grp text NOT NULL, at timestamptz NOT NULL)',
    );
    // Inserted in shuffled order with only 12 distinct amounts, so ties straddle page boundaries.
    const rows = Array.from({ length: 250 }, (_, i) => ({ id: i + 1, amount: ((i * 7919) % 12) * 100 }));
    const shuffled = [...rows].sort((a, b) => ((a.id * 104729) % 251) - ((b.id * 104729) % 251));
    for (const r of shuffled) {
      await t.db.query("INSERT INTO payments (id, amount, grp, at) VALUES ($1, $2, 'g', now())", [
        r.id,
        r.amount,
      ]);
    }
    const columns: SortColumn[] = [
      { column: 'amount', direction: 'desc' },
      { column: 'id', direction: 'asc' },
    ];

    const { ids, pages } = await pageThrough(t.db, 'payments', columns, 7, { minAmount: 0 });

    const expected = [...rows].sort((a, b) => b.amount - a.amount || a.id - b.id).map((r) => r.id);
    expect(new Set(ids).size).toBe(250);
    expect(ids).toEqual(expected);
    expect(pages).toBe(Math.ceil(250 / 7));
  });

  it('returns every row exactly once in ORDER BY order for random data, sorts and page sizes', async () => {
    const column = fc.constantFrom('amount', 'grp', 'at');
    const sortSpec = fc
      .uniqueArray(column, { minLength: 0, maxLength: 3 })
      .chain((cols) =>
        fc.tuple(
          fc.constant(cols),
          fc.array(fc.constantFrom('asc', 'desc') as fc.Arbitrary<'asc' | 'desc'>, {
            minLength: cols.length + 1,
            maxLength: cols.length + 1,
          }),
        ),
      )
      .map(([cols, dirs]): SortColumn[] =>
        [...cols, 'id'].map((c, i) => ({ column: c, direction: dirs[i] ?? 'asc' })),
      );
    const row = fc.record({
      amount: fc.integer({ min: -3, max: 3 }),
      grp: fc.constantFrom('a', 'b', 'c'),
      atOffsetMs: fc.integer({ min: 0, max: 4 }),
    });
    let run = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 60 }),
        sortSpec,
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: -4, max: 1 }),
        async (data, columns, pageSize, minAmount) => {
          const table = `prop_${(run += 1)}`;
          await t.db.query(
            `CREATE TABLE ${table} (id integer PRIMARY KEY, amount integer NOT NULL, grp text NOT NULL, at timestamptz NOT NULL)`,
          );
          try {
            for (const [i, r] of data.entries()) {
              await t.db.query(`INSERT INTO ${table} (id, amount, grp, at) VALUES ($1, $2, $3, $4)`, [
                i + 1,
                r.amount,
                r.grp,
                new Date(Date.UTC(2026, 0, 1) + r.atOffsetMs),
              ]);
            }
            const oracle = await t.db.query<{ id: number }>(
              `SELECT id FROM ${table} WHERE amount >= $1 ${orderBy(columns)}`,
              [minAmount],
            );
            const { ids } = await pageThrough(t.db, table, columns, pageSize, { minAmount });
            expect(ids).toEqual(oracle.rows.map((r) => r.id));
          } finally {
            await t.db.query(`DROP TABLE ${table}`);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
