import { setTimeout as delay } from 'node:timers/promises';
import type { Database } from '@bounded/core';
import type { CloudOpsDeps } from './config.js';
import { launchTags } from './domain/tags.js';
import { findEnvironmentByName, insertEnvironment, setEnvironmentStatus } from './store/environments.js';
import { newId } from './store/ids.js';
import { insertOperation, settleOperation } from './store/operations.js';
import { recordProvisioned } from './store/provisioned.js';

interface DemoEnvironment {
  name: string;
  type: string;
  count: number;
  tags: Record<string, string>;
  ttlHours?: number;
  stopped?: boolean;
}

// A small fleet worth reporting on: a web tier, a stopped batch box, a previous-generation
// instance with a TTL, and one untagged instance nobody here manages.
const DEMO: DemoEnvironment[] = [
  { name: 'demo-web', type: 't3.micro', count: 2, tags: { Name: 'web', team: 'storefront' } },
  { name: 'demo-batch', type: 'm5.large', count: 1, tags: { Name: 'batch', team: 'data' }, stopped: true },
  {
    name: 'demo-legacy',
    type: 't2.micro',
    count: 1,
    tags: { Name: 'legacy-cron', team: 'ops' },
    ttlHours: 48,
  },
];
const DEMO_IMAGE = 'ami-0123456789abcdef0';

/**
 * Launches the demo fleet (policy does not apply: this is the operator's own seed). Idempotent:
 * environments already on record are skipped, and fixed client tokens make EC2 return the same
 * instances if the database was lost but the sandbox kept them.
 */
export async function seedDemo(db: Database, deps: CloudOpsDeps): Promise<void> {
  const signal = AbortSignal.timeout(120_000);
  const region = deps.config.AWS_REGION;
  for (const demo of DEMO) {
    if (await findEnvironmentByName(db, demo.name)) continue;
    const ids = { environmentId: newId('env'), operationId: newId('op') };
    const clientToken = `bounded-seed-${demo.name}`;
    const expiresAt = demo.ttlHours ? new Date(Date.now() + demo.ttlHours * 3_600_000) : undefined;
    await db.transaction(async (tx) => {
      await insertEnvironment(tx, {
        id: ids.environmentId,
        name: demo.name,
        region,
        instanceType: demo.type,
        instanceCount: demo.count,
        imageId: DEMO_IMAGE,
        subnetId: undefined,
        tags: demo.tags,
        expiresAt,
        createdBy: 'seed-demo',
      });
      await insertOperation(tx, {
        id: ids.operationId,
        environmentId: ids.environmentId,
        kind: 'provision',
        targetState: 'running',
        clientToken,
        principal: 'seed-demo',
      });
    });
    const launched = await deps.ec2.runInstances(
      region,
      {
        imageId: DEMO_IMAGE,
        instanceType: demo.type,
        count: demo.count,
        tags: launchTags(demo.name, ids.operationId, demo.tags, expiresAt),
        clientToken,
      },
      signal,
    );
    const instanceIds = launched.instances.map((i) => i.id);
    await recordProvisioned(db, ids, { reservationId: launched.reservationId, instanceIds });
    await settleOperation(db, ids.operationId, 'succeeded');
    await setEnvironmentStatus(db, ids.environmentId, 'running');
    if (demo.stopped) {
      await until('running', deps, region, instanceIds, signal);
      await deps.ec2.changeState(region, 'StopInstances', instanceIds, signal);
      await until('stopped', deps, region, instanceIds, signal);
      await setEnvironmentStatus(db, ids.environmentId, 'stopped');
    }
  }
  const { instances } = await deps.ec2.describeAll(
    region,
    { filters: [{ Name: 'image-id', Values: ['ami-0fedcba9876543210'] }] },
    10,
    signal,
  );
  if (instances.length === 0) {
    await deps.ec2.runInstances(
      region,
      {
        imageId: 'ami-0fedcba9876543210',
        instanceType: 't3.small',
        count: 1,
        tags: {},
        clientToken: 'bounded-seed-untagged',
      },
      signal,
    );
  }
}

/** Polls until every instance is in `state` (the demo waits out the sandbox's transitions). */
async function until(
  state: string,
  deps: CloudOpsDeps,
  region: string,
  ids: string[],
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    const { instances } = await deps.ec2.describeAll(region, { ids }, ids.length, signal);
    if (instances.every((i) => i.state === state)) return;
    await delay(200, undefined, { signal });
  }
}
