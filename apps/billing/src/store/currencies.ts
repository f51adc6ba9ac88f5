import { ToolError, type Queryable } from '@bounded/core';

/** The currency's exponent; an unknown code is an invalid_argument naming `field`. */
export async function requireCurrency(q: Queryable, code: string, field: string): Promise<number> {
  const { rows } = await q.query<{ exponent: number }>('SELECT exponent FROM currencies WHERE code = $1', [
    code,
  ]);
  const row = rows[0];
  if (row) return Number(row.exponent);
  const known = await q.query<{ code: string }>('SELECT code FROM currencies ORDER BY code');
  throw new ToolError('invalid_argument', `${field}: '${code}' is not a currency this ledger accepts.`, {
    hint: `Use an ISO 4217 code from: ${known.rows.map((r) => r.code).join(', ')}.`,
    details: { field, value: code },
  });
}

/**
 * Refuses an amount stated in one currency for a document in another: minor units differ (JPY 1
 * is a whole yen, KWD 1 a thousandth of a dinar), so a mismatch is never converted.
 */
export function assertCurrencyMatches(given: string, expected: string, field: string, what: string): void {
  if (given === expected) return;
  throw new ToolError(
    'invalid_argument',
    `${field}: '${given}' does not match ${what}, which is in ${expected}.`,
    {
      hint: `State amounts in minor units of ${expected} and pass ${field}: '${expected}'. Currencies are never converted.`,
      details: { field, value: given, expected },
    },
  );
}
