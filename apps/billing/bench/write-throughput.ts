// Write throughput for different customers at once, before and after system accounts stopped
// keeping a running balance (migration 0005), side by side in one run, interleaved, medians.
//
// Each worker owns one customer and, in one transaction per round trip, issues an invoice and
// records its payment: the postings touch the shared revenue and cash accounts. "before" is a
// schema migrated up to 0004, where those postings update (and lock until commit) the shared
// rows; "after" has every migration. Both run this same code.
//
//   BENCH_DATABASE_URL=postgres://user@host:5432/db pnpm bench:writes [rounds] [workers ≤ 10] [txPerWorker] [rttMs]
//
// rttMs (default 1) waits after every statement, standing in for the network round trip between
// a server and its database: a transaction then holds its locks for as long as it does in
// production. PGlite has one connection, so concurrent writes cannot overlap there and the
// comparison only means something on PostgreSQL.
import { setTimeout as sleep } from 'node:timers/promises';
import { loadMigrations, migrate, type Queryable } from '@bounded/core';
import { createTestDatabase, type TestDatabase } from '@bounded/core/testing';
import { invoiceAndPay } from '../test/support/invoice-and-pay.js';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
if (!url) {
  console.log(
    'billing write throughput: skipped, it needs PostgreSQL (set BENCH_DATABASE_URL or TEST_DATABASE_URL)',
  );
  process.exit(0);
}
const [rounds = 5, workers = 8, txPerWorker = 20, rttMs = 1] = process.argv.slice(2).map(Number);

const migrations = await loadMigrations(new URL('../migrations/', import.meta.url));
const variants = [
  { name: 'before (running balance on shared rows)', migrations: migrations.filter((m) => m.id < '0005') },
  { name: 'after (system balances from entries)', migrations },
];

/** A Queryable that waits `rttMs` after each statement, as a remote database would. */
function overNetwork(q: Queryable): Queryable {
  return {
    async query(sql, params) {
      const result = await q.query(sql, params);
      if (rttMs > 0) await sleep(rttMs);
      return result as never;
    },
  };
}

interface Setup {
  name: string;
  test: TestDatabase;
  customers: string[];
  perSecond: number[];
}

const setups: Setup[] = [];
for (const variant of variants) {
  // A fresh schema of its own in that database (the testing kit's), dropped at the end.
  process.env.TEST_DATABASE_URL = url;
  const test = await createTestDatabase();
  const { db } = test;
  await migrate(db, 'billing', variant.migrations);
  const customers = Array.from({ length: workers }, (_, i) => `cus_bench_${i}`);
  for (const id of customers) {
    await db.query(`INSERT INTO customers (id, name, currency, created_at) VALUES ($1, $1, 'USD', now())`, [
      id,
    ]);
  }
  setups.push({ name: variant.name, test, customers, perSecond: [] });
}

async function measure(setup: Setup): Promise<void> {
  const started = performance.now();
  await Promise.all(
    setup.customers.map(async (customerId) => {
      for (let i = 0; i < txPerWorker; i += 1) {
        await setup.test.db.transaction((tx) => invoiceAndPay(overNetwork(tx), customerId, new Date()));
      }
    }),
  );
  setup.perSecond.push((workers * txPerWorker) / ((performance.now() - started) / 1000));
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

try {
  // A warm-up round each (plans cached, accounts created), then the measured rounds, interleaved.
  for (const setup of setups) await measure(setup);
  for (const setup of setups) setup.perSecond.length = 0;
  for (let round = 0; round < rounds; round += 1) {
    for (const setup of setups) await measure(setup);
  }
  console.log(
    `billing write throughput on PostgreSQL: ${workers} customers at once, ${txPerWorker} transactions each ` +
      `(invoice + payment), ${rttMs} ms per statement round trip, median of ${rounds}`,
  );
  for (const setup of setups) {
    console.log(`  ${setup.name.padEnd(42)} ${median(setup.perSecond).toFixed(1).padStart(8)} tx/s`);
  }
  const [before, after] = setups.map((s) => median(s.perSecond));
  console.log(`  ratio after/before: ${(after! / before!).toFixed(2)}x`);
} finally {
  for (const setup of setups) await setup.test.close();
}
