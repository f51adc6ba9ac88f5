#!/usr/bin/env node
// ec2-sandbox --port N [--host 127.0.0.1] [--state FILE] [--region R] [--pending-ms N] [--stopping-ms N] [--shutting-down-ms N]
import { parseArgs } from 'node:util';
import { startEc2Sandbox } from './sandbox.js';

const USAGE =
  'usage: ec2-sandbox --port N [--host 127.0.0.1] [--state FILE] [--region us-east-1] ' +
  '[--pending-ms N] [--stopping-ms N] [--shutting-down-ms N]';

function whole(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) {
    console.error(`ec2-sandbox: --${name} must be a whole number, got '${value}'\n${USAGE}`);
    process.exit(2);
  }
  return Number(value);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      state: { type: 'string' },
      region: { type: 'string' },
      'pending-ms': { type: 'string' },
      'stopping-ms': { type: 'string' },
      'shutting-down-ms': { type: 'string' },
      help: { type: 'boolean' },
    },
  }));
} catch (error) {
  console.error(`ec2-sandbox: ${(error as Error).message}\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.error(USAGE);
  process.exit(0);
}

let sandbox;
try {
  sandbox = await startEc2Sandbox({
    host: values.host,
    port: whole('port', values.port),
    region: values.region,
    stateFile: values.state,
    delays: {
      pendingMs: whole('pending-ms', values['pending-ms']),
      stoppingMs: whole('stopping-ms', values['stopping-ms']),
      shuttingDownMs: whole('shutting-down-ms', values['shutting-down-ms']),
    },
  });
} catch (error) {
  // A taken port or an unreadable state file: one line saying which, not a stack.
  console.error(`ec2-sandbox: cannot start: ${(error as Error).message}`);
  process.exit(1);
}
console.error(
  `ec2-sandbox listening on ${sandbox.endpoint}${values.state ? ` (state in ${values.state})` : ''}`,
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void sandbox.close().then(() => process.exit(0));
  });
}
