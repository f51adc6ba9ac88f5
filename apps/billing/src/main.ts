// billing-mcp: parse flags and env, pick the transport, run.
import { runApp } from '@bounded/core';
import { BillingConfig } from './config.js';
import { startRenewals } from './renewals.js';
import { seedDemo } from './seed-demo.js';
import { billingApp } from './server.js';

await runApp({
  app: billingApp,
  migrations: new URL('../migrations/', import.meta.url),
  config: BillingConfig,
  deps: ({ config }) => ({ config }),
  seedDemo: (db) => seedDemo(db, new Date()),
  startJobs: startRenewals,
});
