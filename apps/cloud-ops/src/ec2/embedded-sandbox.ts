import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@bounded/core';
import type { Ec2Target } from './gateway.js';
import { EMULATOR_CREDENTIALS } from './target.js';

/**
 * The embedded EC2 sandbox as a gateway target: loaded and started on the first EC2 call, its
 * instances kept in `dataDir` so they survive restarts like the embedded database does.
 */
export function embeddedSandbox(
  dataDir: string,
  region: string,
  log: Logger,
): {
  target: () => Promise<Ec2Target>;
  stateFile: string;
  close: () => Promise<void>;
} {
  const stateFile = join(dataDir, 'ec2-sandbox.json');
  let started: Promise<{ endpoint: string; close: () => Promise<void> }> | undefined;
  const start = async () => {
    const { startEc2Sandbox } = await import('@bounded/ec2-sandbox');
    mkdirSync(dataDir, { recursive: true });
    const sandbox = await startEc2Sandbox({ stateFile, region });
    log.info({ endpoint: sandbox.endpoint, state_file: stateFile }, 'embedded EC2 sandbox started');
    return sandbox;
  };
  return {
    stateFile,
    async target() {
      started ??= start().catch((error: unknown) => {
        started = undefined;
        throw error;
      });
      return { endpoint: (await started).endpoint, credentials: EMULATOR_CREDENTIALS };
    },
    async close() {
      if (started) await (await started).close();
    },
  };
}
