import { afterAll, beforeAll, expect, it } from 'vitest';
import { createLogger, type Database } from '@bounded/core';
import { renewDue, startRenewals } from '../src/renewals.js';
import { onboardCustomer } from '../src/tools/onboard-customer.js';
import { call, setupBilling, type Billing } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

let b: Billing;
beforeAll(async () => {
  b = await setupBilling({}, new Date('2026-03-10T09:00:00Z'));
  await addTestPlans(b.db);
});
afterAll(async () => b.close());

async function invoiceCount(customerId: string): Promise<number> {
  const { rows } = await b.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM invoices WHERE customer_id = $1',
    [customerId],
  );
  return rows[0]!.n;
}

it('invoices each ended period once, however often or concurrently the sweep runs', async () => {
  const { data } = await call(b, onboardCustomer, { name: 'Renewing customer', plan_id: 'plan_basic' });
  const customerId = data.customer.customer_id;
  expect(await invoiceCount(customerId)).toBe(1);
  b.clock.now = new Date('2026-05-11T00:00:00Z'); // two monthly periods have ended
  const sweeps = await Promise.all([renewDue(b.db, b.deps), renewDue(b.db, b.deps), renewDue(b.db, b.deps)]);
  expect(sweeps.reduce((a, n) => a + n, 0)).toBe(2);
  expect(await invoiceCount(customerId)).toBe(3);
  expect(await renewDue(b.db, b.deps)).toBe(0);
  expect(await invariantViolations(b.db)).toEqual([]);
});

it('the background job sweeps at start and stops when asked; interval 0 turns it off', async () => {
  const { data } = await call(b, onboardCustomer, { name: 'Job customer', plan_id: 'plan_basic' });
  b.clock.now = new Date('2026-07-01T00:00:00Z');
  const log = createLogger({ name: 'renewals-test', level: 'silent' });
  // A sweep opens its first transaction synchronously, before startRenewals returns: a database
  // that counts its uses shows whether one started, with no waiting.
  let uses = 0;
  const watched: Database = {
    ...b.db,
    query: (sql, params) => ((uses += 1), b.db.query(sql, params)),
    transaction: (fn, options) => ((uses += 1), b.db.transaction(fn, options)),
  };
  const off = startRenewals({
    db: watched,
    deps: { ...b.deps, config: { ...b.deps.config, BILLING_RENEWAL_INTERVAL_MINUTES: 0 } },
    log,
  });
  off();
  expect(uses).toBe(0);
  const stop = startRenewals({ db: watched, deps: b.deps, log });
  expect(uses).toBe(1);
  try {
    for (let i = 0; i < 100 && (await invoiceCount(data.customer.customer_id)) === 1; i++)
      await new Promise((r) => setTimeout(r, 50));
    expect(await invoiceCount(data.customer.customer_id)).toBeGreaterThan(1);
  } finally {
    stop();
  }
});

it('keeps monthly periods on the anchor day: Jan 31 → Feb 28 → Mar 31 → Apr 30', async () => {
  b.clock.now = new Date('2026-01-31T10:00:00Z');
  const { data } = await call(b, onboardCustomer, { name: 'Month-end customer', plan_id: 'plan_basic' });
  const customerId = data.customer.customer_id;
  b.clock.now = new Date('2026-04-01T00:00:00Z'); // the periods ending Feb 28 and Mar 31 are over
  await renewDue(b.db, b.deps);
  const { rows } = await b.db.query<{ period_start: string; period_end: string }>(
    `SELECT to_char(l.period_start, 'YYYY-MM-DD') AS period_start, to_char(l.period_end, 'YYYY-MM-DD') AS period_end
       FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
      WHERE i.customer_id = $1 ORDER BY l.period_start`,
    [customerId],
  );
  expect(rows).toEqual([
    { period_start: '2026-01-31', period_end: '2026-02-28' },
    { period_start: '2026-02-28', period_end: '2026-03-31' },
    { period_start: '2026-03-31', period_end: '2026-04-30' },
  ]);
  expect(await invariantViolations(b.db)).toEqual([]);
});
