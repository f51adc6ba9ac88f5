import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed-demo.js';
import { invariantViolations } from './support/invariants.js';
import { rowCounts, setupBilling, type Billing } from './support/billing.js';

describe('seedDemo', () => {
  let b: Billing;
  beforeAll(async () => {
    b = await setupBilling();
  });
  afterAll(async () => b.close());

  it('loads a demo book that balances, and a second run changes nothing', async () => {
    await seedDemo(b.db, b.clock.now);
    const first = await rowCounts(b.db);
    await seedDemo(b.db, b.clock.now);
    expect(await rowCounts(b.db)).toEqual(first);
    expect(await invariantViolations(b.db)).toEqual([]);
    expect(first.plans).toBeGreaterThanOrEqual(3);
    expect(first.refunds).toBeGreaterThanOrEqual(1);
  });

  it('has customers in at least three currencies and paid, partly paid and overdue invoices', async () => {
    const { rows: currencies } = await b.db.query<{ currency: string }>(
      'SELECT DISTINCT currency FROM customers',
    );
    expect(currencies.map((r) => r.currency).sort()).toEqual(
      expect.arrayContaining(['EUR', 'JPY', 'USD', 'KWD']),
    );
    const { rows } = await b.db.query<{ paid: string; partly: string; overdue: string; credit: string }>(
      `SELECT count(*) FILTER (WHERE status = 'paid')::text AS paid,
              count(*) FILTER (WHERE status = 'open' AND amount_paid_minor > 0)::text AS partly,
              count(*) FILTER (WHERE status = 'open' AND due_at < $1::timestamptz)::text AS overdue,
              (SELECT count(*) FROM credit_lots WHERE remaining_minor > 0)::text AS credit
         FROM invoices`,
      [b.clock.now.toISOString()],
    );
    const counts = rows[0]!;
    expect(Number(counts.paid)).toBeGreaterThan(0);
    expect(Number(counts.partly)).toBeGreaterThan(0);
    expect(Number(counts.overdue)).toBeGreaterThan(0);
    expect(Number(counts.credit)).toBeGreaterThan(0);
  });
});
