import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed-demo.js';
import { ok, setupCloudOps, type CloudOps } from './support/cloud-ops.js';

let env: CloudOps;

beforeAll(async () => {
  env = await setupCloudOps();
});

afterAll(async () => {
  await env?.close();
});

describe('the demo fleet', () => {
  it('is launched once, however often it is seeded', async () => {
    await seedDemo(env.db, env.deps);
    await seedDemo(env.db, env.deps);
    const client = await env.connect();
    const report = await ok(client, 'get_fleet_report', {});
    expect(report.total_instances).toBe(5);
    expect(report.managed_instances).toBe(4);
    expect(report.untagged.count).toBe(1);
    expect(report.by_state.find((b: { key: string }) => b.key === 'stopped')?.instances).toBe(1);
    expect(report.previous_generation).toEqual([{ type: 't2.micro', instances: 1, suggestion: 't3.micro' }]);
    expect(env.requests('RunInstances')).toHaveLength(4);
  });
});
