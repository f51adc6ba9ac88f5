// A database with subscriptions from before anchor days (migration 0004) keeps each subscription on
// its day of month once upgraded, even one in a period clamped to a short month at upgrade time.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadMigrations, migrate } from '@bounded/core';
import { createTestDatabase, createTestRuntime, type TestDatabase } from '@bounded/core/testing';
import { BillingConfig, type BillingDeps } from '../src/config.js';
import { renewDue } from '../src/renewals.js';
import { billingApp } from '../src/server.js';
import { MIGRATIONS } from './support/billing.js';
import { invariantViolations } from './support/invariants.js';
import { addTestPlans } from './support/plans.js';

let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
});
afterAll(async () => testDb.close());

it('renews a subscription that was in a clamped period (Jan 31 → Feb 28) at upgrade on the 31st', async () => {
  const all = await loadMigrations(MIGRATIONS);
  // The schema as it was before anchor days, with a month-end subscription in its February period.
  await migrate(
    testDb.db,
    'billing',
    all.filter((m) => m.id < '0004'),
  );
  await addTestPlans(testDb.db);
  await testDb.db.query(
    `INSERT INTO customers (id, name, currency, created_at) VALUES ('cus_monthend', 'Month-end', 'USD', '2026-01-31T10:00:00Z')`,
  );
  await testDb.db.query(
    `INSERT INTO subscriptions (id, customer_id, plan_id, status, current_period_start, current_period_end, created_at)
     VALUES ('sub_monthend', 'cus_monthend', 'plan_basic', 'active', '2026-01-31T10:00:00Z', '2026-02-28T10:00:00Z', '2026-01-31T10:00:00Z')`,
  );

  const clock = { now: new Date('2026-03-01T00:00:00Z') };
  const deps: BillingDeps = { config: BillingConfig.parse({}), now: () => clock.now };
  const runtime = createTestRuntime({ app: billingApp, db: testDb.db, deps, migrations: all });
  await runtime.ready();
  expect(await renewDue(runtime.db, deps)).toBe(1);

  const { rows } = await testDb.db.query<{ start: string; end: string }>(
    `SELECT to_char(current_period_start, 'YYYY-MM-DD') AS start, to_char(current_period_end, 'YYYY-MM-DD') AS end
       FROM subscriptions WHERE id = 'sub_monthend'`,
  );
  expect(rows).toEqual([{ start: '2026-02-28', end: '2026-03-31' }]);
  expect(await invariantViolations(testDb.db)).toEqual([]);
});
