import { ToolError } from '../errors.js';

/** One sort key. `column` is an SQL identifier written in code (optionally qualified: `p.amount`). */
export interface SortColumn {
  column: string;
  direction: 'asc' | 'desc';
}

/** A keyset position: the sort values of the last row returned, keyed by `SortColumn.column`. */
export type KeysetPosition = Record<string, unknown>;

const IDENTIFIER = /^[a-z_][a-z0-9_.]*$/;

/** `ORDER BY` clause for `columns`, e.g. `ORDER BY amount DESC, id ASC`. */
export function orderBy(columns: readonly SortColumn[]): string {
  assertColumns(columns);
  return `ORDER BY ${columns.map((c) => `${c.column} ${c.direction === 'asc' ? 'ASC' : 'DESC'}`).join(', ')}`;
}

/**
 * Predicate selecting the rows strictly after `position` in the order of `columns`, with its
 * parameters numbered from `$firstParam`; `TRUE` when there is no position (the first page).
 * Sort columns must be NOT NULL and the last one unique (a primary key), or rows are lost or repeated.
 */
export function keysetAfter(
  columns: readonly SortColumn[],
  position: KeysetPosition | undefined,
  firstParam: number,
): { sql: string; params: unknown[] } {
  assertColumns(columns);
  if (!Number.isInteger(firstParam) || firstParam < 1) {
    throw new RangeError(`firstParam must be a positive integer, got ${firstParam}`);
  }
  if (position === undefined) return { sql: 'TRUE', params: [] };

  const params = columns.map((c) => positionValue(position, c.column));
  const refs = columns.map((c, i) => ({
    ...c,
    param: `$${firstParam + i}`,
    after: c.direction === 'asc' ? '>' : '<',
  }));
  const lead = refs[0];
  if (lead === undefined) throw new Error('unreachable: assertColumns guarantees a sort column');

  // With one direction a row comparison says the same thing and lets PostgreSQL use the index directly.
  if (refs.every((r) => r.direction === lead.direction)) {
    const sql =
      refs.length === 1
        ? `${lead.column} ${lead.after} ${lead.param}`
        : `(${refs.map((r) => r.column).join(', ')}) ${lead.after} (${refs.map((r) => r.param).join(', ')})`;
    return { sql: `(${sql})`, params };
  }

  // Mixed directions: (a after) OR (a = AND b after) OR (a = AND b = AND c after) ...
  const branches = refs.map((r, i) =>
    [...refs.slice(0, i).map((t) => `${t.column} = ${t.param}`), `${r.column} ${r.after} ${r.param}`].join(
      ' AND ',
    ),
  );
  // The redundant bound on the leading column gives the planner an index range to scan.
  const bound = `${lead.column} ${lead.after}= ${lead.param}`;
  return { sql: `(${bound} AND (${branches.map((b) => `(${b})`).join(' OR ')}))`, params };
}

/**
 * Splits `rows` (fetched with `LIMIT limit + 1`) into the page and the position to continue from;
 * `nextPosition` is undefined on the last page. If the page is later cut to fit a size budget,
 * continue from the last item kept instead.
 */
export function takePage<T>(
  rows: T[],
  limit: number,
  positionOf: (row: T) => KeysetPosition,
): { items: T[]; nextPosition: KeysetPosition | undefined } {
  if (!Number.isInteger(limit) || limit < 1) {
    throw new RangeError(`limit must be a positive integer, got ${limit}`);
  }
  if (rows.length <= limit) return { items: rows, nextPosition: undefined };
  const items = rows.slice(0, limit);
  const last = items[items.length - 1] as T;
  return { items, nextPosition: positionOf(last) };
}

function positionValue(position: KeysetPosition, column: string): unknown {
  if (!Object.hasOwn(position, column)) {
    // Only a cursor from an older release (another sort) lacks a key; signatures rule out forgery.
    throw new ToolError(
      'invalid_argument',
      `The cursor does not carry a position for sort column '${column}'.`,
      {
        hint: 'The cursor is from an earlier version of this tool. Repeat the call without cursor to start over.',
        details: { reason: 'foreign_query', column },
      },
    );
  }
  const value = position[column];
  if (value === null || value === undefined) {
    throw new Error(
      `keyset position for '${column}' is ${String(value)}; keyset sort columns must be NOT NULL`,
    );
  }
  return value;
}

function assertColumns(columns: readonly SortColumn[]): void {
  if (columns.length === 0) throw new Error('keyset pagination needs at least one sort column');
  const seen = new Set<string>();
  for (const { column, direction } of columns) {
    if (!IDENTIFIER.test(column)) throw new Error(`sort column '${column}' is not a plain SQL identifier`);
    if (direction !== 'asc' && direction !== 'desc') {
      throw new Error(`sort column '${column}' has direction '${String(direction)}'; use 'asc' or 'desc'`);
    }
    if (seen.has(column)) throw new Error(`sort column '${column}' appears twice`);
    seen.add(column);
  }
}
