// cloud-ops-mcp: parse flags and env, pick the transport, run.
import { runApp } from '@bounded/core';
import { CloudOpsConfig } from './config.js';
import { createDeps } from './deps.js';
import { seedDemo } from './seed-demo.js';
import { cloudOpsApp } from './server.js';
import { startTtlSweep } from './ttl-sweep.js';

await runApp({
  app: cloudOpsApp,
  migrations: new URL('../migrations/', import.meta.url),
  config: CloudOpsConfig,
  flags: { sandbox: { env: 'CLOUD_OPS_SANDBOX', type: 'boolean' } },
  deps: createDeps,
  seedDemo,
  startJobs: startTtlSweep,
});
